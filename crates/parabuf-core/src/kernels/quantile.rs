//! `quantile` and `median`: numpy's `np.quantile` (methods `linear`, `lower`, `higher`, `nearest`, `midpoint`), and
//! `np.nanquantile` with `skipNaN`, on the order statistics found by selection, never by sorting the input, which is
//! not modified.
//!
//! **Selection.** The order statistics numpy's formulas need are found in one pass over the data after a sample: a
//! fixed-stride sample of `SAMPLE` keys, sorted, brackets each wanted rank between two sample keys chosen wide enough
//! that the rank falls inside with overwhelming probability (four standard deviations of the sample rank either side).
//! The pass counts the elements below each bracket and equal to its ends, and gathers the ones strictly inside, which
//! are few; a selection among those gives the rank's key. When a rank falls outside its bracket, or a bracket holds too
//! many elements (data built against the sample's stride), all keys are copied and selected directly: slower, same
//! result. Keys are [`Ordered::sort_key`]s, so NaNs rank last and `-0` below `+0`. The result depends only on the
//! multiset of elements, never on the thread count.
//!
//! **Arithmetic.** numpy's own, on the selected values: the virtual index `(n - 1)·q` in double, its neighbours and
//! weight as `_get_indexes` and `_get_gamma` compute them (including the weight past the last index), and `_lerp`:
//! `a + (b - a)·t`, or `b - (b - a)·(1 - t)` where `t >= 0.5`. A scalar `q` is a Python float to numpy ("weak"), so for
//! float16 and float32 data the interpolation runs in the data's own format (float16 operations through float32, as
//! numpy's half type does); a `q` array promotes it to double after the difference `b - a` is taken in the data's format.
//! Integers interpolate in double. Two deliberate differences, documented in docs/numerics.md:
//! - integer data: `b - a` is exact (numpy takes it in the integer type, which wraps for extremes of narrow types); so
//!   the result is numpy's on the data converted to float64;
//! - where numpy's formula subtracts infinities and returns NaN for data without NaN, the result is the limit: `a` when
//!   `a == b` or `t == 0`, `b` when `t == 1`, the infinite end otherwise, and NaN only between `-∞` and `+∞`.

use crate::error::{Error, Result};
use crate::exec::{threads, Cancel, BLOCK};
use crate::f16;
use pulp::{Simd, WithSimd};

use crate::arch::simd_arch;
use crate::kernels::blocks::{fold_ranges, staged, STAGE};
use crate::kernels::numeric::Numeric;
use crate::kernels::order::{Key, Ordered};
use crate::kind::ElementKind;
use crate::ledger::Mode;
use crate::ops::{
    read_view, reading, Arg, ArraySpec, Column, Operation, Output, ParamSpec, ParamType, Params, Returns, Spec,
};
use crate::view::ReadView;

/// The interpolation methods, as numpy names them, in the order of [`Method`].
pub const METHODS: &[&str] = &["linear", "lower", "higher", "nearest", "midpoint"];

/// How a quantile between two order statistics is chosen ([`METHODS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Method {
    /// Linear interpolation (numpy's default, Hyndman and Fan's 7th).
    #[default]
    Linear,
    /// The lower neighbour.
    Lower,
    /// The higher neighbour.
    Higher,
    /// The nearer neighbour, the even index on a tie (numpy's `around`).
    Nearest,
    /// The mean of both neighbours (by `_lerp` at 0.5), or the element itself at a whole index.
    Midpoint,
}

impl Method {
    /// The method at `index` in [`METHODS`].
    ///
    /// # Errors
    /// `ERR_PARABUF_INTERNAL` for an index outside [`METHODS`] (the binding reads only listed names).
    pub fn from_index(index: usize) -> Result<Method> {
        [Method::Linear, Method::Lower, Method::Higher, Method::Nearest, Method::Midpoint]
            .get(index)
            .copied()
            .ok_or_else(|| Error::internal(format!("quantile method index {index}")))
    }
}

