//! `histogram`: counts of values in equal-width bins, as `numpy.histogram` with an integer bin count.

use crate::error::{Error, Result};
use crate::exec::{map_blocks, threads, Cancel};
use crate::kernels::blocks::{fold_ranges, staged};
use crate::kernels::numeric::Numeric;
use crate::ops::{reading, Arg, Operation, Output, ParamSpec, ParamType, Params, Returns, Spec, READS_A};
use crate::view::ReadView;

/// The largest bin count accepted: 2^24 bins of `f64` are 128 MiB of output already.
pub const MAX_BINS: u32 = 1 << 24;

/// The smallest and largest non-NaN value (as doubles) of `view`, or `None` if it has none.
fn data_range<T: Numeric>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Option<(f64, f64)>> {
    let partials = map_blocks(view, cancel, |block| {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        staged(&block, |_, xs| {
            for x in xs {
                // f64::min/max return the other operand for NaN: NaNs drop out.
                lo = lo.min(x.to_f64());
                hi = hi.max(x.to_f64());
            }
        });
        (lo, hi)
    })?;
    let (lo, hi) = partials.into_iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (c, d)| (a.min(c), b.max(d)));
    Ok((lo <= hi).then_some((lo, hi)))
}

/// The range the bins cover: `min`/`max` where given, the data's extremes where not.
///
/// With no non-NaN data, a missing range is `[0, 1]` (or one unit beside the bound given). A range of zero width
/// widens to `[v - 0.5, v + 0.5]`, as numpy does.
///
/// # Errors
/// [`Error::OutOfRange`] when a bound taken from the data is infinite, or when a given bound lies beyond the data's
/// other extreme (`min` above every value, `max` below every value); `Aborted` when `cancel` is raised.
fn resolve_range<T: Numeric>(
    view: &ReadView<'_, T>,
    min: Option<f64>,
    max: Option<f64>,
    cancel: &Cancel,
) -> Result<(f64, f64)> {
    let (lo, hi) = match (min, max) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => match data_range(view, cancel)? {
            Some((data_lo, data_hi)) => (min.unwrap_or(data_lo), max.unwrap_or(data_hi)),
            None => {
                let lo = min.unwrap_or_else(|| max.map_or(0.0, |hi| hi - 1.0));
                (lo, max.unwrap_or(lo + 1.0))
            }
        },
    };
    if !lo.is_finite() || !hi.is_finite() {
        return Err(Error::out_of_range(format!(
            "histogram() needs a finite range, but the data spans [{lo}, {hi}]; pass finite min and max"
        )));
    }
    if lo > hi {
        return Err(Error::out_of_range(format!("histogram() min ({lo}) must not exceed max ({hi})")));
    }
    Ok(if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) })
}

/// Counts of `view`'s values in `bins` equal-width bins over `[min, max]`. Returns the counts (as doubles, for
/// JavaScript) in bin order.
///
/// A value `x` in range goes to bin `floor((x - min) / (max - min) * bins)`, computed in doubles, with `x == max` (and
/// any value that rounds onto the upper edge) in the last bin. Values outside the range and NaNs are not counted.
/// Missing bounds come from the data, ignoring NaN (see the rules on the range below).
///
/// Range rules: a range of zero width widens to `[v - 0.5, v + 0.5]`; with no non-NaN data and no range, `[0, 1]`.
/// `bins` (1 to [`MAX_BINS`]) and given bounds (finite, `min <= max`) are validated by [`Op`](crate::ops::Op).
///
/// # Errors
/// [`Error::OutOfRange`] when a bound taken from the data is infinite or a given bound lies beyond the data's other
/// extreme; `Aborted` when `cancel` is raised.
pub fn histogram<T: Numeric>(
    view: &ReadView<'_, T>,
    bins: u32,
    min: Option<f64>,
    max: Option<f64>,
    cancel: &Cancel,
) -> Result<Vec<f64>> {
    let bins = bins.clamp(1, MAX_BINS) as usize;
    let (lo, hi) = resolve_range(view, min, max, cancel)?;
    // For ranges wider than f64::MAX, halving every operand keeps the width finite; halving is exact.
    let s = if (hi - lo).is_finite() { 1.0 } else { 0.5 };
    let (lo_s, width_s, bins_f, last) = (lo * s, hi * s - lo * s, bins as f64, bins - 1);
    // Each accumulator is a full array of counts: use as many as keep every thread busy, but not so many that merging
    // them costs more than the counting.
    let parts = threads().min(view.len() / bins).max(1);
    let counts = fold_ranges(
        view.len(),
        parts,
        cancel,
        || vec![0u64; bins],
        |counts, range| {
            // A plain slice: increments through it cannot alias the Vec's own pointer and length.
            let counts = counts.as_mut_slice();
            staged(&view.slice(range), |_, xs| {
                for x in xs {
                    let x = x.to_f64();
                    if x >= lo && x <= hi {
                        let bin = if x == hi { last } else { (((x * s - lo_s) / width_s) * bins_f) as usize };
                        counts[bin.min(last)] += 1;
                    }
                }
            });
        },
        |mut a, b| {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
            a
        },
    )?;
    Ok(counts.into_iter().map(|c| c as f64).collect())
}

