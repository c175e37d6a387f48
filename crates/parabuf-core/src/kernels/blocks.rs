//! Machinery the kernels share: staged copies of shared memory into local buffers, lane-split compensated
//! accumulation, and block-parallel loops over readable and writable views.
//!
//! Every loop here is a thin wrapper over the one driver, [`run_blocks`], and cuts its input at the same [`BLOCK`]
//! boundaries as [`exec::map_blocks`](crate::exec::map_blocks), so anything built on them inherits its determinism.

use std::ops::Range;

use pulp::{as_arrays, Simd, WithSimd};

use crate::arch::simd_arch;
#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::arch::{self, RegisterGroups};
use crate::error::Result;
use crate::exec::{block_range, map_block_indices, run_blocks, Cancel, Partials, BLOCK};
use crate::kernels::numeric::{Neumaier, Numeric};
use crate::kernels::source::Staged;
use crate::view::{Element, ReadView, WriteView};

/// Elements copied from shared memory into a local buffer at a time. A multiple of [`LANES`], so lane assignment never
/// depends on staging (results are the same for any value).
///
/// Chosen by measurement (bench/README.md, "Kernel design measurements"): the copy of the next stage can only overlap
/// the arithmetic on this one while both fit in the core's out-of-order window, and much smaller stages pay their
/// per-stage overhead in cache.
pub(crate) const STAGE: usize = 64;

/// Independent accumulators per block: they hide the latency of the compensated add. Fixed, so results never depend on
/// the machine. A power of two, for [`fold_lanes`]. 32 makes four independent AVX-512 vectors (eight AVX2 ones) rather
/// than one, so consecutive groups no longer wait for each other's additions.
pub(crate) const LANES: usize = 32;
const _: () = assert!(LANES.is_power_of_two() && STAGE.is_multiple_of(LANES));

/// Calls `f(offset, values)` on consecutive local copies of `view`, `offset` being the index of `values[0]` in `view`.
#[inline(always)]
pub(crate) fn staged<T: Element>(view: &ReadView<'_, T>, mut f: impl FnMut(usize, &[T])) {
    let mut stage = [T::default(); STAGE];
    let mut start = 0;
    while start < view.len() {
        let n = STAGE.min(view.len() - start);
        view.read_into(start, &mut stage[..n]);
        f(start, &stage[..n]);
        start += n;
    }
}

/// [`staged`] over two views of one length, in step.
///
/// # Panics
/// When the lengths differ (callers validate them first).
#[inline]
pub(crate) fn staged_pair<A: Element, B: Element>(
    a: &ReadView<'_, A>,
    b: &ReadView<'_, B>,
    mut f: impl FnMut(usize, &[A], &[B]),
) {
    assert_eq!(a.len(), b.len(), "paired views must have one length");
    let mut stage_b = [B::default(); STAGE];
    staged(a, |start, xs| {
        b.read_into(start, &mut stage_b[..xs.len()]);
        f(start, xs, &stage_b[..xs.len()]);
    });
}

/// [`LANES`] compensated accumulators: term `i` of a block goes to lane `i % LANES`, and the lanes merge in order.
///
/// Stored as two arrays (every lane's running sum, then every lane's compensation) rather than as an array of
/// [`Neumaier`]s: with the sums side by side, one group of [`LANES`] terms updates whole vector registers at once.
/// The arithmetic per lane is exactly [`Neumaier::add`]'s.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Lanes {
    sums: [f64; LANES],
    compensations: [f64; LANES],
}

impl Lanes {
    /// Adds `terms`, the first of which has a block index that is a multiple of [`LANES`].
    #[inline(always)]
    pub(crate) fn add(&mut self, terms: &[f64]) {
        self.add_mapped(terms, &|x| x);
    }

    /// Adds one term to every lane: `terms[i]` to lane `i`.
    #[inline(always)]
    fn add_group(&mut self, terms: [f64; LANES]) {
        for ((sum, compensation), x) in self.sums.iter_mut().zip(self.compensations.iter_mut()).zip(terms) {
            // Neumaier::add, spelled out over the arrays (TwoSum: see there).
            let t = *sum + x;
            let x_part = t - *sum;
            *compensation += (*sum - (t - x_part)) + (x - x_part);
            *sum = t;
        }
    }

    /// Adds `term(x)` for each of `xs`, the first of which has a block index that is a multiple of [`LANES`].
    #[inline(always)]
    pub(crate) fn add_mapped<T: Copy>(&mut self, xs: &[T], term: &impl Fn(T) -> f64) {
        let mut groups = xs.chunks_exact(LANES);
        for group in &mut groups {
            self.add_group(std::array::from_fn(|i| term(group[i])));
        }
        self.add_partial(groups.remainder().iter().map(|x| term(*x)));
    }

    /// Adds a last, short group: its `i`-th term to lane `i`.
    #[inline]
    fn add_partial(&mut self, terms: impl Iterator<Item = f64>) {
        for (i, x) in terms.enumerate() {
            let mut lane = self.lane(i);
            lane.add(x);
            (self.sums[i], self.compensations[i]) = lane.parts();
        }
    }