/// How `q` was given: a number is a Python float to numpy (float16 and float32 data interpolate in their own format),
/// an array is float64 (the interpolation is promoted to double).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Weight {
    /// `q` was a number.
    #[default]
    Scalar,
    /// `q` was an array.
    Array,
}

/// Sample keys taken to bracket the ranks.
const SAMPLE: usize = 1 << 16;
/// Half a bracket, in sample ranks: four standard deviations of a sample rank (√SAMPLE / 2 each) and a margin.
const HALF_BRACKET: usize = 4 * 128 + 64;
/// Up to this many elements, the keys are copied and selected directly.
const DIRECT: usize = 4 * SAMPLE;

/// The quantiles `qs` (each in `[0, 1]`, checked by the caller) of the elements of `view`, as numpy computes them (see
/// the module docs), in the order of `qs`. NaN for every `q` when an element is NaN, unless `skip_nan`, which leaves the
/// NaNs out (numpy's `nanquantile`; NaN when every element is NaN).
///
/// # Errors
/// [`Error::Empty`] for an empty `view` (numpy raises) — with `skip_nan` too; `ERR_OUT_OF_RANGE` for a 64-bit integer
/// that a quantile reads with a weight other than 0 and a double cannot hold (beyond ±2^53); [`Error::Aborted`] when
/// cancelled.
pub fn quantile<T: Ordered + Interpolate>(
    view: &ReadView<'_, T>,
    qs: &[f64],
    method: Method,
    weight: Weight,
    skip_nan: bool,
    cancel: &Cancel,
) -> Result<Vec<f64>> {
    if view.is_empty() {
        return Err(Error::Empty { operation: None });
    }
    let nans = if T::IS_FLOAT && skip_nan { count_nans(view, cancel)? } else { 0 };
    let valid = view.len() - nans;
    if valid == 0 {
        return Ok(vec![f64::NAN; qs.len()]);
    }
    let picks: Vec<Pick> = qs.iter().map(|&q| Pick::new(valid, q, method)).collect();
    let mut ranks: Vec<usize> = picks.iter().flat_map(|p| [p.lower, p.upper]).collect();
    ranks.sort_unstable();
    ranks.dedup();
    let Some(keys) = select(view, &ranks, !skip_nan, cancel)? else {
        return Ok(vec![f64::NAN; qs.len()]);
    };
    let value = |rank: usize| T::from_key(keys[ranks.binary_search(&rank).expect("every pick's rank was selected")]);
    picks.iter().map(|p| p.value(value(p.lower), value(p.upper), weight)).collect()
}

/// The neighbours and weight numpy's `_quantile` takes for one `q` over `n` valid elements.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pick {
    lower: usize,
    upper: usize,
    /// `None`: the element at `lower` itself (numpy's `take`, for `lower`, `higher` and `nearest`).
    gamma: Option<f64>,
}

impl Pick {
    fn new(n: usize, q: f64, method: Method) -> Pick {
        let last = n - 1;
        let scaled = last as f64 * q;
        let take = |index: f64| {
            // In [0, n - 1]: q is in [0, 1] and (n - 1)·q rounds to at most n - 1.
            let index = (index as usize).min(last);
            Pick { lower: index, upper: index, gamma: None }
        };
        let virtual_index = match method {
            Method::Lower => return take(scaled.floor()),
            Method::Higher => return take(scaled.ceil()),
            Method::Nearest => return take(scaled.round_ties_even()),
            Method::Linear => scaled,
            Method::Midpoint => 0.5 * (scaled.floor() + scaled.ceil()),
        };
        // _get_indexes: the floor and the next index; at or past the last index both are the last (numpy's -1), and
        // the weight is taken against -1 (so it exceeds 1 there, which _lerp's second branch absorbs).
        let floor = virtual_index.floor();
        let (lower, previous) = if virtual_index >= last as f64 { (last, -1.0) } else { (floor as usize, floor) };
        let upper = if virtual_index >= last as f64 { last } else { lower + 1 };
        let gamma = match method {
            Method::Midpoint if virtual_index % 1.0 == 0.0 => 0.0,
            Method::Midpoint => 0.5,
            _ => virtual_index - previous,
        };
        Pick { lower, upper, gamma: Some(gamma) }
    }

