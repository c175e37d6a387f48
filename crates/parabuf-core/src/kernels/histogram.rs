//! `histogram`: counts of values in equal-width bins, bin for bin what `numpy.histogram` (2.x) counts with an integer
//! bin count.
//!
//! numpy does not bin by comparing each value with every edge. It computes an index, `(x - first) / (last - first) *
//! bins` truncated, and then moves it at most one bin down and one bin up against the edges `numpy.linspace` computes;
//! both in a floating-point type that depends on the data's type and on whether the range was given
//! (`bin_type`). This file reproduces that rule operation for operation, edges included, so that every element lands
//! where numpy puts it — also where numpy's index and its edges disagree by more than one bin. `docs/numerics.md`
//! states the guarantee and the two cases parabuf defines where numpy has no answer.

use std::fmt::Debug;

use half::f16;

use crate::error::{Error, Result};
use pulp::{Simd, WithSimd};

use crate::arch::simd_arch;
use crate::exec::{threads, Cancel, BLOCK};
use crate::expr::Bound;
use crate::kernels::blocks::STAGE;
use crate::kernels::convert::{f64_to_f16, Store};
use crate::kernels::numeric::Numeric;
use crate::kernels::source::{Source, Staged};
use crate::ops::{
    reading, Arg, ExpressionUse, Operation, Output, ParamSpec, ParamType, Params, Returns, Spec, READS_A,
};
use crate::view::ReadView;

/// The largest bin count accepted: 2^24 bins of `f64` are 128 MiB of output already.
pub const MAX_BINS: u32 = 1 << 24;

/// A binary floating-point format numpy bins in, with its arithmetic: every operation rounded once to the format.
///
/// Half-precision operations are computed in `f64` and rounded once to half, which gives the correctly rounded half
/// result for `+ - * /` (53 bits are more than `2 × 11 + 2`), as numpy's (computed in `f32`, also more than enough).
pub trait Real: Copy + PartialOrd + Debug + Send + Sync + 'static {
    /// numpy's name of the format, for messages.
    const NAME: &'static str;
    /// `x` rounded to the format (ties to even, overflowing to ±Infinity).
    fn of(x: f64) -> Self;
    /// The value as a double (exact).
    fn f64(self) -> f64;
    /// `self + other`, rounded.
    fn add(self, other: Self) -> Self;
    /// `self - other`, rounded.
    fn sub(self, other: Self) -> Self;
    /// `self * other`, rounded.
    fn mul(self, other: Self) -> Self;
    /// `self / other`, rounded.
    fn div(self, other: Self) -> Self;
}

macro_rules! native_real {
    ($($t:ty = $name:literal),*) => {$(
        impl Real for $t {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn of(x: f64) -> $t {
                x as $t
            }
            #[inline(always)]
            fn f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn add(self, other: $t) -> $t {
                self + other
            }
            #[inline(always)]
            fn sub(self, other: $t) -> $t {
                self - other
            }
            #[inline(always)]
            fn mul(self, other: $t) -> $t {
                self * other
            }
            #[inline(always)]
            fn div(self, other: $t) -> $t {
                self / other
            }
        }
    )*};
}
native_real!(f64 = "float64", f32 = "float32");

impl Real for f16 {
    const NAME: &'static str = "float16";
    #[inline(always)]
    fn of(x: f64) -> f16 {
        f64_to_f16(x)
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self.to_f64()
    }
    #[inline(always)]
    fn add(self, other: f16) -> f16 {
        f64_to_f16(self.to_f64() + other.to_f64())
    }
    #[inline(always)]
    fn sub(self, other: f16) -> f16 {
        f64_to_f16(self.to_f64() - other.to_f64())
    }
    #[inline(always)]
    fn mul(self, other: f16) -> f16 {
        f64_to_f16(self.to_f64() * other.to_f64())
    }
    #[inline(always)]
    fn div(self, other: f16) -> f16 {
        f64_to_f16(self.to_f64() / other.to_f64())
    }
}

/// An element type as numpy bins it.
pub trait Binned: Store {
    /// numpy's `bin_type` for this data: the type itself for floats, `float64` for integers.
    type Real: Real;
    /// `x.astype(bin_type)`: exact, but for 64-bit integers beyond 2^53 (rounded to nearest, ties to even).
    fn real(self) -> Self::Real;
    /// `_unsigned_subtract(hi, lo)` for `lo <= hi` taken from the data, as the division by it sees it: the difference
    /// rounded once to `float64` for integers (computed exactly, in the unsigned type of their width), the difference
    /// in the format itself for floats.
    fn span(lo: Self, hi: Self) -> Self::Real;
    /// Whether the element is NaN.
    fn is_nan(self) -> bool;
}

macro_rules! int_binned {
    ($($t:ty),*) => {$(
        impl Binned for $t {
            type Real = f64;
            #[inline(always)]
            fn real(self) -> f64 {
                self as f64
            }
            fn span(lo: $t, hi: $t) -> f64 {
                (hi as i128 - lo as i128) as u64 as f64
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                false
            }
        }
    )*};
}
int_binned!(i8, u8, i16, u16, i32, u32, i64, u64);

macro_rules! float_binned {
    ($($t:ty),*) => {$(
        impl Binned for $t {
            type Real = $t;
            #[inline(always)]
            fn real(self) -> $t {
                self
            }
            fn span(lo: $t, hi: $t) -> $t {
                hi.sub(lo)
            }
            #[inline(always)]
            #[allow(clippy::eq_op)]
            fn is_nan(self) -> bool {
                self != self
            }
        }
    )*};
}
float_binned!(f16, f32, f64);

/// `numpy.linspace(start, stop, bins + 1)` for `start` and `stop` of type `R`, operation for operation: `step = (stop
/// - start) / bins`; edge `k` is `k * step + start` (or `k / bins * (stop - start) + start` when `step` underflows to
/// zero), each operation rounded to `R`, with `k` and `bins` converted to `R` as numpy converts them; the last edge is
/// `stop` itself.
fn linspace<R: Real>(start: R, stop: R, bins: usize) -> Vec<R> {
    let div = R::of(bins as f64);
    let delta = stop.sub(start);
    let step = delta.div(div);
    let mut edges: Vec<R> = if step == R::of(0.0) {
        (0..=bins).map(|k| R::of(k as f64).div(div).mul(delta).add(start)).collect()
    } else {
        (0..=bins).map(|k| R::of(k as f64).mul(step).add(start)).collect()
    };
    edges[bins] = stop;
    edges
}

/// Everything one call bins with: numpy's range test, index arithmetic and edges, resolved once.
///
/// An element `x` (as `R`) counts when `lo <= x <= hi`; its index is `(F(x - first) / denom) * scale` truncated
/// (`F` is the type numpy's division promotes to), then moved down one bin when `x < edges[i]` and up one when
/// `x >= edges[i + 1]` and `i` is not the last bin.
#[derive(Debug)]
struct Plan<R: Real, F: Real> {
    lo: R,
    hi: R,
    first: R,
    denom: F,
    scale: F,
    edges: Vec<R>,
}

/// The plan for a range given as two doubles (numpy's `range=(min, max)` of Python floats): edges computed in
/// `float64` and rounded to the data's `bin_type`; the range test and `x - min` in `bin_type` (numpy casts a Python
/// float to the array's type); the division and the scaling in `float64`.
///
/// # Errors
/// [`Error::OutOfRange`] when the edges are not strictly increasing (numpy: "Too many bins for data range").
fn given<D: Binned>(min: f64, max: f64, bins: usize) -> Result<Plan<D::Real, f64>> {
    let (first, last) = if min == max { (min - 0.5, max + 0.5) } else { (min, max) };
    let edges: Vec<D::Real> = linspace(first, last, bins).into_iter().map(D::Real::of).collect();
    check_edges(&edges, first, last, last - first, "float64")?;
    let first_r = D::Real::of(first);
    Ok(Plan { lo: first_r, hi: D::Real::of(last), first: first_r, denom: last - first, scale: bins as f64, edges })
}

/// The plan for a range taken from the data (numpy's `a.min()` and `a.max()`, of the data's type): everything in
/// `bin_type`, including the width of the range (for integers, their exact difference rounded once to `float64`) and
/// the conversion of the bin count.
///
/// # Errors
/// [`Error::OutOfRange`] when the edges are not strictly increasing (numpy: "Too many bins for data range").
fn auto<D: Binned>(min: D, max: D, bins: usize) -> Result<Plan<D::Real, D::Real>> {
    let (first, last, denom) = if min == max {
        let half = D::Real::of(0.5);
        let (first, last) = (min.real().sub(half), max.real().add(half));
        (first, last, last.sub(first))
    } else {
        (min.real(), max.real(), D::span(min, max))
    };
    let edges = linspace(first, last, bins);
    check_edges(&edges, first.f64(), last.f64(), last.sub(first).f64(), D::Real::NAME)?;
    Ok(Plan { lo: first, hi: last, first, denom, scale: D::Real::of(bins as f64), edges })
}

