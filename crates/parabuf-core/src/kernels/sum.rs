//! `sum`: exact for integers, compensated and deterministic for floats.

use crate::error::Result;
use crate::exec::{map_blocks, Cancel};
use crate::kernels::blocks::{compensated_block, merged, staged};
use crate::kernels::numeric::{Neumaier, Numeric, Scalar};
use crate::ops::{Output, Returns};
use crate::view::ReadView;

/// The exact sum of one block of integers.
pub(crate) fn int_block_sum<T: Numeric>(block: ReadView<'_, T>) -> i128 {
    let mut total: i128 = 0;
    if std::mem::size_of::<T>() <= 4 {
        // Up to 32-bit values: a staged piece (at most STAGE values below 2^32 in magnitude) sums exactly in an i64,
        // which vectorises where i128 additions (a carry chain) do not.
        staged(&block, |_, xs| total += i128::from(xs.iter().map(|x| x.to_i128().unwrap_or(0) as i64).sum::<i64>()));
    } else {
        staged(&block, |_, xs| total += xs.iter().map(|x| x.to_i128().unwrap_or(0)).sum::<i128>());
    }
    total
}

/// The compensated float sum of `view` as an accumulator, deterministic for any thread count.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn float_sum<T: Numeric>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Neumaier> {
    Ok(merged(map_blocks(view, cancel, |block| compensated_block(&block))?))
}

/// The exact integer sum of `view`.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn int_sum<T: Numeric>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<i128> {
    Ok(map_blocks(view, cancel, int_block_sum)?.into_iter().sum())
}

/// The sum of every element. Empty arrays sum to 0.
///
/// Integers: exact, then rounded once to the nearest double ([`Scalar::BigInt`] for 64-bit types). Floats (including
/// `f32` and `f16`, accumulated in `f64`): Neumaier-compensated over fixed blocks combined in block order, so the bits
/// of the result never depend on the thread count.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn sum<T: Numeric>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Scalar> {
    if T::IS_FLOAT {
        return Ok(Scalar::Number(float_sum(view, cancel)?.value()));
    }
    let exact = int_sum(view, cancel)?;
    Ok(if std::mem::size_of::<T>() == 8 { Scalar::BigInt(exact) } else { Scalar::Number(exact as f64) })
}

crate::ops::reduction! {
    /// `sum(a)`: exact for integers, compensated and deterministic for floats.
    Sum = "sum", Returns::Element, |v, cancel| crate::kernels::sum(&v, cancel).map(Output::Scalar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, reference_compensated, with_view, Rng, SIZES};
    use crate::view::Element;

    fn sum_of<T: Numeric>(values: &[T]) -> Scalar {
        with_view(values, |v| sum(v, &Cancel::new()).unwrap())
    }

    #[test]
    fn small_and_empty() {
        assert_eq!(sum_of::<f64>(&[1.0, 2.0, 3.0]), Scalar::Number(6.0));
        assert_eq!(sum_of::<f64>(&[]), Scalar::Number(0.0));
        assert_eq!(sum_of::<i64>(&[]), Scalar::BigInt(0));
    }

    #[test]
    fn infinities_survive_the_lanes() {
        assert_eq!(sum_of(&[1.0f64, f64::INFINITY]), Scalar::Number(f64::INFINITY));
        assert_eq!(sum_of(&[f64::NEG_INFINITY, 1.0, 2.0]), Scalar::Number(f64::NEG_INFINITY));
        let mut values = vec![1.0f32; 2 * BLOCK + 3];
        values[BLOCK + 5] = f32::INFINITY;
        assert_eq!(sum_of(&values), Scalar::Number(f64::INFINITY));
        values[2] = f32::NEG_INFINITY;
        assert!(matches!(sum_of(&values), Scalar::Number(x) if x.is_nan()));
    }

    #[test]
    fn compensated() {
        assert_eq!(sum_of::<f64>(&[1.0, 1e100, 1.0, -1e100]), Scalar::Number(2.0));
        assert_eq!(sum_of::<f64>(&[0.1; 10]), Scalar::Number(1.0));
    }

    #[test]
    fn integers_are_exact_then_rounded_once() {
        let big = vec![i32::MAX; 3 * BLOCK + 7];
        assert_eq!(sum_of(&big), Scalar::Number(((3 * BLOCK + 7) as i128 * i32::MAX as i128) as f64));
        assert_eq!(sum_of(&[u64::MAX, u64::MAX]), Scalar::BigInt(2 * u64::MAX as i128));
        assert_eq!(sum_of(&[i64::MIN, -1]), Scalar::BigInt(i64::MIN as i128 - 1));
    }

    #[test]
    fn blocks_and_lanes_do_not_change_exact_float_sums() {
        let values: Vec<f64> = (0..(2 * BLOCK + 13)).map(|i| i as f64).collect();
        let n = values.len() as f64;
        assert_eq!(sum_of(&values), Scalar::Number(n * (n - 1.0) / 2.0));
    }

    #[test]
    fn float_sums_follow_the_block_and_lane_order() {
        let mut rng = Rng::new(7);
        for n in SIZES {
            let values: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
            assert_eq!(sum_of(&values), Scalar::Number(reference_compensated(&values)), "n = {n}");
        }
    }

    #[test]
    fn narrow_floats_accumulate_in_double() {
        let values = vec![0.1f32; 1000];
        let expected = {
            let mut acc = Neumaier::default();
            values.iter().for_each(|x| acc.add(*x as f64));
            acc.value()
        };
        assert_eq!(sum_of(&values), Scalar::Number(expected));
        let halves = vec![half::f16::from_f32(0.5); 5000];
        assert_eq!(sum_of(&halves), Scalar::Number(2500.0));
    }

    #[test]
    fn element_loads_see_written_values() {
        let values = [3u16, 4, 5];
        with_view(&values, |v| assert_eq!(v.iter().map(|x| x.to_f64()).sum::<f64>(), 12.0));
        assert_eq!(<u16 as Element>::ALIGN, 2);
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 10], |v| sum(v, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
