//! Reductions along axes of strided views: which axes (numpy's rules), in which loop order, and `sum` along axes.
//!
//! The loop order follows memory, not the output: when the smallest stride is along a reduced axis (a row-major
//! matrix summed over axis 1), each output element sums its own runs of consecutive elements ([`Strategy::Runs`]);
//! when it is along a kept axis (the same matrix summed over axis 0), whole rows along that axis are read in turn and
//! added element by element into a row of accumulators ([`Strategy::Rows`]), so memory streams in both cases.
//!
//! Work is cut into tasks by the shape alone (outputs, columns and pieces of the reduced elements of fixed sizes),
//! whatever the thread count, and each output's partial results merge in task order. Every output is the exact sum of
//! its elements rounded once, as the whole-array [`sum`](crate::kernels::sum()) gives: a compensated pass proven
//! correct by its error bound, and an exact pass for the outputs it cannot prove. So every output is the same for
//! any thread count and any loop order, and the same as `sum` of that output's elements.

use std::ops::Range;

use pulp::{Simd, WithSimd};
use smallvec::SmallVec;

use crate::arch::simd_arch;
#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::arch::DOUBLES_PER_GROUP;

use crate::error::{Error, Result};
use crate::exec::{map_block_indices, run_blocks, Cancel, BLOCK};
use crate::kernels::blocks::{compensated_block, Lanes, LANES};
use crate::kernels::exact::{ExactSum, ADDS_BEFORE_NORMALISING};
use crate::kernels::numeric::{two_sum, Neumaier};
use crate::kernels::sum::{certify, error_bound};
use crate::layout::{Layout, Shape};
use crate::view::{Element, StridedReadView};

/// The axes `axes` names among `ndim`, numpy's way: negative ones count from the end (-1 is the last), each at most
/// once. Returned in increasing order.
///
/// # Errors
/// `ERR_OUT_OF_RANGE` for an axis outside `-ndim..ndim`; `ERR_INVALID_ARG_VALUE` for an axis named twice (as `1` and
/// `-1` of two dimensions).
pub fn normalize_axes(axes: &[i64], ndim: usize) -> Result<SmallVec<[usize; 4]>> {
    let mut out: SmallVec<[usize; 4]> = SmallVec::with_capacity(axes.len());
    let n = ndim as i64;
    for &axis in axes {
        let resolved = if axis < 0 { axis + n } else { axis };
        if !(0..n).contains(&resolved) {
            return Err(Error::out_of_range(format!(
                "axis {axis} is out of range for {ndim} dimensions (it must be from {} to {})",
                -n,
                n - 1
            )));
        }
        let resolved = resolved as usize;
        if out.contains(&resolved) {
            return Err(Error::arg_value(format!(
                "axis {axis} names axis {resolved}, which is already in axes {axes:?}"
            )));
        }
        out.push(resolved);
    }
    out.sort_unstable();
    Ok(out)
}

/// How a reduction along axes walks memory (see the [module](self) documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Each output sums runs along the reduced axis of smallest stride.
    Runs,
    /// Rows along the kept axis of smallest stride are added into rows of accumulators.
    Rows,
}

/// The plan of a reduction along axes of one layout: the output's shape, and how the input is walked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxesPlan {
    out_shape: Shape,
    /// The input's axes in walking order: the kept axes in output order, then the reduced axes by decreasing
    /// magnitude of stride (so the last is the one runs go along, and chained ones merge).
    order: Vec<usize>,
    /// How many of `order` are kept.
    kept: usize,
    strategy: Strategy,
    /// For [`Strategy::Rows`], the position among the kept axes of the one rows run along.
    row_axis: usize,
}

impl AxesPlan {
    /// Plans the reduction of `layout` along `axes` (numpy's rules, see [`normalize_axes`]). The output has the
    /// kept axes, in their order, and is row-major contiguous.
    ///
    /// # Errors
    /// As [`normalize_axes`].
    pub fn new(layout: &Layout, axes: &[i64]) -> Result<AxesPlan> {
        let reduced = normalize_axes(axes, layout.ndim())?;
        let (shape, strides) = (layout.shape(), layout.strides());
        let kept: Vec<usize> = (0..layout.ndim()).filter(|a| !reduced.contains(a)).collect();
        // Runs go along the last reduced axis: the one of smallest stride, but never a zero stride (a run along it would
        // read one element over and over), which goes first.
        let mut by_stride: Vec<usize> = reduced.to_vec();
        by_stride
            .sort_by_key(|&a| std::cmp::Reverse(if strides[a] == 0 { usize::MAX } else { strides[a].unsigned_abs() }));
        // The axis along which memory moves fastest: the smallest non-zero stride among axes that move at all.
        let fastest =
            (0..layout.ndim()).filter(|&a| shape[a] > 1 && strides[a] != 0).min_by_key(|&a| strides[a].unsigned_abs());
        let (strategy, row_axis) = match fastest.and_then(|a| kept.iter().position(|&k| k == a)) {
            Some(position) => (Strategy::Rows, position),
            None => (Strategy::Runs, 0),
        };
        Ok(AxesPlan {
            out_shape: kept.iter().map(|&a| shape[a]).collect(),
            kept: kept.len(),
            order: kept.into_iter().chain(by_stride).collect(),
            strategy,
            row_axis,
        })
    }

    /// The output's shape: the kept axes' sizes, in order.
    pub fn out_shape(&self) -> &[usize] {
        &self.out_shape
    }

    /// How the input is walked.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// How many of the walked view's axes are kept (they come first).
    pub(crate) fn kept(&self) -> usize {
        self.kept
    }

    /// For [`Strategy::Rows`], the position among the kept axes of the one rows run along.
    pub(crate) fn row_axis(&self) -> usize {
        self.row_axis
    }

    /// `view` with its axes in walking order (the kept axes in output order, then the reduced ones), chained reduced
    /// axes merged into one: longer runs, fewer index steps.
    ///
    /// # Errors
    /// As [`Layout::permuted`] (never, for a plan made from `view`'s layout).
    pub(crate) fn walked<'g, T: Element>(&self, view: &StridedReadView<'g, T>) -> Result<StridedReadView<'g, T>> {
        let mut walked = view.permuted(&self.order)?;
        let mut axis = self.kept;
        while axis + 1 < walked.layout().ndim() {
            match walked.merged(axis) {
                Some(merged) => walked = merged,
                None => axis += 1,
            }
        }
        Ok(walked)
    }
}

/// One output's compensated partial sum.
#[derive(Clone, Copy, Debug, Default)]
struct Part {
    total: Neumaier,
    /// The sum of the terms' magnitudes (NaN with a NaN term).
    magnitude: f64,
    count: usize,
}

impl Part {
    fn merge(&mut self, other: &Part) {
        self.total.merge(other.total);
        self.magnitude += other.magnitude;
        self.count += other.count;
    }

    /// The correctly rounded sum, when the compensated one is proven to be it; `None` sends the output to the exact
    /// pass. `merges` is how many partials were merged into it.
    fn finish(&self, merges: usize) -> Option<f64> {
        // The compensation sums the rounding errors of every addition into one accumulator chain, each at most
        // u·magnitude (see `compensated_error_bound`): at most `count` terms, two more per merge of a partial (one per
        // run at most, so at most `count` merges, and `merges` pieces), and the lanes' merges.
        let k = (3 * self.count + 2 * merges + 2 * LANES + 2) as f64;
        let (sum, proven) = proven_sum(self.total, self.magnitude, k, self.count);
        proven.then_some(sum)
    }
}

/// The sum of `terms` values whose compensated sum is `total`, with `k` additions in its deepest chain and magnitudes
/// summing to `magnitude`, and whether it is proven correctly rounded: +0 for only zeros or nothing (as the
/// whole-array sum gives), else [`certify`] against the bound of `error_bound(k, ...)`. Branch-free, so that loops over
/// vector lanes run it on whole vectors.
#[inline(always)]
fn proven_sum(total: Neumaier, magnitude: f64, k: f64, terms: usize) -> (f64, bool) {
    let (head, proven) = certify(total, error_bound(k, magnitude, terms as f64 + 64.0));
    let zeros = magnitude == 0.0 && head == 0.0;
    (if zeros { 0.0 } else { head }, zeros | proven)
}

/// Elements copied out of shared memory at a time.
const STAGE: usize = 256;

/// A local copy of up to [`STAGE`] elements, made once per task rather than once per output (an output may have a
/// handful of elements).
type Stage = [f64; STAGE];