    /// Adds the two parts of `terms(x)` for each of `xs` to `self` and `other`, lane by lane as
    /// [`Lanes::add_mapped`]: two sums for the price of one pass.
    #[inline(always)]
    pub(crate) fn add_mapped_pair<T: Copy>(&mut self, other: &mut Lanes, xs: &[T], terms: &impl Fn(T) -> (f64, f64)) {
        let mut groups = xs.chunks_exact(LANES);
        for group in &mut groups {
            let pairs: [(f64, f64); LANES] = std::array::from_fn(|i| terms(group[i]));
            self.add_group(pairs.map(|(p, _)| p));
            other.add_group(pairs.map(|(_, q)| q));
        }
        let rest: Vec<(f64, f64)> = groups.remainder().iter().map(|x| terms(*x)).collect();
        self.add_partial(rest.iter().map(|(p, _)| *p));
        other.add_partial(rest.iter().map(|(_, q)| *q));
    }

    /// Lane `i` as an accumulator.
    #[inline(always)]
    fn lane(&self, i: usize) -> Neumaier {
        Neumaier::from_parts(self.sums[i], self.compensations[i])
    }

    /// Multiplies every lane by `factor` (see [`Neumaier::scaled`]).
    pub(crate) fn scale(&mut self, factor: f64) {
        for i in 0..LANES {
            (self.sums[i], self.compensations[i]) = self.lane(i).scaled(factor).parts();
        }
    }

    /// The lanes merged as a tree: lane `i` takes in lane `i + LANES/2`, then `i + LANES/4`, … down to `i + 1`, so
    /// the merges of one level are independent and the chain is five merges long rather than [`LANES`].
    pub(crate) fn total(&self) -> Neumaier {
        let mut lanes: [Neumaier; LANES] = std::array::from_fn(|i| self.lane(i));
        fold_lanes(&mut lanes)
    }
}

/// Merges `lanes` as [`Lanes::total`] describes and returns the total (lane 0 at the end).
fn fold_lanes(lanes: &mut [Neumaier; LANES]) -> Neumaier {
    let mut half = LANES / 2;
    while half > 0 {
        let (low, high) = lanes.split_at_mut(half);
        low.iter_mut().zip(&high[..half]).for_each(|(a, b)| a.merge(*b));
        half /= 2;
    }
    lanes[0]
}

/// Accumulators merged in the order given (block order, for per-block partials).
pub(crate) fn merged(parts: impl IntoIterator<Item = Neumaier>) -> Neumaier {
    let mut acc = Neumaier::default();
    parts.into_iter().for_each(|p| acc.merge(p));
    acc
}

/// A block's compensated sum, and the sum of its values' magnitudes (for a bound on the compensated sum's error).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CompensatedBlockSum {
    /// The compensated sum, in [`Lanes`] order.
    pub(crate) total: Neumaier,
    /// At least the sum of the values' magnitudes: that sum in an order of the instruction set's choosing, or the
    /// count times the largest magnitude (a bound needs no exact bits, and may be loose). A NaN value may be passed
    /// over (the AVX-512 maximum ignores it): the total, which it always makes NaN, says so.
    pub(crate) magnitude: f64,
}

/// The compensated sum of one block's values (as doubles), in [`Lanes`] order, with their magnitudes' sum.
///
/// The same arithmetic as [`Lanes::add_mapped`], run on the widest vectors the processor has (see [`VectorLanes`]):
/// the bits of the total are the same on every machine.
pub(crate) fn compensated_block<T: Numeric>(block: &ReadView<'_, T>) -> CompensatedBlockSum {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if let Some(total) = arch::with_avx512(|simd| match (T::as_double_view(block), T::as_float_view(block)) {
        (Some(doubles), _) => Some(<pulp::x86::V4 as Simd>::vectorize(simd, CompensatedGroups(simd, &doubles))),
        (_, Some(floats)) => Some(<pulp::x86::V4 as Simd>::vectorize(simd, CompensatedGroups(simd, &floats))),
        _ => None,
    })
    .flatten()
    {
        return total;
    }
    simd_arch().dispatch(CompensatedBlock { block: &mut { *block }, magnitude: Magnitude::Summed })
}

/// [`compensated_block`] of any block: a view's through it, an expression's values (doubles) through the same lanes,
/// with the magnitude [`compensated_block`] computes for a view of those doubles on this processor (a bound, so its
/// bits could differ without changing a sum; but a variance picks its scale from it, and must pick the same).
pub(crate) fn compensated_staged<B: Staged + ?Sized>(block: &mut B) -> CompensatedBlockSum
where
    B::Item: Numeric,
{
    if let Some(view) = block.view() {
        return compensated_block(&view);
    }
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    let magnitude = match arch::with_avx512(|_| ()) {
        Some(()) => Magnitude::LargestTimesCount,
        None => Magnitude::Summed,
    };
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let magnitude = Magnitude::Summed;
    // In plain [`Lanes`], whose loops the compiler vectorises for the baseline: a block that is not a view hands out
    // its stages through a callback compiled on its own, where vectors of a wider instruction set would each be a
    // call. The same lanes and additions, so the same bits.
    compensated_lanes(block, magnitude, Lanes::default())
}

/// The arithmetic of [`CompensatedBlock`] over any lanes: [`VectorLanes`] of an instruction set, or plain [`Lanes`].
trait BlockLanes {
    /// Adds the whole groups of `terms` (the first term has a block index that is a multiple of [`LANES`]) and
    /// returns how many terms that was.
    fn add_whole(&mut self, terms: &[f64]) -> usize;
    /// The lanes as plain [`Lanes`].
    fn plain(&self) -> Lanes;
}

