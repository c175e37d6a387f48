//! `cumsum`: the inclusive prefix sum, into an output array (which may be the input itself when the types agree).
//!
//! Two passes over fixed blocks, so that the result is the same for any thread count: the first sums each block, the
//! carries into each block are those sums accumulated in block order, and the second runs each block's prefix sum from
//! its carry. Integer sums are exact: the first pass also finds each block's smallest and largest local prefix, so a
//! prefix that the output type cannot hold is refused before anything is written. Float sums are compensated: the
//! running sum is a Neumaier pair (a double-double), the carries merge the compensated sums of segments of the blocks,
//! and each output is the pair rounded once (see `FloatScan`).
//!
//! Floats go through the output in one pass over the blocks in order, each block summed and then scanned by one worker
//! while it is in that core's cache (a float sum has nothing to refuse, so it need not see the whole input before it
//! writes; see `float_cumsum`). Integer sums run the first pass over every block before writing any.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::exec::{block_range, pool, runs_on_caller, threads, Cancel, BLOCK};
use crate::kernels::blocks::{compensated_block, STAGE};
use crate::kernels::exact::ExactSum;
use crate::kernels::{Neumaier, Numeric};
use crate::kind::ElementKind;
use crate::ops::{read_view, write_view, Arg, ArraySpec, Operation, Output, Returns, Spec};
use crate::view::{Element, ReadView, WriteView};

/// Where a block's input comes from: a separate array, or the output itself (read before it is overwritten).
trait Source<T: Element, O: Element>: Sync {
    /// Reads `buf.len()` input elements from `start` (an index of the whole array) into `buf`; `chunk` is the output
    /// block that `start` falls in, beginning at `chunk_start`.
    fn read(&self, start: usize, chunk: &WriteView<'_, O>, chunk_start: usize, buf: &mut [T]);
}

/// The input is its own array.
struct Apart<'a, 'g, T: Element>(&'a ReadView<'g, T>);

impl<T: Element, O: Element> Source<T, O> for Apart<'_, '_, T> {
    #[inline(always)]
    fn read(&self, start: usize, _: &WriteView<'_, O>, _: usize, buf: &mut [T]) {
        self.0.read_into(start, buf);
    }
}

/// The input is the output's own memory (`cumsum(a, { out: a })`).
struct InPlace;

impl<T: Element> Source<T, T> for InPlace {
    #[inline(always)]
    fn read(&self, start: usize, chunk: &WriteView<'_, T>, chunk_start: usize, buf: &mut [T]) {
        chunk.as_read().read_into(start - chunk_start, buf);
    }
}

/// One way of accumulating a prefix sum: floats compensated, integers exact. The first pass's summaries of blocks
/// come from a function of the caller's (see [`cumulate`]); this says how they carry and how a block is scanned.
trait Scan<T: Numeric, O: Element>: Sync {
    /// What the first pass learns of a block.
    type Summary: Send + Sync;
    /// The running state: the sum of everything before a point.
    type Carry: Clone + Send + Sync;
    /// The carry into the first block.
    fn start(&self) -> Self::Carry;
    /// The carry after a block, from the carry before it and its summary; `None` when a prefix in the block leaves the
    /// output type's range.
    fn advance(&self, carry: Self::Carry, block: &Self::Summary) -> Option<Self::Carry>;
    /// The second pass over one block: writes each of its prefixes into `chunk`, the output block that begins at index
    /// `start` of the whole array, from the carry into the block and the block's summary.
    fn scan_block<R: Source<T, O>>(
        &self,
        carry: Self::Carry,
        block: &Self::Summary,
        source: &R,
        chunk: &mut WriteView<'_, O>,
        start: usize,
    );
}

/// Runs `step` over the input elements `range` of the block that `chunk` holds the output of (beginning at index
/// `start` of the whole array), a stage at a time, and writes what it leaves in its second argument to `chunk`.
#[inline(always)]
fn staged_scan<T: Numeric, O: Element, R: Source<T, O>>(
    source: &R,
    chunk: &mut WriteView<'_, O>,
    start: usize,
    range: Range<usize>,
    mut step: impl FnMut(&[T], &mut [O]),
) {
    let mut values = [T::default(); STAGE];
    let mut written = [O::default(); STAGE];
    let mut at = range.start;
    while at < range.end {
        let n = STAGE.min(range.end - at);
        source.read(start + at, chunk, start, &mut values[..n]);
        step(&values[..n], &mut written[..n]);
        chunk.write_vectors_from(at, &written[..n]);
        at += n;
    }
}

/// The compensated float scan. The carry is the Neumaier pair of everything before, and whether all of it was `-0`
/// (IEEE addition keeps a zero sum negative only when every term was `-0`, which the pair alone cannot tell).
///
/// A pair can overflow where the exact prefix does not (`[1e308, 1e308, -1e308]`, or lanes of one block's sum that
/// take all the large terms of one sign). Then, and only then, the scan goes exact: from the last finite pair on, the
/// prefixes are summed in a superaccumulator and each output is its value rounded once, until that value is finite
/// again and a pair can take over. So `Infinity` comes only from an infinite element or from an exact prefix beyond
/// the largest double, and `NaN` only from a `NaN` element or infinities of both signs, wherever blocks fall.
///
/// The carries are those of segments: each block is cut into [`SEGMENTS`] segments of [`SEGMENT`] elements (the last
/// block's may be shorter or missing), the first pass sums each segment, the carry into a segment is the carry into
/// its block merged with the sums of the segments before it, and each segment's prefixes are a sequential Neumaier
/// scan from its carry. Segment boundaries depend only on the length, and the segments of a block are independent of
/// each other, so on processors with AVX-512 the scan runs the segments of a whole block in the lanes of one vector,
/// with the same arithmetic in the same order per lane: the same bits. A stage in which a lane's running sum is not
/// finite is done again (from that stage on, lane by lane) by the sequential scan, which decides overflows as above.
struct FloatScan;

/// Segments per block: the lanes of one AVX-512 vector of doubles.
const SEGMENTS: usize = 8;

/// Elements per segment, the unit of the float carries (see [`FloatScan`]).
const SEGMENT: usize = BLOCK / SEGMENTS;
const _: () = assert!(BLOCK.is_multiple_of(SEGMENTS) && SEGMENT.is_multiple_of(STAGE) && STAGE.is_multiple_of(8));

/// A float segment's summary: its compensated sum; whether every element is `-0` (only looked for when the sum is
/// zero); and, when the compensated sum overflowed, whether an element is not finite or else the segment's exact sum.
struct FloatSummary {
    total: Neumaier,
    all_negative_zero: bool,
    non_finite_element: bool,
    exact: Option<Box<ExactSum>>,
}

#[derive(Clone)]
struct FloatCarry {
    sum: Neumaier,
    all_negative_zero: bool,
    /// An infinite or NaN element came before: IEEE addition decides from here, with no exact fallback.
    non_finite_element: bool,
    /// The exact prefix, while it is beyond what a pair holds (the pair is then infinite).
    exact: Option<Box<ExactSum>>,
}

/// The output of a running pair: the pair rounded once. A zero compensation adds nothing, and must not turn a `-0` sum
/// into `+0`; a non-finite sum carries a NaN compensation, and is the answer itself.
#[inline(always)]
fn rounded(sum: f64, compensation: f64) -> f64 {
    if compensation == 0.0 || !sum.is_finite() {
        sum
    } else {
        sum + compensation
    }
}

/// An exact sum, normalised, of a pair's two parts.
fn exact_of_pair(pair: Neumaier) -> ExactSum {
    let (sum, compensation) = pair.parts();
    let mut exact = ExactSum::default();
    exact.add(sum);
    exact.add(compensation);
    exact.normalise();
    exact
}

/// `exact` as a pair when its value is finite (the value rounded, and the rest rounded), else `None`.
fn pair_of_exact(exact: &ExactSum) -> Option<Neumaier> {
    let head = exact.value();
    if !head.is_finite() {
        return None;
    }
    let mut rest = exact.clone();
    rest.add(-head);
    rest.normalise();
    Some(Neumaier::from_parts(head, rest.value()))
}

impl FloatScan {
    /// The carry after a segment, from the carry before it and its summary.
    fn after(&self, carry: FloatCarry, segment: &FloatSummary) -> FloatCarry {
        let all_negative_zero = carry.all_negative_zero && segment.all_negative_zero;
        let non_finite_element = carry.non_finite_element || segment.non_finite_element;
        let mut sum = carry.sum;
        sum.merge(segment.total);
        let overflowed = carry.exact.is_some() || segment.exact.is_some() || !sum.value().is_finite();
        if non_finite_element || !overflowed {
            return FloatCarry { sum, all_negative_zero, non_finite_element, exact: None };
        }
        // Exact from here: the carry's exact prefix (or its finite pair) and the segment's exact sum (or its pair).
        let mut exact = carry.exact.map_or_else(|| exact_of_pair(carry.sum), |e| *e);
        exact.merge(&segment.exact.as_deref().cloned().unwrap_or_else(|| exact_of_pair(segment.total)));
        exact.normalise();
        match pair_of_exact(&exact) {
            Some(sum) => FloatCarry { sum, all_negative_zero, non_finite_element, exact: None },
            None => {
                let sum = Neumaier::from_parts(exact.value(), 0.0);
                FloatCarry { sum, all_negative_zero, non_finite_element, exact: Some(Box::new(exact)) }
            }
        }
    }

