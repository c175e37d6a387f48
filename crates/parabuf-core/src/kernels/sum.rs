//! `sum`: exact for integers, correctly rounded for floats.

use crate::error::Result;
use crate::exec::{Cancel, BLOCK};
use crate::kernels::blocks::{compensated_staged, merged, LANES};
use crate::kernels::exact::ExactSum;
use crate::kernels::numeric::{two_sum, Neumaier, Numeric, Scalar};
use crate::kernels::source::{Source, Staged};
use crate::ops::{Output, Returns};
use crate::view::ReadView;

/// The exact sum of one block of integers.
fn int_block_sum<B: Staged + ?Sized>(block: &mut B) -> i128
where
    B::Item: Numeric,
{
    let mut total: i128 = 0;
    if std::mem::size_of::<B::Item>() <= 4 {
        // Up to 32-bit values: a staged piece (at most STAGE values below 2^32 in magnitude) sums exactly in an i64,
        // which vectorises where i128 additions (a carry chain) do not.
        block.stages(|_, xs| total += i128::from(xs.iter().map(|x| x.to_i128().unwrap_or(0) as i64).sum::<i64>()));
    } else {
        block.stages(|_, xs| total += xs.iter().map(|x| x.to_i128().unwrap_or(0)).sum::<i128>());
    }
    total
}

/// The exact sum of one block of floats, normalised for merging.
fn exact_block_sum<B: Staged + ?Sized>(block: &mut B) -> ExactSum
where
    B::Item: Numeric,
{
    let mut total = ExactSum::default();
    block.stages(|_, xs| xs.iter().for_each(|x| total.add(x.to_f64())));
    total.normalise();
    total
}

/// The unit roundoff of doubles, 2^-53.
pub(crate) const U: f64 = 1.0 / (1u64 << 53) as f64;

/// The shape every bound of a compensated sum here takes: `2k²u²A`, for `k` additions deep and magnitudes summing to
/// at most `magnitude`, plus `subnormal_units` units of 2^-1074 for roundings that underflow.
pub(crate) fn error_bound(k: f64, magnitude: f64, subnormal_units: f64) -> f64 {
    2.0 * k * k * U * U * magnitude + subnormal_units * f64::from_bits(1)
}

/// A bound on the error of the compensated sum of `terms` values (as [`compensated_block`] and [`merged`] compute it)
/// whose magnitudes sum to `magnitude`.
///
/// The errors of Neumaier's steps (TwoSum) are exact; only their recursive sum, the compensation, is rounded. Each
/// lane of a block adds at most `m = BLOCK / LANES + 1` terms, each error at most `u·A` (`u` = 2^-53, `A` the
/// magnitudes' sum), so its compensation is off by at most `γ(m)·m·u·A ≈ m²u²A`. The lanes merge in a tree of depth
/// log2(LANES) and the `b` blocks in a chain, whose TwoSum errors (`b` more, each at most `u·A`) the compensation
/// also sums. With `k = m + b + LANES`, the total is below `k²u²A`; the bound doubles it (which also covers the
/// rounding in `A` itself for fewer than 2^52 terms) and adds one subnormal unit per term for compensations that
/// underflow.
pub(crate) fn compensated_error_bound(magnitude: f64, terms: usize) -> f64 {
    error_bound(additions_per_lane_and_merge(terms), magnitude, terms as f64 + 64.0)
}

/// `k` of [`compensated_error_bound`]: the additions a lane makes, plus the merges after it.
fn additions_per_lane_and_merge(terms: usize) -> f64 {
    (BLOCK / LANES + 1 + terms.div_ceil(BLOCK) + LANES) as f64
}

/// `total` rounded to the nearest double, when the exact value it approximates (within `bound`) is proven to round to
/// the same double; `None` when it cannot be (a value near a rounding boundary or near zero, a bound too wide, an
/// overflow, a NaN).
pub(crate) fn certified(total: Neumaier, bound: f64) -> Option<f64> {
    let (head, proven) = certify(total, bound);
    proven.then_some(head)
}

/// [`certified`] without branches, so that a loop over vector lanes runs it on whole vectors: the rounded head, and
/// whether it is proven.
#[inline(always)]
pub(crate) fn certify(total: Neumaier, bound: f64) -> (f64, bool) {
    let (sum, compensation) = total.parts();
    // The double-double sum + compensation as a rounded head and its exact tail (TwoSum).
    let head = sum + compensation;
    let part = head - sum;
    let tail = (sum - (head - part)) + (compensation - part);
    // The exact value is within `slack` of head; it rounds to `head` when that whole interval stays inside the half
    // gaps to both neighbours (strictly: a tie could round either way). The smaller gap decides: at a power of two the
    // one below is half the one above. Past the largest double (either sign), the neighbour is 2^1024, where rounding
    // overflows, as far away as the largest double's own gap: the gap beyond it comes out infinite, and the other
    // decides. The neighbours of a finite non-zero head differ from it exactly.
    let slack = (tail.abs() + bound) * (1.0 + 4.0 * U);
    let size = head.abs();
    let bits = size.to_bits();
    let gap = (f64::from_bits(bits + 1) - size).min(size - f64::from_bits(bits.wrapping_sub(1)));
    let finite = sum.is_finite() & compensation.is_finite() & bound.is_finite() & head.is_finite();
    (head, finite & (head != 0.0) & (slack < gap / 2.0))
}