impl BlockLanes for Lanes {
    #[inline(always)]
    fn add_whole(&mut self, terms: &[f64]) -> usize {
        let whole = terms.len() - terms.len() % LANES;
        self.add(&terms[..whole]);
        whole
    }

    #[inline(always)]
    fn plain(&self) -> Lanes {
        *self
    }
}

impl<S: Simd> BlockLanes for VectorLanes<S> {
    #[inline(always)]
    fn add_whole(&mut self, terms: &[f64]) -> usize {
        self.add(terms)
    }

    #[inline(always)]
    fn plain(&self) -> Lanes {
        self.lanes()
    }
}

/// [`compensated_block`]'s staged pass over `block`, adding to `lanes`, bounding the magnitudes as `magnitude` says.
#[inline(always)]
fn compensated_lanes<B: Staged + ?Sized, L: BlockLanes>(
    block: &mut B,
    magnitude: Magnitude,
    mut lanes: L,
) -> CompensatedBlockSum
where
    B::Item: Numeric,
{
    let mut converted = [0.0f64; STAGE];
    let mut last = None;
    let (mut bound, mut largest, mut whole_groups) = (0.0, 0.0f64, 0usize);
    let summed = magnitude == Magnitude::Summed;
    block.stages(|_, xs| {
        // Doubles go to the lanes straight from the stage: a second copy costs a sixth of the time from memory.
        let terms = B::Item::as_doubles(xs).unwrap_or_else(|| {
            let converted = &mut converted[..xs.len()];
            converted.iter_mut().zip(xs).for_each(|(t, x)| *t = x.to_f64());
            converted
        });
        let whole = lanes.add_whole(terms);
        if summed {
            bound += magnitude_sum(terms);
        } else {
            largest = terms[..whole].iter().fold(largest, |m, x| m.max(x.abs()));
            whole_groups += whole;
            bound = terms[whole..].iter().map(|x| x.abs()).sum::<f64>();
        }
        // Stages are whole groups, so only the block's last stage can end in a partial group: it goes to the
        // lanes its positions select, after every whole group.
        if whole < terms.len() {
            let mut rest = lanes.plain();
            rest.add_partial(terms[whole..].iter().copied());
            last = Some(rest);
        }
    });
    if !summed {
        bound += whole_groups as f64 * largest;
    }
    CompensatedBlockSum { total: last.unwrap_or_else(|| lanes.plain()).total(), magnitude: bound }
}

/// How [`CompensatedBlock`] bounds the sum of magnitudes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Magnitude {
    /// Summed per stage ([`magnitude_sum`]), as the staged path does.
    Summed,
    /// The count of the block's whole groups of [`LANES`] times their largest magnitude (NaN passed over), plus the
    /// magnitudes of the last, partial group summed in order: what the AVX-512 register path computes.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    LargestTimesCount,
}

/// [`compensated_block`] of doubles or floats on AVX-512, with the groups loaded straight into the lanes' registers
/// (see [`ReadView::fold_groups`]) rather than staged: the same lanes, terms and arithmetic, so the same bits.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn compensated_groups_avx512<T: RegisterGroups + Numeric>(
    simd: pulp::x86::V4,
    block: &ReadView<'_, T>,
) -> CompensatedBlockSum {
    let (sum, whole) = block.fold_groups(simd, Avx512BlockSum::new(simd), |mut sum, group| {
        sum.add(simd, group);
        sum
    });
    let mut rest = [T::default(); LANES];
    let rest = &mut rest[..block.len() - whole];
    block.read_into(whole, rest);
    sum.finish(simd, whole, rest.iter().map(|x| x.to_f64()))
}

/// A block's [`CompensatedBlockSum`] on AVX-512, group by group: [`Avx512Lanes`] and the largest magnitude so far,
/// which bounds the magnitudes of the block's whole groups as [`Magnitude::LargestTimesCount`] says. For views
/// ([`compensated_block`]) and for values computed piece by piece (an expression's, in its fused sum).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[derive(Clone, Copy)]
pub(crate) struct Avx512BlockSum {
    lanes: Avx512Lanes,
    /// The largest magnitudes, one `vrangepd` per vector added: the whole groups' magnitudes sum to at most their
    /// count times the largest.
    maxima: [pulp::f64x8; 2],
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
impl Avx512BlockSum {
    #[inline(always)]
    pub(crate) fn new(simd: pulp::x86::V4) -> Self {
        Avx512BlockSum { lanes: Avx512Lanes::new(simd), maxima: [simd.splat_f64s(0.0); 2] }
    }

    /// Adds one group of [`LANES`] terms: element `i % 8` of vector `i / 8` is term `i`.
    #[inline(always)]
    pub(crate) fn add(&mut self, simd: pulp::x86::V4, group: [pulp::f64x8; 4]) {
        self.lanes.add(simd, group);
        self.maxima[0] = largest_magnitude(simd, self.maxima[0], largest_magnitude(simd, group[0], group[1]));
        self.maxima[1] = largest_magnitude(simd, self.maxima[1], largest_magnitude(simd, group[2], group[3]));
    }