/// Columns of accumulators a [`Strategy::Rows`] task keeps at most: their three accumulators stay in L2. A wider row
/// is cut into blocks of this many columns, each its own tasks.
const COLUMNS: usize = 16 * 1024;

/// Columns a [`Strategy::Rows`] task adds at a time: [`ROWS_AT_ONCE`] rows' worth of them and their accumulators stay
/// in L1, while each row is read from memory from its start to its end, as the hardware prefetchers follow best.
const CHUNK: usize = 64;

/// Rows of a piece of a [`Strategy::Rows`] task at least: the partial sums a task returns (one per column) then cost
/// a small fraction of the memory it reads.
const MIN_ROWS_PER_PIECE: usize = 128;

/// Sets `index[axes]` to position `at`, row-major over those axes of `shape`.
pub(crate) fn set_position(index: &mut [usize], shape: &[usize], axes: Range<usize>, mut at: usize) {
    for axis in axes.rev() {
        index[axis] = at % shape[axis];
        at /= shape[axis];
    }
}

/// The input walked as the plan says: kept axes first, reduced axes after, chained reduced axes merged.
struct Walk<'v, 'g> {
    view: StridedReadView<'g, f64>,
    kept: usize,
    _plan: &'v AxesPlan,
}

impl<'g> Walk<'_, 'g> {
    fn shape(&self) -> &[usize] {
        self.view.layout().shape()
    }

    /// The number of reduced indices per output.
    fn reduced_count(&self) -> usize {
        self.shape()[self.kept..].iter().product()
    }

    /// Sets the reduced part of `index` to the reduced position `r` (row-major over the reduced axes).
    fn set_reduced(&self, index: &mut [usize], r: usize) {
        set_position(index, self.shape(), self.kept..index.len(), r);
    }

    /// Sets the kept part of `index` to output position `o` (row-major over the kept axes).
    fn set_kept(&self, index: &mut [usize], o: usize) {
        set_position(index, self.shape(), 0..self.kept, o);
    }

    /// Calls `f` on consecutive copies, made in `stage`, of the elements at reduced positions `r0..r1` of the output
    /// whose kept index `index` holds (its reduced part is overwritten).
    fn for_each_run(&self, index: &mut [usize], r0: usize, r1: usize, stage: &mut Stage, mut f: impl FnMut(&[f64])) {
        if self.kept == index.len() {
            // No reduced axis: each output is its one element.
            if r0 < r1 {
                stage[0] = self.view.get(index);
                f(&stage[..1]);
            }
            return;
        }
        let last = index.len() - 1;
        let n_last = self.shape()[last];
        self.set_reduced(index, r0);
        let mut r = r0;
        while r < r1 {
            let run = (n_last - index[last]).min(r1 - r).min(STAGE);
            self.view.read_run(index, last, &mut stage[..run]);
            f(&stage[..run]);
            r += run;
            if r < r1 {
                self.set_reduced(index, r);
            }
        }
    }

    /// The sum of an output of fewer than `2·LANES` elements: a sequential compensated sum where its error bound
    /// proves it correctly rounded, else exactly rounded from the elements' expansion ([`expansion_sum`]); `None` for
    /// a non-finite element or an overflow, for the superaccumulator.
    fn short_sum(&self, index: &mut [usize], stage: &mut Stage) -> Option<f64> {
        let count = self.reduced_count();
        let mut few = [0.0f64; 2 * LANES];
        let mut filled = 0;
        // One run of consecutive elements (a row-major row): read straight from memory, with no stage between.
        let run_axis = index.len().checked_sub(1).filter(|&last| self.kept == last);
        if let Some(last) = run_axis.filter(|&last| self.view.layout().strides()[last].unsigned_abs() == 1) {
            index[last] = 0;
            if let Some(run) = self.view.contiguous_run(index, last, count) {
                run.read_into(0, &mut few[..count]);
                filled = count;
            }
        }
        if filled < count {
            filled = 0;
            self.for_each_run(index, 0, count, stage, |xs| {
                few[filled..filled + xs.len()].copy_from_slice(xs);
                filled += xs.len();
            });
        }
        let xs = &few[..filled];
        let mut total = Neumaier::default();
        let mut magnitude = 0.0;
        for &x in xs {
            total.add(x);
            magnitude += x.abs();
        }
        // One chain of Neumaier steps: the bound of `Part::finish` without merges or lanes.
        let (sum, proven) = proven_sum(total, magnitude, short_chain(filled), filled);
        proven.then_some(sum).or_else(|| expansion_sum(xs))
    }

    /// Moves the kept part of `index` to the next output, row-major (the last kept axis fastest).
    fn next_kept(&self, index: &mut [usize]) {
        for axis in (0..self.kept).rev() {
            index[axis] += 1;
            if index[axis] < self.shape()[axis] {
                return;
            }
            index[axis] = 0;
        }
    }

    /// The compensated sum of reduced positions `r0..r1` of the output whose kept index `index` holds.
    fn run_part(&self, index: &mut [usize], r0: usize, r1: usize, stage: &mut Stage) -> Part {
        let mut part = Part { count: r1 - r0, ..Part::default() };
        if r1 - r0 < 2 * LANES {
            // Too few terms for lanes to pay for their merge.
            self.for_each_run(index, r0, r1, stage, |xs| {
                xs.iter().for_each(|&x| {
                    part.total.add(x);
                    part.magnitude += x.abs();
                })
            });
            return part;
        }
        if self.kept < index.len() && self.view.layout().strides()[index.len() - 1].unsigned_abs() == 1 {
            let last = index.len() - 1;
            if self.shape()[last] >= STAGE {
                return self.contiguous_part(index, r0, r1);
            }
        }
        // Lanes, fed whole groups from a local stage so that term i always goes to lane i % LANES.
        let mut lanes = Lanes::default();
        let mut pending = [0.0f64; STAGE];
        let mut filled = 0;
        let mut magnitude = 0.0;
        self.for_each_run(index, r0, r1, stage, |mut xs| {
            while !xs.is_empty() {
                let take = (STAGE - filled).min(xs.len());
                pending[filled..filled + take].copy_from_slice(&xs[..take]);
                filled += take;
                xs = &xs[take..];
                if filled == STAGE {
                    magnitude += pending.iter().map(|x| x.abs()).sum::<f64>();
                    lanes.add(&pending);
                    filled = 0;
                }
            }
        });
        magnitude += pending[..filled].iter().map(|x| x.abs()).sum::<f64>();
        lanes.add(&pending[..filled]);
        part.total = lanes.total();
        part.magnitude = magnitude;
        part
    }

    /// [`Walk::run_part`] when the runs are long and consecutive in memory: each run (at most a block: pieces are)
    /// summed by the whole-array kernel's block sum, straight from memory, and merged in order.
    fn contiguous_part(&self, index: &mut [usize], r0: usize, r1: usize) -> Part {
        let last = index.len() - 1;
        let n_last = self.shape()[last];
        let mut part = Part { count: r1 - r0, ..Part::default() };
        self.set_reduced(index, r0);
        let mut r = r0;
        while r < r1 {
            let run = (n_last - index[last]).min(r1 - r);
            let view = self.view.contiguous_run(index, last, run).expect("runs along a stride of 1 or -1");
            let block = compensated_block(&view);
            part.total.merge(block.total);
            part.magnitude += block.magnitude;
            r += run;
            if r < r1 {
                self.set_reduced(index, r);
            }
        }
        part
    }

    /// The exact sum of every element of the output whose kept index `index` holds, rounded once.
    fn exact(&self, index: &mut [usize]) -> f64 {
        let mut stage = [0.0; STAGE];
        if self.reduced_count() <= FEW {
            let mut few = Vec::with_capacity(self.reduced_count());
            self.for_each_run(index, 0, self.reduced_count(), &mut stage, |xs| few.extend_from_slice(xs));
            if let Some(sum) = expansion_sum(&few) {
                return sum;
            }
        }
        let mut total = ExactSum::default();
        let mut since_normalised = 0;
        self.for_each_run(index, 0, self.reduced_count(), &mut stage, |xs| {
            if since_normalised + xs.len() > ADDS_BEFORE_NORMALISING {
                total.normalise();
                since_normalised = 0;
            }
            xs.iter().for_each(|&x| total.add(x));
            since_normalised += xs.len();
        });
        total.normalise();
        total.value()
    }
}