    fn value<T: Interpolate>(&self, a: T, b: T, weight: Weight) -> Result<f64> {
        match self.gamma {
            None => a.exact_f64(),
            Some(t) => {
                // A neighbour of weight 0 leaves the result as it is: only the others must be exact doubles.
                let a64 = if t >= 1.0 { a.to_f64() } else { a.exact_f64()? };
                let b64 = if t == 0.0 { b.to_f64() } else { b.exact_f64()? };
                let numpy = T::lerp(a, b, t, weight);
                Ok(if numpy.is_nan() && !a64.is_nan() && !b64.is_nan() { limit(a64, b64, t) } else { numpy })
            }
        }
    }
}

/// Where numpy's `_lerp` gives NaN for two non-NaN ends (it subtracts infinities): the value the interpolation tends to.
fn limit(a: f64, b: f64, t: f64) -> f64 {
    if a == b || t == 0.0 {
        a
    } else if t == 1.0 {
        b
    } else if a.is_infinite() && b.is_infinite() {
        f64::NAN
    } else if a.is_infinite() {
        a
    } else {
        b
    }
}

/// numpy's `_lerp` in double, with the difference `b - a` as the caller's format computes it: `a + diff·t`, or
/// `b - diff·(1 - t)` where `t >= 0.5`.
#[inline]
fn lerp_f64(a: f64, b: f64, diff: f64, t: f64) -> f64 {
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// numpy's `_lerp(a, b, t)` in a narrower format, each operation rounded to it: `a + (b - a)·t`, or
/// `b - (b - a)·(1 - t)` where `t >= 0.5`.
macro_rules! lerp_in {
    ($F:ty, $a:expr, $b:expr, $t:expr, $sub:expr, $mul:expr, $add:expr, $cast:expr) => {{
        let (a, b, t): ($F, $F, f64) = ($a, $b, $t);
        let diff = $sub(b, a);
        if t >= 0.5 {
            $sub(b, $mul(diff, $cast(1.0 - t)))
        } else {
            $add(a, $mul(diff, $cast(t)))
        }
    }};
}

/// An element type's interpolation as numpy does it, and its exact value as a double.
pub trait Interpolate: Numeric + Copy {
    /// numpy's `_lerp(a, b, t)` for this type (see the module docs), as a double.
    fn lerp(a: Self, b: Self, t: f64, weight: Weight) -> f64;

    /// The value as a double.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` for a 64-bit integer beyond ±2^53, which a double cannot hold exactly.
    fn exact_f64(self) -> Result<f64> {
        Ok(self.to_f64())
    }
}

impl Interpolate for f64 {
    fn lerp(a: f64, b: f64, t: f64, _: Weight) -> f64 {
        lerp_f64(a, b, b - a, t)
    }
}

impl Interpolate for f32 {
    fn lerp(a: f32, b: f32, t: f64, weight: Weight) -> f64 {
        match weight {
            Weight::Scalar => f64::from(lerp_in!(
                f32,
                a,
                b,
                t,
                |x: f32, y: f32| x - y,
                |x: f32, y: f32| x * y,
                |x: f32, y: f32| x + y,
                |x: f64| x as f32
            )),
            // The difference is taken in float32, the rest in double.
            Weight::Array => lerp_f64(f64::from(a), f64::from(b), f64::from(b - a), t),
        }
    }
}

impl Interpolate for f16 {
    fn lerp(a: f16, b: f16, t: f64, weight: Weight) -> f64 {
        // numpy's half arithmetic: each operation in float32, rounded to half.
        let half = |x: f32| f16::from_f32(x);
        match weight {
            Weight::Scalar => lerp_in!(
                f16,
                a,
                b,
                t,
                |x: f16, y: f16| half(x.to_f32() - y.to_f32()),
                |x: f16, y: f16| half(x.to_f32() * y.to_f32()),
                |x: f16, y: f16| half(x.to_f32() + y.to_f32()),
                f16::from_f64
            )
            .to_f64(),
            Weight::Array => lerp_f64(a.to_f64(), b.to_f64(), half(b.to_f32() - a.to_f32()).to_f64(), t),
        }
    }
}

macro_rules! integer_interpolate {
    ($($t:ty),*) => {$(
        impl Interpolate for $t {
            fn lerp(a: $t, b: $t, t: f64, _: Weight) -> f64 {
                // The exact difference, converted once; a and b are exact doubles.
                lerp_f64(a as f64, b as f64, (b as i128 - a as i128) as f64, t)
            }
        }
    )*};
}
integer_interpolate!(i8, u8, i16, u16, i32, u32);

macro_rules! wide_integer_interpolate {
    ($($t:ty),*) => {$(
        impl Interpolate for $t {
            fn lerp(a: $t, b: $t, t: f64, _: Weight) -> f64 {
                lerp_f64(a as f64, b as f64, (b as i128 - a as i128) as f64, t)
            }

            fn exact_f64(self) -> Result<f64> {
                const LIMIT: i128 = 1 << 53;
                if (self as i128).abs() > LIMIT {
                    return Err(Error::out_of_range(format!(
                        "the quantile needs the element {self}, which is beyond ±2^53 and has no exact double"
                    )));
                }
                Ok(self as f64)
            }
        }
    )*};
}
wide_integer_interpolate!(i64, u64);

/// How many elements are NaN.
fn count_nans<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<usize> {
    fold_ranges(
        view.len(),
        threads(),
        cancel,
        || 0usize,
        |count, range| *count += simd_arch().dispatch(NanBlock { block: &view.slice(range) }),
        |a, b| a + b,
    )
}

/// The keys of rank `ranks` (sorted, distinct, each below the number of non-NaN elements) among the non-NaN elements
/// of `view`, in the order of `ranks`; `None` when `stop_at_nan` and an element is NaN.
fn select<T: Ordered>(
    view: &ReadView<'_, T>,
    ranks: &[usize],
    stop_at_nan: bool,
    cancel: &Cancel,
) -> Result<Option<Vec<T::Key>>> {
    if view.len() > DIRECT {
        match bracketed(view, ranks, cancel)? {
            Bracketed::Found(keys) => return Ok(Some(keys)),
            Bracketed::Nan if stop_at_nan => return Ok(None),
            Bracketed::Nan | Bracketed::Missed => {}
        }
    }
    direct(view, ranks, stop_at_nan, cancel)
}

/// Copies every key and selects the ranks among them.
fn direct<T: Ordered>(
    view: &ReadView<'_, T>,
    ranks: &[usize],
    stop_at_nan: bool,
    cancel: &Cancel,
) -> Result<Option<Vec<T::Key>>> {
    let mut keys: Vec<T::Key> = Vec::with_capacity(view.len());
    for start in (0..view.len()).step_by(BLOCK) {
        cancel.check()?;
        staged(&view.slice(start..view.len().min(start + BLOCK)), |_, values| {
            keys.extend(values.iter().map(|v| v.sort_key()));
        });
    }
    let nans = keys.iter().filter(|&&k| T::key_is_nan(k)).count();
    if nans > 0 && stop_at_nan {
        return Ok(None);
    }
    keys.retain(|&k| !T::key_is_nan(k));
    Ok(Some(select_in(&mut keys, ranks, 0)))
}

/// The keys of `ranks` (sorted), offset by `base`, within `keys`, which it reorders.
fn select_in<K: Key>(keys: &mut [K], ranks: &[usize], base: usize) -> Vec<K> {
    if ranks.len() > 16 {
        keys.sort_unstable();
        return ranks.iter().map(|&r| keys[r - base]).collect();
    }
    // Each selection partitions the slice; later ranks (sorted) lie to the right of earlier ones.
    let mut from = 0;
    ranks
        .iter()
        .map(|&r| {
            let (_, &mut key, _) = keys[from..].select_nth_unstable(r - base - from);
            from = r - base;
            key
        })
        .collect()
}

enum Bracketed<K> {
    Found(Vec<K>),
    Nan,
    Missed,
}

/// One bracket `[low, high]` of keys, and what the pass found of it.
#[derive(Clone, Debug)]
struct Bracket<K> {
    low: K,
    high: K,
}

/// What one part of the pass found: per bracket, the elements below its low end (wherever they are), equal to its ends,
/// and strictly inside.
#[derive(Clone, Debug)]
struct Tally<K> {
    below: Vec<usize>,
    at_low: Vec<usize>,
    at_high: Vec<usize>,
    inside: Vec<Vec<K>>,
    nans: usize,
    overflowed: bool,
}

impl<K> Tally<K> {
    fn new(brackets: usize) -> Self {
        Tally {
            below: vec![0; brackets],
            at_low: vec![0; brackets],
            at_high: vec![0; brackets],
            inside: (0..brackets).map(|_| Vec::new()).collect(),
            nans: 0,
            overflowed: false,
        }
    }

    fn merge(mut self, other: Self) -> Self {
        for (i, inside) in other.inside.into_iter().enumerate() {
            self.below[i] += other.below[i];
            self.at_low[i] += other.at_low[i];
            self.at_high[i] += other.at_high[i];
            self.inside[i].extend(inside);
        }
        self.nans += other.nans;
        self.overflowed |= other.overflowed;
        self
    }
}

/// Counts one range's keys against the brackets into a [`Tally`]; returns how many keys it gathered.
struct TallyBlock<'v, 'g, 'b, T: Ordered> {
    block: &'v ReadView<'g, T>,
    brackets: &'b [Bracket<T::Key>],
    tally: &'b mut Tally<T::Key>,
}

