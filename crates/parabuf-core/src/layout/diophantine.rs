//! Bounded linear Diophantine equations with positive coefficients: does `a[0]·x[0] + … + a[n-1]·x[n-1] = b` have a
//! solution with every `0 <= x[i] <= ub[i]`?
//!
//! Whether two strided layouts share a byte, and whether one layout reaches an element twice, are both this question
//! (see [`super`]); the problem is NP-hard in the number of terms, so the search is bounded. The method is the one
//! numpy's `mem_overlap.c` describes (after P. Ramachandran, "Use of Extended Euclidean Algorithm in Solving a System
//! of Linear Diophantine Equations with Bounded Variables", 2006), written here from its description:
//!
//! Two terms `a1·x1 + a2·x2` take exactly the values `g·y` with `g = gcd(a1, a2)`, so the equation in `n` terms
//! implies one in `n - 1` terms with the first two merged into a term `g·y` whose bound is `(a1/g)·ub1 + (a2/g)·ub2`
//! (a relaxation: every pair gives such a `y`, not every such `y` a pair). Merging repeatedly leaves two terms. The
//! search then walks back up: for the last term, every value compatible with the merged equation (an arithmetic
//! progression given by the extended Euclid coefficients, cut by both bounds) is a candidate; each candidate fixes
//! the right-hand side of the equation one level down, and so on until the first two terms, whose candidates are
//! exact. A candidate that leaves a right-hand side not divisible by that level's gcd, or an empty progression, is a
//! dead end. Most layouts that come from slicing and transposing leave at most one candidate per level.
//!
//! Every node of the search counts one unit of work; past the caller's bound the answer is [`Solved::TooHard`]. All
//! arithmetic is checked; an overflow (possible only for extents near 2^127) also answers [`Solved::TooHard`].

/// One term `a·x` with `0 <= x <= ub`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Term {
    /// The coefficient, positive.
    pub(super) a: i128,
    /// The variable's upper bound, non-negative.
    pub(super) ub: i128,
}

/// The outcome of a bounded search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Solved {
    /// No solution.
    No,
    /// A solution: one value per term, in the terms' order.
    Yes(Vec<i128>),
    /// The work bound was reached, or an intermediate value overflowed, before the question was decided.
    TooHard,
}

/// `n / d` rounded down, for `d > 0`.
fn floor_div(n: i128, d: i128) -> Option<i128> {
    n.checked_div_euclid(d)
}

/// `n / d` rounded up, for `d > 0`.
fn ceil_div(n: i128, d: i128) -> Option<i128> {
    floor_div(n.checked_neg()?, d)?.checked_neg()
}

/// `(g, p, q)` with `g = gcd(x, y)` and `p·x + q·y = g`, for positive `x` and `y`; `|p| <= y/g` and `|q| <= x/g`, so
/// nothing overflows.
fn extended_gcd(x: i128, y: i128) -> (i128, i128, i128) {
    let (mut r0, mut r1) = (x, y);
    let (mut p0, mut p1) = (1i128, 0i128);
    let (mut q0, mut q1) = (0i128, 1i128);
    while r1 != 0 {
        let k = r0 / r1;
        (r0, r1) = (r1, r0 - k * r1);
        (p0, p1) = (p1, p0 - k * p1);
        (q0, q1) = (q1, q0 - k * q1);
    }
    (r0, p0, q0)
}

/// One level of the merge chain: the merged term `g·y` of every term up to this level's, with `y`'s relaxed bound,
/// and the Euclid coefficients that split `y` back into the previous merged term and this level's term.
#[derive(Clone, Copy, Debug)]
struct Level {
    gcd: i128,
    bound: i128,
    p: i128,
    q: i128,
}

struct Search<'t> {
    terms: &'t [Term],
    levels: Vec<Level>,
    /// When set, the solution `x[i] = ub[i] / 2` for every `i` does not count (see [`solve`]).
    exclude_midpoint: bool,
    work: usize,
    max_work: usize,
    x: Vec<i128>,
}

/// Why a branch of the search stopped without a solution.
enum Stop {
    /// The work bound or an overflow: the whole search answers [`Solved::TooHard`].
    Hard,
}