/// numpy's check that `bins` bins over `[first, last]` have distinct edges.
fn check_edges<R: Real>(edges: &[R], first: f64, last: f64, width: f64, format: &str) -> Result<()> {
    // numpy's `any(edges[:-1] >= edges[1:])`: a comparison with NaN is false, so a NaN edge passes.
    if !edges.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Ok(());
    }
    let bins = edges.len() - 1;
    let why = if width.is_finite() {
        format!("its edges, computed as numpy computes them in {format}, are not all distinct: the range is too narrow")
    } else {
        format!("its width overflows to Infinity in {format}, so numpy's edges are not finite")
    };
    Err(Error::out_of_range(format!(
        "histogram() cannot split [{first}, {last}] into {bins} bins: {why} (numpy raises \"Too many bins for data \
         range\"); use fewer bins or a range whose width is finite and at least {bins} representable steps"
    )))
}

/// The smallest and largest non-NaN elements of `view`, or `None` if it has none.
fn data_range<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<Option<(S::Item, S::Item)>>
where
    S::Item: Binned,
{
    let partials = view.map_blocks(cancel, |_, block| {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if let Some(range) = float_range(block) {
            return Some(range);
        }
        let mut range: Option<(S::Item, S::Item)> = None;
        block.stages(|_, xs| {
            for &x in xs.iter().filter(|x| !x.is_nan()) {
                range = Some(match range {
                    None => (x, x),
                    Some((lo, hi)) => (if x < lo { x } else { lo }, if x > hi { x } else { hi }),
                });
            }
        });
        range
    })?;
    Ok(partials.into_iter().flatten().reduce(|(a, b), (c, d)| (if c < a { c } else { a }, if d > b { d } else { b })))
}

/// [`data_range`] of one block of floats by vector minimum and maximum (`minmax`'s pass), when that is the answer of
/// the scan element by element: the block holds no NaN and no infinity, and neither extreme is a zero (the scan keeps
/// the first of equal zeros, whose sign the vector minimum does not tell). Other blocks, and blocks that are not
/// views of floats or doubles, give `None` and are scanned.
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn float_range<B: Staged + ?Sized>(block: &B) -> Option<(B::Item, B::Item)>
where
    B::Item: Binned,
{
    use crate::kernels::minmax::float_range_avx512;
    let view = block.view()?;
    let (lo, hi, special) =
        crate::arch::with_avx512(|simd| match (B::Item::as_double_view(&view), B::Item::as_float_view(&view)) {
            (Some(doubles), _) => Some(simd.vectorize(|| float_range_avx512(simd, &doubles))),
            (_, Some(floats)) => Some(simd.vectorize(|| float_range_avx512(simd, &floats))),
            _ => None,
        })??;
    // Both extremes are elements of the block, doubles or floats widened exactly, so they convert back exactly.
    (special == 0.0 && lo != 0.0 && hi != 0.0).then(|| (B::Item::from_number(lo), B::Item::from_number(hi)))
}

/// Counts of `view`'s elements in `bins` equal-width bins, the counts `numpy.histogram(a, bins, range)` returns (as
/// doubles, for JavaScript), in bin order.
///
/// With neither bound, the range is the data's smallest and largest non-NaN elements, of the data's type (numpy's
/// own rule, except that numpy refuses data with any NaN); with `[0, 1]` for an empty array. With one or both bounds,
/// the range is numpy's `range=(min, max)` of two doubles, a missing bound being the data's extreme converted to a
/// double (one unit beside the given bound when no element is a number). A range of zero width widens to
/// `[v - 0.5, v + 0.5]`, as numpy does. Elements outside the range and NaNs are not counted. `bins` (1 to
/// [`MAX_BINS`]) and given bounds (finite, `min <= max`) are validated by [`Op`](crate::ops::Op).
///
/// # Errors
/// [`Error::OutOfRange`] where numpy raises: a range taken from the data that is infinite or that no element
/// defines (every element NaN); a given bound beyond the data's other extreme; edges that are not strictly
/// increasing (a range too narrow for `bins` bins, or whose width overflows); an element whose computed index is not
/// finite or lies beyond the last edge (numpy's `IndexError`). `Aborted` when `cancel` is raised.
pub fn histogram<T: Binned>(
    view: &ReadView<'_, T>,
    bins: u32,
    min: Option<f64>,
    max: Option<f64>,
    cancel: &Cancel,
) -> Result<Vec<f64>> {
    histogram_of(view, bins, min, max, cancel)
}

/// [`histogram`] of any source: two passes when the range comes from the data (its extremes, then the counts).
fn histogram_of<S: Source + ?Sized>(
    view: &S,
    bins: u32,
    min: Option<f64>,
    max: Option<f64>,
    cancel: &Cancel,
) -> Result<Vec<f64>>
where
    S::Item: Binned,
{
    let bins = bins.clamp(1, MAX_BINS) as usize;
    let mut from_data = "";
    let (min, max) = match (min, max) {
        (None, None) => {
            return match data_range(view, cancel)? {
                Some((lo, hi)) => {
                    let (first, last) = (lo.real().f64(), hi.real().f64());
                    if !(first.is_finite() && last.is_finite()) {
                        return Err(Error::out_of_range(format!(
                            "histogram() needs a finite range, but the data spans [{first}, {last}] (numpy: \
                             \"autodetected range is not finite\"); pass finite min and max"
                        )));
                    }
                    count(view, &auto(lo, hi, bins)?, cancel)
                }
                None if view.is_empty() => count(view, &given::<S::Item>(0.0, 1.0, bins)?, cancel),
                None => Err(Error::out_of_range(
                    "histogram() cannot take its range from the data: every element is NaN (numpy: \"autodetected \
                     range of [nan, nan] is not finite\"); pass min and max",
                )),
            };
        }
        (Some(lo), Some(hi)) => (lo, hi),
        _ => match data_range(view, cancel)? {
            Some((lo, hi)) => {
                from_data =
                    if min.is_some() { " (the data's largest element)" } else { " (the data's smallest element)" };
                (min.unwrap_or(lo.to_f64()), max.unwrap_or(hi.to_f64()))
            }
            None => {
                let lo = min.unwrap_or_else(|| max.map_or(0.0, |hi| hi - 1.0));
                (lo, max.unwrap_or(lo + 1.0))
            }
        },
    };
    if !min.is_finite() || !max.is_finite() {
        return Err(Error::out_of_range(format!(
            "histogram() needs a finite range, but the data spans [{min}, {max}]; pass finite min and max"
        )));
    }
    if min > max {
        return Err(Error::out_of_range(format!("histogram() min ({min}) must not exceed max ({max}){from_data}")));
    }
    count(view, &given::<S::Item>(min, max, bins)?, cancel)
}

/// Bins up to which each accumulator keeps [`COPIES`] arrays of counts rather than one: with few bins, consecutive
/// elements often fall in the same bin, and each increment would wait for the previous one to that bin.
const FEW_BINS: usize = 1 << 12;

/// Count arrays per accumulator for at most [`FEW_BINS`] bins: element `j` of a stage increments copy `j % COPIES`.
const COPIES: usize = 4;

/// numpy's index of one element before its move against the edges, or `bins` (a slot past the last bin, discarded)
/// for an element outside the range or NaN; and whether numpy would raise on it (its index not finite or past the
/// last edge).
///
/// The branch-free form of: skip `x` unless `lo <= x <= hi`; `i = (F(x - first) / denom * scale)` truncated, an
/// error unless below `limit` (`bins + 1`); `i` moved to `last` (`bins - 1`) if it is `bins`. No memory is read, so
/// a stage of these vectorises.
#[inline(always)]
fn index<D: Binned, F: Real>(x: D, plan: &Plan<D::Real, F>, last: usize, limit: f64) -> (usize, bool) {
    let Plan { lo, hi, first, denom, scale, .. } = *plan;
    let x = x.real();
    let inside = (x >= lo) & (x <= hi);
    let f = F::of(x.sub(first).f64()).div(denom).mul(scale).f64();
    let fits = f < limit;
    let i = (f as usize).min(last);
    (if inside & fits { i } else { last + 1 }, inside & !fits)
}

