//! `mean`, `variance` and `std`: compensated, in one pass where the data allows and two (scaled against overflow and
//! underflow) where not, deterministic; always a number, even for bigint arrays.

use crate::error::{Error, Result};
use crate::exec::{Cancel, Partials, BLOCK};

#[cfg(all(target_arch = "x86_64", not(miri)))]
use pulp::Simd;

#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::arch::{self, RegisterGroups};
use crate::expr::Bound;
use crate::kernels::blocks::{merged, Lanes};
#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::kernels::blocks::{Avx512Lanes, LANES};
use crate::kernels::numeric::{Neumaier, Numeric};
use crate::kernels::source::{Prefix, Source, Staged};
use crate::kernels::sum::{exact_scaled_sum, float_sum, float_sum_and_magnitude, int_sum};
use crate::ops::{
    reading, Arg, AxisResult, ExpressionUse, Operation, Output, ParamSpec, ParamType, Params, Returns, Spec, READS_A,
};
use crate::view::ReadView;

/// The arithmetic mean. Floats: the correctly rounded [`sum`](crate::kernels::sum()) over `n` (one more rounding); integers: the exact sum,
/// rounded to a double, over `n` (64-bit arrays give a number too). NaN for an empty array.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn mean<T: Numeric>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<f64> {
    // An empty view divides 0 by 0: NaN, as the mean of nothing should be.
    let n = view.len() as f64;
    if T::IS_FLOAT {
        Ok(float_sum(view, cancel)? / n)
    } else {
        Ok(int_sum(view, cancel)? as f64 / n)
    }
}

/// The compensated sums of `deviation(x)` and of its square over `view`, in block and lane order.
fn deviation_sums<S: Source + ?Sized>(
    view: &S,
    cancel: &Cancel,
    deviation: impl Fn(S::Item) -> f64 + Sync + Send,
) -> Result<(Neumaier, Neumaier)> {
    merged_pairs(view.map_blocks(cancel, |_, block| {
        let (mut linear, mut square) = (Lanes::default(), Lanes::default());
        let terms = |x: S::Item| {
            let d = deviation(x);
            (d, d * d)
        };
        block.stages(|_, xs| linear.add_mapped_pair(&mut square, xs, &terms));
        (linear.total(), square.total())
    })?)
}

/// A float's deviation from the mean, scaled by a power of two so that neither it nor the sum of squares leaves the
/// normal range: `(x·before - centre)·after`, where `centre` is the mean times `before` and one of `before`, `after`
/// is 1. Scaling down comes before the subtraction (the difference of two huge values may overflow), scaling up after
/// it (the difference of two tiny values is exact, and only its square would underflow). Both products are exact
/// but for elements that fall below the subnormal range when scaled down, which are too small to change the result.
#[derive(Clone, Copy, Debug)]
struct Deviation {
    before: f64,
    centre: f64,
    after: f64,
}

impl Deviation {
    /// Deviations from the mean (`mean` already scaled when `scale` < 1) scaled by `scale` (a power of two).
    fn new(mean: f64, scale: f64) -> Deviation {
        if scale < 1.0 {
            Deviation { before: scale, centre: mean, after: 1.0 }
        } else {
            Deviation { before: 1.0, centre: mean, after: scale }
        }
    }

    #[inline(always)]
    fn of(self, x: f64) -> f64 {
        (x * self.before - self.centre) * self.after
    }
}

/// [`deviation_sums`] of scaled deviations over doubles or floats, on AVX-512 straight from the view's registers (see
/// [`deviation_sums_avx512`]); `None` on other processors.
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn deviation_sums_in_registers<T: RegisterGroups + Numeric>(
    view: &ReadView<'_, T>,
    deviation: Deviation,
    cancel: &Cancel,
) -> Option<Result<(Neumaier, Neumaier)>> {
    arch::with_avx512(|simd| {
        let partials = crate::exec::map_blocks(view, cancel, |block| {
            simd.vectorize(|| deviation_sums_avx512(simd, &block, deviation))
        });
        partials.and_then(merged_pairs)
    })
}