/// Independent running pairs per block in [`tracked_sum`]: enough to hide the adds' latency, few enough to stay in
/// registers.
const TRACKED_LANES: usize = 8;

/// A running sum, the exact rounding errors of its additions summed as a compensation, and whether that compensation's
/// own additions were all exact. While they were, `sum + compensation` is the exact total (every step is an
/// error-free transformation), so one rounded addition of the two gives the exact total correctly rounded, ties to
/// even, even where the exact total lies on a rounding boundary.
#[derive(Clone, Copy, Debug, Default)]
struct TrackedPair {
    sum: f64,
    compensation: f64,
    inexact: bool,
}

impl TrackedPair {
    #[inline(always)]
    fn add(&mut self, x: f64) {
        let (sum, lost) = two_sum(self.sum, x);
        let (compensation, residue) = two_sum(self.compensation, lost);
        self.inexact |= residue != 0.0;
        (self.sum, self.compensation) = (sum, compensation);
    }

    fn merge(&mut self, other: TrackedPair) {
        self.add(other.sum);
        self.add(other.compensation);
        self.inexact |= other.inexact;
    }
}

/// The exact sum of `view` rounded once, when a pass of [`TrackedPair`]s proves its pair exact: data whose rounding
/// errors sum exactly (multiples of a common power of two over a modest range of exponents, as random integers scaled
/// by 2^-k are) and whose exact sum lies on or near a rounding boundary, where the compensated pass cannot certify its
/// answer. About twice the arithmetic of the compensated pass per element, and a fraction of the exact pass's cost.
/// `None` when a compensation rounded, or the pair is not finite (an overflow, an infinity, a NaN).
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn tracked_sum<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<Option<f64>>
where
    S::Item: Numeric,
{
    let blocks = view.map_blocks(cancel, |_, block| {
        let mut lanes = [TrackedPair::default(); TRACKED_LANES];
        block.stages(|_, xs| {
            let mut groups = xs.chunks_exact(TRACKED_LANES);
            for group in &mut groups {
                lanes.iter_mut().zip(group).for_each(|(lane, x)| lane.add(x.to_f64()));
            }
            lanes.iter_mut().zip(groups.remainder()).for_each(|(lane, x)| lane.add(x.to_f64()));
        });
        let mut total = TrackedPair::default();
        lanes.into_iter().for_each(|lane| total.merge(lane));
        total
    })?;
    let mut total = TrackedPair::default();
    blocks.into_iter().for_each(|block| total.merge(block));
    let exact = !total.inexact && total.sum.is_finite() && total.compensation.is_finite();
    Ok(exact.then_some(total.sum + total.compensation).filter(|x| x.is_finite()))
}

/// The float sum of `view`: the exact sum of its elements rounded once to a double (ties to even), so the same for
/// any thread count. A compensated pass, proven correct by its error bound ([`compensated_error_bound`],
/// [`certified`]), answers almost always; a pass that tracks whether its compensation stayed exact ([`tracked_sum`])
/// answers most of the rest (exact sums on a rounding boundary); an exact pass ([`ExactSum`]) answers what remains.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn float_sum<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<f64>
where
    S::Item: Numeric,
{
    float_sum_and_magnitude(view, cancel).map(|(sum, _)| sum)
}

/// [`float_sum`], and the sum of the elements' magnitudes as the compensated pass computed it (a few roundings off;
/// `Infinity` past the largest double, `NaN` with a NaN element).
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn float_sum_and_magnitude<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<(f64, f64)>
where
    S::Item: Numeric,
{
    let parts = view.map_blocks(cancel, |_, block| compensated_staged(block))?;
    let magnitude: f64 = parts.iter().map(|part| part.magnitude).sum();
    let total = merged(parts.iter().map(|part| part.total));
    // Only zeros (or nothing): +0, as `math.fsum` and numpy give even for negative zeros. The magnitude bound may
    // pass over a NaN; the total never does.
    if magnitude == 0.0 && total.value() == 0.0 {
        return Ok((0.0, magnitude));
    }
    if let Some(value) = certified(total, compensated_error_bound(magnitude, view.len())) {
        return Ok((value, magnitude));
    }
    if let Some(value) = tracked_sum(view, cancel)? {
        return Ok((value, magnitude));
    }
    let mut total = ExactSum::default();
    view.map_blocks(cancel, |_, block| exact_block_sum(block))?.iter().for_each(|block| total.merge(block));
    Ok((total.value(), magnitude))
}