/// Outputs of at most this many elements that the compensated pass cannot prove (exact ties are common when few
/// decimal values are added) are summed by [`expansion_sum`], whose cost grows with the count, rather than by the
/// superaccumulator, whose fixed cost (rounding hundreds of digits) dwarfs a short output's.
const FEW: usize = 256;

/// The exact sum of finite `xs` rounded once to the nearest double, ties to even, as `math.fsum` computes it:
/// Shewchuk's non-overlapping expansion of partial sums (each addition's rounding error kept exactly, by TwoSum),
/// then the expansion rounded from its top, with the correction for a tail exactly half a unit that points the same
/// way as the next partial. `None` for a non-finite element or an intermediate overflow, which the superaccumulator
/// handles.
fn expansion_sum(xs: &[f64]) -> Option<f64> {
    let mut partials: SmallVec<[f64; 8]> = SmallVec::new();
    for &x in xs {
        if !x.is_finite() {
            return None;
        }
        let mut x = x;
        let mut kept = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            if !hi.is_finite() {
                return None;
            }
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    let Some(mut n) = partials.len().checked_sub(1) else { return Some(0.0) };
    let mut hi = partials[n];
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        lo = y - (hi - x);
        if lo != 0.0 {
            break;
        }
    }
    // `hi + lo` is exact and `lo` is half a unit of `hi` at most; when the partials below push the same way as `lo`,
    // the exact sum lies past the halfway point that `hi` was rounded from, and `hi + 2·lo` is the nearer double.
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        if y == x - hi {
            hi = x;
        }
    }
    // An exact zero is +0, as the superaccumulator gives it (negative zeros alone never get here: see Part::finish).
    Some(if hi == 0.0 { 0.0 } else { hi })
}

/// The sum of `view`'s elements along `axes` (numpy's `a.sum(axis=axes)`): the output's shape (the kept axes) and its
/// elements, row-major. Each output element is the exact sum of its elements rounded once to a double (ties to even),
/// as the whole-array [`sum`](crate::kernels::sum()) of those elements gives: +0 for none or only zeros, ±Infinity
/// only when the exact sum overflows, NaN when an element is NaN or both infinities occur.
///
/// # Errors
/// As [`normalize_axes`]; `Aborted` when `cancel` is raised.
pub fn sum_axes(view: &StridedReadView<'_, f64>, axes: &[i64], cancel: &Cancel) -> Result<(Shape, Vec<f64>)> {
    sums_over(view, axes, 1.0, cancel)
}

/// The mean of `view`'s elements along `axes` (numpy's `a.mean(axis=axes)`): each output of [`sum_axes`] divided by
/// the count of its elements (one rounding more, as the whole-array mean), in the same pass.
///
/// # Errors
/// As [`sum_axes`].
pub fn mean_axes(view: &StridedReadView<'_, f64>, axes: &[i64], cancel: &Cancel) -> Result<(Shape, Vec<f64>)> {
    let reduced = normalize_axes(axes, view.layout().ndim())?;
    let count: usize = reduced.iter().map(|&a| view.layout().shape()[a]).product();
    sums_over(view, axes, count as f64, cancel)
}

/// [`sum_axes`] with each output divided by `divisor` where it is found, while it is in cache (1 leaves it as it is).
fn sums_over(
    view: &StridedReadView<'_, f64>,
    axes: &[i64],
    divisor: f64,
    cancel: &Cancel,
) -> Result<(Shape, Vec<f64>)> {
    let plan = AxesPlan::new(view.layout(), axes)?;
    let walk = Walk { view: plan.walked(view)?, kept: plan.kept, _plan: &plan };
    let outputs: usize = plan.out_shape.iter().product();
    let reduced = walk.reduced_count();
    if outputs == 0 || reduced == 0 {
        cancel.check()?;
        // No elements: the sum +0, and the mean 0 / 0, NaN (as numpy gives it).
        return Ok((plan.out_shape.clone(), vec![0.0 / divisor; outputs]));
    }
    let short = plan.strategy == Strategy::Runs && reduced < 2 * LANES;
    let (mut values, unproven) =
        match short.then(|| short_outputs(&walk, outputs, reduced, divisor, cancel)).transpose()? {
            Some(Some(done)) => done,
            _ => {
                let values = match plan.strategy {
                    Strategy::Runs => runs(&walk, outputs, reduced, cancel)?,
                    Strategy::Rows => rows(&walk, &plan, outputs, reduced, cancel)?,
                };
                let unproven: Vec<usize> = (0..outputs).filter(|&o| values[o].is_none()).collect();
                (values.into_iter().map(|v| v.unwrap_or(f64::NAN) / divisor).collect(), unproven)
            }
        };
    // The outputs the compensated pass could not prove, exactly.
    let exact = map_block_indices(unproven.len(), cancel, |i| {
        let mut index = vec![0; walk.shape().len()];
        walk.set_kept(&mut index, unproven[i]);
        walk.exact(&mut index)
    })?;
    unproven.iter().zip(exact).for_each(|(&o, v)| values[o] = v / divisor);
    Ok((plan.out_shape.clone(), values))
}

/// [`Strategy::Runs`]: tasks of whole outputs when an output has fewer than [`BLOCK`] elements (as many outputs as
/// make about a block), else of [`BLOCK`]-element pieces of one output. Each output's sum where the compensated pass
/// proves it, `None` where the exact pass must decide.
fn runs(walk: &Walk<'_, '_>, outputs: usize, reduced: usize, cancel: &Cancel) -> Result<Vec<Option<f64>>> {
    if reduced < BLOCK {
        let per_task = BLOCK / reduced;
        let tasks = outputs.div_ceil(per_task);
        // Finished within the task: an output's one part is its whole sum, and holding every part until all tasks
        // are done would cost more memory than the output.
        let chunks = map_block_indices(tasks, cancel, |t| {
            let mut index = vec![0; walk.shape().len()];
            let mut stage = [0.0; STAGE];
            let first = t * per_task;
            walk.set_kept(&mut index, first);
            (first..((t + 1) * per_task).min(outputs))
                .map(|o| {
                    if o > first {
                        walk.next_kept(&mut index);
                    }
                    if reduced < 2 * LANES {
                        walk.short_sum(&mut index, &mut stage)
                    } else {
                        walk.run_part(&mut index, 0, reduced, &mut stage).finish(0)
                    }
                })
                .collect::<Vec<Option<f64>>>()
        })?;
        return Ok(chunks.into_iter().flatten().collect());
    }
    let pieces = reduced.div_ceil(BLOCK);
    let parts = map_block_indices(outputs * pieces, cancel, |t| {
        let (o, p) = (t / pieces, t % pieces);
        let mut index = vec![0; walk.shape().len()];
        walk.set_kept(&mut index, o);
        walk.run_part(&mut index, p * BLOCK, ((p + 1) * BLOCK).min(reduced), &mut [0.0; STAGE])
    })?;
    // A piece has at least a block of elements, so there are at most a block's fraction as many parts as elements.
    let merged = parts
        .chunks(pieces)
        .map(|chunk| {
            let mut total = Part::default();
            chunk.iter().for_each(|part| total.merge(part));
            total.finish(pieces)
        })
        .collect();
    Ok(merged)
}

/// [`Strategy::Runs`] for outputs of fewer than `2·LANES` elements each, when the walked view is contiguous and in
/// row-major order (a row-major matrix summed over its last axis): the outputs are then consecutive runs of `reduced`
/// elements, and tasks of about a block of them copy them out in stages and sum [`SHORT_GROUP`] outputs at a time, one
/// per vector lane ([`ShortOutputs`]), straight into the output. Outputs not proven that way are summed as
/// [`Walk::short_sum`] sums them. Returns the outputs and which of them are left for the exact pass; `None` when the
/// view is laid out otherwise.
fn short_outputs(
    walk: &Walk<'_, '_>,
    outputs: usize,
    reduced: usize,
    divisor: f64,
    cancel: &Cancel,
) -> Result<Option<(Vec<f64>, Vec<usize>)>> {
    let flat = walk.view.coalesced();
    if flat.layout().ndim() != 1 || flat.layout().strides()[0] != 1 {
        return Ok(None);
    }
    let Some(all) = flat.contiguous_run(&[0], 0, outputs * reduced) else { return Ok(None) };
    // Whole groups per stage, so that only the task's last group can be short.
    let per_stage = (SHORT_STAGE / reduced / SHORT_GROUP).max(1) * SHORT_GROUP;
    let per_task = (BLOCK / reduced).div_ceil(per_stage) * per_stage;
    let mut values = vec![0.0f64; outputs];
    let unproven: Vec<usize> = run_blocks(
        values.chunks_mut(per_task).collect(),
        cancel,
        1,
        Vec::new,
        |unproven: &mut Vec<usize>, t, task: &mut [f64]| {
            let first = t * per_task;
            let mut stage = vec![0.0f64; per_stage * reduced];
            let mut unsure = Vec::new();
            let mut index = vec![0; walk.shape().len()];
            let mut spare = [0.0; STAGE];
            for (s, out) in task.chunks_mut(per_stage).enumerate() {
                let at = first + s * per_stage;
                let elements = &mut stage[..out.len() * reduced];
                all.read_into(at * reduced, elements);
                simd_arch().dispatch(ShortOutputs { values: elements, n: reduced, out, unproven: &mut unsure });
                for o in unsure.drain(..) {
                    walk.set_kept(&mut index, at + o);
                    out[o] = walk.short_sum(&mut index, &mut spare).unwrap_or_else(|| {
                        unproven.push(at + o);
                        f64::NAN
                    });
                }
                out.iter_mut().for_each(|v| *v /= divisor);
            }
        },
    )?
    .flatten()
    .collect();
    Ok(Some((values, unproven)))
}