impl<T: Ordered> WithSimd for TallyBlock<'_, '_, '_, T> {
    type Output = usize;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> usize {
        let TallyBlock { block, brackets, tally } = self;
        let mut gathered = 0usize;
        let mut keys = [T::Key::default(); STAGE];
        staged(block, |_, values| {
            let keys = &mut keys[..values.len()];
            for (key, v) in keys.iter_mut().zip(values) {
                *key = v.sort_key();
            }
            // Counted without branches (a key's side of a bracket is a coin toss on most data); only the few keys
            // strictly inside a bracket take a branch, to be gathered.
            tally.nans += keys.iter().map(|&k| usize::from(T::key_is_nan(k))).sum::<usize>();
            for (i, b) in brackets.iter().enumerate() {
                let (low, high) = (b.low, b.high);
                let (mut below, mut at_low, mut at_high, mut inside) = (0usize, 0usize, 0usize, 0usize);
                for &k in keys.iter() {
                    below += usize::from(k < low);
                    at_low += usize::from(k == low);
                    at_high += usize::from(k == high);
                    inside += usize::from(k > low && k < high);
                }
                tally.below[i] += below;
                tally.at_low[i] += at_low;
                // A bracket with one key counts its elements once, at its low end.
                tally.at_high[i] += if low == high { 0 } else { at_high };
                if inside > 0 {
                    tally.inside[i].extend(keys.iter().copied().filter(|&k| k > low && k < high));
                    gathered += inside;
                }
            }
        });
        gathered
    }
}

