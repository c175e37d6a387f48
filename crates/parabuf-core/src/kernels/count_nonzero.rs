//! `countNonZero`: how many elements are not zero, as numpy's `count_nonzero` counts them (NaN is not zero; `-0` is).

use crate::error::Result;
use crate::exec::Cancel;
use crate::kernels::source::{Source, Staged};
use crate::ops::{Output, Returns};
use crate::view::{Element, ReadView};

/// The number of elements that are not equal to zero: exact for any length, the same for any thread count. NaN
/// counts (it equals nothing), `-0` does not (it equals `+0`).
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn count_nonzero<T: Element>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<usize> {
    count_nonzero_of(view, cancel)
}

/// [`count_nonzero`] of any source.
fn count_nonzero_of<S: Source + ?Sized>(source: &S, cancel: &Cancel) -> Result<usize> {
    let zero = S::Item::default();
    let partials = source.map_blocks(cancel, |_, block| {
        let mut count = 0;
        block.stages(|_, xs| count += xs.iter().filter(|x| **x != zero).count());
        count
    })?;
    Ok(partials.into_iter().sum())
}

crate::ops::reduction! {
    /// `countNonZero(a)`.
    CountNonZero = "countNonZero", Returns::Number, axis Float64,
    |v, cancel| count_nonzero(&v, cancel).map(|n| Output::number(n as f64)),
    fused |bound, cancel| count_nonzero_of(bound, cancel).map(|n| Output::number(n as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::f16;
    use crate::kernels::testutil::{cancelled, with_view, SIZES};

    #[test]
    fn counts_what_is_not_zero_at_every_block_boundary() {
        for n in SIZES {
            let values: Vec<i32> = (0..n as i32).map(|i| if i % 3 == 0 { 0 } else { i }).collect();
            let expected = values.iter().filter(|x| **x != 0).count();
            assert_eq!(with_view(&values, |v| count_nonzero(v, &Cancel::new())), Ok(expected), "{n}");
        }
    }

    #[test]
    fn nan_counts_and_negative_zero_does_not() {
        let values = [0.0, -0.0, f64::NAN, 1.0, f64::INFINITY, -f64::MIN_POSITIVE / 4.0];
        assert_eq!(with_view(&values, |v| count_nonzero(v, &Cancel::new())), Ok(4));
        let halves = [f16::from_f64(-0.0), f16::NAN, f16::from_f64(0.0), f16::from_f64(2.0)];
        assert_eq!(with_view(&halves, |v| count_nonzero(v, &Cancel::new())), Ok(2));
        assert_eq!(with_view(&[0u64, u64::MAX], |v| count_nonzero(v, &Cancel::new())), Ok(1));
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 4], |v| count_nonzero(v, &cancelled())).unwrap_err();
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