    /// The carry after a block, from the carry before it and the summaries of its segments.
    fn advance_block(&self, carry: FloatCarry, block: &[FloatSummary]) -> FloatCarry {
        block.iter().fold(carry, |carry, segment| self.after(carry, segment))
    }

    /// The sequential scan of `values` from `carry`: writes each prefix into `out` and leaves in `carry` the carry
    /// after them.
    #[inline]
    fn scan<T: Numeric>(&self, carry: &mut FloatCarry, values: &[T], out: &mut [f64]) {
        let (mut sum, mut compensation) = carry.sum.parts();
        if carry.all_negative_zero {
            sum = -0.0;
        }
        let mut values = values.iter().map(|x| x.to_f64());
        let mut out = out.iter_mut();
        loop {
            if let Some(exact) = &mut carry.exact {
                // Exact until the prefix is finite again.
                let (Some(x), Some(o)) = (values.next(), out.next()) else { break };
                exact.add(x);
                exact.normalise();
                *o = exact.value();
                if !x.is_finite() {
                    // IEEE addition decides from here: the infinity, or NaN.
                    (sum, compensation) = (*o, 0.0);
                    carry.non_finite_element = true;
                    carry.exact = None;
                } else if let Some(pair) = pair_of_exact(exact) {
                    (sum, compensation) = pair.parts();
                    carry.exact = None;
                }
                continue;
            }
            let (Some(x), Some(o)) = (values.next(), out.next()) else { break };
            // Neumaier::add, inline: the running pair is the loop's only dependency chain.
            let t = sum + x;
            if !t.is_finite() && !carry.non_finite_element {
                if x.is_finite() {
                    // An overflow of the pair alone: the exact prefix from the last finite pair decides.
                    let mut exact = exact_of_pair(Neumaier::from_parts(sum, compensation));
                    exact.add(x);
                    exact.normalise();
                    *o = exact.value();
                    match pair_of_exact(&exact) {
                        Some(pair) => (sum, compensation) = pair.parts(),
                        None => carry.exact = Some(Box::new(exact)),
                    }
                    continue;
                }
                carry.non_finite_element = true;
            }
            let x_part = t - sum;
            compensation += (sum - (t - x_part)) + (x - x_part);
            sum = t;
            *o = rounded(sum, compensation);
        }
        carry.sum = Neumaier::from_parts(sum, compensation);
        carry.all_negative_zero = false;
    }
}

impl<T: Numeric> Scan<T, f64> for FloatScan {
    /// The summaries of the block's segments, in order.
    type Summary = Vec<FloatSummary>;
    type Carry = FloatCarry;

    fn start(&self) -> FloatCarry {
        FloatCarry {
            sum: Neumaier::from_parts(-0.0, 0.0),
            all_negative_zero: true,
            non_finite_element: false,
            exact: None,
        }
    }

    fn advance(&self, carry: FloatCarry, block: &Vec<FloatSummary>) -> Option<FloatCarry> {
        Some(self.advance_block(carry, block))
    }