/// The exact sum of `view` times 2^`exponent`, rounded once: finite where the sum itself overflows but its scaled
/// value does not.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn exact_scaled_sum<S: Source + ?Sized>(view: &S, exponent: i32, cancel: &Cancel) -> Result<f64>
where
    S::Item: Numeric,
{
    let mut total = ExactSum::default();
    view.map_blocks(cancel, |_, block| exact_block_sum(block))?.iter().for_each(|block| total.merge(block));
    Ok(total.scaled_value(exponent))
}

/// The exact integer sum of `view`.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn int_sum<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<i128>
where
    S::Item: Numeric,
{
    Ok(view.map_blocks(cancel, |_, block| int_block_sum(block))?.into_iter().sum())
}

/// The sum of every element. Empty arrays sum to 0.
///
/// Integers: exact, then rounded once to the nearest double ([`Scalar::BigInt`] for 64-bit types). Floats (including
/// `f32` and `f16`, each exactly a double): the exact sum rounded once to the nearest double, ties to even (Python's
/// `math.fsum`); ±Infinity only when that sum overflows, NaN only when an element is NaN or both infinities occur.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn sum<T: Numeric>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Scalar> {
    if T::IS_FLOAT {
        return Ok(Scalar::Number(float_sum(view, cancel)?));
    }
    let exact = int_sum(view, cancel)?;
    Ok(if std::mem::size_of::<T>() == 8 { Scalar::BigInt(exact) } else { Scalar::Number(exact as f64) })
}