/// `histogram(a, { bins, min?, max? })`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Histogram {
    /// The number of bins, 1 to [`MAX_BINS`].
    pub bins: u32,
    /// The lower edge; the data's minimum when absent.
    pub min: Option<f64>,
    /// The upper edge; the data's maximum when absent.
    pub max: Option<f64>,
}

impl Histogram {
    /// The histogram of `bins` bins (a JavaScript number, which must be an integer from 1 to [`MAX_BINS`]) over
    /// `[min, max]`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for any other bin count, a non-finite bound, or `min > max`.
    pub fn new(bins: f64, min: Option<f64>, max: Option<f64>) -> Result<Histogram> {
        if !(bins >= 1.0 && bins <= MAX_BINS as f64 && bins.fract() == 0.0) {
            return Err(Error::out_of_range(format!(
                "histogram() bins must be an integer from 1 to {MAX_BINS}, got {bins}"
            )));
        }
        for (name, bound) in [("min", min), ("max", max)] {
            if let Some(bound) = bound.filter(|b| !b.is_finite()) {
                return Err(Error::out_of_range(format!("histogram() {name} must be a finite number, got {bound}")));
            }
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                return Err(Error::out_of_range(format!("histogram() min ({lo}) must not exceed max ({hi})")));
            }
        }
        Ok(Histogram { bins: bins as u32, min, max })
    }
}