/// The bin of an element `x` whose [`index`] is `i`, given numpy's edges with the last one replaced by two NaNs
/// (`padded`): `bins` stays `bins`; else one bin down if `x < edges[i]` (never below 0) and, if not moved down, one bin
/// up if `x >= edges[i + 1]` and `i` is not the last bin. The NaNs make both comparisons false at `bins` and the second
/// at the last bin, as any comparison with NaN is. (Moved down, the up test compares `x` with the edge it is already below, as edges
/// strictly increase or involve NaN, so "if not moved down" is numpy's sequence of the two steps.)
#[inline(always)]
fn correct<R: Real>(x: R, i: usize, padded: &[R]) -> usize {
    // `i` is at most `bins`, so both reads succeed; written as reads that may fail (and then compare with NaN), the
    // loop has no panic and becomes vector gathers.
    let nan = R::of(f64::NAN);
    let (below, above) = (x < padded.get(i).copied().unwrap_or(nan), x >= padded.get(i + 1).copied().unwrap_or(nan));
    i - usize::from(below & (i != 0)) + usize::from(!below & above)
}

/// The edges as `k · step + start` in `f64` (`start` and `stop` being the first and last edge), when that formula
/// gives every edge but the last exactly (numpy's linspace computes them so whenever its step is not zero and the
/// format is `f64`; checked, not assumed): then [`correct_arithmetic`] computes the two edges an element needs instead
/// of loading them (two vector gathers per eight elements). `None` for other edges, and above 2^16 bins, where the
/// check would cost more than it saves.
fn arithmetic_edges<R: Real>(edges: &[R]) -> Option<(f64, f64)> {
    let bins = edges.len() - 1;
    if bins > 1 << 16 {
        return None;
    }
    let (start, stop) = (edges[0].f64(), edges[bins].f64());
    let step = (stop - start) / bins as f64;
    let exact = step != 0.0 && (0..bins).all(|k| (k as f64) * step + start == edges[k].f64());
    exact.then_some((step, start))
}

/// [`correct`] with the edges computed by [`arithmetic_edges`]'s formula (`x` as a double, exact).
#[inline(always)]
fn correct_arithmetic(x: f64, i: usize, bins: usize, (step, start): (f64, f64)) -> usize {
    let k = i as f64;
    let below = (i != 0) & (i < bins) & (x < k * step + start);
    let above = (i + 1 < bins) & (x >= (k + 1.0) * step + start);
    i - usize::from(below) + usize::from(!below & above)
}

/// `a + b` when that sum is exact and finite: Knuth's TwoSum, whose error term is the exact rounding error of `a + b`
/// (for finite operands whose sum does not overflow), is zero.
fn exact_sum(a: f64, b: f64) -> Option<f64> {
    let sum = a + b;
    let b_part = sum - a;
    let a_part = sum - b_part;
    let error = (a - a_part) + (b - b_part);
    (sum.is_finite() && error == 0.0).then_some(sum)
}

/// Whether `v` is a positive normal power of two.
fn power_of_two(v: f64) -> bool {
    v.is_normal() && v > 0.0 && v.to_bits() & ((1 << 52) - 1) == 0
}

/// `bins / denom` (exact, a power of two) when the plan's arithmetic is exact for every element of its range, so that
/// numpy's moves against the edges never apply: then an element's bin is its index, `(x - first) * (bins / denom)`
/// truncated (and moved from `bins` to the last bin). `None` when that is not proved by the checks below; `(step,
/// start)` are [`arithmetic_edges`] of the plan.
///
/// The checks, all of the plan's values as doubles (so `float64` plans only): `denom` and `scale` are normal powers of
/// two, `2^a` and `2^b`, `scale` is the bin count, and their ratio is a normal double; `step` is `denom / bins`
/// exactly (a normal power of two, so `k * step` is exact for every `k <= bins`); the range test's bounds are `first`
/// and `hi = first + denom` exactly; `start` (edge 0) is `first`; every edge `k * step + start`, `k < bins`, is exact
/// (TwoSum); and `x - first` is exact for every `x` in `[first, hi]`: `first` is zero, or the range lies within a
/// factor of two of `first` on one side of zero (Sterbenz: `first / 2 <= x <= 2 * first` for `first > 0`, `2 * first
/// <= x <= first / 2` for `first < 0`).
///
/// Why no move applies: for `x` in `[first, hi]`, `d = x - first` is exact and lies in `[0, denom]`, and `r = d · bins
/// / denom` (real) in `[0, bins]`. numpy's index is `trunc(fl(fl(d / denom) · scale))`: when `d / denom` is a double,
/// both operations are exact (scaling by a power of two, no overflow as `r <= bins`) and the index is `floor(r)`;
/// when it is not, it lies below the smallest normal double, so `fl(d / denom) · scale` and `r` are both below `2^-1022
/// · 2^24 < 1` and the index is `0 = floor(r)`. The same holds for `trunc(fl(d · (bins / denom)))`, which the vector
/// path computes. Then `i = min(floor(r), bins - 1)`, and edge `i` is exactly `first + i · step <= first + r · step =
/// x`, so `x < edges[i]` is false; for `i < bins - 1`, `r < i + 1`, so `x < first + (i + 1) · step = edges[i + 1]` and
/// `x >= edges[i + 1]` is false (the last bin never moves up). The index is finite and at most `bins`, so numpy never
/// raises either.
fn exact_factor<R: Real, F: Real>(plan: &Plan<R, F>, (step, start): (f64, f64)) -> Option<f64> {
    let float64 = <f64 as Real>::NAME;
    if R::NAME != float64 || F::NAME != float64 {
        return None;
    }
    let (lo, hi, first) = (plan.lo.f64(), plan.hi.f64(), plan.first.f64());
    let (denom, scale) = (plan.denom.f64(), plan.scale.f64());
    let bins = plan.edges.len() - 1;
    let factor = scale / denom;
    let powers = power_of_two(denom) && power_of_two(scale) && scale == bins as f64 && factor.is_normal();
    let step_is_exact = step.is_normal() && step * scale == denom;
    let bounds = lo == first && start == first && exact_sum(hi, -first) == Some(denom);
    let differences = first == 0.0 || (first > 0.0 && hi <= 2.0 * first) || (hi < 0.0 && 2.0 * hi <= first);
    let exact = powers
        && step_is_exact
        && bounds
        && differences
        && (0..bins).all(|k| exact_sum(k as f64 * step, start).is_some());
    exact.then_some(factor)
}

/// How [`count`] applies numpy's moves against the edges.
#[derive(Clone, Copy, Debug)]
enum Moves {
    /// They never apply ([`exact_factor`]): the bin is the index.
    Never,
    /// With the edges computed by [`arithmetic_edges`]'s formula, `(step, start)`.
    Computed((f64, f64)),
    /// With the edges loaded from the plan.
    Loaded,
}

/// One block of [`count`]: its elements counted into `counts` (`C` arrays of `bins + 1`), and whether numpy would
/// raise on one of them.
struct CountBlock<'b, 'p, B: Staged + ?Sized, F: Real, const C: usize>
where
    B::Item: Binned,
{
    block: &'b mut B,
    plan: &'p Plan<<B::Item as Binned>::Real, F>,
    /// The plan's edges but the last, then two NaNs (see [`correct`]).
    padded: &'p [<B::Item as Binned>::Real],
    counts: &'b mut [u32],
    limit: f64,
    moves: Moves,
}

impl<B: Staged + ?Sized, F: Real, const C: usize> WithSimd for CountBlock<'_, '_, B, F, C>
where
    B::Item: Binned,
{
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> bool {
        let CountBlock { block, plan, padded, counts, limit, moves } = self;
        let mut out = false;
        block.stages(|_, xs| out |= CountStage::<_, _, C> { xs, plan, padded, counts, limit, moves }.with_simd(simd));
        out
    }
}

/// One stage of a block of [`count`]: [`CountBlock`] runs it for each stage, compiled with the block; an expression's
/// values, which come through a callback compiled on its own, dispatch each stage to the instruction sets.
struct CountStage<'b, 'p, D: Binned, F: Real, const C: usize> {
    xs: &'b [D],
    plan: &'p Plan<D::Real, F>,
    padded: &'p [D::Real],
    counts: &'b mut [u32],
    limit: f64,
    moves: Moves,
}