impl Search<'_> {
    /// The merged term of levels `0..=v - 1` (for `v == 1`, the first term itself).
    fn merged_below(&self, v: usize) -> (i128, i128) {
        if v == 1 {
            (self.terms[0].a, self.terms[0].ub)
        } else {
            (self.levels[v - 2].gcd, self.levels[v - 2].bound)
        }
    }

    /// Whether `merged·y + terms[v]·x = b` has a solution that extends to every term below `v`; on success `self.x`
    /// holds it (for terms `0..=v`).
    fn dfs(&mut self, v: usize, b: i128) -> Result<bool, Stop> {
        self.work += 1;
        if self.work > self.max_work {
            return Err(Stop::Hard);
        }
        let (a1, u1) = self.merged_below(v);
        let Term { a: a2, ub: u2 } = self.terms[v];
        let Level { gcd, p, q, .. } = self.levels[v - 1];
        if b % gcd != 0 {
            return Ok(false);
        }
        let c = b / gcd;
        // All solutions: y = p·c + (a2/g)·t, x = q·c - (a1/g)·t, for integer t.
        let (step_y, step_x) = (a2 / gcd, a1 / gcd);
        let hard = |v: Option<i128>| v.ok_or(Stop::Hard);
        let y0 = hard(p.checked_mul(c))?;
        let x0 = hard(q.checked_mul(c))?;
        // 0 <= y <= u1 and 0 <= x <= u2.
        let t_low =
            hard(ceil_div(hard(y0.checked_neg())?, step_y))?.max(hard(ceil_div(hard(x0.checked_sub(u2))?, step_x))?);
        let t_high = hard(floor_div(hard(u1.checked_sub(y0))?, step_y))?.min(hard(floor_div(x0, step_x))?);
        if t_low > t_high {
            return Ok(false);
        }
        let at = |t: i128| -> Result<(i128, i128), Stop> {
            let y = hard(y0.checked_add(hard(step_y.checked_mul(t))?))?;
            let x = hard(x0.checked_sub(hard(step_x.checked_mul(t))?))?;
            Ok((y, x))
        };
        if v == 1 {
            // The first two terms themselves: every t in range is a solution. At most one is the excluded midpoint
            // (t fixes both values), so the next t is not.
            let mut t = t_low;
            loop {
                let (y, x) = at(t)?;
                self.x[0] = y;
                self.x[1] = x;
                if !(self.exclude_midpoint && self.at_midpoint()) {
                    return Ok(true);
                }
                if t == t_high {
                    return Ok(false);
                }
                t += 1;
            }
        }
        let mut t = t_low;
        while t <= t_high {
            let (_, x) = at(t)?;
            self.x[v] = x;
            let rest = hard(b.checked_sub(hard(a2.checked_mul(x))?))?;
            if self.dfs(v - 1, rest)? {
                return Ok(true);
            }
            t += 1;
        }
        Ok(false)
    }

    fn at_midpoint(&self) -> bool {
        self.x.iter().zip(self.terms).all(|(x, term)| *x == term.ub / 2)
    }
}