    fn scan_block<R: Source<T, f64>>(
        &self,
        carry: FloatCarry,
        block: &Vec<FloatSummary>,
        source: &R,
        chunk: &mut WriteView<'_, f64>,
        start: usize,
    ) {
        let mut carries = Vec::with_capacity(block.len());
        block.iter().fold(carry, |carry, segment| {
            carries.push(carry.clone());
            self.after(carry, segment)
        });
        // Where the sequential scan takes over: from this element of each segment, with these carries.
        let Some(from) = segments_at_once(&mut carries, source, chunk, start) else { return };
        for (k, mut carry) in carries.into_iter().enumerate() {
            let range = k * SEGMENT + from..((k + 1) * SEGMENT).min(chunk.len());
            staged_scan(source, chunk, start, range, |values: &[T], out| self.scan(&mut carry, values, out));
        }
    }
}

/// Scans a whole block's segments at once where the processor has AVX-512 and every carry into them is a finite pair
/// (see [`segments_avx512`]). Returns `None` when the block is done, else the element of each segment from which the
/// sequential scan goes on, with `carries` (the carries into the segments) replaced by the carries into it.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn segments_at_once<T: Numeric, R: Source<T, f64>>(
    carries: &mut [FloatCarry],
    source: &R,
    chunk: &mut WriteView<'_, f64>,
    start: usize,
) -> Option<usize> {
    if chunk.len() != BLOCK || !carries.iter().all(|c| c.exact.is_none() && c.sum.value().is_finite()) {
        return Some(0);
    }
    let lanes = std::array::from_fn(|k| {
        let (sum, compensation) = carries[k].sum.parts();
        (if carries[k].all_negative_zero { -0.0 } else { sum }, compensation)
    });
    let Some(stopped) =
        crate::arch::with_avx512(|simd| simd.vectorize(|| segments_avx512(simd, lanes, source, chunk, start)))
    else {
        return Some(0);
    };
    let (stage, lanes) = stopped?;
    for (carry, (sum, compensation)) in carries.iter_mut().zip(lanes) {
        *carry = FloatCarry {
            sum: Neumaier::from_parts(sum, compensation),
            all_negative_zero: false,
            non_finite_element: false,
            exact: None,
        };
    }
    Some(stage * STAGE)
}

/// Elsewhere the sequential scan does every segment whole.
#[cfg(not(all(target_arch = "x86_64", not(miri))))]
#[inline(always)]
fn segments_at_once<T: Numeric, R: Source<T, f64>>(
    _: &mut [FloatCarry],
    _: &R,
    _: &mut WriteView<'_, f64>,
    _: usize,
) -> Option<usize> {
    Some(0)
}

/// The compensated scan of a whole block's [`SEGMENTS`] segments at once, segment `k` in lane `k` of AVX-512 vectors,
/// from the running pairs `lanes` (the carries into the segments): per lane the arithmetic of [`FloatScan::scan`]
/// where every running sum stays finite, so the same bits. Returns `None` when the block is done, or the first stage
/// in which a running sum was not finite (nothing of it written) and the pairs before it, for the sequential scan.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn segments_avx512<T: Numeric, R: Source<T, f64>>(
    simd: pulp::x86::V4,
    lanes: [(f64, f64); SEGMENTS],
    source: &R,
    chunk: &mut WriteView<'_, f64>,
    start: usize,
) -> Option<(usize, [(f64, f64); SEGMENTS])> {
    use std::arch::x86_64::{__m512d, _CMP_NEQ_UQ, _CMP_UNORD_Q};
    let avx = simd.avx512f;
    let mut sum: __m512d = bytemuck::cast(lanes.map(|(s, _)| s));
    let mut compensation: __m512d = bytemuck::cast(lanes.map(|(_, c)| c));
    let zero = avx._mm512_setzero_pd();
    // Each segment's stage of input, and its prefixes as rows of 8 doubles.
    let mut values = [[T::default(); STAGE]; SEGMENTS];
    let mut rows = [[[0.0f64; 8]; STAGE / 8]; SEGMENTS];
    for stage in 0..SEGMENT / STAGE {
        let at = stage * STAGE;
        for (k, values) in values.iter_mut().enumerate() {
            source.read(start + k * SEGMENT + at, chunk, start, values);
        }
        let before = (sum, compensation);
        for tile in 0..STAGE / 8 {
            let mut x: [__m512d; 8] = std::array::from_fn(|k| {
                bytemuck::cast(std::array::from_fn::<f64, 8, _>(|i| values[k][tile * 8 + i].to_f64()))
            });
            transpose(simd, &mut x);
            for x in &mut x {
                let t = avx._mm512_add_pd(sum, *x);
                let x_part = avx._mm512_sub_pd(t, sum);
                let lost = avx
                    ._mm512_add_pd(avx._mm512_sub_pd(sum, avx._mm512_sub_pd(t, x_part)), avx._mm512_sub_pd(*x, x_part));
                compensation = avx._mm512_add_pd(compensation, lost);
                sum = t;
                // `rounded`: a zero compensation leaves the sum as it is (a `-0` stays `-0`).
                let nonzero = avx._mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(compensation, zero);
                *x = avx._mm512_mask_add_pd(sum, nonzero, sum, compensation);
            }
            transpose(simd, &mut x);
            for (row, x) in rows.iter_mut().zip(x) {
                row[tile] = bytemuck::cast(x);
            }
        }
        // A running sum that is not finite stays so: one check per stage finds any step that was not.
        let check = avx._mm512_sub_pd(sum, sum);
        if avx._mm512_cmp_pd_mask::<_CMP_UNORD_Q>(check, check) != 0 {
            let (sums, compensations): ([f64; 8], [f64; 8]) = (bytemuck::cast(before.0), bytemuck::cast(before.1));
            return Some((stage, std::array::from_fn(|k| (sums[k], compensations[k]))));
        }
        for (k, row) in rows.iter().enumerate() {
            chunk.write_vectors_from(k * SEGMENT + at, row.as_flattened());
        }
    }
    None
}

/// Transposes the 8×8 doubles in `x` (row `i` becomes column `i`).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn transpose(simd: pulp::x86::V4, x: &mut [std::arch::x86_64::__m512d; 8]) {
    let avx = simd.avx512f;
    // Pairs of rows interleaved: t[2j] holds the even elements of rows 2j and 2j + 1, t[2j + 1] the odd ones.
    let t: [_; 8] = std::array::from_fn(|i| {
        let (a, b) = (x[i & !1], x[i | 1]);
        if i % 2 == 0 {
            avx._mm512_unpacklo_pd(a, b)
        } else {
            avx._mm512_unpackhi_pd(a, b)
        }
    });
    // Four rows at a time: u[j] holds elements j and j + 4 of rows 0..4, u[j + 4] the same of rows 4..8.
    let low: std::arch::x86_64::__m512i = bytemuck::cast([0i64, 1, 8, 9, 4, 5, 12, 13]);
    let high: std::arch::x86_64::__m512i = bytemuck::cast([2i64, 3, 10, 11, 6, 7, 14, 15]);
    let u: [_; 8] = std::array::from_fn(|i| {
        let (rows, j) = (i / 4 * 4, i % 4);
        let (a, b) = (t[rows + j % 2], t[rows + 2 + j % 2]);
        avx._mm512_permutex2var_pd(a, if j < 2 { low } else { high }, b)
    });
    for (j, x) in x.iter_mut().enumerate() {
        *x = if j < 4 {
            avx._mm512_shuffle_f64x2::<0b01_00_01_00>(u[j], u[j + 4])
        } else {
            avx._mm512_shuffle_f64x2::<0b11_10_11_10>(u[j - 4], u[j])
        };
    }
}