impl<D: Binned, F: Real, const C: usize> WithSimd for CountStage<'_, '_, D, F, C> {
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> bool {
        let CountStage { xs, plan, padded, counts, limit, moves } = self;
        let stride = padded.len() - 1;
        let last = padded.len() - 3;
        let mut out = false;
        // Three passes over the stage, each without dependencies between elements: every element's index (in
        // vectors), its move against the edges, then the increments.
        let mut slots = [0usize; STAGE];
        let slots = &mut slots[..xs.len()];
        for (&x, slot) in xs.iter().zip(slots.iter_mut()) {
            let (i, raises) = index(x, plan, last, limit);
            out |= raises;
            *slot = i;
        }
        match moves {
            Moves::Never => {
                for (j, slot) in slots.iter_mut().enumerate() {
                    *slot += (j % C) * stride;
                }
            }
            Moves::Computed(formula) => {
                for (j, (&x, slot)) in xs.iter().zip(slots.iter_mut()).enumerate() {
                    *slot = correct_arithmetic(x.real().f64(), *slot, last + 1, formula) + (j % C) * stride;
                }
            }
            Moves::Loaded => {
                for (j, (&x, slot)) in xs.iter().zip(slots.iter_mut()).enumerate() {
                    *slot = correct(x.real(), *slot, padded) + (j % C) * stride;
                }
            }
        }
        slots.iter().for_each(|&s| counts[s] += 1);
        out
    }
}

/// A thread's counts: `C` arrays of `bins + 1` counters (the last of each for the elements that are not counted), in
/// `u32`, which halves the memory the increments touch; moved into `wide` before they could overflow.
struct Tally {
    counts: Vec<u32>,
    /// The counts moved out of `counts`, slot for slot; empty until the first move.
    wide: Vec<u64>,
    /// Elements counted into `counts` since they were last moved, at most (whole blocks).
    pending: usize,
    /// Whether numpy would raise on an element.
    failed: bool,
}

impl Tally {
    fn new(slots: usize) -> Tally {
        Tally { counts: vec![0; slots], wide: Vec::new(), pending: 0, failed: false }
    }

    /// Makes room in `counts` for one more block: every element increments one counter, so no counter can exceed
    /// `pending`.
    fn reserve_block(&mut self) {
        if self.pending + BLOCK > u32::MAX as usize {
            self.widen();
        }
        self.pending += BLOCK;
    }

    /// Moves `counts` into `wide`.
    fn widen(&mut self) {
        if self.wide.is_empty() {
            self.wide = vec![0; self.counts.len()];
        }
        self.wide.iter_mut().zip(&mut self.counts).for_each(|(w, c)| *w += u64::from(std::mem::take(c)));
        self.pending = 0;
    }

    /// Both tallies' counts, in `u64`.
    fn merge(mut self, mut other: Tally) -> Tally {
        self.widen();
        other.widen();
        self.wide.iter_mut().zip(&other.wide).for_each(|(a, b)| *a += b);
        self.failed |= other.failed;
        self
    }

    /// The count of slot `s`.
    fn get(&self, s: usize) -> u64 {
        u64::from(self.counts[s]) + self.wide.get(s).copied().unwrap_or(0)
    }
}

/// Counts `view`'s elements with `plan`.
///
/// # Errors
/// [`Error::OutOfRange`] when an element's index is not finite or beyond the last edge (numpy's `IndexError`);
/// `Aborted` when `cancel` is raised.
fn count<S: Source + ?Sized, F: Real>(
    view: &S,
    plan: &Plan<<S::Item as Binned>::Real, F>,
    cancel: &Cancel,
) -> Result<Vec<f64>>
where
    S::Item: Binned,
{
    type D<S> = <S as Source>::Item;
    let edges: &[<D<S> as Binned>::Real] = &plan.edges;
    let bins = edges.len() - 1;
    // numpy truncates the index to an integer and reads edges[index]: an index that is NaN, infinite or beyond
    // `bins` fails there (IndexError). Indices below `limit` truncate into 0..=bins.
    let limit = bins as f64 + 1.0;
    // Each copy has a slot past the last bin for the elements that are not counted.
    let stride = bins + 1;
    let copies = if bins <= FEW_BINS { COPIES } else { 1 };
    let nan = <D<S> as Binned>::Real::of(f64::NAN);
    let padded: &[<D<S> as Binned>::Real] = &edges[..bins].iter().copied().chain([nan, nan]).collect::<Vec<_>>();
    // Each accumulator is a full array of counts: use as many as keep every thread busy, but not so many that merging
    // them costs more than the counting.
    let parts = threads().min(view.len() / bins).max(1);
    let arithmetic = arithmetic_edges(edges);
    let factor = arithmetic.and_then(|formula| exact_factor(plan, formula));
    let moves = match (factor, arithmetic) {
        (Some(_), _) => Moves::Never,
        (None, Some(formula)) => Moves::Computed(formula),
        (None, None) => Moves::Loaded,
    };
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    let doubles = Doubles::of(plan, arithmetic, factor, copies, stride);
    let tally = view.fold_blocks(
        parts,
        cancel,
        || Tally::new(copies * stride),
        |tally, block| {
            tally.reserve_block();
            let Tally { counts, failed, .. } = tally;
            #[cfg(all(target_arch = "x86_64", not(miri)))]
            if let Some(doubles) = &doubles {
                let raises = if doubles.factor != 0.0 {
                    count_block_avx512::<_, true>(block, doubles, counts)
                } else {
                    count_block_avx512::<_, false>(block, doubles, counts)
                };
                if let Some(raises) = raises {
                    *failed |= raises;
                    return;
                }
            }
            // Compiled for the processor's instruction sets: with them, the conversion of the index to an integer is
            // one instruction rather than a saturating sequence.
            if block.view().is_none() {
                block.stages(|_, xs| {
                    *failed |= if copies == COPIES {
                        simd_arch().dispatch(CountStage::<_, _, COPIES> { xs, plan, padded, counts, limit, moves })
                    } else {
                        simd_arch().dispatch(CountStage::<_, _, 1> { xs, plan, padded, counts, limit, moves })
                    };
                });
                return;
            }
            *failed |= if copies == COPIES {
                simd_arch().dispatch(CountBlock::<_, _, COPIES> { block, plan, padded, counts, limit, moves })
            } else {
                simd_arch().dispatch(CountBlock::<_, _, 1> { block, plan, padded, counts, limit, moves })
            };
        },
        Tally::merge,
    )?;
    if tally.failed {
        return Err(Error::out_of_range(format!(
            "histogram() cannot bin every element into {bins} bins over [{}, {}]: for at least one, numpy's bin index \
             ((x - min) / (max - min) * bins, in {}) is not finite or lies past the last edge, where numpy raises an \
             IndexError; pass a range whose width and bin count the data's type can represent",
            plan.first.f64(),
            edges[bins].f64(),
            F::NAME
        )));
    }
    Ok((0..bins).map(|b| (0..copies).map(|c| tally.get(c * stride + b)).sum::<u64>() as f64).collect())
}

