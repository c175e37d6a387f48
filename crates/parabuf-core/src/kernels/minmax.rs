//! `min`, `max` and `minmax`, as `Math.min`/`Math.max` over the elements: NaN wins, and -0 ranks below +0.

use crate::error::{Error, Result};
use crate::exec::{map_blocks, Cancel};
use crate::kernels::blocks::staged;
use crate::kernels::numeric::Scalar;
use crate::kernels::order::Ordered;
use crate::view::ReadView;

/// The smallest and largest total-order key of one non-empty block. NaNs take part: a NaN key lies outside the range
/// of number keys at one end or the other, so the pair alone tells whether the block holds one.
fn block_key_range<T: Ordered>(block: ReadView<'_, T>) -> (T::Key, T::Key) {
    let mut lo = T::key(block.get(0));
    let mut hi = lo;
    staged(&block, |_, xs| {
        for x in xs {
            let k = x.key();
            lo = lo.min(k);
            hi = hi.max(k);
        }
    });
    (lo, hi)
}

/// The extreme keys of `view`, or `None` when it is empty.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn key_range<T: Ordered>(
    view: &ReadView<'_, T>,
    cancel: &Cancel,
    operation: &'static str,
) -> Result<Option<(T::Key, T::Key)>> {
    let partials = map_blocks(view, cancel, operation, block_key_range)?;
    Ok(partials.into_iter().reduce(|(lo, hi), (l, h)| (lo.min(l), hi.max(h))))
}

/// The value of a non-NaN key as JavaScript reads it.
fn scalar_of_key<T: Ordered>(key: T::Key) -> Scalar {
    T::from_key(key).to_scalar()
}

/// `(min, max)` of a non-empty view, NaN for both if any element is NaN.
fn extremes<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel, operation: &'static str) -> Result<(Scalar, Scalar)> {
    let (lo, hi) = key_range(view, cancel, operation)?.ok_or(Error::Empty { operation })?;
    if T::key_is_nan(lo) || T::key_is_nan(hi) {
        return Ok((Scalar::Number(f64::NAN), Scalar::Number(f64::NAN)));
    }
    Ok((scalar_of_key::<T>(lo), scalar_of_key::<T>(hi)))
}

/// The smallest element, as `Math.min(...array)`: NaN if any element is NaN, -0 over +0. A bigint for 64-bit
/// integer arrays.
///
/// # Errors
/// [`Error::Empty`] for an empty array; `Aborted` when `cancel` is raised.
pub fn min<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Scalar> {
    extremes(view, cancel, "min").map(|(lo, _)| lo)
}

/// The largest element, as `Math.max(...array)`: NaN if any element is NaN, +0 over -0. A bigint for 64-bit
/// integer arrays.
///
/// # Errors
/// [`Error::Empty`] for an empty array; `Aborted` when `cancel` is raised.
pub fn max<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Scalar> {
    extremes(view, cancel, "max").map(|(_, hi)| hi)
}