/// Whether `Σ terms[i].a · x[i] = b` with `0 <= x[i] <= terms[i].ub` has a solution, within `max_work` nodes of
/// search.
///
/// With `exclude_midpoint`, `b` must be `Σ a[i] · ub[i] / 2` with every `ub[i]` even, and the solution
/// `x[i] = ub[i] / 2` is not counted: the internal-overlap question (see [`super::Layout::internal_overlap`]).
///
/// Terms sorted by decreasing coefficient search fastest (the common layouts then leave one candidate per level).
pub(super) fn solve(terms: &[Term], b: i128, max_work: usize, exclude_midpoint: bool) -> Solved {
    debug_assert!(terms.iter().all(|t| t.a > 0 && t.ub >= 0));
    if b < 0 {
        return Solved::No;
    }
    match terms {
        [] => {
            return if b == 0 && !exclude_midpoint { Solved::Yes(Vec::new()) } else { Solved::No };
        }
        [only] => {
            // One variable: its one solution, if any, is the midpoint when that is excluded.
            let fits = b % only.a == 0 && b / only.a <= only.ub;
            return if fits && !exclude_midpoint { Solved::Yes(vec![b / only.a]) } else { Solved::No };
        }
        _ => {}
    }
    let mut levels = Vec::with_capacity(terms.len() - 1);
    let (mut a1, mut u1) = (terms[0].a, terms[0].ub);
    for (i, term) in terms.iter().enumerate().skip(1) {
        let (gcd, p, q) = extended_gcd(a1, term.a);
        // The last merged term's bound is never used (the search starts from the last term itself).
        let bound = if i + 1 == terms.len() {
            Some(0)
        } else {
            (a1 / gcd).checked_mul(u1).zip((term.a / gcd).checked_mul(term.ub)).and_then(|(l, r)| l.checked_add(r))
        };
        let Some(bound) = bound else { return Solved::TooHard };
        levels.push(Level { gcd, bound, p, q });
        (a1, u1) = (gcd, bound);
    }
    let mut search = Search { terms, levels, exclude_midpoint, work: 0, max_work, x: vec![0; terms.len()] };
    match search.dfs(terms.len() - 1, b) {
        Ok(true) => Solved::Yes(search.x),
        Ok(false) => Solved::No,
        Err(Stop::Hard) => Solved::TooHard,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Every assignment, tried one by one.
    fn brute(terms: &[Term], b: i128, exclude_midpoint: bool) -> bool {
        fn rec(terms: &[Term], i: usize, b: i128, x: &mut Vec<i128>, exclude: bool) -> bool {
            if i == terms.len() {
                return b == 0 && !(exclude && x.iter().zip(terms).all(|(x, t)| *x == t.ub / 2));
            }
            (0..=terms[i].ub).any(|v| {
                x.push(v);
                let found = rec(terms, i + 1, b - terms[i].a * v, x, exclude);
                x.pop();
                found
            })
        }
        rec(terms, 0, b, &mut Vec::new(), exclude_midpoint)
    }

    fn check(terms: &[Term], b: i128, exclude_midpoint: bool) -> Result<(), TestCaseError> {
        let expected = brute(terms, b, exclude_midpoint);
        match solve(terms, b, usize::MAX, exclude_midpoint) {
            Solved::Yes(x) => {
                prop_assert!(expected, "found {:?} where there is none", x);
                prop_assert_eq!(x.iter().zip(terms).map(|(x, t)| x * t.a).sum::<i128>(), b);
                prop_assert!(x.iter().zip(terms).all(|(x, t)| (0..=t.ub).contains(x)));
                prop_assert!(!(exclude_midpoint && x.iter().zip(terms).all(|(x, t)| *x == t.ub / 2)));
            }
            Solved::No => prop_assert!(!expected, "missed a solution"),
            Solved::TooHard => prop_assert!(false, "no work bound was set"),
        }
        Ok(())
    }

    fn terms() -> impl Strategy<Value = Vec<Term>> {
        prop::collection::vec((1..40i128, 0..6i128).prop_map(|(a, ub)| Term { a, ub }), 0..5).prop_map(|mut t| {
            t.sort_by_key(|term| std::cmp::Reverse(term.a));
            t
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::ledger::model_cases()))]

        // Exhaustive enumeration of every assignment: too slow under Miri (this module is safe code).
        #[cfg_attr(miri, ignore)]
        #[test]
        fn decides_like_enumeration(terms in terms(), b in 0..200i128) {
            check(&terms, b, false)?;
        }

        #[cfg_attr(miri, ignore)]
        #[test]
        fn excluding_the_midpoint_decides_like_enumeration(terms in terms()) {
            let doubled: Vec<Term> = terms.iter().map(|t| Term { a: t.a, ub: 2 * t.ub }).collect();
            let b = terms.iter().map(|t| t.a * t.ub).sum();
            check(&doubled, b, true)?;
        }
    }

    #[test]
    fn numpys_hard_example_and_the_work_bound() {
        // 20·x1 + 7·x2 + 3·x3 = 78 with x1 <= 6, x2 <= 2, x3 <= 5: no solution, found only by trying every x3.
        let terms = [Term { a: 20, ub: 6 }, Term { a: 7, ub: 2 }, Term { a: 3, ub: 5 }];
        assert_eq!(solve(&terms, 78, usize::MAX, false), Solved::No);
        assert_eq!(solve(&terms, 78, 2, false), Solved::TooHard);
        assert!(matches!(solve(&terms, 77, usize::MAX, false), Solved::Yes(_)));
    }

    #[test]
    fn overflow_is_too_hard_not_wrong() {
        let big = i128::MAX / 3;
        let terms = [Term { a: big, ub: big }, Term { a: big - 1, ub: big }, Term { a: 5, ub: 1 }];
        assert_eq!(solve(&terms, i128::MAX - 5, usize::MAX, false), Solved::TooHard);
    }
}
