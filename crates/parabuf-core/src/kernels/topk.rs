//! `topk`: the `k` largest (or smallest) elements with their indices, in one read of the array.
//!
//! Each pool thread scans a run of consecutive blocks, keeping the best `k` candidates it has seen in a buffer of up to
//! `2k` and a threshold (the `k`-th best key so far): a stage of elements none of which beats the threshold is passed
//! over after one vectorised comparison of its elements with the threshold's value. The runs' candidates are merged at the end. The `k` best
//! (key, index) pairs are one set whatever the grouping, so the result is the same for any thread count. When `k` is
//! a large fraction of the length, the stable [`argsort`](crate::kernels::argsort) answers instead.

use crate::error::Result;
use crate::exec::{threads, Cancel};
use crate::kernels::argsort::{argsort, order_key, Indices};
use crate::kernels::blocks::{fold_ranges, staged};
use crate::kernels::order::{Key, Ordered};
use crate::view::ReadView;

/// The `k` largest elements of `view` (`largest`), or its `k` smallest, with their indices: the first `k` of the
/// stable [`argsort`] of `view` in descending order (`largest`) or ascending order. So the values come largest first
/// (smallest first), ties by lower index first; the order is `sort`'s: every NaN counts as larger than `Infinity`
/// (NaNs tie with each other whatever their sign or payload), so `largest` returns NaNs first and the smallest come
/// without NaNs unless fewer than `k` elements are numbers; -0 counts as smaller than +0. The values are the
/// elements as stored at those indices (a NaN keeps its bits). `k` must be at most `view.len()` (the caller
/// validates it); indices are [`Indices::U32`] for arrays of up to 2^32 − 1 elements, else [`Indices::F64`].
///
/// One read of the array, block-parallel (on the calling thread for one block), unless `k` is at least an eighth of
/// the length, when it sorts (see [`argsort`]).
///
/// # Errors
/// `Aborted` when `cancel` is raised; `OutOfRange` when the sort's private buffers cannot be allocated.
pub fn topk<T: Ordered>(view: &ReadView<'_, T>, k: usize, largest: bool, cancel: &Cancel) -> Result<(Vec<T>, Indices)> {
    debug_assert!(k <= view.len(), "k = {k} > {}", view.len());
    cancel.check()?;
    let n = view.len();
    let k = k.min(n);
    let positions: Vec<usize> = if k == 0 {
        Vec::new()
    } else if k.saturating_mul(8) >= n {
        let order = argsort(view, largest, cancel)?;
        (0..k).map(|i| order.get(i)).collect()
    } else {
        let mut best = fold_ranges(
            n,
            threads(),
            cancel,
            || vec![Best::<T::Key>::new(k)],
            |best, range| best[0].scan(&view.slice(range.clone()), range.start, largest),
            |mut a, b| {
                a.extend(b);
                a
            },
        )?;
        let mut all = Best::new(k);
        for part in best.drain(..) {
            all.candidates.extend(part.candidates);
        }
        all.compact();
        all.candidates.sort_unstable();
        all.candidates.into_iter().map(|(_, i)| i).collect()
    };
    let values = positions.iter().map(|&i| view.get(i)).collect();
    Ok((values, Indices::from_positions(n, positions.into_iter())))
}

/// Candidates for the `k` smallest (key, index) pairs of the elements seen so far.
#[derive(Debug)]
struct Best<K> {
    k: usize,
    /// Up to `2k` pairs; after [`Best::compact`], the `k` smallest of them.
    candidates: Vec<(K, usize)>,
    /// The key of the `k`-th smallest pair once `k` pairs have been kept: an element with a key not below it, coming
    /// after every kept one, cannot be among the `k` smallest.
    threshold: Option<K>,
}

impl<K: Key> Best<K> {
    fn new(k: usize) -> Self {
        Best { k, candidates: Vec::with_capacity(2 * k), threshold: None }
    }

    /// Keeps the `k` smallest pairs and sets the threshold from them.
    fn compact(&mut self) {
        if self.candidates.len() > self.k {
            self.candidates.select_nth_unstable(self.k - 1);
            self.candidates.truncate(self.k);
        }
        if self.candidates.len() == self.k {
            self.threshold = self.candidates.iter().map(|(key, _)| *key).max();
        }
    }