/// A float segment's summary, from a view of it: the SIMD compensated sum every float reduction uses, and the exact
/// sum where that overflowed with every element finite.
fn float_summary<T: Numeric>(block: &ReadView<'_, T>) -> FloatSummary {
    let total = compensated_block(block).total;
    let (sum, compensation) = total.parts();
    let all_negative_zero = sum == 0.0
        && compensation == 0.0
        && block.iter().all(|x| {
            let x = x.to_f64();
            x == 0.0 && x.is_sign_negative()
        });
    let (mut non_finite_element, mut exact) = (false, None);
    if !sum.is_finite() {
        non_finite_element = block.iter().any(|x| !x.to_f64().is_finite());
        if !non_finite_element {
            let mut total = ExactSum::default();
            block.iter().for_each(|x| total.add(x.to_f64()));
            total.normalise();
            exact = Some(Box::new(total));
        }
    }
    FloatSummary { total, all_negative_zero, non_finite_element, exact }
}

/// The exact integer scan into an output type that holds integers in `min..=max`.
struct IntScan {
    min: i128,
    max: i128,
}

/// An integer block's summary: its sum, and its smallest and largest prefix counted from the block's start.
#[derive(Clone, Copy)]
struct IntSummary {
    total: i128,
    lowest: i128,
    highest: i128,
}

/// An integer block's summary, its values read in pieces by `read(offset, buf)`. Values of up to 32 bits sum in an
/// `i64` (a block's prefixes stay below 2^46), wider ones in an `i128`.
fn int_summary<T: Numeric>(read: impl Fn(usize, &mut [T]), len: usize) -> IntSummary {
    if std::mem::size_of::<T>() <= 4 {
        let (total, lowest, highest) = prefix_extremes(read, len, |x: T| x.to_i128().unwrap_or_default() as i64);
        IntSummary { total: total.into(), lowest: lowest.into(), highest: highest.into() }
    } else {
        let (total, lowest, highest) = prefix_extremes(read, len, |x: T| x.to_i128().unwrap_or_default());
        IntSummary { total, lowest, highest }
    }
}

/// The sum of a block's values as `A`, and its smallest and largest prefix, counting the empty one (0): the carry
/// into the block, which that adds, was checked already.
#[inline(always)]
fn prefix_extremes<T: Numeric, A>(read: impl Fn(usize, &mut [T]), len: usize, value: impl Fn(T) -> A) -> (A, A, A)
where
    A: Copy + Ord + Default + std::ops::AddAssign,
{
    let mut stage = [T::default(); STAGE];
    let (mut total, mut lowest, mut highest) = (A::default(), A::default(), A::default());
    for start in (0..len).step_by(STAGE) {
        let values = &mut stage[..STAGE.min(len - start)];
        read(start, values);
        for x in values.iter() {
            total += value(*x);
            lowest = lowest.min(total);
            highest = highest.max(total);
        }
    }
    (total, lowest, highest)
}

/// An integer output element type: made from an exact prefix known to be in its range.
trait IntOut: Element {
    fn from_exact(value: i128) -> Self;
}

impl IntOut for f64 {
    #[inline(always)]
    fn from_exact(value: i128) -> f64 {
        // Within ±2^53 (checked before the scan): through i64, one instruction, where i128 to f64 is a library call.
        value as i64 as f64
    }
}

impl IntOut for i64 {
    #[inline(always)]
    fn from_exact(value: i128) -> i64 {
        value as i64
    }
}

impl IntOut for u64 {
    #[inline(always)]
    fn from_exact(value: i128) -> u64 {
        value as u64
    }
}

impl<T: Numeric, O: IntOut> Scan<T, O> for IntScan {
    type Summary = IntSummary;
    type Carry = i128;

    fn start(&self) -> i128 {
        0
    }

    fn advance(&self, carry: i128, block: &IntSummary) -> Option<i128> {
        (carry + block.lowest >= self.min && carry + block.highest <= self.max).then_some(carry + block.total)
    }

    fn scan_block<R: Source<T, O>>(
        &self,
        mut carry: i128,
        _: &IntSummary,
        source: &R,
        chunk: &mut WriteView<'_, O>,
        start: usize,
    ) {
        staged_scan(source, chunk, start, 0..chunk.len(), |values: &[T], out| {
            for (x, o) in values.iter().zip(out.iter_mut()) {
                carry += x.to_i128().unwrap_or_default();
                *o = O::from_exact(carry);
            }
        });
    }
}