/// `k` of [`proven_sum`] for one chain of Neumaier steps over `terms` values: the bound of `Part::finish` without
/// merges or lanes.
fn short_chain(terms: usize) -> f64 {
    (3 * terms + 2) as f64
}

/// Outputs [`ShortOutputs`] sums at a time, one per lane of a vector of doubles on the widest processors.
const SHORT_GROUP: usize = 8;

/// Elements [`short_outputs`] copies out of shared memory at a time: with its groups' transposed copies, they stay in
/// L1.
const SHORT_STAGE: usize = 2048;

/// Sums consecutive outputs of `n` elements each (`values` holds them one after the other, `n` < `2·LANES`), one per
/// vector lane, into `out`, and pushes the position of each output it cannot prove onto `unproven`.
///
/// Each output is first summed by a chain of TwoSum steps whose compensation also tracks whether its own additions
/// were exact (as the whole-array sum's `tracked_sum` does): while they were, `sum + compensation` is the exact total,
/// and its one rounding is the answer even on a rounding boundary. That is the common case for short outputs (their
/// few rounding errors sum exactly), and the one the error bound cannot prove: a short sum of doubles with every
/// significand bit set lands exactly halfway between two doubles often (see docs/numerics.md). A group with a lane whose
/// compensation rounded is summed again as [`Walk::short_sum`] sums (the same chain of Neumaier steps and its bound).
struct ShortOutputs<'a> {
    values: &'a [f64],
    n: usize,
    out: &'a mut [f64],
    unproven: &'a mut Vec<usize>,
}

impl WithSimd for ShortOutputs<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        let n = self.n;
        assert!(n > 0 && n < 2 * LANES, "short outputs have 1 to {} elements, not {n}", 2 * LANES - 1);
        // A constant count for the common short rows (points, pixels, quaternions): the transposition below then
        // compiles to shuffles rather than a load and a store per element.
        match n {
            1 => self.groups(1),
            2 => self.groups(2),
            3 => self.groups(3),
            4 => self.groups(4),
            5 => self.groups(5),
            6 => self.groups(6),
            7 => self.groups(7),
            8 => self.groups(8),
            _ => self.groups(n),
        }
    }
}

impl ShortOutputs<'_> {
    #[inline(always)]
    fn groups(self, n: usize) {
        let group = SHORT_GROUP * n;
        let mut padded = [0.0f64; SHORT_GROUP * 2 * LANES];
        let mut first = 0;
        for (outputs, out) in self.values.chunks(group).zip(self.out.chunks_mut(SHORT_GROUP)) {
            // The last group, when short, from a copy with zeros after it: every group then reads whole lanes.
            let outputs = if outputs.len() == group {
                outputs
            } else {
                padded[..outputs.len()].copy_from_slice(outputs);
                &padded[..group]
            };
            // Element k of every output of the group, one output per lane: built in registers from the loads, with no
            // store in between (a vector load of eight separate stores waits for all of them).
            let column = |k: usize| -> [f64; SHORT_GROUP] { std::array::from_fn(|j| outputs[j * n + k]) };
            let (sum, exact) = tracked_group(n, column);
            if exact.iter().all(|&e| e) {
                out.copy_from_slice(&sum[..out.len()]);
            } else {
                let (head, proven) = certified_group(n, column);
                for (j, value) in out.iter_mut().enumerate() {
                    *value = if exact[j] { sum[j] } else { head[j] };
                    if !(exact[j] || proven[j]) {
                        self.unproven.push(first + j);
                    }
                }
            }
            first += SHORT_GROUP;
        }
    }
}

/// Each lane's sum of `n` elements (`column(k)` is element k of every lane's output), by TwoSum steps whose
/// compensation is summed by TwoSum too: the rounded total, and whether it is proven (the compensation's additions were
/// all exact, so the total before its one rounding was exact). An exact zero is +0, as every sum here gives it.
#[inline(always)]
fn tracked_group(n: usize, column: impl Fn(usize) -> [f64; SHORT_GROUP]) -> ([f64; SHORT_GROUP], [bool; SHORT_GROUP]) {
    let (mut sum, mut compensation, mut residue) =
        ([0.0f64; SHORT_GROUP], [0.0f64; SHORT_GROUP], [0.0f64; SHORT_GROUP]);
    for k in 0..n {
        let xs = column(k);
        for j in 0..SHORT_GROUP {
            let (t, lost) = two_sum(sum[j], xs[j]);
            // What the compensation's own addition rounded away: exactly zero while it is exact.
            let (c, rounded) = two_sum(compensation[j], lost);
            residue[j] += rounded.abs();
            (sum[j], compensation[j]) = (t, c);
        }
    }
    let mut total = [0.0f64; SHORT_GROUP];
    let mut exact = [false; SHORT_GROUP];
    for j in 0..SHORT_GROUP {
        let head = sum[j] + compensation[j];
        total[j] = if head == 0.0 { 0.0 } else { head };
        exact[j] = residue[j] == 0.0 && head.is_finite();
    }
    (total, exact)
}

/// Each lane's sum of `n` elements (`column(k)` is element k of every lane's output) by a chain of Neumaier steps,
/// and whether the bound of [`Walk::short_sum`] proves it correctly rounded.
#[inline(always)]
fn certified_group(
    n: usize,
    column: impl Fn(usize) -> [f64; SHORT_GROUP],
) -> ([f64; SHORT_GROUP], [bool; SHORT_GROUP]) {
    let (mut sum, mut compensation, mut magnitude) =
        ([0.0f64; SHORT_GROUP], [0.0f64; SHORT_GROUP], [0.0f64; SHORT_GROUP]);
    for k in 0..n {
        let xs = column(k);
        for j in 0..SHORT_GROUP {
            // Neumaier::add, one output per vector lane.
            let (t, lost) = two_sum(sum[j], xs[j]);
            compensation[j] += lost;
            sum[j] = t;
            magnitude[j] += xs[j].abs();
        }
    }
    let k = short_chain(n);
    let mut head = [0.0f64; SHORT_GROUP];
    let mut proven = [false; SHORT_GROUP];
    for j in 0..SHORT_GROUP {
        let total = Neumaier::from_parts(sum[j], compensation[j]);
        (head[j], proven[j]) = proven_sum(total, magnitude[j], k, n);
    }
    (head, proven)
}

/// [`Strategy::Rows`] for outputs of fewer than `2·LANES` rows: the `width` columns from `index` along `axis`, each
/// summed over all `rows` rows as [`ShortOutputs`] sums its outputs (a column per lane), with the same proofs; `None`
/// for an output neither proof covers. Rows are read [`CHUNK`] columns at a time, each row from its start to its end.
struct ShortColumns<'a, 'w, 'g> {
    walk: &'a Walk<'w, 'g>,
    index: &'a mut [usize],
    axis: usize,
    rows: usize,
    width: usize,
}