/// Counts one range's NaNs.
struct NanBlock<'v, 'g, T: Ordered> {
    block: &'v ReadView<'g, T>,
}

impl<T: Ordered> WithSimd for NanBlock<'_, '_, T> {
    type Output = usize;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> usize {
        let mut nans = 0;
        staged(self.block, |_, values| {
            nans += values.iter().map(|v| usize::from(T::key_is_nan(v.sort_key()))).sum::<usize>();
        });
        nans
    }
}

/// Selection by sample brackets (see the module docs).
fn bracketed<T: Ordered>(view: &ReadView<'_, T>, ranks: &[usize], cancel: &Cancel) -> Result<Bracketed<T::Key>> {
    let n = view.len();
    let mut sample: Vec<T::Key> = (0..SAMPLE).map(|i| view.get(i * n / SAMPLE).sort_key()).collect();
    sample.sort_unstable();
    let sampled_valid = sample.iter().take_while(|&&k| !T::key_is_nan(k)).count();
    if sampled_valid == 0 {
        return Ok(Bracketed::Missed);
    }
    let estimated_valid = (n as f64 * sampled_valid as f64 / SAMPLE as f64).max(1.0);
    // One bracket per rank, merged where they overlap; `owner[i]` is rank i's bracket.
    let mut brackets: Vec<Bracket<T::Key>> = Vec::new();
    let mut owner = Vec::with_capacity(ranks.len());
    for &rank in ranks {
        let centre = (rank as f64 / estimated_valid * sampled_valid as f64) as usize;
        let low = sample[centre.saturating_sub(HALF_BRACKET).min(sampled_valid - 1)];
        let high = sample[(centre + HALF_BRACKET).min(sampled_valid - 1)];
        match brackets.last_mut() {
            Some(last) if low <= last.high => last.high = last.high.max(high),
            _ => brackets.push(Bracket { low, high }),
        }
        owner.push(brackets.len() - 1);
    }
    // A part gathers at most this many keys inside brackets before giving up (data built against the sample stride).
    let inside_limit = |len: usize| len / 4 + 4 * BLOCK;
    let tally = fold_ranges(
        n,
        threads(),
        cancel,
        || Tally::new(brackets.len()),
        |tally, range| {
            if tally.overflowed {
                return;
            }
            let len = range.len();
            // Compiled for the processor's instruction sets: the keys and the counts become vector operations.
            let gathered = simd_arch().dispatch(TallyBlock { block: &view.slice(range), brackets: &brackets, tally });
            if gathered > inside_limit(len) {
                tally.overflowed = true;
            }
        },
        Tally::merge,
    )?;
    if tally.nans > 0 {
        return Ok(Bracketed::Nan);
    }
    if tally.overflowed {
        return Ok(Bracketed::Missed);
    }
    let Tally { below, at_low, at_high, mut inside, .. } = tally;
    // `below[i]` counts every element below bracket i's low end, in earlier brackets and gaps too.
    let before = below;
    let mut keys = Vec::with_capacity(ranks.len());
    let mut index = 0;
    while index < ranks.len() {
        let i = owner[index];
        let group = &ranks[index..index + owner[index..].iter().take_while(|&&o| o == i).count()];
        let (start, low_end) = (before[i], before[i] + at_low[i]);
        let inside_end = low_end + inside[i].len();
        if group.iter().any(|&rank| rank < start || rank >= inside_end + at_high[i]) {
            return Ok(Bracketed::Missed);
        }
        let interior: Vec<usize> = group.iter().copied().filter(|&r| r >= low_end && r < inside_end).collect();
        let mut chosen = select_in(&mut inside[i], &interior, low_end).into_iter();
        for &rank in group {
            keys.push(if rank < low_end {
                brackets[i].low
            } else if rank < inside_end {
                chosen.next().expect("one key per interior rank")
            } else {
                brackets[i].high
            });
        }
        index += group.len();
    }
    Ok(Bracketed::Found(keys))
}