/// Runs `scan` from `source` into `out`: `summarise(b, chunk)` is the first pass over block `b` (whose output block is
/// `chunk`), over every block before the second pass over any. Returns the first block whose prefixes the output
/// cannot hold, before anything is written.
fn cumulate<T, O, S, R>(
    scan: &S,
    source: &R,
    out: WriteView<'_, O>,
    summarise: &(dyn Fn(usize, &WriteView<'_, O>) -> S::Summary + Sync),
    cancel: &Cancel,
) -> Result<Option<usize>>
where
    T: Numeric,
    O: Element,
    S: Scan<T, O>,
    R: Source<T, O>,
{
    let len = out.len();
    let mut chunks = out.into_chunks(BLOCK);
    let blocks = chunks.len();
    let group = blocks.max(1);
    let mut carry = scan.start();
    for first in (0..blocks).step_by(group) {
        let group_chunks = &mut chunks[first..(first + group).min(blocks)];
        cancel.check()?;
        let summaries: Vec<S::Summary> = if runs_on_caller(group_chunks.len()) {
            group_chunks.iter().enumerate().map(|(i, chunk)| summarise(first + i, chunk)).collect()
        } else {
            pool()
                .install(|| group_chunks.par_iter().enumerate().map(|(i, chunk)| summarise(first + i, chunk)).collect())
        };
        let mut carries = Vec::with_capacity(summaries.len());
        for (i, summary) in summaries.iter().enumerate() {
            carries.push(carry.clone());
            match scan.advance(carry.clone(), summary) {
                Some(next) => carry = next,
                None => return Ok(Some(first + i)),
            }
        }
        cancel.check()?;
        let scan_block = |(i, chunk): (usize, &mut WriteView<'_, O>)| {
            // As every block driver does: a raised flag stops the blocks not yet begun.
            if cancel.is_cancelled() {
                return;
            }
            scan.scan_block(carries[i].clone(), &summaries[i], source, chunk, block_range(first + i, len).start);
        };
        if runs_on_caller(group_chunks.len()) {
            group_chunks.iter_mut().enumerate().for_each(scan_block);
        } else {
            pool().install(|| group_chunks.par_iter_mut().enumerate().for_each(scan_block));
        }
    }
    cancel.check()?;
    Ok(None)
}

/// How [`float_cumsum`] summarises a segment: from the start of its block, its range within the block, and the block's
/// output (which is the input too when the scan is in place).
type SegmentSummary<'a> = dyn Fn(usize, Range<usize>, &WriteView<'_, f64>) -> FloatSummary + Sync + 'a;

/// The float prefix sum of `source` into `out` (doubles), in one pass over the blocks: each worker takes the next block
/// in order, sums its segments (which leaves the block in the core's cache), waits for the carry into it, publishes the
/// carry after it and scans it. A float sum refuses nothing, so a block may be written before later ones are read; and
/// the carries are those of the block order whichever worker computes them, so the result is the same for any thread
/// count. Workers take blocks in order and never wait for a block taken after their own, so none waits for ever.
fn float_cumsum<T: Numeric, R: Source<T, f64>>(
    source: &R,
    view_of: &SegmentSummary<'_>,
    out: WriteView<'_, f64>,
    cancel: &Cancel,
) -> Result<()> {
    let chunks: Vec<Mutex<WriteView<'_, f64>>> = out.into_chunks(BLOCK).into_iter().map(Mutex::new).collect();
    let blocks = chunks.len();
    // `carries[b]`: the carry into block `b`, once known.
    let carries: Vec<OnceLock<FloatCarry>> = (0..=blocks).map(|_| OnceLock::new()).collect();
    let _ = carries[0].set(<FloatScan as Scan<T, f64>>::start(&FloatScan));
    let next = AtomicUsize::new(0);
    // Raised when a worker stops early (cancelled, or panicking): the others then stop waiting for it.
    let stopped = AtomicBool::new(false);
    let work = || {
        let stop_on_panic = StopOnDrop(&stopped);
        loop {
            let b = next.fetch_add(1, Ordering::Relaxed);
            if b >= blocks || stopped.load(Ordering::Relaxed) {
                break;
            }
            if cancel.is_cancelled() {
                stopped.store(true, Ordering::Relaxed);
                break;
            }
            let mut chunk = chunks[b].lock().unwrap_or_else(PoisonError::into_inner);
            let start = b * BLOCK;
            let summary: Vec<FloatSummary> = (0..chunk.len())
                .step_by(SEGMENT)
                .map(|at| view_of(start, at..(at + SEGMENT).min(chunk.len()), &chunk))
                .collect();
            let mut waited: Option<Instant> = None;
            let carry = loop {
                if let Some(carry) = carries[b].get() {
                    break carry.clone();
                }
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                // The block before is being summed on another core, which takes about as long as this one took: a
                // short wait, spent spinning, unless that core was taken away (then this one is offered, so that the
                // thread that has the block gets a core sooner).
                let since = *waited.get_or_insert_with(Instant::now);
                if since.elapsed() < PATIENCE {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            };
            let after = FloatScan.advance_block(carry.clone(), &summary);
            let _ = carries[b + 1].set(after);
            <FloatScan as Scan<T, f64>>::scan_block(&FloatScan, carry, &summary, source, &mut chunk, start);
        }
        std::mem::forget(stop_on_panic);
    };
    if runs_on_caller(blocks) {
        work();
    } else {
        let workers = threads().min(blocks);
        pool().install(|| rayon::scope(|s| (0..workers).for_each(|_| s.spawn(|_| work()))));
    }
    cancel.check()
}

/// How long a worker spins for the carry into its block before it offers its core to other threads. Short: on a
/// loaded machine the worker it waits for may have lost its core, and a long spin keeps a core from it.
const PATIENCE: Duration = Duration::from_micros(2);

/// Raises its flag when dropped: kept alive through a worker's loop, it is dropped only when the worker unwinds.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The exact integer prefix sum of `source` into `out`, or a coded error (before anything is written) naming the first
/// prefix beyond what `out`'s type holds.
fn int_cumsum<T: Numeric, O: IntOut, R: Source<T, O>>(
    source: &R,
    out: WriteView<'_, O>,
    range: (i128, i128, &str),
    cancel: &Cancel,
) -> Result<()> {
    let (min, max, beyond) = range;
    let scan = IntScan { min, max };
    let len = out.len();
    let summarise = |b: usize, chunk: &WriteView<'_, O>| {
        let start = block_range(b, len).start;
        int_summary(|at: usize, buf: &mut [T]| source.read(start + at, chunk, start, buf), chunk.len())
    };
    let Some(block) = cumulate::<T, O, IntScan, R>(&scan, source, out, &summarise, cancel)? else { return Ok(()) };
    Err(Error::out_of_range(format!(
        "cumsum(): a prefix sum in elements {}..{} is beyond {beyond}, which the output cannot hold exactly",
        block_range(block, len).start,
        block_range(block, len).end
    )))
}

/// ±2^53: the integers a double holds exactly, all of them.
const DOUBLE_EXACT: i128 = 1 << 53;

/// The prefix sum of `a` into `out` (see [`Cumsum`]), or of `out` in place when `a` is `None`.
///
/// # Errors
/// [`Error::OutOfRange`] for an integer prefix beyond the output's range (nothing is written);
/// [`Error::Aborted`] when `cancel` is raised (blocks already done stay written).
pub fn cumsum<T: Numeric, O: ScanOutput<T>>(
    a: Option<&ReadView<'_, T>>,
    out: WriteView<'_, O>,
    cancel: &Cancel,
) -> Result<()> {
    O::run(a, out, cancel)
}

/// How each output type is filled from each input type: the choice [`Cumsum`] makes by the input's kind.
pub trait ScanOutput<T: Numeric>: Element {
    /// Runs the scan from `a`, or in place.
    ///
    /// # Errors
    /// As [`cumsum`].
    fn run(a: Option<&ReadView<'_, T>>, out: WriteView<'_, Self>, cancel: &Cancel) -> Result<()>;
}

impl<T: Numeric> ScanOutput<T> for f64 {
    fn run(a: Option<&ReadView<'_, T>>, out: WriteView<'_, f64>, cancel: &Cancel) -> Result<()> {
        match (a, T::IS_FLOAT) {
            (Some(a), true) => {
                let view_of = |start: usize, range: Range<usize>, _: &WriteView<'_, f64>| {
                    float_summary(&a.slice(start + range.start..start + range.end))
                };
                float_cumsum::<T, _>(&Apart(a), &view_of, out, cancel)
            }
            (Some(a), false) => int_cumsum::<T, f64, _>(&Apart(a), out, (-DOUBLE_EXACT, DOUBLE_EXACT, "±2^53"), cancel),
            (None, _) => {
                let view_of = |_: usize, range: Range<usize>, chunk: &WriteView<'_, f64>| {
                    float_summary(&chunk.as_read().slice(range))
                };
                float_cumsum::<f64, _>(&InPlace, &view_of, out, cancel)
            }
        }
    }
}