/// A plan whose arithmetic is all in `float64` (data of `float64` or of an integer type) and whose edges are
/// [`arithmetic_edges`]: what [`slots_avx512`] bins eight elements at a time with.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[derive(Clone, Copy, Debug)]
struct Doubles {
    lo: f64,
    hi: f64,
    first: f64,
    denom: f64,
    /// `1 / denom` when `denom` is a power of two (normal, so its reciprocal is a double too), else 0. Then `d / denom`
    /// and `d * (1 / denom)` are the same real number rounded once, so the same double (also where it overflows or is
    /// subnormal), and the multiplication takes the place of the division, which has a unit of its own that handles
    /// one vector at a time.
    reciprocal: f64,
    scale: f64,
    /// [`exact_factor`] of the plan, or 0 when its moves may apply.
    factor: f64,
    step: f64,
    start: f64,
    bins: u64,
    /// What lane `j` of a vector adds to its bin: the offset of copy `j % copies` of the counts (each `bins + 1`
    /// counters long).
    offsets: pulp::u64x8,
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
impl Doubles {
    /// `None` unless `plan` computes in `float64`, its edges are arithmetic, and its range test's lower bound is its
    /// first edge (every plan's is: then an element inside the range has `x - first >= 0`, which [`slots_avx512`]
    /// relies on).
    fn of<R: Real, F: Real>(
        plan: &Plan<R, F>,
        arithmetic: Option<(f64, f64)>,
        factor: Option<f64>,
        copies: usize,
        stride: usize,
    ) -> Option<Doubles> {
        let (step, start) = arithmetic?;
        let float64 = <f64 as Real>::NAME;
        (R::NAME == float64 && F::NAME == float64 && plan.lo.f64() == plan.first.f64()).then(|| Doubles {
            lo: plan.lo.f64(),
            hi: plan.hi.f64(),
            first: plan.first.f64(),
            denom: plan.denom.f64(),
            reciprocal: {
                let denom = plan.denom.f64();
                let power_of_two = denom.is_normal() && denom.to_bits() & ((1 << 52) - 1) == 0;
                if power_of_two {
                    1.0 / denom
                } else {
                    0.0
                }
            },
            scale: plan.scale.f64(),
            factor: factor.unwrap_or(0.0),
            step,
            start,
            bins: (stride - 1) as u64,
            offsets: bytemuck::cast(std::array::from_fn::<u64, 8, _>(|j| ((j % copies) * stride) as u64)),
        })
    }
}

/// [`index`] then [`correct_arithmetic`] for eight doubles at once, in AVX-512 registers: each element's slot (its
/// bin plus its copy's offset, or its copy's slot past the last bin when it is not counted), and the lanes where
/// numpy would raise.
///
/// The same operations on the same values, rearranged: numpy's index is truncated as an unsigned integer, which for an
/// element inside the range (`x - first >= 0`, so a quotient that is not negative) is below `bins + 1` exactly when the
/// quotient is, and is all ones when the quotient is infinite or too large; the two edges are compared by the sign of
/// `x - edge`, which is negative exactly when `x < edge` once `x` is not `-0` (adding `+0` makes it `+0`; every edge
/// computed here is finite or infinite, never `-0`); and the moves down and up are added together, as at most one of
/// them applies (edges strictly increase). Moving below bin 0 cannot happen inside the range (the first edge is its
/// lower bound) and is clamped anyway; moving above the last bin is clamped, as numpy never moves there.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn slots_avx512(simd: pulp::x86::V4, x: pulp::f64x8, p: &Doubles) -> (pulp::u64x8, u8) {
    use std::arch::x86_64::{__m512d, __m512i, _CMP_GE_OQ, _CMP_LE_OQ};
    let (f, dq) = (simd.avx512f, simd.avx512dq);
    let splat = |v: f64| -> __m512d { bytemuck::cast(simd.splat_f64s(v)) };
    let splat_u = |v: u64| -> __m512i { bytemuck::cast(simd.splat_u64s(v)) };
    let bits = |v: __m512d| -> __m512i { bytemuck::cast(v) };
    let x: __m512d = bytemuck::cast(x);
    let inside =
        f._mm512_mask_cmp_pd_mask::<_CMP_LE_OQ>(f._mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, splat(p.lo)), x, splat(p.hi));
    let d = f._mm512_sub_pd(x, splat(p.first));
    let ratio =
        if p.reciprocal != 0.0 { f._mm512_mul_pd(d, splat(p.reciprocal)) } else { f._mm512_div_pd(d, splat(p.denom)) };
    let quotient = f._mm512_mul_pd(ratio, splat(p.scale));
    let truncated = dq._mm512_cvttpd_epu64(quotient);
    let counted = f._mm512_mask_cmple_epu64_mask(inside, truncated, splat_u(p.bins));
    let last = splat_u(p.bins - 1);
    let i = f._mm512_min_epu64(truncated, last);
    let k = dq._mm512_cvtepu64_pd(i);
    let (step, start) = (splat(p.step), splat(p.start));
    let below = f._mm512_add_pd(f._mm512_mul_pd(k, step), start);
    let above = f._mm512_add_pd(f._mm512_mul_pd(f._mm512_add_pd(k, splat(1.0)), step), start);
    let x = f._mm512_add_pd(x, splat(0.0));
    // -1 where x < edges[i], -1 where x < edges[i + 1]: i + 1 plus both is numpy's move.
    let down = f._mm512_srai_epi64::<63>(bits(f._mm512_sub_pd(x, below)));
    let up = f._mm512_srai_epi64::<63>(bits(f._mm512_sub_pd(x, above)));
    let moved = f._mm512_add_epi64(f._mm512_add_epi64(i, splat_u(1)), f._mm512_add_epi64(down, up));
    let bin = f._mm512_min_epu64(f._mm512_max_epi64(moved, splat_u(0)), last);
    let slot = f._mm512_add_epi64(f._mm512_mask_mov_epi64(splat_u(p.bins), counted, bin), bytemuck::cast(p.offsets));
    (bytemuck::cast(slot), inside & !counted)
}

/// [`slots_avx512`] for a plan whose moves never apply ([`exact_factor`]): the index alone, computed as
/// `(x - first) * factor` (the same index as numpy's division then scaling, as `exact_factor` shows), truncated as an
/// unsigned integer (at most `bins` inside the range) and moved from `bins` to the last bin. numpy never raises on such
/// a plan. Elements outside the range and NaNs (for which the ordered comparisons are false) go to the slot past the
/// last bin.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn exact_slots_avx512(simd: pulp::x86::V4, x: pulp::f64x8, p: &Doubles) -> pulp::u64x8 {
    use std::arch::x86_64::{__m512d, __m512i, _CMP_GE_OQ, _CMP_LE_OQ};
    let (f, dq) = (simd.avx512f, simd.avx512dq);
    let splat = |v: f64| -> __m512d { bytemuck::cast(simd.splat_f64s(v)) };
    let splat_u = |v: u64| -> __m512i { bytemuck::cast(simd.splat_u64s(v)) };
    let x: __m512d = bytemuck::cast(x);
    let inside =
        f._mm512_mask_cmp_pd_mask::<_CMP_LE_OQ>(f._mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, splat(p.lo)), x, splat(p.hi));
    let quotient = f._mm512_mul_pd(f._mm512_sub_pd(x, splat(p.first)), splat(p.factor));
    let bin = f._mm512_min_epu64(dq._mm512_cvttpd_epu64(quotient), splat_u(p.bins - 1));
    let offsets: __m512i = bytemuck::cast(p.offsets);
    let outside = f._mm512_add_epi64(offsets, splat_u(p.bins));
    bytemuck::cast(f._mm512_mask_add_epi64(outside, inside, bin, offsets))
}

/// Counts up to eight vectors of elements into `counts`: their slots first, all of them ([`slots_avx512`]), then the
/// increments, so that the increments do not wait on the vector arithmetic and the slots leave the registers through
/// memory rather than one lane at a time. Returns the lanes where numpy would raise. `EXACT`: the plan's moves never
/// apply ([`exact_slots_avx512`]).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn count_vectors_avx512<const EXACT: bool>(
    simd: pulp::x86::V4,
    xs: &[pulp::f64x8],
    p: &Doubles,
    counts: &mut [u32],
) -> u8 {
    let mut slots = [[0u64; 8]; STAGE / 8];
    let raises = slots_of_vectors::<EXACT>(simd, xs, p, &mut slots);
    // Through memory: left to itself, the compiler takes the slots out of the registers one lane at a time, with
    // instructions that compete with the vector arithmetic for one port.
    let slots = std::hint::black_box(&mut slots);
    increment(counts, &slots[..xs.len()]);
    raises
}

/// The slots of `xs` into `out` ([`slots_avx512`], or [`exact_slots_avx512`] when `EXACT`); the lanes where numpy
/// would raise.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn slots_of_vectors<const EXACT: bool>(
    simd: pulp::x86::V4,
    xs: &[pulp::f64x8],
    p: &Doubles,
    out: &mut [[u64; 8]],
) -> u8 {
    let mut raises = 0;
    for (&x, out) in xs.iter().zip(out) {
        let slot = if EXACT {
            exact_slots_avx512(simd, x, p)
        } else {
            let (slot, raise) = slots_avx512(simd, x, p);
            raises |= raise;
            slot
        };
        *out = bytemuck::cast(slot);
    }
    raises
}

/// Adds one to the counter of every slot.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn increment(counts: &mut [u32], slots: &[[u64; 8]]) {
    for &s in slots.as_flattened() {
        counts[s as usize] += 1;
    }
}

/// Counts a stage of elements (at most [`STAGE`]) converted to doubles (exactly numpy's `astype(float64)`), the last
/// vector filled up with NaN, which is never counted.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn count_stage_avx512<D: Binned, const EXACT: bool>(
    simd: pulp::x86::V4,
    xs: &[D],
    p: &Doubles,
    counts: &mut [u32],
) -> u8 {
    let mut values =
        [pulp::f64x8(f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN); STAGE / 8];
    let lanes: &mut [f64] = bytemuck::cast_slice_mut(&mut values);
    lanes.iter_mut().zip(xs).for_each(|(v, x)| *v = x.real().f64());
    count_vectors_avx512::<EXACT>(simd, &values[..xs.len().div_ceil(8)], p, counts)
}