    /// The block's sum, after `whole` terms added in whole groups, with the last, partial group `rest` (fewer than
    /// [`LANES`] terms, going to the first lanes).
    #[inline(always)]
    pub(crate) fn finish(
        self,
        simd: pulp::x86::V4,
        whole: usize,
        rest: impl Iterator<Item = f64> + Clone,
    ) -> CompensatedBlockSum {
        let lanes_max: [f64; 8] = bytemuck::cast(largest_magnitude(simd, self.maxima[0], self.maxima[1]));
        let most = lanes_max.iter().fold(0.0f64, |m, &x| m.max(x));
        let magnitude = whole as f64 * most + rest.clone().map(f64::abs).sum::<f64>();
        CompensatedBlockSum { total: self.lanes.finish(simd, rest), magnitude }
    }
}

/// [`compensated_groups_avx512`] as an operation for [`Simd::vectorize`], for the reason [`LaneTree`] gives: behind a
/// closure, the lanes' set-up and their total were compiled without AVX-512, each intrinsic a call, which a small
/// array's sum paid in full.
#[cfg(all(target_arch = "x86_64", not(miri)))]
struct CompensatedGroups<'v, 'a, T: Element>(pulp::x86::V4, &'v ReadView<'a, T>);

#[cfg(all(target_arch = "x86_64", not(miri)))]
impl<T: RegisterGroups + Numeric> WithSimd for CompensatedGroups<'_, '_, T> {
    type Output = CompensatedBlockSum;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> CompensatedBlockSum {
        compensated_groups_avx512(self.0, self.1)
    }
}

/// The larger magnitude of each pair of elements, sign cleared (`vrangepd`, imm 0b10_11); a NaN operand is passed
/// over. A function rather than a closure: a closure called more than once is compiled on its own, without AVX-512,
/// and each intrinsic becomes a call (see [`LaneTree`]).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn largest_magnitude(simd: pulp::x86::V4, a: pulp::f64x8, b: pulp::f64x8) -> pulp::f64x8 {
    use std::arch::x86_64::__m512d;
    let (a, b): (__m512d, __m512d) = (bytemuck::cast(a), bytemuck::cast(b));
    bytemuck::cast(simd.avx512dq._mm512_range_pd::<0b1011>(a, b))
}

/// The sum of the magnitudes of `terms`, in eight independent partial sums so that it vectorises.
#[inline(always)]
fn magnitude_sum(terms: &[f64]) -> f64 {
    let mut partial = [0.0f64; 8];
    let mut groups = terms.chunks_exact(partial.len());
    for group in &mut groups {
        partial.iter_mut().zip(group).for_each(|(p, x)| *p += x.abs());
    }
    partial.iter_mut().zip(groups.remainder()).for_each(|(p, x)| *p += x.abs());
    partial.iter().sum()
}

/// [`Lanes`] as the four sum and four compensation vectors they take on AVX-512, small enough to stay in registers
/// through a fold (a [`VectorLanes`] is sized for every width and would be copied in and out whole, 4 KiB per block).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[derive(Clone, Copy)]
pub(crate) struct Avx512Lanes {
    sums: [pulp::f64x8; 4],
    compensations: [pulp::f64x8; 4],
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
impl Avx512Lanes {
    #[inline(always)]
    pub(crate) fn new(simd: pulp::x86::V4) -> Self {
        const _: () = assert!(LANES == arch::DOUBLES_PER_GROUP);
        let zero = simd.splat_f64s(0.0);
        Avx512Lanes { sums: [zero; 4], compensations: [zero; 4] }
    }

    /// Adds one group of [`LANES`] terms: element `i % 8` of vector `i / 8` is term `i`.
    #[inline(always)]
    pub(crate) fn add(&mut self, simd: pulp::x86::V4, group: [pulp::f64x8; 4]) {
        for ((sum, compensation), x) in self.sums.iter_mut().zip(self.compensations.iter_mut()).zip(group) {
            neumaier_add_avx512(simd, sum, compensation, x);
        }
    }

    /// The total after a last, short group of `rest` (fewer than [`LANES`] terms, going to the first lanes).
    #[inline(always)]
    pub(crate) fn finish(self, simd: pulp::x86::V4, rest: impl Iterator<Item = f64>) -> Neumaier {
        let mut rest = rest.peekable();
        if rest.peek().is_none() {
            return self.total(simd);
        }
        let unpack = |vectors: [pulp::f64x8; 4]| -> [f64; LANES] { bytemuck::cast(vectors) };
        let mut lanes = Lanes { sums: unpack(self.sums), compensations: unpack(self.compensations) };
        lanes.add_partial(rest);
        let pack = |lanes: [f64; LANES]| -> [pulp::f64x8; 4] { bytemuck::cast(lanes) };
        Avx512Lanes { sums: pack(lanes.sums), compensations: pack(lanes.compensations) }.total(simd)
    }