impl<T: Numeric> ScanOutput<T> for i64 {
    fn run(a: Option<&ReadView<'_, T>>, out: WriteView<'_, i64>, cancel: &Cancel) -> Result<()> {
        let range = (i128::from(i64::MIN), i128::from(i64::MAX), "the range of a BigInt64Array");
        match a {
            Some(a) => int_cumsum::<T, i64, _>(&Apart(a), out, range, cancel),
            None => int_cumsum::<i64, i64, _>(&InPlace, out, range, cancel),
        }
    }
}

impl<T: Numeric> ScanOutput<T> for u64 {
    fn run(a: Option<&ReadView<'_, T>>, out: WriteView<'_, u64>, cancel: &Cancel) -> Result<()> {
        let range = (0, i128::from(u64::MAX), "the range of a BigUint64Array");
        match a {
            Some(a) => int_cumsum::<T, u64, _>(&Apart(a), out, range, cancel),
            None => int_cumsum::<u64, u64, _>(&InPlace, out, range, cancel),
        }
    }
}

/// The output kind for an input kind: the type `sum` returns, per element.
pub fn output_kind(input: ElementKind) -> ElementKind {
    match input {
        ElementKind::BigInt64 => ElementKind::BigInt64,
        ElementKind::BigUint64 => ElementKind::BigUint64,
        _ => ElementKind::Float64,
    }
}

/// `cumsum(a, out)`: the inclusive prefix sum of `a` written to `out`, which the facade passes (the caller's `out`, or
/// a new array of [`output_kind`]) and which may be `a` itself when the kinds agree.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Cumsum;

const A_AND_OUT: &[ArraySpec] = &[
    ArraySpec::new("a", crate::ledger::Mode::Read),
    ArraySpec { internal: true, may_alias: Some(0), ..ArraySpec::new("options.out", crate::ledger::Mode::Write) },
];

impl Operation for Cumsum {
    const SPEC: Spec = Spec { axis: crate::ops::AxisResult::Scan, ..Spec::new("cumsum", A_AND_OUT, Returns::InPlace) };

    fn check(&self, args: &[Arg]) -> Result<()> {
        let [a, out] = args else { return Err(Error::internal("cumsum() takes two arrays")) };
        let wanted = output_kind(a.kind);
        if out.kind != wanted {
            return Err(Error::TypeMismatch {
                detail: format!(
                    "cumsum() of a{} {} writes a {wanted}, but options.out is a{} {}",
                    crate::ops::an(a.kind),
                    a.kind,
                    crate::ops::an(out.kind),
                    out.kind
                ),
            });
        }
        if a.len() != out.len() {
            return Err(Error::LengthMismatch { left: a.len(), right: out.len() });
        }
        Ok(())
    }

    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let [a, out] = args else { return Err(Error::internal("cumsum() takes two arrays")) };
        let in_place = matches!(out.lent, crate::ledger::Lent::Alias { .. });
        macro_rules! into {
            ($O:ty) => {{
                if in_place {
                    cumsum::<$O, $O>(None, write_view::<$O>(&mut a.lent)?, cancel)
                } else {
                    let out = write_view::<$O>(&mut out.lent)?;
                    crate::with_element_type!(a.kind, T => cumsum::<T, $O>(Some(&read_view::<T>(&mut a.lent)?), out, cancel))
                }
            }};
        }
        match out.kind {
            ElementKind::BigInt64 => into!(i64),
            ElementKind::BigUint64 => into!(u64),
            _ => into!(f64),
        }
        .map(|()| Output::InPlace)
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::kernels::testutil::{cancelled, same_bits_or_both_nan, with_view, with_view_mut, Rng, SIZES};

    /// `cumsum(a)` into a fresh output of `O`, or the error; the output starts as `fill` so that a refusal shows it
    /// wrote nothing.
    fn scanned<T: Numeric, O: ScanOutput<T>>(a: &[T], fill: O) -> Result<Vec<O>> {
        with_view(a, |a| {
            let (result, out) = with_view_mut(&vec![fill; a.len()], |out| cumsum(Some(a), out, &Cancel::new()));
            match result {
                Ok(()) => Ok(out),
                Err(e) => {
                    assert!(out.iter().all(|x| *x == fill), "a refused scan wrote into its output");
                    Err(e)
                }
            }
        })
    }

    /// The running values of `step` from `start`: a sequential reference.
    fn running<T: Copy, S: Copy>(values: &[T], start: S, step: impl Fn(S, T) -> S) -> Vec<S> {
        let mut state = start;
        values
            .iter()
            .map(|x| {
                state = step(state, *x);
                state
            })
            .collect()
    }

    fn in_place<T: Numeric + ScanOutput<T>>(a: &[T]) -> Vec<T> {
        let (result, out) = with_view_mut(a, |out| cumsum::<T, T>(None, out, &Cancel::new()));
        result.unwrap();
        out
    }

    /// Values `k · 2^-30` with `k` up to ±2^52 (doubles hold them exactly): their exact prefix sums are integers of units, which `i128` holds and
    /// rounds to the nearest double correctly (`as f64`), while a plain double sum of them drifts.
    fn scaled_integers(len: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = Rng::new(seed);
        let unit = 2f64.powi(-30);
        let units: Vec<i64> = (0..len).map(|_| (rng.next_u64() as i64) >> (11 + rng.next_u64() % 40)).collect();
        let values = units.iter().map(|&k| k as f64 * unit).collect();
        let mut total = 0i128;
        let exact = units
            .iter()
            .map(|&k| {
                total += i128::from(k);
                total as f64 * unit
            })
            .collect();
        (values, exact)
    }

    #[test]
    fn float_prefixes_are_the_exact_prefixes_correctly_rounded() {
        let mut defeated = false;
        for (seed, len) in [5, 100, BLOCK - 1, BLOCK + 1, 9 * BLOCK + 77].into_iter().enumerate() {
            let (values, exact) = scaled_integers(len, seed as u64);
            let ours = scanned(&values, f64::NAN).unwrap();
            defeated |= running(&values, 0.0, |s, x| s + x) != exact;
            for (i, (got, want)) in ours.iter().zip(&exact).enumerate() {
                assert_eq!(got.to_bits(), want.to_bits(), "element {i} of {len}: {got} != {want}");
            }
            assert_eq!(in_place(&values), ours, "in place, {len}");
        }
        assert!(defeated, "the data must defeat a plain running sum");
    }