/// The compensated sums of the scaled deviation and of its square over one block of doubles or floats (widened) on AVX-512,
/// read as the compensated sum reads (`compensated_groups_avx512`, in `blocks`): each deviation and square rounded as
/// the staged path rounds them and added to two sets of [`Lanes`] in the same order, so the bits are those of
/// [`Lanes::add_mapped_pair`].
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn deviation_sums_avx512<T: RegisterGroups + Numeric>(
    simd: pulp::x86::V4,
    block: &ReadView<'_, T>,
    deviation: Deviation,
) -> (Neumaier, Neumaier) {
    let (before, centre, after) =
        (simd.splat_f64s(deviation.before), simd.splat_f64s(deviation.centre), simd.splat_f64s(deviation.after));
    let start = (Avx512Lanes::new(simd), Avx512Lanes::new(simd));
    let ((linear, square), whole) = block.fold_groups(simd, start, |(mut linear, mut square), group| {
        let deviations = group.map(|x| simd.mul_f64s(simd.sub_f64s(simd.mul_f64s(x, before), centre), after));
        linear.add(simd, deviations);
        square.add(simd, deviations.map(|d| simd.mul_f64s(d, d)));
        (linear, square)
    });
    let mut rest = [T::default(); LANES];
    let rest = &mut rest[..block.len() - whole];
    block.read_into(whole, rest);
    let deviations = || rest.iter().map(|x| deviation.of(x.to_f64()));
    (linear.finish(simd, deviations()), square.finish(simd, deviations().map(|d| d * d)))
}

/// Per-block pairs of partial sums, each merged in block order.
fn merged_pairs(partials: Partials<(Neumaier, Neumaier)>) -> Result<(Neumaier, Neumaier)> {
    let (linear, square): (Vec<Neumaier>, Vec<Neumaier>) = partials.into_iter().unzip();
    Ok((merged(linear), merged(square)))
}

fn variance_of<S: Source + ?Sized>(view: &S, ddof: f64, cancel: &Cancel) -> Result<f64>
where
    S::Item: Numeric,
{
    let n = view.len();
    let divisor = n as f64 - ddof;
    if n == 0 || divisor <= 0.0 || divisor.is_nan() {
        cancel.check()?;
        return Ok(f64::NAN);
    }
    let nf = n as f64;
    let (linear, square, scale) = if let Some((linear, square)) = one_pass(view, cancel)? {
        (linear, square, 1.0)
    } else if S::Item::IS_FLOAT {
        let (sum, magnitude) = float_sum_and_magnitude(view, cancel)?;
        let mut scale = deviation_scale(magnitude);
        // Scaled down, the mean is scaled too, from the exact sum: the sum of huge values may overflow where their
        // mean does not.
        let mean = if scale < 1.0 { exact_scaled_sum(view, SCALE_DOWN, cancel)? / nf } else { sum / nf };
        let mut sums = float_deviation_sums(view, Deviation::new(mean, scale), cancel)?;
        // A spread so small that the squares reach the subnormal range loses their precision: again, scaled up. The
        // sum of squares is below 2^-800 only when every deviation is below 2^-400, so 2^500 keeps every square
        // normal and every deviation below 2^100.
        let square = sums.1.value();
        if scale == 1.0 && square < TINY_SQUARES && square > 0.0 {
            scale = 2f64.powi(500);
            sums = float_deviation_sums(view, Deviation::new(mean, scale), cancel)?;
        }
        (sums.0, sums.1, scale)
    } else {
        // The mean s/n is exact as a fraction, so each deviation (n·x - s)/n is an exact integer rounded once and
        // divided once: no cancellation, even for 64-bit values far beyond 2^53. |n·x - s| < 2^127 for any array
        // that fits in memory, and the squares of deviations below 2^64 stay far from overflow.
        let (s, ni) = (int_sum(view, cancel)?, n as i128);
        let (linear, square) =
            deviation_sums(view, cancel, |x: S::Item| (ni * x.to_i128().unwrap_or(0) - s) as f64 / nf)?;
        (linear, square, 1.0)
    };
    // The corrected two-pass formula: subtracting (Σd)²/n removes most of the error left by rounding the mean.
    let (linear, square) = (linear.value(), square.value());
    let m2 = square - linear * linear / nf;
    // Rounding can push a true zero slightly negative; NaN must pass through.
    let scaled = if m2 < 0.0 { 0.0 } else { m2 } / divisor;
    // Undo the scaling of the squares (scale²), one factor at a time so that neither factor overflows.
    Ok(scaled / scale / scale)
}