impl WithSimd for ShortColumns<'_, '_, '_> {
    type Output = Vec<Option<f64>>;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) -> Vec<Option<f64>> {
        let (rows, axis) = (self.rows, self.axis);
        let first_column = self.index[axis];
        let mut stage = [[0.0f64; CHUNK]; 2 * LANES];
        let mut done = Vec::with_capacity(self.width);
        for j in (0..self.width).step_by(CHUNK) {
            let c = CHUNK.min(self.width - j);
            for (k, row) in stage[..rows].iter_mut().enumerate() {
                self.walk.set_reduced(self.index, k);
                self.index[axis] = first_column + j;
                self.walk.view.read_run(self.index, axis, &mut row[..c]);
            }
            for g in (0..c).step_by(SHORT_GROUP) {
                // A short last group reads the stage's stale columns past it in its spare lanes, and drops them.
                let lanes = SHORT_GROUP.min(c - g);
                let column = |k: usize| -> [f64; SHORT_GROUP] { stage[k][g..g + SHORT_GROUP].try_into().unwrap() };
                let (sum, exact) = tracked_group(rows, column);
                if exact[..lanes].iter().all(|&e| e) {
                    done.extend(sum[..lanes].iter().map(|&v| Some(v)));
                } else {
                    let (head, proven) = certified_group(rows, column);
                    done.extend((0..lanes).map(|l| if exact[l] { Some(sum[l]) } else { proven[l].then_some(head[l]) }));
                }
            }
        }
        done
    }
}

/// [`Strategy::Rows`]: tasks of one index of the other kept axes, up to [`COLUMNS`] columns along the row axis, and a
/// piece of the reduced positions of about 8 blocks' worth of elements and at least [`MIN_ROWS_PER_PIECE`] rows. Each
/// output's sum where the compensated pass proves it, `None` where the exact pass must decide.
fn rows(
    walk: &Walk<'_, '_>,
    plan: &AxesPlan,
    outputs: usize,
    reduced: usize,
    cancel: &Cancel,
) -> Result<Vec<Option<f64>>> {
    let c = plan.row_axis;
    let width = walk.shape()[c];
    let others = outputs / width;
    let column_blocks = width.div_ceil(COLUMNS);
    let rows_per_piece = (8 * BLOCK / width.min(COLUMNS)).max(MIN_ROWS_PER_PIECE);
    let pieces = reduced.div_ceil(rows_per_piece);
    let tasks = others * column_blocks * pieces;
    // The output position of kept index `index` (row-major over the kept axes).
    let out_position = |index: &[usize]| index[..walk.kept].iter().zip(walk.shape()).fold(0, |o, (&i, &n)| o * n + i);
    let parts = map_block_indices(tasks, cancel, |t| {
        let (p, rest) = (t % pieces, t / pieces);
        let (cb, other) = (rest % column_blocks, rest / column_blocks);
        let columns = cb * COLUMNS..((cb + 1) * COLUMNS).min(width);
        let w = columns.len();
        let mut index = vec![0; walk.shape().len()];
        // The other kept axes' index: `other` row-major over them, the row axis left out.
        let mut rest = other;
        for axis in (0..walk.kept).rev().filter(|&a| a != c) {
            let n = walk.shape()[axis];
            index[axis] = rest % n;
            rest /= n;
        }
        index[c] = columns.start;
        // The output of the task's first column (the kernels below move `index`; this reads only its kept axes).
        let first = out_position(&index);
        let out_stride: usize = walk.shape()[c + 1..walk.kept].iter().product();
        if reduced < 2 * LANES {
            // Few rows: each output is short, and summed as short outputs are (one piece: `rows_per_piece` is larger).
            let done = simd_arch().dispatch(ShortColumns { walk, index: &mut index, axis: c, rows: reduced, width: w });
            return (first, out_stride, Columns::Finished(done));
        }
        let (mut sums, mut compensations, mut magnitudes) = (vec![0.0f64; w], vec![0.0f64; w], vec![0.0f64; w]);
        let (r0, r1) = (p * rows_per_piece, ((p + 1) * rows_per_piece).min(reduced));
        AccumulateRows {
            walk,
            index: &mut index,
            axis: c,
            rows: r0..r1,
            sums: &mut sums,
            compensations: &mut compensations,
            magnitudes: &mut magnitudes,
        }
        .run();
        let part = |j: usize| Part {
            total: Neumaier::from_parts(sums[j], compensations[j]),
            magnitude: magnitudes[j],
            count: r1 - r0,
        };
        // With one piece, each output's part is its whole sum: finished here, so that no task holds parts for every
        // output until all are done. With several, every part sums at least `MIN_ROWS_PER_PIECE` elements, so the
        // parts cost a small fraction of the input's memory.
        let columns = if pieces == 1 {
            Columns::Finished((0..w).map(|j| part(j).finish(0)).collect())
        } else {
            Columns::Parts((0..w).map(part).collect())
        };
        (first, out_stride, columns)
    })?;
    let mut values = vec![None; outputs];
    if pieces == 1 {
        for (first, stride, columns) in parts {
            if let Columns::Finished(done) = columns {
                done.into_iter().enumerate().for_each(|(j, v)| values[first + j * stride] = v);
            }
        }
        return Ok(values);
    }
    // Each column's pieces merged in piece order, on the pool: a task per run of `MERGED` columns of one column
    // block, so that a wide matrix's many partial sums merge on every core.
    let runs_per_block = COLUMNS.div_ceil(MERGED);
    let merged = map_block_indices(others * column_blocks * runs_per_block, cancel, |m| {
        let (block, run) = (m / runs_per_block, m % runs_per_block);
        let tasks = &parts[block * pieces..(block + 1) * pieces];
        let (first, stride, _) = tasks[0];
        let w = match &tasks[0].2 {
            Columns::Parts(parts) => parts.len(),
            Columns::Finished(_) => 0,
        };
        let columns = (run * MERGED).min(w)..((run + 1) * MERGED).min(w);
        let mut totals = vec![Part::default(); columns.len()];
        for (_, _, task) in tasks {
            if let Columns::Parts(parts) = task {
                totals.iter_mut().zip(&parts[columns.clone()]).for_each(|(total, part)| total.merge(part));
            }
        }
        (first + columns.start * stride, stride, totals.iter().map(|total| total.finish(pieces)).collect::<Vec<_>>())
    })?;
    for (first, stride, done) in merged {
        done.into_iter().enumerate().for_each(|(j, v)| values[first + j * stride] = v);
    }
    Ok(values)
}

/// Columns a task of [`rows`] merges the pieces of.
const MERGED: usize = 1024;

/// A [`Strategy::Rows`] task's loop: rows of its piece, [`ROWS_AT_ONCE`] at a time, read along `axis` from the
/// columns `index` starts at, [`CHUNK`] columns at a time, and added column by column into the accumulators, on the
/// widest vectors the processor has (the arithmetic is the same on every width, so are the bits).
struct AccumulateRows<'a, 'w, 'g> {
    walk: &'a Walk<'w, 'g>,
    index: &'a mut [usize],
    axis: usize,
    rows: Range<usize>,
    sums: &'a mut [f64],
    compensations: &'a mut [f64],
    magnitudes: &'a mut [f64],
}

impl<'g> AccumulateRows<'_, '_, 'g> {
    /// Runs the loop: with AVX-512, rows that run forward in memory are loaded straight into registers
    /// ([`AccumulateRows::in_registers`]); otherwise, and on other processors, through stages ([`WithSimd`]).
    fn run(mut self) {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if self.walk.view.layout().strides()[self.axis] == 1
            && crate::arch::with_avx512(|simd| simd.vectorize(|| self.in_registers(simd))).is_some()
        {
            return;
        }
        simd_arch().dispatch(self);
    }

    /// The loop with AVX-512, for rows that run forward in memory: [`ROWS_AT_ONCE`] rows' elements loaded in step
    /// into registers ([`ReadView::fold_groups_in_step`](crate::view::ReadView)), 32 columns at a time, and added as
    /// [`add_rows`] adds them (the same operations in the same order, so the same bits); the columns past the last
    /// whole group through a stage.
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[inline(always)]
    fn in_registers(&mut self, simd: pulp::x86::V4) {
        let w = self.sums.len();
        let first_column = self.index[self.axis];
        let mut r = self.rows.start;
        while r < self.rows.end {
            let n = ROWS_AT_ONCE.min(self.rows.end - r);
            let runs: Vec<crate::view::ReadView<'g, f64>> = (r..r + n)
                .map(|row| {
                    self.walk.set_reduced(self.index, row);
                    self.index[self.axis] = first_column;
                    self.walk.view.contiguous_run(self.index, self.axis, w).expect("rows run forward in memory")
                })
                .collect();
            let whole = match <&[crate::view::ReadView<'g, f64>; ROWS_AT_ONCE]>::try_from(&runs[..]) {
                Ok(group) => self.add_in_registers(simd, group.each_ref()),
                Err(_) => runs.iter().map(|run| self.add_in_registers(simd, [run])).min().unwrap_or(0),
            };
            // The last columns, fewer than a group, each row in order.
            let mut tail = [0.0f64; DOUBLES_PER_GROUP];
            for run in &runs {
                run.read_into(whole, &mut tail[..w - whole]);
                add_rows::<1>(
                    &mut self.sums[whole..],
                    &mut self.compensations[whole..],
                    &mut self.magnitudes[whole..],
                    &tail,
                    w - whole,
                );
            }
            r += n;
        }
    }

