//! `norm`: the Euclidean norm, scaled so that it overflows or underflows only when the result itself does.

use std::cmp::Ordering;

use crate::error::Result;
use crate::exec::{Cancel, BLOCK};
use crate::kernels::blocks::{Lanes, LANES, STAGE};
use crate::kernels::exact::ExactDot;
use crate::kernels::numeric::{Neumaier, Numeric};
use crate::kernels::source::{Source, Staged};
use crate::kernels::sum::{error_bound, U};
use crate::ops::{Output, Returns};
use crate::view::ReadView;

const ABS_MASK: u64 = !(1 << 63);
const INFINITY_BITS: u64 = 0x7FF0_0000_0000_0000;

/// Scale exponents are multiples of nothing in particular but stay within ±`MAX_SHIFT`, so 2^±shift is a normal
/// double and a scaled maximum is at most 2^23.
const MAX_SHIFT: i32 = 1000;
/// Magnitudes within 2^±`BAND` square and sum without scaling (2^802 · 2^62 elements is still finite), which keeps
/// ordinary data on the unscaled path.
const BAND: i32 = 400;

/// `x · 2^e` for any `e`, in steps that keep every factor a normal double.
fn ldexp(mut x: f64, mut e: i32) -> f64 {
    while e > MAX_SHIFT {
        x *= pow2(MAX_SHIFT);
        e -= MAX_SHIFT;
    }
    while e < -MAX_SHIFT {
        x *= pow2(-MAX_SHIFT);
        e += MAX_SHIFT;
    }
    x * pow2(e)
}

/// 2^e for `|e| <= MAX_SHIFT`.
/// `x * x` as the rounded product and its exact rounding error (Dekker's splitting; no fused multiply-add, which is
/// slow in software on baseline x86-64). Exact for the scaled values this module squares.
#[inline(always)]
fn two_square(x: f64) -> (f64, f64) {
    const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
    let c = SPLIT * x;
    let hi = c - (c - x);
    let lo = x - hi;
    let p = x * x;
    (p, ((hi * hi - p) + 2.0 * hi * lo) + lo * lo)
}

/// The square root of the double-double `sum + compensation`, corrected by one Newton step so that the compensation
/// is not lost when the root is rounded.
fn double_sqrt((sum, compensation): (f64, f64)) -> f64 {
    let root = sum.sqrt();
    if root == 0.0 || !root.is_finite() {
        return (sum + compensation).sqrt();
    }
    let (square, square_error) = two_square(root);
    root + (((sum - square) - square_error) + compensation) / (2.0 * root)
}

fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// A sum of squares as `2^(2·shift) · sum`, plus the non-finite values seen.
#[derive(Clone, Copy, Debug, Default)]
struct Squares {
    /// `None` until a non-zero finite value arrives.
    shift: Option<i32>,
    sum: Neumaier,
    nan: bool,
    infinite: bool,
}

impl Squares {
    /// The shift that suits a largest magnitude of `max`: none for ordinary magnitudes, else its binary exponent.
    fn shift_for(max: f64) -> i32 {
        // Subnormals read as exponent -1023 and clamp with the rest of the tiny range.
        let e = ((max.to_bits() >> 52) as i32) - 1023;
        if e.abs() <= BAND {
            0
        } else {
            e.clamp(-MAX_SHIFT, MAX_SHIFT)
        }
    }

    fn merge(&mut self, other: Squares) {
        self.nan |= other.nan;
        self.infinite |= other.infinite;
        let Some(theirs) = other.shift else { return };
        let ours = self.shift.unwrap_or(theirs);
        // Both sums move to the larger shift; what that pushes below the subnormal range is below rounding anyway.
        let shift = ours.max(theirs);
        self.sum = self.sum.scaled(ldexp(1.0, 2 * (ours - shift)));
        self.sum.merge(other.sum.scaled(ldexp(1.0, 2 * (theirs - shift))));
        self.shift = Some(shift);
    }

    fn norm(&self) -> f64 {
        if self.nan {
            f64::NAN
        } else if self.infinite {
            f64::INFINITY
        } else {
            self.shift.map_or(0.0, |shift| ldexp(double_sqrt(self.sum.parts()), shift))
        }
    }
}