    /// [`Lanes::total`] in registers: the same merges in the same tree, eight at a time, so the same bits. Lane `i`
    /// is element `i % 8` of vector `i / 8`: the first two levels merge whole vectors (2 and 3 into 0 and 1, then 1
    /// into 0), the last three merge elements 4-7, then 2-3, then 1 of the remaining vector, brought into place by
    /// permutations. Every block ends here, so the scalar tree's cost showed in a sum's time (bench/README.md, "Kernel
    /// design measurements").
    #[inline(always)]
    fn total(self, simd: pulp::x86::V4) -> Neumaier {
        // Through `vectorize`, so that the tree is compiled for AVX-512 wherever this is called from.
        <pulp::x86::V4 as Simd>::vectorize(simd, LaneTree { lanes: self, simd })
    }
}

/// [`Avx512Lanes::total`] as an operation for [`Simd::vectorize`]: a closure or function called from code that is
/// not itself compiled for AVX-512 would make each intrinsic a call (they are inlined only into code that has their
/// features), which a sum pays per block (bench/README.md, "Kernel design measurements").
#[cfg(all(target_arch = "x86_64", not(miri)))]
struct LaneTree {
    lanes: Avx512Lanes,
    simd: pulp::x86::V4,
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
impl WithSimd for LaneTree {
    type Output = Neumaier;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> Neumaier {
        let LaneTree { lanes, simd } = self;
        let [s0, s1, s2, s3] = lanes.sums;
        let [c0, c1, c2, c3] = lanes.compensations;
        let low = merge_lanes(simd, (s0, c0), (s2, c2));
        let high = merge_lanes(simd, (s1, c1), (s3, c3));
        let mut total = merge_lanes(simd, low, high);
        // Elements 4-7 to 0-3 (the 128-bit quarters in the order 2, 3, 0, 1), then 2-3 to 0-1 within each half, then
        // 1 to 0 within each pair.
        total = merge_lanes(simd, total, permuted(total, |v| simd.avx512f._mm512_shuffle_f64x2::<0b01_00_11_10>(v, v)));
        total = merge_lanes(simd, total, permuted(total, |v| simd.avx512f._mm512_permutex_pd::<0b01_00_11_10>(v)));
        total = merge_lanes(simd, total, permuted(total, |v| simd.avx512f._mm512_permute_pd::<0b0101_0101>(v)));
        let first = |v: pulp::f64x8| bytemuck::cast::<pulp::f64x8, [f64; 8]>(v)[0];
        Neumaier::from_parts(first(total.0), first(total.1))
    }
}

/// [`Neumaier::add`] of `x` to `sum` and `compensation`, one vector of lanes at a time (TwoSum: see there).
#[inline(always)]
fn neumaier_add<S: Simd>(simd: S, sum: &mut S::f64s, compensation: &mut S::f64s, x: S::f64s) {
    let t = simd.add_f64s(*sum, x);
    let x_part = simd.sub_f64s(t, *sum);
    let error = simd.add_f64s(simd.sub_f64s(*sum, simd.sub_f64s(t, x_part)), simd.sub_f64s(x, x_part));
    *compensation = simd.add_f64s(*compensation, error);
    *sum = t;
}

/// Eight lanes' running sums and compensations, as [`Avx512Lanes::total`] merges them.
#[cfg(all(target_arch = "x86_64", not(miri)))]
type LaneVectors = (pulp::f64x8, pulp::f64x8);

/// [`Neumaier::merge`] of each lane of `from` into the same lane of `into`: the other's compensation counts only where
/// the other's sum is finite.
///
/// A function rather than a closure: a closure called more than once is compiled on its own, without AVX-512 (see
/// [`LaneTree`]).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn merge_lanes(simd: pulp::x86::V4, into: LaneVectors, from: LaneVectors) -> LaneVectors {
    let ((mut sum, mut compensation), (other_sum, other_compensation)) = (into, from);
    neumaier_add_avx512(simd, &mut sum, &mut compensation, other_sum);
    let (mut with_sum, mut with_compensation) = (sum, compensation);
    neumaier_add_avx512(simd, &mut with_sum, &mut with_compensation, other_compensation);
    let finite = simd.less_than_f64s(simd.abs_f64s(other_sum), simd.splat_f64s(f64::INFINITY));
    (simd.select_f64s(finite, with_sum, sum), simd.select_f64s(finite, with_compensation, compensation))
}

/// Both vectors of `lanes` with their elements moved by `permute`.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn permuted(
    lanes: LaneVectors,
    permute: impl Fn(std::arch::x86_64::__m512d) -> std::arch::x86_64::__m512d,
) -> LaneVectors {
    let (sums, compensations) = (permute(bytemuck::cast(lanes.0)), permute(bytemuck::cast(lanes.1)));
    (bytemuck::cast(sums), bytemuck::cast(compensations))
}

/// [`neumaier_add`] in six AVX-512 operations instead of seven, with the same bits: Dekker's Fast2Sum in place of
/// Knuth's TwoSum, the operands put in order of magnitude by `vrangepd` (DQ) and a bitwise select.
///
/// Fast2Sum's `smaller - (t - larger)` is the exact rounding error of `t = larger + smaller` when `|larger| >=
/// |smaller|`, as TwoSum's is for any order; an exact error is one double, so both give the same bits. Where they
/// could part is outside the finite range, and there the results still agree: an infinite or NaN term makes the sum
/// non-finite for good, and a non-finite lane's compensation is never read ([`Neumaier::value`], [`Neumaier::merge`]);
/// a zero error's sign is lost in `compensation + error`, since the compensation starts at +0 and never becomes -0.
///
/// Chosen by measurement (bench/README.md, "Kernel design measurements"): all 8 lanes' operations run on two ports, so
/// every operation counts when memory is fast.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn neumaier_add_avx512(simd: pulp::x86::V4, sum: &mut pulp::f64x8, compensation: &mut pulp::f64x8, x: pulp::f64x8) {
    use std::arch::x86_64::{__m512d, __m512i};
    let t = simd.add_f64s(*sum, x);
    let (s, y): (__m512d, __m512d) = (bytemuck::cast(*sum), bytemuck::cast(x));
    // Of `s` and `y`, the one of larger magnitude, unchanged (imm 0b01_11: maximum of the absolute values, with the
    // sign of the operand it came from); ties take either, which Fast2Sum allows.
    let larger = simd.avx512dq._mm512_range_pd::<0b0111>(s, y);
    // The other one: `s ^ y ^ larger` (truth table 0x96) is bitwise whichever of the two `larger` is not.
    let bits = |v: __m512d| -> __m512i { bytemuck::cast(v) };
    let smaller: __m512d =
        bytemuck::cast(simd.avx512f._mm512_ternarylogic_epi64::<0x96>(bits(s), bits(y), bits(larger)));
    let (larger, smaller): (pulp::f64x8, pulp::f64x8) = (bytemuck::cast(larger), bytemuck::cast(smaller));
    let error = simd.sub_f64s(smaller, simd.sub_f64s(t, larger));
    *compensation = simd.add_f64s(*compensation, error);
    *sum = t;
}