    #[test]
    fn float_prefixes_survive_cancellation() {
        // A large term cancels a larger sum: Neumaier keeps what a plain sum loses.
        let ours = scanned(&[1e100, 1.0, -1e100, 1.0, 0.5], 0.0).unwrap();
        assert_eq!(ours, [1e100, 1e100, 1.0, 2.0, 2.5]);
        // The same across a block boundary, where the carry takes over.
        let mut values = vec![0.0; 2 * BLOCK];
        values[0] = 1e100;
        values[1] = 1.0;
        values[BLOCK + 3] = -1e100;
        let ours = scanned(&values, 0.0).unwrap();
        assert_eq!(ours[BLOCK + 2], 1e100);
        assert!(ours[BLOCK + 3..].iter().all(|&x| x == 1.0));
    }

    #[test]
    fn zeros_infinities_and_nan_follow_ieee() {
        let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&scanned(&[-0.0, -0.0], 1.0).unwrap()), bits(&[-0.0, -0.0]));
        assert_eq!(bits(&scanned(&[-0.0, 0.0, -0.0], 1.0).unwrap()), bits(&[-0.0, 0.0, 0.0]));
        assert_eq!(bits(&scanned(&[1.0, -1.0, -0.0], 9.0).unwrap()), bits(&[1.0, 0.0, 0.0]));
        // Every element -0, over several blocks and groups: the carry keeps the sign.
        let zeros = vec![-0.0f64; 11 * BLOCK + 3];
        assert!(scanned(&zeros, 1.0).unwrap().iter().all(|x| x.to_bits() == (-0.0f64).to_bits()));
        let mut mixed = zeros.clone();
        mixed[BLOCK + 7] = 0.0;
        let out = scanned(&mixed, 1.0).unwrap();
        assert!(out[..BLOCK + 7].iter().all(|x| x.to_bits() == (-0.0f64).to_bits()));
        assert!(out[BLOCK + 7..].iter().all(|x| x.to_bits() == 0));

        let inf = f64::INFINITY;
        let got = scanned(&[1.0, inf, 1.0, -inf, 2.0], 0.0).unwrap();
        let want = [1.0, inf, inf, f64::NAN, f64::NAN];
        assert!(got.iter().zip(&want).all(|(a, b)| same_bits_or_both_nan(*a, *b)), "{got:?}");
        // The exact prefix decides an overflow: 2·MAX rounds to Infinity, and MAX comes back.
        assert_eq!(scanned(&[f64::MAX, f64::MAX, -f64::MAX], 0.0).unwrap(), [f64::MAX, inf, f64::MAX]);
        assert_eq!(scanned(&[f64::MAX, f64::MAX, inf, -f64::MAX], 0.0).unwrap(), [f64::MAX, inf, inf, inf]);
        // 2·MAX is a finite prefix, which an infinite element outweighs: -Infinity, not NaN.
        assert_eq!(scanned(&[f64::MAX, f64::MAX, -inf, 1.0], 0.0).unwrap(), [f64::MAX, inf, -inf, -inf]);
        // An infinity in an early block reaches every later one through the carry.
        let mut values = vec![1.0; 3 * BLOCK];
        values[5] = -inf;
        let out = scanned(&values, 0.0).unwrap();
        assert_eq!(out[4], 5.0);
        assert!(out[5..].iter().all(|&x| x == -inf));
        values[2 * BLOCK] = f64::NAN;
        assert!(scanned(&values, 0.0).unwrap()[2 * BLOCK..].iter().all(|x| x.is_nan()));
    }

    /// The exact prefixes of `values`, each rounded once.
    fn exact_prefixes(values: &[f64]) -> Vec<f64> {
        let mut exact = ExactSum::default();
        values
            .iter()
            .map(|x| {
                exact.add(*x);
                exact.normalise();
                exact.value()
            })
            .collect()
    }

    #[test]
    fn overflows_of_lanes_pairs_and_carries_follow_the_exact_prefix() {
        // Lanes of the first block's sum take all of one sign and overflow, where no prefix does.
        let mut alternating: Vec<f64> = (0..BLOCK).map(|i| if i % 2 == 0 { 1e308 } else { -1e308 }).collect();
        alternating.push(1.0);
        alternating.extend(vec![0.5; BLOCK]);
        assert_eq!(scanned(&alternating, 0.0).unwrap(), exact_prefixes(&alternating));
        // A prefix beyond the largest double in one block, and back in the next; the carry then exact, then a pair.
        let mut spread = vec![0.0; 3 * BLOCK];
        spread[0] = 1e308;
        spread[BLOCK] = 1e308;
        spread[BLOCK + 1] = -1e308;
        spread[2 * BLOCK] = 1.0;
        assert_eq!(scanned(&spread, 0.0).unwrap(), exact_prefixes(&spread));
        // The carry itself beyond the largest double for a whole block, in place too.
        let mut far = vec![0.0; 4 * BLOCK];
        far[0] = f64::MAX;
        far[BLOCK] = f64::MAX;
        far[3 * BLOCK] = -f64::MAX;
        far[3 * BLOCK + 1] = 2.5;
        let want = exact_prefixes(&far);
        assert!(want[2 * BLOCK].is_infinite() && want[3 * BLOCK] == f64::MAX);
        assert_eq!(scanned(&far, 0.0).unwrap(), want);
        assert_eq!(in_place(&far), want);
    }

    /// The float method as [`FloatScan`] defines it, one segment after another: the carries from the segments'
    /// summaries, each segment's prefixes from the sequential scan.
    fn defined(values: &[f64]) -> Vec<f64> {
        with_view(values, |view| {
            let mut out = vec![0.0; values.len()];
            let mut carry = <FloatScan as Scan<f64, f64>>::start(&FloatScan);
            for (k, segment) in values.chunks(SEGMENT).enumerate() {
                let at = k * SEGMENT;
                let mut running = carry.clone();
                FloatScan.scan(&mut running, segment, &mut out[at..at + segment.len()]);
                carry = FloatScan.after(carry, &float_summary(&view.slice(at..at + segment.len())));
            }
            out
        })
    }

    #[test]
    fn whole_blocks_scanned_at_once_follow_the_defined_method() {
        let mut rng = Rng::new(11);
        let len = 5 * BLOCK + 1234;
        let values: Vec<f64> = (0..len)
            .map(|_| {
                let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.4;
                x * 2f64.powi((rng.next_u64() % 60) as i32 - 30)
            })
            .collect();
        let inf = f64::INFINITY;
        // As they come; with an infinity in the middle of a stage of a block's fourth segment; with lanes whose pairs
        // overflow where the exact prefix does not; with a NaN late in a block.
        let mut infinite = values.clone();
        infinite[BLOCK + 3 * SEGMENT + 5 * STAGE + 17] = inf;
        let mut overflowing = values.clone();
        overflowing[2 * BLOCK + 5 * SEGMENT + 100] = f64::MAX;
        overflowing[2 * BLOCK + 5 * SEGMENT + 101] = f64::MAX;
        overflowing[2 * BLOCK + 5 * SEGMENT + 102] = -f64::MAX;
        let mut nan = values.clone();
        nan[4 * BLOCK - 3] = f64::NAN;
        for (name, values) in [("plain", values), ("infinite", infinite), ("overflowing", overflowing), ("nan", nan)] {
            let want = defined(&values);
            for (how, got) in [("apart", scanned(&values, 0.0).unwrap()), ("in place", in_place(&values))] {
                for (i, (got, want)) in got.iter().zip(&want).enumerate() {
                    assert!(same_bits_or_both_nan(*got, *want), "{name}, {how}, element {i}: {got} != {want}");
                }
            }
        }
    }

    #[test]
    fn narrow_floats_sum_in_double() {
        let halves: Vec<f16> = [65504.0f32, 65504.0, -0.5, 1e-7].map(f16::from_f32).to_vec();
        let exact: Vec<f64> = running(&halves, 0.0, |s, x| s + x.to_f64());
        assert_eq!(scanned(&halves, 0.0).unwrap(), exact);
        let floats = [f32::MAX, f32::MAX, 0.1];
        assert_eq!(
            scanned(&floats, 0.0).unwrap(),
            [f64::from(f32::MAX), 2.0 * f64::from(f32::MAX), 2.0 * f64::from(f32::MAX) + f64::from(0.1f32)]
        );
    }

    #[test]
    fn integer_prefixes_are_exact() {
        let mut rng = Rng::new(7);
        for len in SIZES.into_iter().chain([5 * BLOCK + 9]) {
            let values: Vec<i32> = (0..len).map(|_| rng.next_u64() as i32).collect();
            let exact: Vec<f64> = running(&values, 0.0, |s, x| s + f64::from(x));
            assert_eq!(scanned(&values, f64::NAN).unwrap(), exact, "{len}");
            let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let exact: Vec<f64> = running(&bytes, 0.0, |s, x| s + f64::from(x));
            assert_eq!(scanned(&bytes, f64::NAN).unwrap(), exact);
        }
        let wide: Vec<i64> = (0..3 * BLOCK).map(|_| rng.next_u64() as i64 >> 20).collect();
        let exact: Vec<i64> = running(&wide, 0, |s, x| s + x);
        assert_eq!(scanned(&wide, 0i64).unwrap(), exact);
        assert_eq!(in_place(&wide), exact);
        let unsigned: Vec<u64> = (0..3 * BLOCK).map(|_| rng.next_u64() >> 20).collect();
        let exact: Vec<u64> = running(&unsigned, 0, |s, x| s + x);
        assert_eq!(scanned(&unsigned, 0u64).unwrap(), exact);
        assert_eq!(in_place(&unsigned), exact);
    }

    #[test]
    fn prefixes_beyond_the_output_range_are_refused_before_anything_is_written() {
        // Never printed whole: these outputs are millions long.
        let refused = |r: Result<Vec<f64>>| assert_eq!(r.err().map(|e| e.code()), Some("ERR_OUT_OF_RANGE"));
        // 2^53 itself is held exactly; one more is not, even when a later element brings the sum back.
        let big = vec![u32::MAX; 2_097_153];
        let at_limit: u64 = 2_097_152 * u64::from(u32::MAX);
        assert!(at_limit < 1 << 53 && at_limit + u64::from(u32::MAX) > 1 << 53);
        refused(scanned(&big, -1.0));
        assert_eq!(scanned(&big[..2_097_152], -1.0).ok().and_then(|out| out.last().copied()), Some(at_limit as f64));
        // Down to -2^53 - 2^31, then back in range: the dip alone is refused.
        let mut dip = vec![i32::MIN; 4_194_305];
        refused(scanned(&dip, -1.0));
        dip.extend([i32::MAX; 2]);
        refused(scanned(&dip, -1.0));
        assert_eq!(scanned(&dip[..4_194_304], -1.0).ok().and_then(|out| out.last().copied()), Some(-(2f64.powi(53))));

        let err = scanned(&[i64::MAX, 1, -1], 5i64).unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_RANGE");
        assert!(err.to_string().contains("elements 0..3"), "{err}");
        assert_eq!(scanned(&[i64::MAX, -1, 1], 5i64).unwrap(), [i64::MAX, i64::MAX - 1, i64::MAX]);
        assert_eq!(scanned(&[i64::MIN, 0], 5i64).unwrap(), [i64::MIN, i64::MIN]);
        assert!(scanned(&[i64::MIN, -1], 5i64).is_err());
        assert!(scanned(&[-1i64, i64::MIN], 5i64).is_err());
        assert_eq!(scanned(&[u64::MAX, 0], 5u64).unwrap(), [u64::MAX, u64::MAX]);
        assert!(scanned(&[u64::MAX - 1, 1, 1], 5u64).is_err());
        // Refused in a later block: nothing in the earlier ones was written either.
        let mut late = vec![1i64; 4 * BLOCK];
        late[3 * BLOCK + 1] = i64::MAX;
        assert!(scanned(&late, 5i64).is_err());
    }

    #[test]
    fn a_raised_flag_aborts() {
        with_view(&vec![1.0f64; 3 * BLOCK], |a| {
            let (result, _) = with_view_mut(&vec![0.0f64; 3 * BLOCK], |out| cumsum(Some(a), out, &cancelled()));
            assert_eq!(result.unwrap_err().code(), "ABORT_ERR");
        });
        with_view(&vec![1i32; 3 * BLOCK], |a| {
            let (result, out) = with_view_mut(&vec![0.0f64; 3 * BLOCK], |out| cumsum(Some(a), out, &cancelled()));
            assert_eq!(result.unwrap_err().code(), "ABORT_ERR");
            assert!(out.iter().all(|&x| x == 0.0));
        });
    }

    #[test]
    fn empty_input_writes_nothing() {
        assert_eq!(scanned::<f64, f64>(&[], 0.0).unwrap(), Vec::<f64>::new());
        assert_eq!(scanned::<i64, i64>(&[], 0).unwrap(), Vec::<i64>::new());
    }
}