    /// Adds the whole groups of `N` rows, in step, into the accumulators of their columns; returns how many columns
    /// that was.
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[inline(always)]
    fn add_in_registers<const N: usize>(
        &mut self,
        simd: pulp::x86::V4,
        rows: [&crate::view::ReadView<'g, f64>; N],
    ) -> usize {
        let (sums, compensations, magnitudes) = (&mut *self.sums, &mut *self.compensations, &mut *self.magnitudes);
        let load =
            |xs: &[f64], at: usize| -> pulp::f64x8 { bytemuck::cast(<[f64; 8]>::try_from(&xs[at..at + 8]).unwrap()) };
        let store = |xs: &mut [f64], at: usize, v: pulp::f64x8| {
            xs[at..at + 8].copy_from_slice(&bytemuck::cast::<_, [f64; 8]>(v))
        };
        let (_, whole) = crate::view::ReadView::fold_groups_in_step(rows, simd, 0, |j, groups| {
            for v in 0..4 {
                let at = j + 8 * v;
                let (mut sum, mut compensation, mut magnitude) =
                    (load(sums, at), load(compensations, at), load(magnitudes, at));
                for group in &groups {
                    // Neumaier::add (TwoSum: see there), one column per lane, as add_rows.
                    let x = group[v];
                    let t = simd.add_f64s(sum, x);
                    let x_part = simd.sub_f64s(t, sum);
                    let lost = simd.add_f64s(simd.sub_f64s(sum, simd.sub_f64s(t, x_part)), simd.sub_f64s(x, x_part));
                    compensation = simd.add_f64s(compensation, lost);
                    sum = t;
                    magnitude = simd.add_f64s(magnitude, simd.abs_f64s(x));
                }
                store(sums, at, sum);
                store(compensations, at, compensation);
                store(magnitudes, at, magnitude);
            }
            j + DOUBLES_PER_GROUP
        });
        whole
    }
}

impl WithSimd for AccumulateRows<'_, '_, '_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        let w = self.sums.len();
        let first_column = self.index[self.axis];
        let forward = self.walk.view.layout().strides()[self.axis] == 1;
        let mut group = [0.0f64; ROWS_AT_ONCE * CHUNK];
        let mut starts = vec![self.index.to_vec(); ROWS_AT_ONCE];
        let mut r = self.rows.start;
        while r < self.rows.end {
            let n = ROWS_AT_ONCE.min(self.rows.end - r);
            // Each row of the group as a contiguous view when it runs forward in memory: its reads then prefetch the
            // rest of the row ahead of them.
            let mut runs: [Option<crate::view::ReadView<'_, f64>>; ROWS_AT_ONCE] = Default::default();
            for k in 0..n {
                self.walk.set_reduced(self.index, r + k);
                self.index[self.axis] = first_column;
                starts[k].copy_from_slice(self.index);
                if forward {
                    runs[k] = self.walk.view.contiguous_run(self.index, self.axis, w);
                }
            }
            let mut j = 0;
            while j < w {
                let c = CHUNK.min(w - j);
                for (k, row) in group.chunks_exact_mut(CHUNK).take(n).enumerate() {
                    match &runs[k] {
                        Some(run) => run.read_into(j, &mut row[..c]),
                        None => {
                            starts[k][self.axis] = first_column + j;
                            self.walk.view.read_run(&starts[k], self.axis, &mut row[..c]);
                        }
                    }
                }
                let columns = j..j + c;
                let (sums, compensations, magnitudes) = (
                    &mut self.sums[columns.clone()],
                    &mut self.compensations[columns.clone()],
                    &mut self.magnitudes[columns],
                );
                if n == ROWS_AT_ONCE {
                    add_rows::<ROWS_AT_ONCE>(sums, compensations, magnitudes, &group, CHUNK);
                } else {
                    for row in group.chunks_exact(CHUNK).take(n) {
                        add_rows::<1>(sums, compensations, magnitudes, row, CHUNK);
                    }
                }
                j += c;
            }
            r += n;
        }
    }
}

/// Rows a [`Strategy::Rows`] task adds at once.
const ROWS_AT_ONCE: usize = 4;

/// Adds `N` rows into the columns' accumulators, in row order: `rows` holds them one after the other, `pitch` apart,
/// each as long as `sums`.
#[inline(always)]
fn add_rows<const N: usize>(
    sums: &mut [f64],
    compensations: &mut [f64],
    magnitudes: &mut [f64],
    rows: &[f64],
    pitch: usize,
) {
    let w = sums.len();
    // Every slice exactly `w` long, so that the loop over columns has no bounds to check and runs on vectors.
    let compensations = &mut compensations[..w];
    let magnitudes = &mut magnitudes[..w];
    let rows: [&[f64]; N] = std::array::from_fn(|k| &rows[k * pitch..k * pitch + w]);
    for j in 0..w {
        let (mut sum, mut compensation, mut magnitude) = (sums[j], compensations[j], magnitudes[j]);
        for row in &rows {
            let x = row[j];
            // Neumaier::add (TwoSum: see there), one column per vector lane.
            let t = sum + x;
            let x_part = t - sum;
            compensation += (sum - (t - x_part)) + (x - x_part);
            sum = t;
            magnitude += x.abs();
        }
        (sums[j], compensations[j], magnitudes[j]) = (sum, compensation, magnitude);
    }
}

/// What a [`Strategy::Rows`] task returns for its columns.
enum Columns {
    /// Each column's sum, or `None` for the exact pass.
    Finished(Vec<Option<f64>>),
    /// Each column's partial sum, to merge with the other pieces'.
    Parts(Vec<Part>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::sum::certified;
    use crate::kernels::testutil::{cancelled, with_strided, Rng};
    use crate::kernels::Scalar;

    /// Every index of `shape`, in row-major order.
    fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
        let mut all = vec![Vec::new()];
        for &n in shape {
            all = all.into_iter().flat_map(|p| (0..n).map(move |i| [p.clone(), vec![i]].concat())).collect();
        }
        all
    }