/// [`compensated_block`] as an operation pulp can compile for each instruction set, over any block.
struct CompensatedBlock<'b, B: Staged + ?Sized> {
    block: &'b mut B,
    magnitude: Magnitude,
}

impl<B: Staged + ?Sized> WithSimd for CompensatedBlock<'_, B>
where
    B::Item: Numeric,
{
    type Output = CompensatedBlockSum;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> CompensatedBlockSum {
        compensated_lanes(self.block, self.magnitude, VectorLanes::new(simd))
    }
}

/// [`Lanes`] held in SIMD registers: lane `i` is element `i % W` of vector `i / W` (`W` elements per vector: 8 with
/// AVX-512, 4 with AVX2, 1 without vectors), so term `i` of a group lands in lane `i` exactly as in [`Lanes`], and each
/// lane sees the same additions in the same order. Vector additions are the IEEE additions of each element, so the
/// results are bit for bit those of [`Lanes`] whatever the width.
struct VectorLanes<S: Simd> {
    simd: S,
    sums: [S::f64s; LANES],
    compensations: [S::f64s; LANES],
}

impl<S: Simd> VectorLanes<S> {
    /// Vectors per group of [`LANES`] terms.
    const VECTORS: usize = LANES / S::F64_LANES;

    #[inline(always)]
    fn new(simd: S) -> Self {
        let zero = simd.splat_f64s(0.0);
        VectorLanes { simd, sums: [zero; LANES], compensations: [zero; LANES] }
    }

    /// Adds the whole groups of `terms` (the first term has a block index that is a multiple of [`LANES`]) and
    /// returns how many terms that was.
    #[inline(always)]
    fn add(&mut self, terms: &[f64]) -> usize {
        let (groups, _) = as_arrays::<LANES, f64>(terms);
        for group in groups {
            self.add_vectors(S::as_simd_f64s(group).0);
        }
        groups.len() * LANES
    }

    /// Adds one group of [`LANES`] terms, given as vectors: element `i % W` of vector `i / W` is term `i`.
    #[inline(always)]
    fn add_vectors(&mut self, vectors: &[S::f64s]) {
        for (j, &x) in vectors.iter().enumerate().take(Self::VECTORS) {
            neumaier_add(self.simd, &mut self.sums[j], &mut self.compensations[j], x);
        }
    }

    /// The lanes as plain [`Lanes`].
    #[inline(always)]
    fn lanes(&self) -> Lanes {
        let unpack = |vectors: &[S::f64s]| -> [f64; LANES] {
            let values: &[f64] = bytemuck::cast_slice(&vectors[..Self::VECTORS]);
            values.try_into().expect("VECTORS vectors hold LANES values")
        };
        Lanes { sums: unpack(&self.sums), compensations: unpack(&self.compensations) }
    }
}

/// Applies `per_block` to each [`BLOCK`]-sized range of `0..len` on the pool and returns the results in block order
/// ([`run_blocks`]). For kernels that need a block's position (indices, a second view).
///
/// # Errors
/// [`Error::Aborted`](crate::Error::Aborted) when `cancel` is raised before every block is done.
pub(crate) fn map_ranges<R, F>(len: usize, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
where
    R: Send,
    F: Fn(Range<usize>) -> R + Sync + Send,
{
    map_block_indices(len.div_ceil(BLOCK), cancel, |b| per_block(block_range(b, len)))
}

/// Folds the [`BLOCK`]-sized ranges of `0..len` into at most `parts` accumulators made by `init`, on the pool
/// ([`run_blocks`]), then combines them with `reduce`. Only for accumulations whose result does not depend on grouping
/// (integer counts): which blocks share an accumulator depends on scheduling. Accumulators may be large (a histogram's
/// counts), so no more than `parts` are ever made: the partial results are collected and combined here rather than by
/// rayon's `reduce`, which would make an identity per piece.
///
/// # Errors
/// [`Error::Aborted`](crate::Error::Aborted) when `cancel` is raised before every block is done.
pub(crate) fn fold_ranges<A, I, F, R>(
    len: usize,
    parts: usize,
    cancel: &Cancel,
    init: I,
    fold: F,
    reduce: R,
) -> Result<A>
where
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, Range<usize>) + Sync + Send,
    R: Fn(A, A) -> A,
{
    let blocks = len.div_ceil(BLOCK);
    // `parts` runs of consecutive blocks, each its own piece. (A minimum piece length of `blocks / parts` blocks, rounded
    // up, does not do this: rayon halves a piece only when both halves reach the minimum, so an odd number of blocks in
    // two parts stayed one piece, on one thread.)
    let parts = parts.clamp(1, blocks.max(1));
    let runs: Vec<Range<usize>> = (0..parts).map(|p| p * blocks / parts..(p + 1) * blocks / parts).collect();
    let partials = run_blocks(runs, cancel, 1, &init, |acc, _, run| {
        for b in run {
            // The flag is checked before each block, as `run_blocks` does between pieces.
            if cancel.is_cancelled() {
                return;
            }
            fold(acc, block_range(b, len));
        }
    })?;
    cancel.check()?;
    Ok(partials.reduce(reduce).unwrap_or_else(init))
}