/// `quantile(a, q, { method, skipNaN })`: `q` arrives as a `Float64Array` (the facade makes one of a number or an
/// array), with `scalar` saying whether the caller gave a number (numpy's weak promotion, see [`Weight`]).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Quantile {
    /// The method.
    pub method: Method,
    /// Whether `q` was a number or an array.
    pub weight: Weight,
    /// Whether NaNs are left out.
    pub skip_nan: bool,
}

const A_AND_Q: &[ArraySpec] =
    &[ArraySpec::new("a", Mode::Read), ArraySpec { internal: true, ..ArraySpec::new("q", Mode::Read) }];

impl Operation for Quantile {
    const SPEC: Spec = Spec {
        params: &[
            ParamSpec { name: "method", ty: ParamType::Choice(METHODS) },
            ParamSpec { name: "skipNaN", ty: ParamType::Boolean },
            ParamSpec { name: "scalar", ty: ParamType::Boolean },
        ],
        expression: crate::ops::ExpressionUse::Materialised,
        axis: crate::ops::AxisResult::Float64Each,
        ..Spec::new("quantile", A_AND_Q, Returns::Array)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Quantile {
            method: Method::from_index(params.choice("method")?.unwrap_or(0))?,
            weight: if params.boolean("scalar")?.unwrap_or(false) { Weight::Scalar } else { Weight::Array },
            skip_nan: params.boolean("skipNaN")?.unwrap_or(false),
        })
    }
    fn check(&self, args: &[Arg]) -> Result<()> {
        match args {
            [_, q] if q.kind == ElementKind::Float64 => Ok(()),
            [_, q] => {
                Err(Error::TypeMismatch { detail: format!("quantile() needs q as a Float64Array, got {}", q.kind) })
            }
            _ => Err(Error::internal("quantile() takes two arrays")),
        }
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let qs = read_view::<f64>(&mut args[1].lent)?.to_vec();
        if let Some(bad) = qs.iter().find(|q| !(0.0..=1.0).contains(*q)) {
            return Err(Error::out_of_range(format!("quantiles must be numbers from 0 to 1, got {bad}")));
        }
        let Quantile { method, weight, skip_nan } = *self;
        reading!(args, T, v => quantile(&v, &qs, method, weight, skip_nan, cancel))
            .map(|values| Output::Array(Column::Float64(values)))
    }
}