    /// The straightforward reference: for each output index, gather its elements by walking every input index, and
    /// sum them with the whole-array kernel.
    fn reference(data: &[f64], layout: &Layout, axes: &[usize]) -> (Vec<usize>, Vec<f64>) {
        let kept: Vec<usize> = (0..layout.ndim()).filter(|a| !axes.contains(a)).collect();
        let out_shape: Vec<usize> = kept.iter().map(|&a| layout.shape()[a]).collect();
        let mut gathered: Vec<Vec<f64>> = vec![Vec::new(); out_shape.iter().product()];
        for index in indices(layout.shape()) {
            let o = kept.iter().fold(0, |o, &a| o * layout.shape()[a] + index[a]);
            gathered[o].push(data[layout.element_of(&index).unwrap()]);
        }
        let sums = gathered
            .iter()
            .map(|xs| match crate::kernels::testutil::with_view(xs, |v| crate::kernels::sum(v, &Cancel::new())) {
                Ok(Scalar::Number(x)) => x,
                other => panic!("{other:?}"),
            })
            .collect();
        (out_shape, sums)
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| crate::kernels::testutil::same_bits_or_both_nan(*x, *y))
    }

    #[test]
    fn axes_follow_numpys_rules() {
        assert_eq!(normalize_axes(&[-1, 0], 3).unwrap().as_slice(), &[0, 2]);
        assert_eq!(normalize_axes(&[], 3).unwrap().as_slice(), &[] as &[usize]);
        let e = normalize_axes(&[3], 3).unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("ERR_OUT_OF_RANGE", "axis 3 is out of range for 3 dimensions (it must be from -3 to 2)")
        );
        assert_eq!(normalize_axes(&[-4], 3).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        let e = normalize_axes(&[1, -2], 3).unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("ERR_INVALID_ARG_VALUE", "axis -2 names axis 1, which is already in axes [1, -2]")
        );
    }

    #[test]
    fn plans_walk_memory_in_order() {
        let matrix = Layout::new(&[8192, 8192], None, 0, 8192 * 8192).unwrap();
        let axis0 = AxesPlan::new(&matrix, &[0]).unwrap();
        assert_eq!((axis0.out_shape(), axis0.strategy()), (&[8192usize][..], Strategy::Rows));
        let axis1 = AxesPlan::new(&matrix, &[1]).unwrap();
        assert_eq!((axis1.out_shape(), axis1.strategy()), (&[8192usize][..], Strategy::Runs));
        // The transposed view: the roles swap.
        let transposed = matrix.permuted(&[1, 0]).unwrap();
        assert_eq!(AxesPlan::new(&transposed, &[0]).unwrap().strategy(), Strategy::Runs);
        assert_eq!(AxesPlan::new(&transposed, &[1]).unwrap().strategy(), Strategy::Rows);
        // An image's channels: per-channel means over height and width walk rows of 3.
        let image = Layout::new(&[512, 512, 3], None, 0, 512 * 512 * 3).unwrap();
        let channels = AxesPlan::new(&image, &[0, 1]).unwrap();
        assert_eq!((channels.out_shape(), channels.strategy()), (&[3usize][..], Strategy::Rows));
        assert_eq!(AxesPlan::new(&image, &[0, 1, 2]).unwrap().out_shape(), &[] as &[usize]);
    }

    #[derive(Debug)]
    struct Case {
        data: Vec<f64>,
        layout: Layout,
        axes: Vec<usize>,
    }

    /// A random layout of 1 to 4 dimensions over random data: sizes up to 5 (some 0 and 1), strides of either
    /// sign (some zero, some transposed), an offset that keeps it in range, and a random set of axes.
    fn random_case(rng: &mut Rng) -> Case {
        let ndim = 1 + (rng.next_u64() % 4) as usize;
        let shape: Vec<i64> = (0..ndim).map(|_| [0, 1, 2, 3, 4, 5, 5, 4][(rng.next_u64() % 8) as usize]).collect();
        let strides: Vec<i64> = (0..ndim).map(|_| (rng.next_u64() % 15) as i64 - 7).collect();
        let low: i64 = shape.iter().zip(&strides).map(|(&n, &s)| (s * (n - 1).max(0)).min(0)).sum();
        let high: i64 = shape.iter().zip(&strides).map(|(&n, &s)| (s * (n - 1).max(0)).max(0)).sum();
        let offset = -low + (rng.next_u64() % 3) as i64;
        let len = (offset + high + 1 + (rng.next_u64() % 3) as i64) as usize;
        let data: Vec<f64> = (0..len)
            .map(|_| match rng.next_u64() % 10 {
                0 => 0.0,
                1 => -0.0,
                2 => 1e300 * if rng.next_u64().is_multiple_of(2) { 1.0 } else { -1.0 },
                _ => rng.wide_f64(),
            })
            .collect();
        let layout = Layout::new(&shape, Some(&strides), offset, len).unwrap();
        let axes: Vec<usize> = (0..ndim).filter(|_| rng.next_u64().is_multiple_of(2)).collect();
        Case { data, layout, axes }
    }

    #[test]
    fn random_layouts_sum_like_the_reference() {
        let mut rng = Rng::new(21);
        let cases = if cfg!(miri) { 20 } else { 3000 };
        for _ in 0..cases {
            let case = random_case(&mut rng);
            let (shape, want) = reference(&case.data, &case.layout, &case.axes);
            let axes: Vec<i64> = case.axes.iter().map(|&a| a as i64).collect();
            let (got_shape, got) =
                with_strided(&case.data, &case.layout, |v| sum_axes(v, &axes, &Cancel::new())).unwrap();
            assert_eq!(got_shape.as_slice(), shape.as_slice(), "{case:?}");
            assert!(same(&got, &want), "{case:?}: {got:?} != {want:?}");
            // The same axes counted from the end.
            let negative: Vec<i64> = case.axes.iter().map(|&a| a as i64 - case.layout.ndim() as i64).collect();
            let (_, again) =
                with_strided(&case.data, &case.layout, |v| sum_axes(v, &negative, &Cancel::new())).unwrap();
            assert!(same(&again, &want));
        }
    }

    /// Large enough for several tasks per output, several column blocks and pieces, and the lanes.
    // Millions of elements: too slow under Miri, which runs the small cases above.
    #[cfg_attr(miri, ignore)]
    #[test]
    fn large_layouts_split_into_tasks_and_still_round_once() {
        let mut rng = Rng::new(5);
        type Shape<'a> = &'a [i64];
        let cases: [(Shape<'_>, Option<Shape<'_>>, &[usize]); 16] = [
            (&[300, 1500], Some(&[1500, -1]), &[1]),
            (&[300, 1500], Some(&[1500, -1]), &[0]),
            (&[300, 1500], None, &[0]),
            // Pieces whose last group of rows is short, a row wider than a task's columns, other kept axes.
            (&[301, 1500], None, &[0]),
            (&[7, 40_000], None, &[0]),
            (&[3, 200, 70], None, &[1]),
            // Short outputs, consecutive in memory or not.
            (&[5000, 7], None, &[1]),
            (&[4000, 63], None, &[1]),
            (&[9, 500, 5], None, &[2]),
            (&[5000, 7], Some(&[8, 1]), &[1]),
            (&[300, 1500], None, &[1]),
            (&[1500, 300], Some(&[1, 1500]), &[0]),
            (&[1500, 300], Some(&[1, 1500]), &[1]),
            (&[3, 70_000], None, &[1]),
            (&[70_000, 3], None, &[0]),
            (&[40, 50, 3], Some(&[-450, 9, 1]), &[0, 1]),
        ];
        for (shape, strides, axes) in cases {
            let len: usize = match strides {
                Some(&[-450, 9, 1]) => 3 * 40 * 50 * 3,
                Some(&[8, 1]) => 8 * 5000,
                _ => shape.iter().product::<i64>() as usize,
            };
            // Cancelling values, so that some outputs need the exact pass.
            let data: Vec<f64> =
                (0..len).map(|i| if i % 7 == 0 { 1e16 * rng.unit() } else { rng.wide_f64() }).collect();
            let offset = match strides {
                Some(&[-450, 9, 1]) => 39 * 450,
                Some(&[1500, -1]) => 1499,
                _ => 0,
            };
            let layout = Layout::new(shape, strides, offset, len).unwrap();
            let (_, want) = reference(&data, &layout, axes);
            let axes: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
            let (_, got) = with_strided(&data, &layout, |v| sum_axes(v, &axes, &Cancel::new())).unwrap();
            assert!(same(&got, &want), "{shape:?} {strides:?} {axes:?}");
        }
    }

    /// [`ShortOutputs`] proves every output that [`certified`] proves, and more (exact sums on rounding boundaries);
    /// every output it proves is the whole-array sum of that output's elements, bit for bit. Values are chosen to sit
    /// on both sides of its tests: ties and near-ties, random significands (sums that land halfway between doubles),
    /// cancellation to nothing, subnormals, the largest doubles, infinities and NaN, and only zeros of either sign.
    #[test]
    fn short_outputs_prove_at_least_what_certified_proves() {
        let mut rng = Rng::new(11);
        let m = f64::MAX;
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e16,
            -1e16,
            3.0,
            2f64.powi(53),
            1.0 + f64::EPSILON,
            m,
            -m,
            m / 2.0,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for n in 1..2 * LANES {
            let outputs = 3 * SHORT_GROUP + 5;
            let values: Vec<f64> = (0..outputs * n)
                .map(|_| match rng.next_u64() % 5 {
                    0 => specials[(rng.next_u64() % specials.len() as u64) as usize],
                    1 => rng.wide_f64(),
                    2 => (rng.next_u64() % 7) as f64 - 3.0,
                    3 => rng.unit(),
                    _ => 1e16 * rng.unit(),
                })
                .collect();
            let mut sums = vec![f64::NAN; outputs];
            let mut unproven = Vec::new();
            simd_arch().dispatch(ShortOutputs { values: &values, n, out: &mut sums, unproven: &mut unproven });
            let got: Vec<Option<f64>> =
                sums.iter().enumerate().map(|(o, &sum)| (!unproven.contains(&o)).then_some(sum)).collect();
            for (o, xs) in values.chunks(n).enumerate() {
                let mut total = Neumaier::default();
                let mut magnitude = 0.0;
                xs.iter().for_each(|&x| {
                    total.add(x);
                    magnitude += x.abs();
                });
                let want = if magnitude == 0.0 && total.value() == 0.0 {
                    Some(0.0)
                } else {
                    certified(total, error_bound((3 * n + 2) as f64, magnitude, n as f64 + 64.0))
                };
                if let Some(want) = want {
                    assert_eq!(got[o].map(f64::to_bits), Some(want.to_bits()), "{xs:?}");
                }
                if let Some(got) = got[o] {
                    let (_, whole) = reference(xs, &Layout::new(&[n as i64], None, 0, n).unwrap(), &[0]);
                    assert_eq!(got.to_bits(), whole[0].to_bits(), "{xs:?}");
                }
            }
        }
    }

    /// Short outputs of random significands, along the last axis and along the first: their exact sums often land
    /// halfway between two doubles, where only the exactness of the compensation proves the rounding.
    #[test]
    fn short_sums_on_rounding_boundaries_round_like_the_whole_array_sum() {
        let mut rng = Rng::new(5);
        for n in [2, 3, 4, 7, 8, 9, 63] {
            let data: Vec<f64> = (0..n * 300).map(|_| rng.unit()).collect();
            for (shape, axis) in [([300, n], 1), ([n, 300], 0)] {
                let layout = Layout::new(&[shape[0] as i64, shape[1] as i64], None, 0, data.len()).unwrap();
                let (_, want) = reference(&data, &layout, &[axis]);
                let (_, got) = with_strided(&data, &layout, |v| sum_axes(v, &[axis as i64], &Cancel::new())).unwrap();
                assert!(same(&got, &want), "{shape:?} over axis {axis}");
            }
        }
    }

    #[test]
    fn special_values_per_output() {
        // Columns: NaN, both infinities, an overflow, only negative zeros, cancellation.
        let m = f64::MAX;
        let data =
            [f64::NAN, f64::INFINITY, m, -0.0, 1e100, 1.0, f64::NEG_INFINITY, m, -0.0, 1.0, 2.0, 1.0, -m, -0.0, -1e100];
        let layout = Layout::new(&[3, 5], None, 0, 15).unwrap();
        let (_, got) = with_strided(&data, &layout, |v| sum_axes(v, &[0], &Cancel::new())).unwrap();
        assert!(got[0].is_nan() && got[1].is_nan());
        assert_eq!(got[2], m);
        assert_eq!(got[3].to_bits(), 0.0f64.to_bits());
        assert_eq!(got[4], 1.0);
        let (_, rows) = with_strided(&data, &layout, |v| sum_axes(v, &[1], &Cancel::new())).unwrap();
        assert!(rows[0].is_nan());
        assert_eq!(rows[1], f64::NEG_INFINITY);
        assert_eq!(rows[2], -m);
    }

    /// The expansion sum against the superaccumulator, on few values built to tie: decimals of one magnitude, values
    /// a power of two apart, cancellations, subnormals.
    #[test]
    fn expansion_sums_round_like_the_superaccumulator() {
        let mut rng = Rng::new(11);
        // Under Miri (safe code here, run for the views and the pool underneath) a few hundred cases are plenty.
        for case in 0..if cfg!(miri) { 200 } else { 20_000 } {
            let n = 1 + (rng.next_u64() % 12) as usize;
            let xs: Vec<f64> = (0..n)
                .map(|_| match case % 4 {
                    0 => (rng.next_u64() % 1000) as f64 * 0.001,
                    1 => {
                        2f64.powi((rng.next_u64() % 120) as i32 - 60)
                            * if rng.next_u64().is_multiple_of(2) { 1.0 } else { -1.0 }
                    }
                    2 => rng.wide_f64() * 1e300,
                    _ => {
                        f64::from_bits(rng.next_u64() % 64) * if rng.next_u64().is_multiple_of(2) { 1.0 } else { -1.0 }
                    }
                })
                .collect();
            let mut exact = ExactSum::default();
            xs.iter().for_each(|&x| exact.add(x));
            exact.normalise();
            match expansion_sum(&xs) {
                Some(sum) => assert_eq!(sum.to_bits(), exact.value().to_bits(), "{xs:?}"),
                None => assert!(!exact.value().is_finite() || xs.iter().any(|x| x.abs() > 1e307), "{xs:?}"),
            }
        }
        assert_eq!(expansion_sum(&[f64::NAN]), None);
        assert_eq!(expansion_sum(&[]), Some(0.0));
    }

    #[test]
    fn empty_and_aborted() {
        let layout = Layout::new(&[3, 0], None, 0, 0).unwrap();
        let (shape, got) = with_strided(&[], &layout, |v| sum_axes(v, &[1], &Cancel::new())).unwrap();
        assert_eq!((shape.as_slice(), got), (&[3usize][..], vec![0.0; 3]));
        let (shape, got) = with_strided(&[], &layout, |v| sum_axes(v, &[0], &Cancel::new())).unwrap();
        assert_eq!((shape.as_slice(), got), (&[0usize][..], vec![]));
        // The mean of nothing is 0 / 0, as numpy's; of something, the rounded sum over the count.
        let (_, got) = with_strided(&[], &layout, |v| mean_axes(v, &[1], &Cancel::new())).unwrap();
        assert!(got.len() == 3 && got.iter().all(|x| x.is_nan()));
        let rows = Layout::new(&[2, 3], None, 0, 6).unwrap();
        let data = [1.0, 2.0, 4.0, 0.1, 0.2, 0.3];
        let (_, got) = with_strided(&data, &rows, |v| mean_axes(v, &[-1], &Cancel::new())).unwrap();
        assert_eq!(got, vec![7.0 / 3.0, 0.6 / 3.0]);
        let full = Layout::new(&[4, 4], None, 0, 16).unwrap();
        let err = with_strided(&[1.0; 16], &full, |v| sum_axes(v, &[0], &cancelled())).unwrap_err();
        assert_eq!(err, Error::Aborted { operation: None });
        let err = with_strided(&[1.0; 16], &full, |v| sum_axes(v, &[2], &Cancel::new())).unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_RANGE");
    }
}