/// The sums of deviations of floats from the mean of their first block, and of their squares, in one pass, when that
/// mean is close enough to the whole mean for the corrected formula to keep its accuracy; `None` when it is not (the
/// two-pass path decides then), and for integers.
///
/// Rounding each deviation `x - K` changes it by at most `u·|x - K|`; the corrected formula `Σd² - (Σd)²/n` is the
/// exact sum of squares of the rounded deviations about their own mean, so it is off the true `M2` by at most about
/// `2u·√(M2·S2)` with `S2 = Σ(x - K)²`, relative `2u·√(S2/M2)`. Accepting only `S2 ≤ 9/8·M2` keeps that within
/// `2.2u`, as close as from the rounded mean itself. For data whose mean drifts, the first block's mean fails this and
/// the second pass is paid; for data whose squares leave the normal range, the test fails too (a non-finite or tiny
/// sum), and the two-pass path scales.
fn one_pass<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<Option<(Neumaier, Neumaier)>>
where
    S::Item: Numeric,
{
    if !S::Item::IS_FLOAT || view.is_empty() {
        return Ok(None);
    }
    let head = Prefix::new(view, BLOCK);
    let shift = float_sum(&head, cancel)? / head.len() as f64;
    if !shift.is_finite() {
        return Ok(None);
    }
    let (linear, square) = float_deviation_sums(view, Deviation::new(shift, 1.0), cancel)?;
    let (s1, s2) = (linear.value(), square.value());
    let m2 = s2 - s1 * s1 / view.len() as f64;
    let close = s2.is_finite() && s2 >= TINY_SQUARES && m2 > 0.0 && s2 <= 1.125 * m2;
    Ok(close.then_some((linear, square)))
}

/// Below this (2^-800), a sum of squares of deviations has lost precision to the subnormal range.
const TINY_SQUARES: f64 = f64::from_bits(223 << 52);

/// The exponent of the scale for huge data.
const SCALE_DOWN: i32 = -600;

/// The power of two by which deviations are scaled, from the sum of the elements' magnitudes `A`: every deviation is
/// below `2A` and the sum of their squares below `4A²`. Above 2^500 (or overflowing, or NaN), 2^-600 brings `4A²`
/// below the largest double; below 2^-400, 2^600 lifts the squares out of the subnormal range; else 1.
fn deviation_scale(magnitude: f64) -> f64 {
    if magnitude.is_nan() || magnitude >= 2f64.powi(500) {
        2f64.powi(SCALE_DOWN)
    } else if magnitude < 2f64.powi(-400) && magnitude > 0.0 {
        2f64.powi(600)
    } else {
        1.0
    }
}

/// The compensated sums of the scaled deviations of floats and of their squares.
fn float_deviation_sums<S: Source + ?Sized>(
    view: &S,
    deviation: Deviation,
    cancel: &Cancel,
) -> Result<(Neumaier, Neumaier)>
where
    S::Item: Numeric,
{
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    let registers =
        view.view().and_then(|view| match (S::Item::as_double_view(&view), S::Item::as_float_view(&view)) {
            (Some(doubles), _) => deviation_sums_in_registers(&doubles, deviation, cancel),
            (_, Some(floats)) => deviation_sums_in_registers(&floats, deviation, cancel),
            _ => None,
        });
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let registers: Option<Result<(Neumaier, Neumaier)>> = None;
    match registers {
        Some(sums) => sums,
        None => deviation_sums(view, cancel, |x: S::Item| deviation.of(x.to_f64())),
    }
}