/// `median(a, { skipNaN })`: `quantile(a, 0.5)`, and NaN for an empty array (numpy's `median`).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Median {
    /// Whether NaNs are left out.
    pub skip_nan: bool,
}

impl Operation for Median {
    const SPEC: Spec = Spec {
        params: &[ParamSpec { name: "skipNaN", ty: ParamType::Boolean }],
        expression: crate::ops::ExpressionUse::Materialised,
        axis: crate::ops::AxisResult::Float64,
        ..Spec::new("median", crate::ops::READS_A, Returns::Number)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Median { skip_nan: params.boolean("skipNaN")?.unwrap_or(false) })
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        if args[0].is_empty() {
            return Ok(Output::number(f64::NAN));
        }
        let skip_nan = self.skip_nan;
        reading!(args, T, v => quantile(&v, &[0.5], Method::Linear, Weight::Scalar, skip_nan, cancel))
            .map(|values| Output::number(values[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{cancelled, with_view};

    fn reference(values: &[f64], q: f64, method: Method) -> f64 {
        let mut sorted: Vec<f64> = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let p = Pick::new(sorted.len(), q, method);
        p.value(sorted[p.lower], sorted[p.upper], Weight::Scalar).unwrap()
    }

    #[test]
    fn agrees_with_a_sort_on_every_method_and_size() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [1usize, 2, 3, 10, 1000, DIRECT - 1, DIRECT + 1, 2 * DIRECT + 17] {
            let values: Vec<f64> = (0..n).map(|_| (next() % 1000) as f64 / 7.0 - 50.0).collect();
            with_view(&values, |view| {
                for method in [Method::Linear, Method::Lower, Method::Higher, Method::Nearest, Method::Midpoint] {
                    let qs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];
                    let got = quantile(view, &qs, method, Weight::Scalar, false, &Cancel::new()).unwrap();
                    for (q, g) in qs.iter().zip(got) {
                        assert_eq!(g.to_bits(), reference(&values, *q, method).to_bits(), "n {n} q {q} {method:?}");
                    }
                }
            });
        }
    }

    #[test]
    fn the_sample_brackets_find_ranks_in_spread_data() {
        let values: Vec<f64> = (0..(5 * DIRECT)).map(|i| ((i * 7919) % 100_003) as f64 * 0.5).collect();
        with_view(&values, |view| {
            let ranks = [0, 1, 2 * DIRECT, 2 * DIRECT + 1, 5 * DIRECT - 1];
            let Ok(Bracketed::Found(found)) = bracketed(view, &ranks, &Cancel::new()) else {
                panic!("the brackets missed spread data")
            };
            assert_eq!(Some(found), direct(view, &ranks, true, &Cancel::new()).unwrap());
        });
    }

    #[test]
    fn data_built_against_the_sample_stride_falls_back_and_stays_right() {
        // The sample reads every fourth element: all zeros, while the rest are distinct and larger.
        let n = 4 * DIRECT;
        let values: Vec<f64> = (0..n).map(|i| if i % (n / SAMPLE) == 0 { 0.0 } else { i as f64 }).collect();
        with_view(&values, |view| {
            assert!(matches!(bracketed(view, &[n / 2], &Cancel::new()), Ok(Bracketed::Missed)));
            let got = quantile(view, &[0.5, 0.9], Method::Linear, Weight::Array, false, &Cancel::new()).unwrap();
            assert_eq!(got, [reference(&values, 0.5, Method::Linear), reference(&values, 0.9, Method::Linear)]);
        });
    }

    #[test]
    fn nan_gives_nan_unless_skipped() {
        let mut values: Vec<f64> = (0..(3 * DIRECT)).map(|i| i as f64).collect();
        values[12345] = f64::NAN;
        with_view(&values, |view| {
            let got = quantile(view, &[0.5], Method::Linear, Weight::Scalar, false, &Cancel::new()).unwrap();
            assert!(got[0].is_nan());
            let got = quantile(view, &[0.0, 1.0], Method::Linear, Weight::Scalar, true, &Cancel::new()).unwrap();
            assert_eq!(got, vec![0.0, (3 * DIRECT - 1) as f64]);
        });
    }

    #[test]
    fn empty_is_an_error_and_all_nan_skipped_is_nan() {
        with_view::<f64, _>(&[], |view| {
            assert!(quantile(view, &[0.5], Method::Linear, Weight::Scalar, false, &Cancel::new()).is_err());
        });
        with_view(&[f64::NAN, f64::NAN], |view| {
            let got = quantile(view, &[0.5], Method::Linear, Weight::Scalar, true, &Cancel::new()).unwrap();
            assert!(got[0].is_nan());
        });
    }

    #[test]
    fn numpy_lerp_details() {
        // numpy 2.4: quantile([-0.0, 1.0], 0) is +0 (a + 0·(b - a)); quantile([-0.0], 1) is -0; [-0.0, -0.0] at 1 is +0.
        assert_eq!(reference(&[-0.0, 1.0], 0.0, Method::Linear).to_bits(), 0.0f64.to_bits());
        assert_eq!(reference(&[-0.0], 1.0, Method::Linear).to_bits(), (-0.0f64).to_bits());
        assert_eq!(reference(&[-0.0, -0.0], 1.0, Method::Linear).to_bits(), 0.0f64.to_bits());
        // Where numpy subtracts infinities: the limit.
        assert_eq!(reference(&[1.0, f64::INFINITY], 1.0, Method::Linear), f64::INFINITY);
        assert_eq!(reference(&[1.0, f64::INFINITY], 0.75, Method::Linear), f64::INFINITY);
        assert!(reference(&[f64::NEG_INFINITY, f64::INFINITY], 0.5, Method::Linear).is_nan());
        // float32 with a scalar q interpolates in float32: numpy gives float32(1.9) for [1, 2, 3, 4] at 0.3.
        assert_eq!(f32::lerp(1.0, 2.0, 0.9000000000000001, Weight::Scalar), f64::from(1.9f32));
    }

    #[test]
    fn wide_integers_beyond_2_53_are_refused() {
        let values = [1i64 << 60, 1, 2];
        with_view(&values, |view| {
            assert!(quantile(view, &[1.0], Method::Linear, Weight::Scalar, false, &Cancel::new()).is_err());
            assert_eq!(quantile(view, &[0.0], Method::Lower, Weight::Scalar, false, &Cancel::new()).unwrap(), [1.0]);
        });
    }

    #[test]
    fn cancelled_before_the_pass() {
        let values: Vec<f64> = (0..(3 * DIRECT)).map(|i| i as f64).collect();
        with_view(&values, |view| {
            assert!(quantile(view, &[0.5], Method::Linear, Weight::Scalar, false, &cancelled()).is_err());
        });
    }
}