impl Operation for Histogram {
    const SPEC: Spec = Spec {
        params: &[
            ParamSpec { name: "bins", ty: ParamType::Number },
            ParamSpec { name: "min", ty: ParamType::Number },
            ParamSpec { name: "max", ty: ParamType::Number },
        ],
        ..Spec::new("histogram", READS_A, Returns::Counts)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Histogram::new(params.number("bins")?.unwrap_or(f64::NAN), params.number("min")?, params.number("max")?)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let Histogram { bins, min, max } = *self;
        reading!(args, T, v => crate::kernels::histogram(&v, bins, min, max, cancel).map(Output::Counts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, with_view, Rng, SIZES};

    fn hist<T: Numeric>(values: &[T], bins: u32, min: Option<f64>, max: Option<f64>) -> Result<Vec<f64>> {
        with_view(values, |v| histogram(v, bins, min, max, &Cancel::new()))
    }

    /// numpy's definition, one value at a time.
    fn naive(values: &[f64], bins: usize, lo: f64, hi: f64) -> Vec<f64> {
        let mut counts = vec![0.0; bins];
        for &x in values {
            if x >= lo && x <= hi {
                let bin = if x == hi { bins - 1 } else { ((x - lo) / (hi - lo) * bins as f64).floor() as usize };
                counts[bin.min(bins - 1)] += 1.0;
            }
        }
        counts
    }

    #[test]
    fn numpy_examples() {
        assert_eq!(hist(&[1.0f64, 2.0, 1.0], 3, Some(0.0), Some(3.0)).unwrap(), vec![0.0, 2.0, 1.0]);
        assert_eq!(hist(&[0.0f64, 1.0, 2.0, 3.0], 3, None, None).unwrap(), vec![1.0, 1.0, 2.0]);
        assert_eq!(hist(&[0u8, 1, 1, 2, 2, 2], 2, None, None).unwrap(), vec![1.0, 5.0]);
    }

    #[test]
    fn nan_and_out_of_range_values_are_not_counted() {
        let values = [f64::NAN, -1.0, 0.0, 0.5, 1.0, 1.5, f64::INFINITY, f64::NEG_INFINITY];
        assert_eq!(hist(&values, 2, Some(0.0), Some(1.0)).unwrap(), vec![1.0, 2.0]);
        assert_eq!(hist(&[f64::NAN, 2.0, 4.0], 2, None, None).unwrap(), vec![1.0, 1.0]);
    }

    #[test]
    fn degenerate_ranges() {
        assert_eq!(hist::<f64>(&[], 4, None, None).unwrap(), vec![0.0; 4]);
        assert_eq!(hist(&[f64::NAN; 3], 2, None, None).unwrap(), vec![0.0; 2]);
        // One distinct value: [v - 0.5, v + 0.5], so it lands in the middle bin.
        assert_eq!(hist(&[5.0f32; 4], 3, None, None).unwrap(), vec![0.0, 4.0, 0.0]);
        assert_eq!(hist(&[5.0f64, 7.0], 2, Some(5.0), Some(5.0)).unwrap(), vec![0.0, 1.0]);
        assert_eq!(hist::<f64>(&[], 2, Some(3.0), None).unwrap(), vec![0.0; 2]);
        assert_eq!(hist(&[1.0f64, 3.0], 2, Some(2.0), None).unwrap(), vec![0.0, 1.0]);
        assert_eq!(hist(&[1.0f64, 3.0], 2, None, Some(2.0)).unwrap(), vec![1.0, 0.0]);
    }

    #[test]
    fn unusable_ranges_are_refused() {
        assert_eq!(hist(&[1.0f64, f64::INFINITY], 2, None, None).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        assert_eq!(hist(&[1.0f64, f64::INFINITY], 2, None, Some(3.0)).unwrap(), vec![1.0, 0.0]);
        assert_eq!(hist(&[1.0f64, 3.0], 2, Some(5.0), None).unwrap_err().code(), "ERR_OUT_OF_RANGE");
    }

    #[test]
    fn the_widest_range_still_bins() {
        let values = [-f64::MAX, 0.0, f64::MAX];
        assert_eq!(hist(&values, 2, None, None).unwrap(), vec![1.0, 2.0]);
        assert_eq!(hist(&values, 4, None, None).unwrap(), vec![1.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn integer_extremes_of_bigint_arrays() {
        assert_eq!(hist(&[i64::MIN, 0, i64::MAX], 2, None, None).unwrap(), vec![1.0, 2.0]);
    }

    #[test]
    fn matches_the_naive_count_across_blocks() {
        let mut rng = Rng::new(17);
        for n in SIZES {
            let values: Vec<f64> = (0..n).map(|_| rng.unit() * 10.0 - 2.0).collect();
            for bins in [1u32, 7, 1000] {
                let expected = naive(&values, bins as usize, -1.0, 6.0);
                assert_eq!(hist(&values, bins, Some(-1.0), Some(6.0)).unwrap(), expected, "n = {n}, bins = {bins}");
            }
        }
        let many = vec![1u16; 3 * BLOCK + 1];
        assert_eq!(hist(&many, 1, None, None).unwrap(), vec![(3 * BLOCK + 1) as f64]);
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 4], |v| histogram(v, 2, None, None, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
        let err = with_view(&[1.0f64; 4], |v| histogram(v, 2, Some(0.0), Some(1.0), &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