    /// Takes in the elements of `block`, whose first element has index `first` (after every element seen so far).
    ///
    /// Most stages of a long scan hold nothing that beats the threshold; they are passed over after one comparison of
    /// each element, as a double, with the threshold's value: an element below it (above it, for the smallest) cannot
    /// beat it, since rounding to a double never reverses an order. Zeros of the other sign, NaNs and elements that
    /// round to the threshold fail that test and are judged by their keys.
    fn scan<T: Ordered<Key = K>>(&mut self, block: &ReadView<'_, T>, first: usize, largest: bool) {
        let mut bound = self.bound::<T>(largest);
        staged(block, |start, xs| {
            if let Some(bound) = bound {
                let beaten = if largest {
                    xs.iter().fold(true, |all, x| all & (x.to_f64() < bound))
                } else {
                    xs.iter().fold(true, |all, x| all & (x.to_f64() > bound))
                };
                if beaten {
                    return;
                }
            }
            for (i, x) in xs.iter().enumerate() {
                let key = order_key(*x, largest);
                if self.threshold.is_none_or(|threshold| key < threshold) {
                    self.candidates.push((key, first + start + i));
                    if self.candidates.len() == 2 * self.k {
                        self.compact();
                        bound = self.bound::<T>(largest);
                    }
                }
            }
        });
    }

    /// The threshold's element as a double, once there is a threshold.
    fn bound<T: Ordered<Key = K>>(&self, largest: bool) -> Option<f64> {
        self.threshold.map(|key| {
            // Undo `order_key`'s complement; a NaN's key gives a NaN, which no element is below or above.
            let key = if largest { !key.to_u64() } else { key.to_u64() };
            T::from_key(K::from_u64(key)).to_f64()
        })
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::error::Error;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, sort_order, with_view, Rng, SIZES};

    /// The first `k` of a stable sort of the indices by `sort`'s comparator, reversed for `largest`.
    fn reference<T: Ordered>(values: &[T], k: usize, largest: bool) -> Vec<usize> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        if largest {
            order.sort_by(|&i, &j| sort_order(&values[j], &values[i]));
        } else {
            order.sort_by(|&i, &j| sort_order(&values[i], &values[j]));
        }
        order.truncate(k);
        order
    }

    fn check<T: Ordered>(values: &[T], k: usize) {
        for largest in [true, false] {
            let (got, indices) = with_view(values, |v| topk(v, k, largest, &Cancel::new())).unwrap();
            let want = reference(values, k, largest);
            let positions: Vec<usize> = (0..indices.len()).map(|i| indices.get(i)).collect();
            assert_eq!(positions, want, "n = {}, k = {k}, largest = {largest}", values.len());
            let bits = |xs: &[T]| xs.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want.iter().map(|&i| values[i]).collect::<Vec<_>>()));
        }
    }

    fn ks(n: usize) -> Vec<usize> {
        [0, 1, 2, 10, 100, n / 9, n / 8, n / 2, n - n.min(1), n].into_iter().filter(|k| *k <= n).collect()
    }

    #[test]
    fn every_type_matches_the_stable_reference() {
        let mut rng = Rng::new(3);
        for n in SIZES.into_iter().chain([5 * BLOCK + 11]) {
            let specials = [f64::NAN, -f64::NAN, -0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY];
            let f: Vec<f64> =
                (0..n).map(|i| if i % 89 == 0 { specials[i % specials.len()] } else { rng.wide_f64() }).collect();
            let bits: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
            for k in ks(n) {
                check(&f, k);
                check(&f.iter().map(|x| *x as f32).collect::<Vec<_>>(), k);
                check(&f.iter().map(|x| f16::from_f64_const(*x)).collect::<Vec<_>>(), k);
                check(&bits, k);
                check(&bits.iter().map(|b| *b as i64).collect::<Vec<_>>(), k);
                check(&bits.iter().map(|b| *b as i32).collect::<Vec<_>>(), k);
                check(&bits.iter().map(|b| *b as u32).collect::<Vec<_>>(), k);
                check(&bits.iter().map(|b| *b as i16).collect::<Vec<_>>(), k);
                check(&bits.iter().map(|b| *b as u16).collect::<Vec<_>>(), k);
                check(&bits.iter().map(|b| *b as i8).collect::<Vec<_>>(), k);
                check(&bits.iter().map(|b| *b as u8).collect::<Vec<_>>(), k);
                // Ties everywhere: the lower index first.
                check(&bits.iter().map(|b| (b % 7) as i32 - 3).collect::<Vec<_>>(), k);
            }
        }
    }

    #[test]
    fn many_blocks_on_every_thread() {
        let mut rng = Rng::new(9);
        let values: Vec<f64> = (0..300_007).map(|i| if i % 1001 == 0 { f64::NAN } else { rng.wide_f64() }).collect();
        let ties: Vec<i16> = (0..300_007).map(|_| (rng.next_u64() % 300) as i16).collect();
        for k in [1, 100, 4000, 300_007 / 9] {
            check(&values, k);
            check(&ties, k);
        }
    }

    #[test]
    fn ascending_and_descending_runs_and_constants() {
        let n = 4 * BLOCK + 3;
        let up: Vec<i64> = (0..n as i64).collect();
        let down: Vec<i64> = up.iter().rev().copied().collect();
        for k in [1, 100, 5000] {
            check(&up, k);
            check(&down, k);
            check(&vec![2.5f64; n], k);
            check(&vec![f64::NAN; n], k);
        }
    }

    #[test]
    fn nans_zeros_and_extremes() {
        let values = [1.0f64, f64::NAN, -0.0, 0.0, f64::NEG_INFINITY, -f64::NAN, f64::INFINITY, 0.0, -0.0];
        let (top, idx) = with_view(&values, |v| topk(v, 4, true, &Cancel::new())).unwrap();
        assert_eq!(idx, Indices::U32(vec![1, 5, 6, 0]));
        assert!(top[0].is_nan() && top[1].is_nan() && top[2] == f64::INFINITY);
        let (low, idx) = with_view(&values, |v| topk(v, 5, false, &Cancel::new())).unwrap();
        assert_eq!(idx, Indices::U32(vec![4, 2, 8, 3, 7]));
        assert_eq!(low.iter().map(|x| x.is_sign_negative()).collect::<Vec<_>>(), [true, true, true, false, false]);
        for k in ks(values.len()) {
            check(&values, k);
        }
        check(&[i64::MIN, i64::MAX, 0, i64::MIN, i64::MAX], 2);
        check(&[u8::MAX, 0, u8::MAX], 1);
    }

    #[test]
    fn a_raised_flag_aborts() {
        for n in [0, 3, BLOCK * 4] {
            let values: Vec<f64> = (0..n).map(|i| i as f64).collect();
            for k in [0, n / 2, n] {
                let result = with_view(&values, |v| topk(v, k, true, &cancelled()));
                assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
            }
        }
    }
}

