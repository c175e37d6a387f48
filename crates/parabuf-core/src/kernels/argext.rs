//! `argmin` and `argmax`: the index of the first extreme element, or of the first NaN if there is one.

use crate::error::{Error, Result};
use crate::exec::Cancel;
use crate::kernels::blocks::STAGE;
use crate::kernels::order::Ordered;
use crate::kernels::source::{Source, Staged};
use crate::ops::{Output, Returns};
use crate::view::ReadView;

/// What one block contributes: the index of its first NaN, else its best key and that key's first index.
#[derive(Clone, Copy, Debug)]
enum Found<K> {
    Nan(usize),
    Best(K, usize),
}

/// Scans one block, whose first element has index `offset`. `MAX` picks the direction, so each direction compiles
/// to its own tight loop.
fn block_arg<B: Staged + ?Sized, const MAX: bool>(block: &mut B, offset: usize) -> Option<Found<Key<B>>>
where
    B::Item: Ordered,
{
    let mut found: Option<Found<Key<B>>> = None;
    let mut keys = [Key::<B>::default(); STAGE];
    block.stages(|start, xs| {
        if matches!(found, Some(Found::Nan(_))) {
            return;
        }
        let keys = &mut keys[..xs.len()];
        for (k, x) in keys.iter_mut().zip(xs) {
            *k = x.key();
        }
        // Reduce first, locate second: both loops are branch-free over the local copy and vectorise.
        let (lo, hi) = keys.iter().fold((keys[0], keys[0]), |(lo, hi), &k| (lo.min(k), hi.max(k)));
        if B::Item::key_is_nan(lo) || B::Item::key_is_nan(hi) {
            let at = keys.iter().position(|k| B::Item::key_is_nan(*k)).unwrap_or(0);
            found = Some(Found::Nan(offset + start + at));
            return;
        }
        let extreme = if MAX { hi } else { lo };
        let improves = match found {
            Some(Found::Best(best, _)) => {
                if MAX {
                    extreme > best
                } else {
                    extreme < best
                }
            }
            _ => true,
        };
        if improves {
            let at = keys.iter().position(|k| *k == extreme).unwrap_or(0);
            found = Some(Found::Best(extreme, offset + start + at));
        }
    });
    found
}

/// The total-order key of a block's elements.
type Key<B> = <<B as Staged>::Item as Ordered>::Key;

fn arg_extreme<S: Source + ?Sized, const MAX: bool>(view: &S, cancel: &Cancel) -> Result<usize>
where
    S::Item: Ordered,
{
    let partials = view.map_blocks(cancel, |offset, block| block_arg::<_, MAX>(block, offset))?;
    let mut best: Option<(<S::Item as Ordered>::Key, usize)> = None;
    for part in partials.into_iter().flatten() {
        match part {
            Found::Nan(at) => return Ok(at),
            // Strict comparison: on ties the earlier block keeps its index.
            Found::Best(key, at) => {
                if best.is_none_or(|(b, _)| if MAX { key > b } else { key < b }) {
                    best = Some((key, at));
                }
            }
        }
    }
    best.map(|(_, at)| at).ok_or(Error::Empty { operation: None })
}

/// The index of the first smallest element (-0 ranks below +0), or of the first NaN if any element is NaN.
///
/// # Errors
/// [`Error::Empty`] for an empty array; `Aborted` when `cancel` is raised.
pub fn argmin<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<usize> {
    arg_extreme::<_, false>(view, cancel)
}

/// The index of the first largest element (+0 ranks above -0), or of the first NaN if any element is NaN.
///
/// # Errors
/// [`Error::Empty`] for an empty array; `Aborted` when `cancel` is raised.
pub fn argmax<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<usize> {
    arg_extreme::<_, true>(view, cancel)
}

crate::ops::reduction! {
    /// `argmin(a)`.
    ArgMin = "argmin", Returns::Index, axis Index,
    |v, cancel| crate::kernels::argmin(&v, cancel).map(Output::Index),
    fused |bound, cancel| arg_extreme::<_, false>(bound, cancel).map(Output::Index)
}

crate::ops::reduction! {
    /// `argmax(a)`.
    ArgMax = "argmax", Returns::Index, axis Index,
    |v, cancel| crate::kernels::argmax(&v, cancel).map(Output::Index),
    fused |bound, cancel| arg_extreme::<_, true>(bound, cancel).map(Output::Index)
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, with_view, Rng, SIZES};

    fn args<T: Ordered>(values: &[T]) -> (usize, usize) {
        with_view(values, |v| (argmin(v, &Cancel::new()).unwrap(), argmax(v, &Cancel::new()).unwrap()))
    }

    /// The specification, element by element.
    fn naive<T: Ordered>(values: &[T]) -> (usize, usize) {
        if let Some(at) = values.iter().position(|x| T::key_is_nan(x.key())) {
            return (at, at);
        }
        let mut lo = 0;
        let mut hi = 0;
        for (i, x) in values.iter().enumerate() {
            if x.key() < values[lo].key() {
                lo = i;
            }
            if x.key() > values[hi].key() {
                hi = i;
            }
        }
        (lo, hi)
    }

    #[test]
    fn empty_is_an_error() {
        with_view::<f32, _>(&[], |v| {
            assert_eq!(argmin(v, &Cancel::new()).unwrap_err(), Error::Empty { operation: None });
            assert_eq!(argmax(v, &Cancel::new()).unwrap_err(), Error::Empty { operation: None });
        });
    }

    #[test]
    fn signed_zeros_and_ties() {
        assert_eq!(args(&[0.0f64, -0.0]), (1, 0));
        assert_eq!(args(&[-0.0f64, 0.0]), (0, 1));
        assert_eq!(args(&[2.0f64, 1.0, 1.0, 2.0]), (1, 0));
        assert_eq!(args(&[f16::ZERO, f16::NEG_ZERO]), (1, 0));
        assert_eq!(args(&[7u64]), (0, 0));
        assert_eq!(args(&[i64::MAX, i64::MIN, i64::MIN, i64::MAX]), (1, 0));
    }

    #[test]
    fn the_first_nan_wins() {
        assert_eq!(args(&[1.0f64, f64::NAN, -1.0, f64::NAN]), (1, 1));
        assert_eq!(args(&[f32::NEG_INFINITY, f32::INFINITY, -f32::NAN]), (2, 2));
        let mut values = vec![0.5f64; 2 * BLOCK + 3];
        values[BLOCK + 1] = -f64::NAN;
        values[2 * BLOCK] = f64::NAN;
        values[3] = -1e300;
        assert_eq!(args(&values), (BLOCK + 1, BLOCK + 1));
    }

    #[test]
    fn matches_the_naive_scan_across_blocks() {
        let mut rng = Rng::new(11);
        for n in SIZES.into_iter().filter(|n| *n > 0) {
            // Few distinct values, so ties across stage and block boundaries are common.
            let ints: Vec<i16> = (0..n).map(|_| (rng.next_u64() % 7) as i16 - 3).collect();
            assert_eq!(args(&ints), naive(&ints), "n = {n}");
            let floats: Vec<f64> = (0..n).map(|_| [-0.0, 0.0, 1.0, -1.0][(rng.next_u64() % 4) as usize]).collect();
            assert_eq!(args(&floats), naive(&floats), "n = {n}");
            let mut late = vec![1u8; n];
            late[n - 1] = 0;
            assert_eq!(args(&late), (n - 1, 0));
        }
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 4], |v| argmax(v, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