/// Runs `f(offset, chunk)` on each [`BLOCK`]-sized piece of `view` in parallel on the pool ([`run_blocks`]), checking
/// `cancel` before the first piece and before each one. A flag raised mid-way leaves the pieces already done written.
///
/// # Errors
/// [`Error::Aborted`](crate::Error::Aborted) when `cancel` is raised before every piece is done.
pub(crate) fn for_each_block_mut<'g, T, F>(view: WriteView<'g, T>, cancel: &Cancel, f: F) -> Result<()>
where
    T: Element,
    F: Fn(usize, WriteView<'g, T>) + Sync + Send,
{
    run_blocks(view.into_chunks(BLOCK), cancel, 1, || (), |(), b, chunk| f(b * BLOCK, chunk))?.for_each(drop);
    Ok(())
}

/// Copies `chunk` through a local buffer: `f(offset, values)` may change each copy before it is written back.
#[inline]
pub(crate) fn staged_mut<T: Element>(chunk: &mut WriteView<'_, T>, mut f: impl FnMut(usize, &mut [T])) {
    let mut stage = [T::default(); STAGE];
    let mut start = 0;
    while start < chunk.len() {
        let n = STAGE.min(chunk.len() - start);
        chunk.as_read().read_into(start, &mut stage[..n]);
        f(start, &mut stage[..n]);
        chunk.write_from(start, &stage[..n]);
        start += n;
    }
}

/// Overwrites every element of `view` with `f(element)`, block-parallel (see [`for_each_block_mut`]).
///
/// # Errors
/// [`Error::Aborted`](crate::Error::Aborted) when `cancel` is raised before every block is done.
pub(crate) fn map_in_place<T: Element>(
    view: WriteView<'_, T>,
    cancel: &Cancel,
    f: impl Fn(T) -> T + Sync + Send,
) -> Result<()> {
    for_each_block_mut(view, cancel, |_, mut chunk| {
        staged_mut(&mut chunk, |_, xs| xs.iter_mut().for_each(|x| *x = f(*x)));
    })
}

/// Overwrites every element of `dst` with `f(dst[i], src[i])`, block-parallel (see [`for_each_block_mut`]).
///
/// # Errors
/// [`Error::Aborted`](crate::Error::Aborted) when `cancel` is raised before every block is done.
///
/// # Panics
/// When the lengths differ (callers validate them first).
pub(crate) fn zip_in_place<T: Element, U: Element>(
    dst: WriteView<'_, T>,
    src: &ReadView<'_, U>,
    cancel: &Cancel,
    f: impl Fn(T, U) -> T + Sync + Send,
) -> Result<()> {
    assert_eq!(dst.len(), src.len(), "zipped views must have one length");
    for_each_block_mut(dst, cancel, |offset, mut chunk| {
        let mut other = [U::default(); STAGE];
        staged_mut(&mut chunk, |start, xs| {
            let other = &mut other[..xs.len()];
            src.read_into(offset + start, other);
            xs.iter_mut().zip(other.iter()).for_each(|(x, y)| *x = f(*x, *y));
        });
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{
        from_every_offset_in_a_line, reference_compensated, same_bits_or_both_nan, with_view, Rng,
        LANE_LENGTHS as LENGTHS,
    };

    fn with_every_instruction_set(values: &[f64], check: impl Fn(&str, CompensatedBlockSum)) {
        with_view(values, |view| {
            check(
                "scalar",
                CompensatedBlock { block: &mut { *view }, magnitude: Magnitude::Summed }.with_simd(pulp::Scalar),
            );
            #[cfg(target_arch = "x86_64")]
            {
                if let Some(simd) = pulp::x86::V3::try_new() {
                    check(
                        "AVX2",
                        CompensatedBlock { block: &mut { *view }, magnitude: Magnitude::Summed }.with_simd(simd),
                    );
                }
                if let Some(simd) = pulp::x86::V4::try_new() {
                    check(
                        "AVX-512",
                        CompensatedBlock { block: &mut { *view }, magnitude: Magnitude::Summed }.with_simd(simd),
                    );
                    #[cfg(not(miri))]
                    check("AVX-512 registers", simd.vectorize(|| compensated_groups_avx512(simd, view)));
                }
            }
            check("dispatched", compensated_block(view));
        });
    }

    #[test]
    fn every_instruction_set_gives_the_bits_of_the_sequential_lanes() {
        let mut rng = Rng::new(7);
        for len in LENGTHS {
            let values: Vec<f64> = (0..len).map(|_| rng.wide_f64()).collect();
            let mut lanes = Lanes::default();
            lanes.add_mapped(&values, &|x| x);
            let sequential = lanes.total();
            assert_eq!(sequential.value().to_bits(), reference_compensated(&values).to_bits(), "{len} values");
            // The magnitude is a bound: at least the magnitudes' sum (to within its rounding), at most the count times
            // the largest magnitude.
            let magnitude: f64 = values.iter().map(|x| x.abs()).sum();
            let loosest = values.len() as f64 * values.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            with_every_instruction_set(&values, |set, got| {
                assert_eq!(got.total.parts(), sequential.parts(), "{set}, {len} values");
                assert!(got.magnitude >= magnitude * (1.0 - 1e-12), "{set}, {len} values");
                assert!(got.magnitude <= loosest * (1.0 + 1e-12) + 1e-300, "{set}, {len} values");
            });
        }
    }

    /// The register path loads 64 bytes at a time from wherever the block starts (32 bytes of floats, widened): from
    /// every offset within a cache line it gives the bits of the scalar, staged lanes, and reads nothing outside the
    /// block (the NaNs around it would show).
    fn blocks_starting_anywhere_in_a_line_give_the_same_bits<T: Numeric>(make: impl Fn(f64) -> T, nan: T, seed: u64) {
        let mut rng = Rng::new(seed);
        for len in LENGTHS {
            let values: Vec<T> = (0..len).map(|_| make(rng.wide_f64())).collect();
            from_every_offset_in_a_line(&values, nan, |view, offset| {
                let want =
                    CompensatedBlock { block: &mut { *view }, magnitude: Magnitude::Summed }.with_simd(pulp::Scalar);
                assert_eq!(
                    compensated_block(view).total.parts(),
                    want.total.parts(),
                    "{len} values from offset {offset}"
                );
            });
        }
    }

    /// The AVX-512 step (Fast2Sum after ordering by magnitude) against [`Neumaier::add`] (TwoSum) on the pairs where
    /// they could part: ties of either sign, zeros, subnormals, overflow, infinities and NaN. The sums must match bit
    /// for bit, and the compensations wherever the sum is finite (elsewhere nothing reads them).
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[test]
    fn the_avx512_step_gives_the_bits_of_twosum() {
        let Some(simd) = pulp::x86::V4::try_new() else { return };
        let hard = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            3.0,
            -3.0,
            0.1,
            1.0 + f64::EPSILON,
            9007199254740992.0,
            -9007199254740994.0,
            1e-300,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            1e308,
            -1e308,
            f64::MAX,
            -f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let pairs: Vec<(f64, f64)> = hard.iter().flat_map(|&s| hard.iter().map(move |&x| (s, x))).collect();
        for compensation in [0.0, 1e-17, -3e-20] {
            for chunk in pairs.chunks(8) {
                let lane = |i: usize, part: fn(&(f64, f64)) -> f64| chunk.get(i).map_or(0.0, part);
                let mut sums: pulp::f64x8 = bytemuck::cast(std::array::from_fn::<f64, 8, _>(|i| lane(i, |p| p.0)));
                let terms: pulp::f64x8 = bytemuck::cast(std::array::from_fn::<f64, 8, _>(|i| lane(i, |p| p.1)));
                let mut compensations = simd.splat_f64s(compensation);
                simd.vectorize(|| neumaier_add_avx512(simd, &mut sums, &mut compensations, terms));
                let (sums, compensations): ([f64; 8], [f64; 8]) = (bytemuck::cast(sums), bytemuck::cast(compensations));
                for (i, &(s, x)) in chunk.iter().enumerate() {
                    let mut want = Neumaier::from_parts(s, compensation);
                    want.add(x);
                    let (want_sum, want_compensation) = want.parts();
                    assert!(same_bits_or_both_nan(sums[i], want_sum), "{s} + {x}: sum {} vs {want_sum}", sums[i]);
                    if want_sum.is_finite() {
                        assert_eq!(
                            compensations[i].to_bits(),
                            want_compensation.to_bits(),
                            "{s} + {x} (+{compensation})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn blocks_of_doubles_starting_anywhere_in_a_line_give_the_same_bits() {
        blocks_starting_anywhere_in_a_line_give_the_same_bits(|x| x, f64::NAN, 11);
    }

    /// Floats take the register path too, and keep the meaning of special values on it.
    #[test]
    fn blocks_of_floats_starting_anywhere_in_a_line_give_the_same_bits() {
        blocks_starting_anywhere_in_a_line_give_the_same_bits(|x| x as f32, f32::NAN, 17);
        for special in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN, -0.0] {
            let mut values = vec![1.5f32; LANES * 3 + 5];
            values[LANES + 3] = special;
            let want: Vec<f64> = values.iter().map(|x| f64::from(*x)).collect();
            let want = reference_compensated(&want);
            with_view(&values, |view| {
                let got = compensated_block(view).total.value();
                assert!(same_bits_or_both_nan(got, want), "{special}: {got} vs {want}");
            });
        }
    }

    #[test]
    fn special_values_keep_their_meaning_on_every_instruction_set() {
        for special in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -0.0] {
            for at in [0, 5, 8, 13, STAGE + 2] {
                let mut values = vec![1.5f64; STAGE + 3];
                values[at] = special;
                let want = reference_compensated(&values);
                with_every_instruction_set(&values, |set, got| {
                    let got = got.total.value();
                    assert!(same_bits_or_both_nan(got, want), "{set}: {got} vs {want}");
                });
            }
        }
    }
}