/// The variance: the sum of squared deviations from the mean over `n - ddof` (`ddof = 0`: population, `1`: sample).
/// Two passes (compensated mean, then compensated sums of deviations and their squares), so large offsets cost no
/// accuracy: `[1, 2, 3, 4, 5, 6].map(x => x + 1e10)` gives exactly 3.5 with `ddof = 1`. NaN for an empty array, for
/// `n - ddof <= 0`, and when any element is NaN or infinite. `ddof` is checked by [`Op`](crate::ops::Op) validation.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn variance<T: Numeric>(view: &ReadView<'_, T>, ddof: f64, cancel: &Cancel) -> Result<f64> {
    variance_of(view, ddof, cancel)
}

/// The standard deviation: the square root of [`variance`].
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn std<T: Numeric>(view: &ReadView<'_, T>, ddof: f64, cancel: &Cancel) -> Result<f64> {
    variance_of(view, ddof, cancel).map(f64::sqrt)
}

crate::ops::reduction! {
    /// `mean(a)`: the sum divided by the length.
    Mean = "mean", Returns::Number, axis Float64,
    |v, cancel| crate::kernels::mean(&v, cancel).map(Output::number),
    // The fused sum is the kernel's float sum, bit for bit, and vectorises for the processor over an expression's
    // values; an empty expression divides 0 by 0 as an empty array does.
    fused |bound, cancel| crate::expr::sum(bound, cancel).map(|sum| Output::number(sum / Source::len(bound) as f64))
}

/// `variance(a, { ddof })` (`ROOT` false) and `std(a, { ddof })` (`ROOT` true, its square root): one declaration, as
/// they share their parameter and their kernel.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Spread<const ROOT: bool> {
    /// Subtracted from the element count in the divisor: 0 for the population, 1 for a sample.
    pub ddof: f64,
}

/// `variance(a, { ddof })`.
pub type Variance = Spread<false>;
/// `std(a, { ddof })`.
pub type Std = Spread<true>;