/// One block of [`count`] with AVX-512: a view of doubles read straight into registers (`ReadView::fold_groups`), its
/// last elements and other blocks by stages. `None` without AVX-512; else whether numpy would raise on an element.
/// `EXACT`: as in [`count_vectors_avx512`].
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn count_block_avx512<B: Staged + ?Sized, const EXACT: bool>(
    block: &mut B,
    p: &Doubles,
    counts: &mut [u32],
) -> Option<bool>
where
    B::Item: Binned,
{
    use crate::kernels::blocks::staged;
    crate::arch::with_avx512(|simd| {
        let raises = match block.view() {
            Some(view) => simd.vectorize(|| match B::Item::as_double_view(&view) {
                Some(doubles) => {
                    // Each group's slots are stored while the previous group's are counted, so that the loads of the
                    // slots find them written rather than still on their way from the vector stores.
                    let mut previous = [[0u64; 8]; 4];
                    let mut started = false;
                    let (mut raises, whole) = doubles.fold_groups(simd, 0u8, |raises, group| {
                        let mut next = [[0u64; 8]; 4];
                        let raise = slots_of_vectors::<EXACT>(simd, &group, p, &mut next);
                        if started {
                            increment(counts, std::hint::black_box(&previous));
                        }
                        previous = next;
                        started = true;
                        raises | raise
                    });
                    if started {
                        increment(counts, &previous);
                    }
                    staged(&doubles.slice(whole..doubles.len()), |_, xs| {
                        raises |= count_stage_avx512::<_, EXACT>(simd, xs, p, counts);
                    });
                    raises
                }
                None => {
                    let mut raises = 0;
                    staged(&view, |_, xs| raises |= count_stage_avx512::<_, EXACT>(simd, xs, p, counts));
                    raises
                }
            }),
            // An expression's values come through a callback compiled on its own: each stage enters the instruction
            // sets itself.
            None => {
                let mut raises = 0;
                block.stages(|_, xs| raises |= simd.vectorize(|| count_stage_avx512::<_, EXACT>(simd, xs, p, counts)));
                raises
            }
        };
        raises != 0
    })
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
        expression: ExpressionUse::Fused,
        ..Spec::new("histogram", READS_A, Returns::Counts)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Histogram::new(params.number("bins")?.unwrap_or(f64::NAN), params.number("min")?, params.number("max")?)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let Histogram { bins, min, max } = *self;
        reading!(args, T, v => crate::kernels::histogram(&v, bins, min, max, cancel).map(Output::Counts))
    }
    fn reduce_expression(&self, bound: &Bound<'_, '_>, _rest: Vec<Arg>, cancel: &Cancel) -> Result<Output> {
        let Histogram { bins, min, max } = *self;
        histogram_of(bound, bins, min, max, cancel).map(Output::Counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, with_view, Rng, SIZES};

    fn hist<T: Binned>(values: &[T], bins: u32, min: Option<f64>, max: Option<f64>) -> Result<Vec<f64>> {
        with_view(values, |v| histogram(v, bins, min, max, &Cancel::new()))
    }

    fn code(r: Result<Vec<f64>>) -> &'static str {
        r.unwrap_err().code()
    }

    /// numpy's rule for `float64` data and a given range, one value at a time, written apart from the kernel.
    fn numpy_f64(values: &[f64], bins: usize, lo: f64, hi: f64) -> Vec<f64> {
        let step = (hi - lo) / bins as f64;
        let mut edges: Vec<f64> = (0..=bins).map(|k| k as f64 * step + lo).collect();
        edges[bins] = hi;
        let mut counts = vec![0.0; bins];
        for &x in values.iter().filter(|&&x| x >= lo && x <= hi) {
            let mut i = (((x - lo) / (hi - lo)) * bins as f64) as usize;
            if i == bins {
                i -= 1;
            }
            if x < edges[i] {
                i -= 1;
            }
            if x >= edges[i + 1] && i != bins - 1 {
                i += 1;
            }
            counts[i] += 1.0;
        }
        counts
    }

    #[test]
    fn numpy_examples() {
        assert_eq!(hist(&[1.0f64, 2.0, 1.0], 3, Some(0.0), Some(3.0)).unwrap(), vec![0.0, 2.0, 1.0]);
        assert_eq!(hist(&[0.0f64, 1.0, 2.0, 3.0], 3, None, None).unwrap(), vec![1.0, 1.0, 2.0]);
        assert_eq!(hist(&[0u8, 1, 1, 2, 2, 2], 2, None, None).unwrap(), vec![1.0, 5.0]);
    }

    /// The cases of issue 19, with numpy 2.4's answers.
    #[test]
    fn issue_19() {
        assert_eq!(hist(&[-1.0f64, -1e-17, 1e-17, 1.0], 2, None, None).unwrap(), vec![2.0, 2.0]);
        let mut expected = vec![0.0; 10];
        expected[2] = 1.0;
        assert_eq!(hist(&[0.3f64], 10, Some(0.0), Some(1.0)).unwrap(), expected);
        // numpy's test_bin_edge_cases: every value lands in the bin whose edges hold it.
        let values = [337i64, 404, 739, 806, 1007, 1811, 2012];
        let counts = hist(&values, 8296, Some(2.0), Some(2280.0)).unwrap();
        let edges = linspace(2.0f64, 2280.0, 8296);
        let bins: Vec<usize> = counts.iter().enumerate().filter(|(_, &c)| c > 0.0).map(|(i, _)| i).collect();
        for (x, i) in values.iter().zip(bins) {
            assert!(edges[i] <= *x as f64 && (*x as f64) < edges[i + 1], "{x} in bin {i}");
        }
    }

    #[test]
    fn edges_are_numpys_linspace() {
        // np.linspace(0, 1, 11)[3] is 0.30000000000000004 (3 * 0.1), not 0.3.
        assert_eq!(linspace(0.0f64, 1.0, 10)[3], 0.30000000000000004);
        assert_eq!(linspace(-1.0f64, 1.0, 2), vec![-1.0, 0.0, 1.0]);
        // A step that underflows to zero: k / bins * (stop - start) + start.
        let tiny = linspace(0.0f64, 5e-324, 2);
        assert_eq!(tiny, vec![0.0, 0.0, 5e-324]);
        // float32 edges in float32 arithmetic.
        assert_eq!(linspace(0.0f32, 1.0, 10)[3], 0.3f32 * 1.0 + 0.0);
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
        // One distinct value: [v - 0.5, v + 0.5], so it lands in the middle bin.
        assert_eq!(hist(&[5.0f32; 4], 3, None, None).unwrap(), vec![0.0, 4.0, 0.0]);
        assert_eq!(hist(&[5.0f64, 7.0], 2, Some(5.0), Some(5.0)).unwrap(), vec![0.0, 1.0]);
        assert_eq!(hist::<f64>(&[], 2, Some(3.0), None).unwrap(), vec![0.0; 2]);
        assert_eq!(hist(&[1.0f64, 3.0], 2, Some(2.0), None).unwrap(), vec![0.0, 1.0]);
        assert_eq!(hist(&[1.0f64, 3.0], 2, None, Some(2.0)).unwrap(), vec![1.0, 0.0]);
    }

    /// Where numpy raises, parabuf refuses with a RangeError code.
    #[test]
    fn where_numpy_raises() {
        // The range from the data: infinite, or every element NaN.
        assert_eq!(code(hist(&[1.0f64, f64::INFINITY], 2, None, None)), "ERR_OUT_OF_RANGE");
        assert_eq!(code(hist(&[f64::NAN; 3], 2, None, None)), "ERR_OUT_OF_RANGE");
        assert_eq!(hist(&[1.0f64, f64::INFINITY], 2, None, Some(3.0)).unwrap(), vec![1.0, 0.0]);
        // A given bound beyond the data's other extreme ("max must be larger than min").
        let err = hist(&[1.0f64, 3.0], 2, Some(5.0), None).unwrap_err();
        assert_eq!(err.to_string(), "histogram() min (5) must not exceed max (3) (the data's largest element)");
        // Too narrow: numpy's test_small_value_range, and one ulp split in ten.
        let narrow: Vec<f64> = [1.0, 1.0 + 2e-16].repeat(10);
        assert!(hist(&narrow, 10, None, None).unwrap_err().to_string().contains("not all distinct"));
        assert_eq!(code(hist(&[1.0f64], 10, Some(1.0), Some(1.0 + f64::EPSILON))), "ERR_OUT_OF_RANGE");
        // A width that overflows: numpy's edges are NaN and Infinity.
        let widest = [-f64::MAX, 0.0, f64::MAX];
        assert!(hist(&widest, 2, None, None).unwrap_err().to_string().contains("overflows"));
        // With one bin numpy's edges pass its check, but an element whose x - min overflows has a NaN index
        // (numpy: IndexError); without such an element every value is in the one bin.
        assert!(hist(&widest, 1, None, None).unwrap_err().to_string().contains("IndexError"));
        assert_eq!(hist(&[-f64::MAX, 0.0], 1, Some(-f64::MAX), Some(f64::MAX)).unwrap(), vec![2.0]);
        // float32 data and a bound beyond float32: numpy's x - min is infinite.
        assert_eq!(code(hist(&[0.0f32, 1.0], 2, Some(-1e300), Some(1e300))), "ERR_OUT_OF_RANGE");
    }

    #[test]
    fn integer_data_uses_the_exact_width() {
        // numpy's test_signed_overflow_bounds.
        assert_eq!(hist(&[-128i8 + 4, 127 - 4 + 1 - 1], 2, None, None).unwrap(), vec![1.0, 1.0]);
        assert_eq!(hist(&[i64::MIN + 4, i64::MAX - 4], 2, None, None).unwrap(), vec![1.0, 1.0]);
        assert_eq!(hist(&[i64::MIN, 0, i64::MAX], 2, None, None).unwrap(), vec![1.0, 2.0]);
        assert_eq!(hist(&[0u64, u64::MAX], 3, None, None).unwrap(), vec![1.0, 0.0, 1.0]);
        // Distinct 64-bit integers that round to one double: the edges collapse, as in numpy.
        assert_eq!(code(hist(&[1i64 << 60, (1 << 60) + 1], 2, None, None)), "ERR_OUT_OF_RANGE");
    }

    #[test]
    fn float16_bins_in_half_precision() {
        let h = |x: f64| f64_to_f16(x);
        // numpy 2.4: [2, 1, 0, 0, 1] (float16(0.1) lies below the float16 edge float16(0.2) * 1 + 0).
        assert_eq!(hist(&[h(0.0), h(0.1), h(0.2), h(1.0)], 5, None, None).unwrap(), vec![2.0, 1.0, 0.0, 0.0, 1.0]);
        // numpy's test_precision: [1.0] as float16, range [1 + 2^-23, 2]: the range test is in float16, the bound
        // rounds to 1.0, and the element counts.
        assert_eq!(hist(&[h(1.0)], 1, Some(1.0 + f64::from(f32::EPSILON)), Some(2.0)).unwrap(), vec![1.0]);
    }

    #[test]
    fn matches_numpys_rule_across_blocks() {
        let mut rng = Rng::new(17);
        for n in SIZES {
            let values: Vec<f64> = (0..n).map(|_| rng.unit() * 10.0 - 2.0).collect();
            for bins in [1u32, 7, 1000] {
                let expected = numpy_f64(&values, bins as usize, -1.0, 6.0);
                assert_eq!(hist(&values, bins, Some(-1.0), Some(6.0)).unwrap(), expected, "n = {n}, bins = {bins}");
            }
        }
        let many = vec![1u16; 3 * BLOCK + 1];
        assert_eq!(hist(&many, 1, None, None).unwrap(), vec![(3 * BLOCK + 1) as f64]);
    }

    #[test]
    fn values_on_edges_and_one_ulp_beside() {
        for (lo, hi) in [(0.0f64, 1.0f64), (-3.7, 11.2), (-1e20, 1e20), (1e-300, 1e-299)] {
            for bins in [1usize, 3, 10, 256] {
                let edges = linspace(lo, hi, bins);
                let values: Vec<f64> = edges.iter().flat_map(|&e| [e, e.next_down(), e.next_up()]).collect();
                let got = hist(&values, bins as u32, Some(lo), Some(hi)).unwrap();
                assert_eq!(got, numpy_f64(&values, bins, lo, hi), "[{lo}, {hi}] in {bins}");
            }
        }
    }

    /// Values on every edge, one ulp either side, zeros of both signs, NaN, infinities and values outside the range,
    /// in ranges that hold zero or an edge at zero, and in ranges wide enough that numpy's index lands more than one
    /// bin from its edges: the counts are those of numpy's rule, element for element, whatever path counts them.
    #[test]
    fn every_element_where_numpys_rule_puts_it() {
        let mut rng = Rng::new(91);
        let ranges = [
            (-1.0f64, 1.0f64),
            (-0.0, 1.0),
            (0.0, 3.0),
            (-3.0, 0.0),
            (-7.3, 2.9),
            (1e15, 1e15 + 4097.0),
            (-1e300, 1e300),
        ];
        for (lo, hi) in ranges {
            for bins in [1usize, 2, 3, 10, 255, 256, 4097, 65536] {
                let edges = linspace(lo, hi, bins);
                if edges.windows(2).any(|pair| pair[0] >= pair[1]) {
                    // numpy raises: too many bins for the range.
                    continue;
                }
                let mut values: Vec<f64> = edges.iter().flat_map(|&e| [e, e.next_down(), e.next_up()]).collect();
                values.extend([
                    0.0,
                    -0.0,
                    f64::NAN,
                    -f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    lo.next_down(),
                    hi.next_up(),
                ]);
                values.extend((0..3000).map(|_| lo + (hi - lo) * (rng.unit() * 1.2 - 0.1)));
                let got = hist(&values, bins as u32, Some(lo), Some(hi)).unwrap();
                assert_eq!(got, numpy_f64(&values, bins, lo, hi), "[{lo}, {hi}] in {bins}");
                // The same values as an integer type's doubles would be binned the same way where they are integers.
                let ints: Vec<i64> = values
                    .iter()
                    .filter(|x| x.is_finite() && x.fract() == 0.0 && x.abs() < 1e18)
                    .map(|&x| x as i64)
                    .collect();
                let doubles: Vec<f64> = ints.iter().map(|&x| x as f64).collect();
                assert_eq!(hist(&ints, bins as u32, Some(lo), Some(hi)).unwrap(), numpy_f64(&doubles, bins, lo, hi));
            }
        }
    }

    /// Ranges and bin counts whose arithmetic [`exact_factor`] proves exact, and some it must not.
    const EXACT: [(f64, f64, usize); 12] = [
        (0.0, 1.0, 256),
        (0.0, 1.0, 65536),
        (-0.0, 1.0, 1),
        (0.0, 1.0, 2),
        (1.0, 2.0, 256),
        (3.0, 5.0, 8),
        (-4.0, -2.0, 16),
        (-1.0, -0.5, 1024),
        (0.0, 4096.0, 4096),
        (0.0, f64::from_bits((1023 - 60) << 52), 256),
        (0.0, f64::from_bits((1023 + 1023) << 52), 65536),
        (0.5, 1.0, 1 << 16),
    ];

    fn edge_cases(lo: f64, hi: f64, bins: usize, rng: &mut Rng) -> Vec<f64> {
        let edges = linspace(lo, hi, bins);
        let mut values: Vec<f64> =
            edges.iter().flat_map(|&e| [e, e.next_down(), e.next_up(), e.next_down().next_down()]).collect();
        values.extend([
            0.0,
            -0.0,
            5e-324,
            -5e-324,
            f64::MIN_POSITIVE,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            lo.next_down(),
            hi.next_up(),
            hi.next_up().next_up(),
            lo - (hi - lo),
            hi + (hi - lo),
            hi + (hi - lo) / bins as f64 * 0.5,
        ]);
        values.extend((0..2000).map(|_| lo + (hi - lo) * (rng.unit() * 1.2 - 0.1)));
        values.extend((0..2000).map(|_| lo + (hi - lo) * rng.unit()));
        values
    }

    #[test]
    fn exact_factor_only_where_exact() {
        for (lo, hi, bins) in EXACT {
            let plan = given::<f64>(lo, hi, bins).unwrap();
            let factor = arithmetic_edges(&plan.edges).and_then(|f| exact_factor(&plan, f));
            assert_eq!(factor, Some(bins as f64 / (hi - lo)), "[{lo}, {hi}] in {bins}");
        }
        // A bin count or a width that is not a power of two; a range across zero (x - first rounds); ranges reaching
        // beyond twice their first edge or past half of it (Sterbenz does not apply); bins / width beyond the
        // doubles; float32.
        let tiny = f64::from_bits((1023 - 1010) << 52);
        for (lo, hi, bins) in
            [(0.0, 1.0, 100), (0.0, 3.0, 256), (-1.0, 1.0, 256), (1.0, 3.0, 2), (-4.0, 0.0, 4), (0.0, tiny, 1 << 16)]
        {
            let plan = given::<f64>(lo, hi, bins).unwrap();
            let factor = arithmetic_edges(&plan.edges).and_then(|f| exact_factor(&plan, f));
            assert_eq!(factor, None, "[{lo}, {hi}] in {bins}");
        }
        let plan = given::<f32>(0.0, 1.0, 256).unwrap();
        assert_eq!(arithmetic_edges(&plan.edges).and_then(|f| exact_factor(&plan, f)), None);
        // The range from the data: [0, 1] of doubles and [0, 256] of integers are exact too.
        let plan = auto(0.0f64, 1.0, 256).unwrap();
        assert!(arithmetic_edges(&plan.edges).and_then(|f| exact_factor(&plan, f)).is_some());
        let plan = auto(0i32, 256, 256).unwrap();
        assert!(arithmetic_edges(&plan.edges).and_then(|f| exact_factor(&plan, f)).is_some());
    }

    /// Where [`exact_factor`] holds, numpy's moves against the edges leave every element of the range where its index
    /// puts it, and numpy never raises: edges, one and two ulps below, one above, zeros, subnormals, random values.
    #[test]
    fn moves_never_apply_where_exact() {
        let mut rng = Rng::new(5);
        for (lo, hi, bins) in EXACT {
            let plan = given::<f64>(lo, hi, bins).unwrap();
            let formula = arithmetic_edges(&plan.edges).unwrap();
            let factor = exact_factor(&plan, formula).unwrap();
            let nan = f64::NAN;
            let padded: Vec<f64> = plan.edges[..bins].iter().copied().chain([nan, nan]).collect();
            for x in edge_cases(lo, hi, bins, &mut rng) {
                let (i, raises) = index(x, &plan, bins - 1, bins as f64 + 1.0);
                assert!(!raises, "{x} in [{lo}, {hi}]");
                if i == bins {
                    assert!(!(x >= lo && x <= hi), "{x} in [{lo}, {hi}]");
                    continue;
                }
                assert_eq!(correct(x, i, &padded), i, "{x} in [{lo}, {hi}] in {bins}");
                assert_eq!(correct_arithmetic(x, i, bins, formula), i, "{x} in [{lo}, {hi}] in {bins}");
                // The vector path's index: (x - first) * factor, truncated.
                assert_eq!((((x - plan.first) * factor) as usize).min(bins - 1), i, "{x} in [{lo}, {hi}]");
            }
        }
    }

    /// The scalar path's stages without moves count what they count with the moves, for the exact plans.
    #[test]
    fn scalar_stages_without_moves_count_as_with_them() {
        let mut rng = Rng::new(47);
        for (lo, hi, bins) in EXACT {
            let plan = given::<f64>(lo, hi, bins).unwrap();
            let formula = arithmetic_edges(&plan.edges).unwrap();
            assert!(exact_factor(&plan, formula).is_some());
            let nan = f64::NAN;
            let padded: Vec<f64> = plan.edges[..bins].iter().copied().chain([nan, nan]).collect();
            let values = edge_cases(lo, hi, bins, &mut rng);
            let counted = |moves: Moves| {
                let mut counts = vec![0u32; bins + 1];
                for xs in values.chunks(STAGE) {
                    let stage = CountStage::<_, _, 1> {
                        xs,
                        plan: &plan,
                        padded: &padded,
                        counts: &mut counts,
                        limit: bins as f64 + 1.0,
                        moves,
                    };
                    assert!(!stage.with_simd(pulp::Scalar::new()));
                }
                counts
            };
            assert_eq!(counted(Moves::Never), counted(Moves::Loaded), "[{lo}, {hi}] in {bins}");
            assert_eq!(counted(Moves::Never), counted(Moves::Computed(formula)), "[{lo}, {hi}] in {bins}");
        }
    }

    /// The counts where [`exact_factor`] holds (the AVX-512 path's own index, or the scalar path without moves)
    /// are numpy's, for doubles and for integers.
    #[test]
    fn exact_plans_count_as_numpy() {
        let mut rng = Rng::new(23);
        for (lo, hi, bins) in EXACT {
            let values = edge_cases(lo, hi, bins, &mut rng);
            for n in [values.len(), 5, 37, 100] {
                let values = &values[values.len() - n..];
                let got = hist(values, bins as u32, Some(lo), Some(hi)).unwrap();
                assert_eq!(got, numpy_f64(values, bins, lo, hi), "[{lo}, {hi}] in {bins}");
            }
        }
        let ints: Vec<i32> = (-300..600).chain([0, 256, 255, 257, -1]).collect();
        let doubles: Vec<f64> = ints.iter().map(|&x| x as f64).collect();
        for bins in [1u32, 2, 64, 256] {
            let got = hist(&ints, bins, Some(0.0), Some(256.0)).unwrap();
            assert_eq!(got, numpy_f64(&doubles, bins as usize, 0.0, 256.0), "{bins}");
        }
    }

    /// The AVX-512 path's slots for an exact plan are those of its general path, lane for lane.
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[test]
    fn exact_slots_are_the_general_slots() {
        let mut rng = Rng::new(61);
        for (lo, hi, bins) in EXACT {
            let plan = given::<f64>(lo, hi, bins).unwrap();
            let arithmetic = arithmetic_edges(&plan.edges);
            let factor = arithmetic.and_then(|f| exact_factor(&plan, f));
            let copies = if bins <= FEW_BINS { COPIES } else { 1 };
            let exact = Doubles::of(&plan, arithmetic, factor, copies, bins + 1).unwrap();
            let general = Doubles::of(&plan, arithmetic, None, copies, bins + 1).unwrap();
            assert_ne!(exact.factor, 0.0);
            assert_eq!(general.factor, 0.0);
            let values = edge_cases(lo, hi, bins, &mut rng);
            let checked = crate::arch::with_avx512(|simd| {
                for chunk in values.chunks_exact(8) {
                    let x: pulp::f64x8 = bytemuck::cast(<[f64; 8]>::try_from(chunk).unwrap());
                    let (slots, raises) = simd.vectorize(|| slots_avx512(simd, x, &general));
                    let exact_slots = simd.vectorize(|| exact_slots_avx512(simd, x, &exact));
                    assert_eq!(raises, 0);
                    let (a, b): ([u64; 8], [u64; 8]) = (bytemuck::cast(slots), bytemuck::cast(exact_slots));
                    assert_eq!(a, b, "{chunk:?} in [{lo}, {hi}] in {bins}");
                }
            });
            if checked.is_none() {
                eprintln!("no AVX-512: the vector slots are not checked");
                return;
            }
        }
    }

    /// The range from the data is the first smallest and the first largest non-NaN element, bit for bit, whether a
    /// block's extremes come from the vector pass or from the scan: zeros of both signs as extremes, NaN and infinity.
    #[test]
    fn data_range_keeps_the_first_extremes() {
        fn first_extremes<T: Binned>(values: &[T]) -> Option<(T, T)> {
            values.iter().filter(|x| !x.is_nan()).fold(None, |range, &x| {
                Some(match range {
                    None => (x, x),
                    Some((lo, hi)) => (if x < lo { x } else { lo }, if x > hi { x } else { hi }),
                })
            })
        }
        fn check<T: Binned>(values: &[T], bits: impl Fn(T) -> u64) {
            let got = with_view(values, |v| data_range(v, &Cancel::new()).unwrap());
            let expected = first_extremes(values);
            assert_eq!(got.map(|(a, b)| (bits(a), bits(b))), expected.map(|(a, b)| (bits(a), bits(b))));
        }
        let mut rng = Rng::new(3);
        for n in [1usize, 7, 33, 100, 1000, 2 * BLOCK + 77] {
            let random: Vec<f64> = (0..n).map(|_| rng.unit() * 4.0 - 1.0).collect();
            let positive: Vec<f64> = random.iter().map(|x| x.abs() + 0.5).collect();
            let negative: Vec<f64> = positive.iter().map(|x| -x).collect();
            let mut cases = vec![random.clone()];
            for (zeros, base) in [([0.0, -0.0], &positive), ([-0.0, 0.0], &positive), ([0.0, -0.0], &negative)] {
                let mut values = base.clone();
                values[n / 3] = zeros[0];
                values[2 * n / 3] = zeros[1];
                cases.push(values);
            }
            let mut special = random.clone();
            special[n / 2] = f64::NAN;
            cases.push(special.clone());
            special[n / 4] = f64::INFINITY;
            cases.push(special);
            cases.push(vec![f64::NAN; n]);
            for values in cases {
                check(&values, f64::to_bits);
                let floats: Vec<f32> = values.iter().map(|&x| x as f32).collect();
                check(&floats, |x| u64::from(x.to_bits()));
            }
        }
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 4], |v| histogram(v, 2, None, None, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
        let err = with_view(&[1.0f64; 4], |v| histogram(v, 2, Some(0.0), Some(1.0), &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