/// Timings of the bench's shapes, for working on this file: `cargo test --release -p parabuf-core --lib
/// axes_timings -- --ignored --nocapture`. The bench (`bench/axes.mjs`) holds the measurements.
#[cfg(test)]
mod timings {
    use super::*;
    use crate::ledger::Ledger;
    use crate::region::OwnedBuffer;

    /// Times one row, unless `AXES_TIMINGS` names others (a part of its label: `AXES_TIMINGS="axis 0"`).
    fn time(label: &str, data: &[f64], layout: &Layout, axes: &[i64]) {
        if std::env::var("AXES_TIMINGS").is_ok_and(|only| !label.contains(&only)) {
            return;
        }
        let buf = OwnedBuffer::zeroed(8 * data.len());
        let ledger = Ledger::new();
        ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, data);
        let guard = ledger.read(buf.region()).unwrap();
        let view = guard.strided_view_with::<f64>(layout).unwrap();
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            std::hint::black_box(sum_axes(&view, axes, &Cancel::new()).unwrap());
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{label}: {:.2} ms", best * 1e3);
    }

    #[test]
    #[ignore = "timings, not a test"]
    fn axes_timings() {
        let n = 8192;
        let rows_only = std::env::var("AXES_TIMINGS").is_ok_and(|only| only.contains("random") || only.contains("1e6"));
        let data: Vec<f64> = (0..if rows_only { 4_000_000 } else { n * n }).map(|i| (i % 1013) as f64 * 0.25).collect();
        if !rows_only {
            let square = Layout::new(&[n as i64, n as i64], None, 0, data.len()).unwrap();
            let transposed = Layout::new(&[n as i64, n as i64], Some(&[1, n as i64]), 0, data.len()).unwrap();
            time("8192² axis 0", &data, &square, &[0]);
            time("8192² axis 1", &data, &square, &[1]);
            time("transposed axis 0", &data, &transposed, &[0]);
        }
        let rows = Layout::new(&[1_000_000, 4], None, 0, 4_000_000).unwrap();
        time("1e6 × 4 axis 1", &data[..4_000_000], &rows, &[1]);
        // Every bit of the significand random, as measured data has it (the values above sum exactly).
        let mut rng = crate::kernels::testutil::Rng::new(7);
        let random: Vec<f64> = (0..4_000_000).map(|_| rng.unit()).collect();
        time("1e6 × 4 axis 1, random significands", &random, &rows, &[1]);
        let columns = Layout::new(&[4, 1_000_000], None, 0, 4_000_000).unwrap();
        time("4 × 1e6 axis 0, random significands", &random, &columns, &[0]);
    }
}