fn block_squares<B: Staged + ?Sized>(block: &mut B) -> Squares
where
    B::Item: Numeric,
{
    let mut out = Squares::default();
    let mut lanes = Lanes::default();
    let mut terms = [0.0; STAGE];
    let mut errors = [0.0; STAGE];
    block.stages(|_, xs| {
        if out.nan {
            return;
        }
        let terms = &mut terms[..xs.len()];
        for (t, x) in terms.iter_mut().zip(xs) {
            *t = x.to_f64();
        }
        // The largest magnitude as bits: integer max is NaN-aware (NaN bits exceed Infinity's) and vectorises.
        let max_bits = terms.iter().fold(0u64, |m, t| m.max(t.to_bits() & ABS_MASK));
        if max_bits > INFINITY_BITS {
            out.nan = true;
            return;
        }
        if max_bits == INFINITY_BITS {
            out.infinite = true;
        }
        if out.infinite || max_bits == 0 {
            return;
        }
        let wanted = Squares::shift_for(f64::from_bits(max_bits));
        let shift = match out.shift {
            Some(current) if current >= wanted => current,
            Some(current) => {
                lanes.scale(ldexp(1.0, 2 * (current - wanted)));
                wanted
            }
            None => wanted,
        };
        out.shift = Some(shift);
        let factor = pow2(-shift);
        let errors = &mut errors[..terms.len()];
        for (t, e) in terms.iter_mut().zip(errors.iter_mut()) {
            (*t, *e) = two_square(*t * factor);
        }
        lanes.add(terms);
        lanes.add(errors);
    });
    out.sum = lanes.total();
    out
}

/// The Euclidean norm `sqrt(Σ x²)`, as a number, with values read as JavaScript reads them (64-bit integers rounded
/// to doubles): the exact value rounded once to the nearest double (ties to even). NaN if any element is NaN; else
/// Infinity if any is infinite (or the norm passes the largest double); 0 for an empty array.
///
/// Squares are summed compensated, in fixed blocks and lanes, and scaled by powers of two where needed, so neither
/// `[3e200, 4e200]` overflows nor `[3e-200, 4e-200]` underflows; the root of that sum is proven correctly rounded by
/// the sum's error bound (`certified_root`), or else an exact pass decides (`exact_norm`).
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn norm<T: Numeric>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<f64> {
    norm_of(view, cancel)
}

/// [`norm`] of any source.
fn norm_of<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<f64>
where
    S::Item: Numeric,
{
    let partials = view.map_blocks(cancel, |_, block| block_squares(block))?;
    let mut total = Squares::default();
    partials.into_iter().for_each(|p| total.merge(p));
    let (Some(shift), false, false) = (total.shift, total.nan, total.infinite) else {
        return Ok(total.norm());
    };
    let (sum, compensation) = total.sum.parts();
    let root = double_sqrt((sum, compensation));
    if let Some(root) = certified_root(sum, compensation, root, squares_error_bound(sum, view.len())) {
        let scaled = ldexp(root, shift);
        // A subnormal result would be rounded a second time by the scaling.
        if scaled >= f64::MIN_POSITIVE {
            return Ok(scaled);
        }
    }
    exact_norm(view, shift, cancel)
}

/// A bound on the error of the (scaled) compensated sum of squares `sum` of `terms` values, as [`block_squares`] and
/// [`Squares::merge`] compute it: each value adds two terms (the rounded square and its exact error, both at most the
/// square) to a lane, so a lane makes `m = 2·BLOCK/LANES + 2` additions per block, and the compensated sum's bound
/// (see `sum::compensated_error_bound`) is `2k²u²A` with `k = m + blocks + LANES` and `A ≤ 1.01·sum` (the terms are
/// the squares and their tiny errors, all but those errors positive). Scaling squares, lanes and block sums by powers
/// of two underflows only below the subnormal range: a few subnormal units per value and per stage allow for it.
fn squares_error_bound(sum: f64, terms: usize) -> f64 {
    let blocks = terms.div_ceil(BLOCK);
    let k = (2 * BLOCK / LANES + 2 + blocks + LANES) as f64;
    error_bound(k, 1.01 * sum, (8 * terms + 64 * (BLOCK / STAGE) * blocks + 256) as f64)
}