impl<const ROOT: bool> Operation for Spread<ROOT> {
    const SPEC: Spec = Spec {
        params: &[ParamSpec { name: "ddof", ty: ParamType::Number }],
        expression: ExpressionUse::Fused,
        axis: AxisResult::Float64,
        ..Spec::new(if ROOT { "std" } else { "variance" }, READS_A, Returns::Number)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        let ddof = params.number("ddof")?.unwrap_or(0.0);
        if !(ddof.is_finite() && ddof >= 0.0) {
            let operation = Self::SPEC.name;
            return Err(Error::out_of_range(format!("{operation}() ddof must be a finite number >= 0, got {ddof}")));
        }
        Ok(Spread { ddof })
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let ddof = self.ddof;
        if ROOT {
            reading!(args, T, v => crate::kernels::std(&v, ddof, cancel).map(Output::number))
        } else {
            reading!(args, T, v => crate::kernels::variance(&v, ddof, cancel).map(Output::number))
        }
    }
    fn reduce_expression(&self, bound: &Bound<'_, '_>, _rest: Vec<Arg>, cancel: &Cancel) -> Result<Output> {
        let variance = variance_of(bound, self.ddof, cancel)?;
        Ok(Output::number(if ROOT { variance.sqrt() } else { variance }))
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::error::Error;
    use crate::kernels::testutil::{cancelled, reference_compensated, with_view, Rng, SIZES};
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    use crate::kernels::testutil::{from_every_offset_in_a_line, LANE_LENGTHS};

    fn var<T: Numeric>(values: &[T], ddof: f64) -> f64 {
        with_view(values, |v| variance(v, ddof, &Cancel::new()).unwrap())
    }

    /// How many doubles lie between `a` and `b` (both finite or the same infinity), or `u64::MAX`.
    fn ulps_apart(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        if !(a.is_finite() && b.is_finite()) || a.is_sign_negative() != b.is_sign_negative() {
            return u64::MAX;
        }
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn variances_of_hard_cases_are_within_four_ulps_of_the_exact_value() {
        let cases = crate::kernels::exact::tests::variance_cases();
        assert_eq!(cases.len(), 82);
        let mut worst = 0;
        for (population, sample, values) in cases {
            for (ddof, expected) in [(0.0, population), (1.0, sample)] {
                let got = var(&values, ddof);
                let apart = ulps_apart(got, expected);
                assert!(apart <= 4, "ddof {ddof}: {got:e} vs {expected:e} ({apart} ulps) for {values:?}");
                worst = worst.max(apart);
            }
        }
        eprintln!("worst variance error: {worst} ulps");
    }

    #[test]
    fn a_first_block_unlike_the_rest_takes_the_second_pass() {
        // BLOCK zeros, then 2·BLOCK values 1e9: the first block's mean (0) is far from the mean (2e9/3), so the one
        // pass refuses and the two passes answer: the exact variance is (2/9)·1e18.
        let mut values = vec![0.0f64; BLOCK];
        values.extend(vec![1e9; 2 * BLOCK]);
        assert!(with_view(&values, |v| one_pass(v, &Cancel::new()).unwrap()).is_none());
        assert!(ulps_apart(var(&values, 0.0), 2e18 / 9.0) <= 1);
        // A first block like the rest: one pass.
        let mut rng = Rng::new(3);
        let noisy: Vec<f64> = (0..3 * BLOCK).map(|_| 1e9 + rng.unit()).collect();
        assert!(with_view(&noisy, |v| one_pass(v, &Cancel::new()).unwrap()).is_some());
    }

    #[test]
    fn finite_data_never_gives_nan() {
        assert_eq!(var(&[1e200f64, 1e200, -1e200], 0.0), f64::INFINITY);
        assert_eq!(var(&[f64::MAX, -f64::MAX], 0.0), f64::INFINITY);
        assert_eq!(var(&[f64::MAX, f64::MAX], 0.0), 0.0);
        assert_eq!(var(&[1e154f64, -1e154], 0.0), 1e308);
        let tiny = f64::from_bits(1);
        assert_eq!(var(&[tiny, -tiny], 0.0), 0.0); // 2^-2148, below the smallest subnormal
        assert_eq!(var(&[3.0 * 2f64.powi(-540), -3.0 * 2f64.powi(-540)], 0.0), 9.0 * 2f64.powi(-1080));
    }

    fn mean_of_values<T: Numeric>(values: &[T]) -> f64 {
        with_view(values, |v| mean(v, &Cancel::new()).unwrap())
    }

    #[test]
    fn the_offset_example_is_exact() {
        let values: Vec<f64> = (1..=6).map(|x| x as f64 + 1e10).collect();
        assert_eq!(var(&values, 1.0), 3.5);
        assert_eq!(var(&values, 0.0), 17.5 / 6.0);
        with_view(&values, |v| assert_eq!(std(v, 1.0, &Cancel::new()).unwrap(), 3.5f64.sqrt()));
        assert_eq!(mean_of_values(&values), 1e10 + 3.5);
    }

    #[test]
    fn degenerate_inputs_are_nan() {
        assert!(mean_of_values::<f64>(&[]).is_nan());
        assert!(mean_of_values::<i32>(&[]).is_nan());
        assert!(var::<f64>(&[], 0.0).is_nan());
        assert!(var(&[4.0f64], 1.0).is_nan());
        assert!(var(&[4.0f64, 5.0], 2.5).is_nan());
        assert_eq!(var(&[4.0f64], 0.0), 0.0);
        assert!(var(&[1.0f64, f64::NAN], 0.0).is_nan());
        assert!(var(&[1.0f64, f64::INFINITY], 0.0).is_nan());
        assert!(mean_of_values(&[1.0f64, f64::NAN]).is_nan());
        assert_eq!(mean_of_values(&[1.0f64, f64::INFINITY]), f64::INFINITY);
    }

    #[test]
    fn integers_use_the_exact_mean() {
        assert_eq!(mean_of_values(&[1u8, 2]), 1.5);
        assert_eq!(mean_of_values(&[i64::MAX, i64::MAX]), i64::MAX as f64);
        // Deviations of ±1 around 2^62 + 1: invisible to a mean taken in doubles.
        let big = [(1i64 << 62), (1i64 << 62) + 2];
        assert_eq!(var(&big, 0.0), 1.0);
        assert_eq!(var(&[u64::MAX, u64::MAX - 2, u64::MAX - 4], 1.0), 4.0);
        assert_eq!(var(&[-3i8, 3], 1.5), 36.0);
        assert_eq!(var(&[2i32, 4, 4, 4, 5, 5, 7, 9], 0.0), 4.0);
    }

    #[test]
    fn narrow_floats_work_in_double() {
        let values = [f16::from_f32(1.0), f16::from_f32(2.0), f16::from_f32(3.0)];
        assert_eq!(var(&values, 1.0), 1.0);
        assert_eq!(mean_of_values(&[0.5f32, 0.25]), 0.375);
    }

    /// The exact sum of `values` rounded once, over `n`.
    fn exact_mean(values: &[f64]) -> f64 {
        let mut total = crate::kernels::exact::ExactSum::default();
        values.iter().for_each(|x| total.add(*x));
        total.normalise();
        total.value() / values.len() as f64
    }

    #[test]
    fn follows_the_block_and_lane_order() {
        let mut rng = Rng::new(5);
        for n in SIZES.into_iter().filter(|n| *n > 0) {
            let values: Vec<f64> = (0..n).map(|_| 1e6 + rng.wide_f64()).collect();
            let nf = n as f64;
            let m = exact_mean(&values);
            // One pass: deviations from the mean of the first block (this data passes its closeness test).
            let shift = exact_mean(&values[..n.min(BLOCK)]);
            let d: Vec<f64> = values.iter().map(|x| x - shift).collect();
            let d2: Vec<f64> = d.iter().map(|d| d * d).collect();
            let (s1, s2) = (reference_compensated(&d), reference_compensated(&d2));
            let m2 = s2 - s1 * s1 / nf;
            let expected = if m2 < 0.0 { 0.0 } else { m2 } / nf;
            assert_eq!(var(&values, 0.0).to_bits(), expected.to_bits(), "n = {n}");
            assert_eq!(mean_of_values(&values).to_bits(), m.to_bits(), "n = {n}");
        }
    }

    /// The variance's register path gives the bits of the staged lanes from every offset within a cache line, for
    /// doubles and for floats, and reads nothing outside the block (the NaNs around it would show).
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    fn deviation_sums_in_registers_give_the_bits_of_the_staged_lanes<T: RegisterGroups + Numeric>(
        make: impl Fn(f64) -> T,
        nan: T,
    ) {
        let Some(simd) = pulp::x86::V4::try_new() else { return };
        let bits = |(linear, square): (Neumaier, Neumaier)| {
            let ((a, b), (c, d)) = (linear.parts(), square.parts());
            [a, b, c, d].map(f64::to_bits)
        };
        let mut rng = Rng::new(13);
        for len in LANE_LENGTHS {
            let values: Vec<T> = (0..len).map(|_| make(1e3 + rng.wide_f64())).collect();
            let mean = 1e3 + 0.1;
            let (mut linear, mut square) = (Lanes::default(), Lanes::default());
            let terms = |x: T| (x.to_f64() - mean, (x.to_f64() - mean) * (x.to_f64() - mean));
            linear.add_mapped_pair(&mut square, &values, &terms);
            let want = bits((linear.total(), square.total()));
            from_every_offset_in_a_line(&values, nan, |view, offset| {
                let got = bits(simd.vectorize(|| deviation_sums_avx512(simd, view, Deviation::new(mean, 1.0))));
                assert_eq!(got, want, "{len} values from offset {offset}");
            });
        }
    }

    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[test]
    fn deviation_sums_of_doubles_in_registers_give_the_bits_of_the_staged_lanes() {
        deviation_sums_in_registers_give_the_bits_of_the_staged_lanes(|x| x, f64::NAN);
    }

    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[test]
    fn deviation_sums_of_floats_in_registers_give_the_bits_of_the_staged_lanes() {
        deviation_sums_in_registers_give_the_bits_of_the_staged_lanes(|x| x as f32, f32::NAN);
    }

    #[test]
    fn a_raised_flag_aborts() {
        with_view(&[1.0f64; 4], |v| {
            assert_eq!(mean(v, &cancelled()).unwrap_err(), Error::Aborted { operation: None });
            assert_eq!(variance(v, 0.0, &cancelled()).unwrap_err(), Error::Aborted { operation: None });
            assert_eq!(std(v, 9.0, &cancelled()).unwrap_err(), Error::Aborted { operation: None });
        });
    }
}