/// `topk(a, k, { largest })`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Topk {
    /// How many elements.
    pub k: usize,
    /// The largest (else the smallest).
    pub largest: bool,
}

impl crate::ops::Operation for Topk {
    const SPEC: crate::ops::Spec = crate::ops::Spec {
        params: &[
            crate::ops::ParamSpec { name: "k", ty: crate::ops::ParamType::Number },
            crate::ops::ParamSpec { name: "largest", ty: crate::ops::ParamType::Boolean },
        ],
        expression: crate::ops::ExpressionUse::Materialised,
        ..crate::ops::Spec::new("topk", crate::ops::READS_A, crate::ops::Returns::Pair("values", "indices"))
    };
    fn parse(params: &crate::ops::Params<'_>) -> Result<Self> {
        let Some(k) = params.number("k")? else {
            return Err(crate::error::Error::arg_type("topk() needs k, a number"));
        };
        if !(k >= 0.0 && k.fract() == 0.0 && k <= 2f64.powi(53)) {
            return Err(crate::error::Error::out_of_range(format!(
                "topk() k must be an integer from 0 to the array's length, got {k:?}"
            )));
        }
        Ok(Topk { k: k as usize, largest: params.boolean("largest")?.unwrap_or(true) })
    }
    fn check(&self, args: &[crate::ops::Arg]) -> Result<()> {
        match args.first() {
            Some(a) if self.k > a.len() => Err(crate::error::Error::out_of_range(format!(
                "topk() k must be an integer from 0 to the array's length, got {} for an array of {}",
                self.k,
                a.len()
            ))),
            _ => Ok(()),
        }
    }
    fn run(&self, args: &mut [crate::ops::Arg], cancel: &Cancel) -> Result<crate::ops::Output> {
        let Topk { k, largest } = *self;
        crate::ops::reading!(args, T, v => topk(&v, k, largest, cancel).map(|(values, indices)| {
            crate::ops::Output::Pair {
                names: ["values", "indices"],
                columns: [crate::ops::ColumnElement::column(values), indices.into_column()],
            }
        }))
    }
}