crate::ops::reduction! {
    /// `sum(a)`: exact for integers, correctly rounded for floats.
    Sum = "sum", Returns::Element, axis Sum,
    |v, cancel| crate::kernels::sum(&v, cancel).map(Output::Scalar),
    fused |bound, cancel| crate::expr::sum(bound, cancel).map(Output::number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::exec::BLOCK;
    use crate::kernels::numeric::Neumaier;
    use crate::kernels::testutil::{cancelled, with_view, Rng, SIZES};
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
    fn cancelled_terms_are_recovered() {
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

    /// The exact sum of `values` rounded once, computed sequentially.
    fn exactly(values: &[f64]) -> f64 {
        let mut total = ExactSum::default();
        values.iter().for_each(|x| total.add(*x));
        total.normalise();
        total.value()
    }

    #[test]
    fn float_sums_are_the_exact_sum_rounded_once() {
        let mut rng = Rng::new(7);
        for n in SIZES {
            let wide: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
            // Heavy cancellation: pairs of opposite values plus a little noise, so the compensated pass cannot prove
            // its answer and the exact pass decides.
            let cancelling: Vec<f64> = (0..n)
                .map(|i| if i % 2 == 0 { 1e10 * (1.0 + (i as f64)) } else { -1e10 * (i as f64) + rng.unit() })
                .collect();
            for values in [wide, cancelling] {
                assert_eq!(sum_of(&values), Scalar::Number(exactly(&values)), "n = {n}");
            }
        }
    }

    #[test]
    fn peer_series_through_the_kernel() {
        for (expected, values) in crate::kernels::exact::tests::fsum_cases() {
            let Scalar::Number(got) = sum_of(&values) else { unreachable!() };
            assert!(crate::kernels::testutil::same_bits_or_both_nan(got, expected), "{values:?}");
        }
        // CPython's telescoping series and ties, spread over several blocks among zeros.
        let mut spread = vec![0.0f64; 3 * BLOCK];
        spread[0] = 2f64.powi(53);
        spread[BLOCK + 3] = 1.0;
        spread[2 * BLOCK + 5] = 2f64.powi(-1000);
        assert_eq!(sum_of(&spread), Scalar::Number(2f64.powi(53) + 2.0));
        spread[2 * BLOCK + 5] = 0.0;
        assert_eq!(sum_of(&spread), Scalar::Number(2f64.powi(53)));
    }

    fn exact_of(values: &[f64]) -> f64 {
        let mut total = ExactSum::default();
        values.iter().for_each(|x| total.add(*x));
        total.normalise();
        total.value()
    }

    fn tracked_of(values: &[f64]) -> Option<f64> {
        with_view(values, |v| tracked_sum(v, &Cancel::new())).unwrap()
    }

    #[test]
    fn a_tracked_pair_answers_exact_sums_on_a_rounding_boundary() {
        let tie = 2f64.powi(-53);
        // 1 + 2^-53 lies halfway between 1 and its successor: ties to even give 1; a hair above, the successor.
        for (values, want) in [
            (vec![1.0, tie], 1.0),
            (vec![1.0 + 2.0 * tie, tie], 1.0 + 4.0 * tie),
            (vec![1.0, tie, tie * 2f64.powi(-40)], 1.0 + 2.0 * tie),
            (vec![-1.0, -tie, 0.0, 3.0, -3.0], -1.0),
        ] {
            with_view(&values, |v| assert_eq!(certified_of(v), None, "{values:?} must need more than the bound"));
            assert_eq!(tracked_of(&values), Some(want), "{values:?}");
            assert_eq!(sum_of(&values), Scalar::Number(want));
        }
        // Random multiples of 2^-32 below 1 (the bench's data): the rounding errors sum exactly, and the pair is the
        // exact sum, on a boundary or not.
        let mut rng = Rng::new(11);
        for n in [1000, 3 * BLOCK + 7, 40 * BLOCK] {
            let values: Vec<f64> = (0..n).map(|_| (rng.next_u64() >> 32) as f64 * 2f64.powi(-32)).collect();
            assert_eq!(tracked_of(&values), Some(exact_of(&values)), "{n}");
        }
        // A compensation that rounds, or an overflow: no answer, and the exact pass gives it.
        assert_eq!(tracked_of(&[1.0, tie, tie.powi(2)]), None);
        assert_eq!(sum_of(&[1.0, tie, tie.powi(2)]), Scalar::Number(1.0 + 2.0 * tie));
        assert_eq!(tracked_of(&[f64::MAX, f64::MAX, -f64::MAX]), None);
        assert_eq!(sum_of(&[f64::MAX, f64::MAX, -f64::MAX]), Scalar::Number(f64::MAX));
    }

    /// What the compensated pass alone certifies for `view`.
    fn certified_of(view: &ReadView<'_, f64>) -> Option<f64> {
        let parts =
            crate::exec::map_blocks(view, &Cancel::new(), |block| crate::kernels::blocks::compensated_block(&block))
                .unwrap();
        let magnitude: f64 = parts.iter().map(|part| part.magnitude).sum();
        certified(merged(parts.iter().map(|part| part.total)), compensated_error_bound(magnitude, view.len()))
    }

    #[test]
    fn a_power_of_two_is_certified_against_its_nearer_neighbour() {
        // Below 1.0 the doubles are twice as dense as above it: an error bound between the two half gaps proves
        // nothing, whichever way the tail points.
        let bound = 0.8 * 2f64.powi(-53);
        assert_eq!(certified(Neumaier::from_parts(1.0, 0.0), bound), None);
        assert_eq!(certified(Neumaier::from_parts(1.0, 2f64.powi(-80)), bound), None);
        assert_eq!(certified(Neumaier::from_parts(1.0, 0.0), 0.4 * 2f64.powi(-54)), Some(1.0));
        assert_eq!(certified(Neumaier::from_parts(-1.0, 0.0), bound), None);
        // The largest double: past it, rounding overflows at its own half gap.
        assert_eq!(certified(Neumaier::from_parts(f64::MAX, 0.0), 2f64.powi(960)), Some(f64::MAX));
        assert_eq!(certified(Neumaier::from_parts(-f64::MAX, 0.0), 2f64.powi(960)), Some(-f64::MAX));
    }

    #[test]
    fn a_nan_among_zeros_is_nan_wherever_it_is() {
        for at in [0, 5, 31, 32, 50, 99, BLOCK + 7] {
            let mut values = vec![0.0f64; BLOCK + 100];
            values[at] = f64::NAN;
            let Scalar::Number(got) = sum_of(&values) else { unreachable!() };
            assert!(got.is_nan(), "NaN at {at}");
            values[at] = f64::INFINITY;
            assert_eq!(sum_of(&values), Scalar::Number(f64::INFINITY), "Infinity at {at}");
        }
    }

    #[test]
    fn overflow_only_when_the_exact_sum_overflows() {
        assert_eq!(sum_of(&[1e308f64, -1e308, 1e308]), Scalar::Number(1e308));
        assert_eq!(sum_of(&[1e308f64, -1e308, 1e308, -1e308, 1e308]), Scalar::Number(1e308));
        assert_eq!(sum_of(&[1e308f64, 1e308]), Scalar::Number(f64::INFINITY));
        assert_eq!(sum_of(&[-0.0f64, -0.0]), Scalar::Number(0.0));
        let Scalar::Number(zero) = sum_of(&[-0.0f64]) else { unreachable!() };
        assert_eq!(zero.to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn narrow_floats_accumulate_in_double() {
        let values = vec![0.1f32; 1000];
        let doubles: Vec<f64> = values.iter().map(|x| f64::from(*x)).collect();
        assert_eq!(sum_of(&values), Scalar::Number(exactly(&doubles)));
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