/// `root` when it is the square root of every value within `bound` of `sum + compensation`, rounded to the nearest
/// double: when that whole interval lies strictly between the squares of the midpoints to `root`'s neighbours.
/// `None` when it cannot be proven (a square near such a midpoint, or a bound too wide).
fn certified_root(sum: f64, compensation: f64, root: f64, bound: f64) -> Option<f64> {
    if !(root.is_finite() && root > 0.0 && bound.is_finite()) {
        return None;
    }
    let up = root.next_up() - root;
    let down = root - root.next_down();
    // root² exactly, as square + square_error; square is within a factor 2 of sum, so square - sum is exact.
    let (square, square_error) = two_square(root);
    let below = (square - sum) + (square_error - compensation);
    // (root + up/2)² - S and S - (root - down/2)², to within rounding, which `slack` covers; the tiny squares of half
    // gaps are left out of the first (a smaller margin) and charged in full to the second.
    let above_gap = below + root * up;
    let below_gap = -below + root * down - (down * down / 4.0 + f64::from_bits(1));
    let slack =
        bound + 4.0 * U * (below.abs() + square_error.abs() + compensation.abs() + root * up) + f64::from_bits(1);
    (above_gap > slack && below_gap > slack).then_some(root)
}

/// The norm from the exact sum of squares, for the results [`certified_root`] cannot prove: the root of that sum
/// (scaled by 2^-2·`shift`, the fast pass's scale, to stay in range) as a first guess, then moved to the neighbour on
/// the side of each midpoint the exact sum lies on, comparing `4·Σx²` with `(2r ± gap)²` in the same exact
/// accumulator; a tie goes to the even significand.
fn exact_norm<S: Source + ?Sized>(view: &S, shift: i32, cancel: &Cancel) -> Result<f64>
where
    S::Item: Numeric,
{
    let partials = view.map_blocks(cancel, |_, block| {
        let mut squares = ExactDot::default();
        block.stages(|_, xs| {
            xs.iter().for_each(|x| {
                let x = x.to_f64();
                squares.add_scaled_product(x, x, 2, false);
            });
        });
        squares.normalise();
        squares
    })?;
    let mut four_squares = ExactDot::default();
    partials.iter().for_each(|part| four_squares.merge(part));
    // 4S · 2^(-2·shift - 2) is S scaled into range.
    // A first guess past the largest double may still round to it: start there.
    let mut root = ldexp(four_squares.scaled_value(-2 * shift - 2).sqrt(), shift).min(f64::MAX);
    // Compares 4S with (2·root + sign·gap)².
    let versus_midpoint = |root: f64, gap: f64, sign: bool| {
        let mut difference = four_squares.clone();
        difference.add_scaled_product(root, root, 2, true);
        difference.add_scaled_product(root, gap, 2, sign);
        difference.add_scaled_product(gap, gap, 0, true);
        difference.normalise();
        difference.sign()
    };
    // The guess is within an ulp or two (one rounding of the scaled sum, one of its root, one of a subnormal result).
    for _ in 0..8 {
        if root == f64::INFINITY || root == 0.0 {
            break;
        }
        let up = if root.next_up().is_finite() { root.next_up() - root } else { root - root.next_down() };
        match versus_midpoint(root, up, true) {
            Ordering::Greater => {
                root = root.next_up();
                continue;
            }
            Ordering::Equal => return Ok(if root.to_bits() & 1 == 1 { root.next_up() } else { root }),
            Ordering::Less => {}
        }
        let down = root - root.next_down();
        match versus_midpoint(root, down, false) {
            Ordering::Less => root = root.next_down(),
            Ordering::Equal => return Ok(if root.to_bits() & 1 == 1 { root.next_down() } else { root }),
            Ordering::Greater => return Ok(root),
        }
    }
    Ok(root)
}