/// [`min`] and [`max`] in one pass.
///
/// # Errors
/// [`Error::Empty`] for an empty array; `Aborted` when `cancel` is raised.
pub fn minmax<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<(Scalar, Scalar)> {
    extremes(view, cancel, "minmax")
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, with_view, Rng, SIZES};

    fn mm<T: Ordered>(values: &[T]) -> Result<(Scalar, Scalar)> {
        with_view(values, |v| {
            let both = minmax(v, &Cancel::new());
            if let Ok((lo, hi)) = &both {
                assert_eq!(bits(&min(v, &Cancel::new()).unwrap()), bits(lo));
                assert_eq!(bits(&max(v, &Cancel::new()).unwrap()), bits(hi));
            }
            both
        })
    }

    /// Distinguishes -0 from +0 and compares every NaN equal.
    fn bits(s: &Scalar) -> (u64, i128) {
        match s {
            Scalar::Number(x) if x.is_nan() => (f64::NAN.to_bits(), 0),
            Scalar::Number(x) => (x.to_bits(), 0),
            Scalar::BigInt(v) => (1, *v),
        }
    }

    fn number_bits(x: f64) -> (u64, i128) {
        bits(&Scalar::Number(x))
    }

    #[test]
    fn empty_has_no_extremes() {
        assert_eq!(mm::<f64>(&[]).unwrap_err(), Error::Empty { operation: "minmax" });
        with_view::<i8, _>(&[], |v| {
            assert_eq!(min(v, &Cancel::new()).unwrap_err(), Error::Empty { operation: "min" });
            assert_eq!(max(v, &Cancel::new()).unwrap_err(), Error::Empty { operation: "max" });
        });
    }

    #[test]
    fn zeros_rank_like_math_min_and_max() {
        let (lo, hi) = mm(&[0.0f64, -0.0]).unwrap();
        assert_eq!((bits(&lo), bits(&hi)), (number_bits(-0.0), number_bits(0.0)));
        let (lo, hi) = mm(&[-0.0f64, 0.0]).unwrap();
        assert_eq!((bits(&lo), bits(&hi)), (number_bits(-0.0), number_bits(0.0)));
        let (lo, hi) = mm(&[-0.0f32, -0.0]).unwrap();
        assert_eq!((bits(&lo), bits(&hi)), (number_bits(-0.0), number_bits(-0.0)));
        let (lo, hi) = mm(&[f16::ZERO, f16::NEG_ZERO]).unwrap();
        assert_eq!((bits(&lo), bits(&hi)), (number_bits(-0.0), number_bits(0.0)));
    }

    #[test]
    fn any_nan_wins_wherever_it_is() {
        for n in SIZES.into_iter().filter(|n| *n > 0) {
            for at in [0, n / 2, n - 1] {
                let mut values = vec![1.5f64; n];
                values[at] = if at % 2 == 0 { f64::NAN } else { -f64::NAN };
                let (lo, hi) = mm(&values).unwrap();
                assert!(matches!((lo, hi), (Scalar::Number(a), Scalar::Number(b)) if a.is_nan() && b.is_nan()));
            }
        }
        let (lo, _) = mm(&[f32::NEG_INFINITY, f32::NAN]).unwrap();
        assert_eq!(bits(&lo), number_bits(f64::NAN));
    }

    #[test]
    fn infinities_and_types() {
        let (lo, hi) = mm(&[1.0f64, f64::INFINITY, -1e300, f64::NEG_INFINITY]).unwrap();
        assert_eq!((lo, hi), (Scalar::Number(f64::NEG_INFINITY), Scalar::Number(f64::INFINITY)));
        assert_eq!(mm(&[3i8, -128, 127]).unwrap(), (Scalar::Number(-128.0), Scalar::Number(127.0)));
        assert_eq!(mm(&[3u32, u32::MAX, 0]).unwrap(), (Scalar::Number(0.0), Scalar::Number(u32::MAX as f64)));
        assert_eq!(
            mm(&[i64::MAX, i64::MIN]).unwrap(),
            (Scalar::BigInt(i64::MIN as i128), Scalar::BigInt(i64::MAX as i128))
        );
        assert_eq!(mm(&[u64::MAX, 7]).unwrap(), (Scalar::BigInt(7), Scalar::BigInt(u64::MAX as i128)));
        assert_eq!(mm(&[5u8]).unwrap(), (Scalar::Number(5.0), Scalar::Number(5.0)));
    }

    #[test]
    fn agrees_with_a_sequential_scan_across_blocks() {
        let mut rng = Rng::new(3);
        for n in SIZES.into_iter().filter(|n| *n > 0) {
            let values: Vec<i32> = (0..n).map(|_| rng.next_u64() as i32).collect();
            let expected = (*values.iter().min().unwrap() as f64, *values.iter().max().unwrap() as f64);
            assert_eq!(mm(&values).unwrap(), (Scalar::Number(expected.0), Scalar::Number(expected.1)), "n = {n}");
        }
        let mut values = vec![0.0f64; 2 * BLOCK + 3];
        values[BLOCK] = -0.0;
        values[2 * BLOCK + 2] = -0.0;
        assert_eq!(bits(&mm(&values).unwrap().0), number_bits(-0.0));
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 4], |v| min(v, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: "min" });
    }
}