crate::ops::reduction! {
    /// `norm(a)`.
    Norm = "norm", Returns::Number, axis Float64,
    |v, cancel| crate::kernels::norm(&v, cancel).map(Output::number),
    fused |bound, cancel| norm_of(bound, cancel).map(Output::number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, with_view, Rng, SIZES};

    fn norm_of<T: Numeric>(values: &[T]) -> f64 {
        with_view(values, |v| norm(v, &Cancel::new()).unwrap())
    }

    #[test]
    fn pythagoras_at_every_scale() {
        assert_eq!(norm_of::<f64>(&[]), 0.0);
        assert_eq!(norm_of(&[0.0f64, -0.0]), 0.0);
        assert_eq!(norm_of(&[3.0f64, -4.0]), 5.0);
        for e in [-1074, -1060, -1000, -600, -401, -400, 0, 400, 401, 600, 1000, 1018] {
            let (a, b) = (3.0 * ldexp(1.0, e), 4.0 * ldexp(1.0, e));
            assert_eq!(norm_of(&[a, b]), 5.0 * ldexp(1.0, e), "2^{e}");
        }
        assert_eq!(norm_of(&[f64::MAX]), f64::MAX);
        assert_eq!(norm_of(&[5e-324]), 5e-324);
        assert_eq!(norm_of(&[f64::MAX, f64::MAX]), f64::INFINITY);
    }

    #[test]
    fn non_finite_values() {
        assert!(norm_of(&[1.0f64, f64::NAN, f64::INFINITY]).is_nan());
        assert!(norm_of(&[f64::INFINITY, 1.0, -f64::NAN]).is_nan());
        assert_eq!(norm_of(&[1.0f64, f64::NEG_INFINITY]), f64::INFINITY);
        let mut values = vec![1.0f32; 2 * BLOCK + 3];
        values[10] = f32::INFINITY;
        values[2 * BLOCK + 1] = f32::NAN;
        assert!(norm_of(&values).is_nan());
    }

    #[test]
    fn integers_and_narrow_floats() {
        assert_eq!(norm_of(&[3i8, -4]), 5.0);
        assert_eq!(norm_of(&[i64::MIN]), 2f64.powi(63));
        assert_eq!(norm_of(&[u64::MAX, 0]), 2f64.powi(64));
        assert_eq!(norm_of(&[half::f16::from_f32(3.0), half::f16::from_f32(4.0)]), 5.0);
    }

    #[test]
    fn scales_change_across_blocks() {
        // Tiny values first, then ordinary ones, then huge ones: each rescale leaves the larger terms exact.
        let mut values = vec![1e-300f64; BLOCK];
        values.extend(vec![3.0; BLOCK]);
        values.push(4.0 * ldexp(1.0, 600));
        values.push(3.0 * ldexp(1.0, 600));
        assert_eq!(norm_of(&values), 5.0 * ldexp(1.0, 600));
        values.reverse();
        assert_eq!(norm_of(&values), 5.0 * ldexp(1.0, 600));
    }

    #[test]
    fn ordinary_data_is_within_an_ulp_of_the_double_double_reference() {
        let mut rng = Rng::new(21);
        for n in SIZES {
            let values: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
            let mut acc = Neumaier::default();
            for x in &values {
                let (p, e) = two_square(*x);
                acc.add(p);
                acc.add(e);
            }
            let expected = double_sqrt(acc.parts());
            let got = norm_of(&values);
            assert!((got - expected).abs() <= expected * f64::EPSILON, "n = {n}: {got} vs {expected}");
        }
    }

    #[test]
    fn norms_are_the_exact_root_rounded_once_ties_and_near_ties_included() {
        let cases = crate::kernels::exact::tests::norm_cases();
        assert_eq!(cases.len(), 127);
        for (expected, values) in cases {
            assert_eq!(norm_of(&values).to_bits(), expected.to_bits(), "{values:?}");
            // The exact pass alone, at the scale the compensated pass would choose, agrees.
            let shift = Squares::shift_for(values.iter().fold(0.0, |m: f64, x| m.max(x.abs())));
            let exact = with_view(&values, |v| exact_norm(v, shift, &Cancel::new()).unwrap());
            assert_eq!(exact.to_bits(), expected.to_bits(), "exact pass: {values:?}");
        }
    }

    #[test]
    fn squares_are_summed_exactly() {
        // x² + y² is not exact in double for these; the exact squares make the root come out right. (For 3e200 and
        // 4e200 the exact sum of squares is exactly the square of the midpoint between two doubles: the tie goes to
        // the even one, the lower.)
        assert_eq!(norm_of(&[3e200f64, 4e200]), 4.9999999999999995e200);
        assert_eq!(norm_of(&[0.3f64, 0.4]), 0.5);
        assert_eq!(norm_of(&[1e-200f64, 1e-200]), std::f64::consts::SQRT_2 * 1e-200);
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 4], |v| norm(v, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
