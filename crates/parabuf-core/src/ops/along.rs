//! Reductions along axes (numpy's `a.sum(axis=...)`): one result per index of the kept axes, each the whole-array
//! reduction of the elements at that index, so every numeric rule of the whole-array version (exactness or its
//! error bound, NaN and `-0`, determinism for any thread count) holds for every output element.
//!
//! A float64 `sum` or `mean` streams through memory in the loop order of [`sum_axes`] and [`mean_axes`], and so does
//! the `sum` or `mean` of 8-, 16- and 32-bit integers ([`int_sum_axes`], exact in 64-bit accumulators). Every other
//! reduction copies each output's elements (in the row-major order of the reduced axes) into a buffer of the task's
//! own and runs the operation's kernel on it; tasks hold whole outputs, about a block of elements each, and run on the
//! pool. Arrays after the first (`quantile`'s `q`) are copied once and read by every output's run.
//!
//! Operations that work along one axis without reducing it ([`AxisResult::Lanes`], [`AxisResult::Scan`]: `sort`,
//! `argsort`, `cumsum`) run the same way on lanes: every lane along the axis is copied, one after the other, into a
//! buffer of parabuf's own, the kernel runs on each lane as on a whole array (tasks hold whole lanes, about a block of
//! elements each, on the pool), and only when every lane succeeded are the results written back: through the view,
//! into the output array, or into a new array of the input's shape.
//!
//! An operation on the slices across one axis ([`AxisResult::Slices`]: `unique`, numpy's `np.unique(a, axis=k)`) gets
//! them copied one after another, each in the row-major order of the other axes, into a buffer of parabuf's own, and
//! gives the whole result itself.

use crate::error::{Error, Result};
use crate::exec::{map_block_indices, Cancel, BLOCK};
use crate::kernels::axes::normalize_axes;
use crate::kernels::{int_sum_axes, mean_axes, sum_axes, Conversion, Scalar, Store};
use crate::kind::ElementKind;
use crate::layout::{Layout, Shape};
use crate::ledger::{Ledger, Lent, Mode, ReadGuard};
use crate::ops::column::ColumnElement;
use crate::ops::strided::{gather, gather_along, scatter, scatter_along, with_strided_read, with_strided_write};
use crate::ops::{guarded, Arg, Column, Op, Output, Returns};
use crate::region::OwnedBuffer;
use crate::view::{Element, ReadView, StridedReadView};
use crate::with_element_type;

/// What a reduction along axes gives per output element, declared with the operation ([`Spec::axis`]).
///
/// [`Spec::axis`]: crate::ops::Spec::axis
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisResult {
    /// The operation takes no axis.
    No,
    /// A number per output, in a `Float64Array` (`mean`, `variance`, `norm`...).
    Float64,
    /// An element per output, in an array of the input's own type (`min`, `max`, `minmax`).
    Element,
    /// The exact sum: a `Float64Array` for every type but the 64-bit integers, which keep their type (a sum beyond
    /// it is refused).
    Sum,
    /// An index along the one reduced axis: a `Uint32Array`, or a `Float64Array` when that axis is longer than
    /// 2^32 − 1.
    Index,
    /// A number per output for each element of the operation's second array (`quantile`'s `q`): a `Float64Array` of
    /// shape `[q.length, ...kept axes]`, numpy's shape for an array of quantiles.
    Float64Each,
    /// Not a reduction: the operation works along one axis, each lane along it on its own, and its result has the
    /// input's shape: written in place (`sort`), or a new array of the input's shape (`argsort`'s indices along the
    /// axis). Without an axis, along the last one (numpy's default).
    Lanes,
    /// As [`AxisResult::Lanes`], into the operation's written second array (`cumsum`'s `out`, filled in the row-major
    /// order of the input's indices); without an axis, every element is one lane in row-major order (numpy flattens).
    Scan,
    /// Not a reduction: the operation works on the slices (sub-arrays) across one axis, each the elements with one
    /// index along it (`unique`'s distinct slices, numpy's `np.unique(a, axis=k)`): its
    /// [`Operation::run_slices`](crate::ops::Operation::run_slices) gets them one after another and gives the result.
    /// Without an axis, the operation sees the elements flattened (numpy's `axis=None`).
    Slices,
}

impl AxisResult {
    /// The name the binding exports to the facade: `"no"`, `"float64"`, `"element"`, `"sum"`, `"index"`,
    /// `"float64Each"`, `"lanes"`, `"scan"` or `"slices"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AxisResult::No => "no",
            AxisResult::Float64 => "float64",
            AxisResult::Element => "element",
            AxisResult::Sum => "sum",
            AxisResult::Index => "index",
            AxisResult::Float64Each => "float64Each",
            AxisResult::Lanes => "lanes",
            AxisResult::Scan => "scan",
            AxisResult::Slices => "slices",
        }
    }

    /// Whether the operation works along one axis without reducing it ([`AxisResult::Lanes`], [`AxisResult::Scan`]).
    pub fn works_along_lanes(self) -> bool {
        matches!(self, AxisResult::Lanes | AxisResult::Scan)
    }
}

/// Runs `op` over `args` along `axes` of its first array (numpy's rules: negative ones count from the end, each at
/// most once; an empty list reduces no axis). A reduction gives [`Output::Along`] with the kept axes' shape and,
/// row-major, one result per index of them (for [`AxisResult::Float64Each`], a leading axis of one per element of the
/// second array). An operation that works along one axis ([`AxisResult::works_along_lanes`]) runs on each lane along
/// it: [`Output::Along`] with the input's shape and the new array, or [`Output::InPlace`] inside for one that wrote an
/// array (`sort`, `cumsum` into its `out`). A whole array is one-dimensional.
/// Errors are named after the operation; panics come back as [`Error::Internal`].
///
/// # Errors
/// `ERR_INVALID_ARG_VALUE` for an operation that takes no axis, an axis named twice, or more than one axis for an
/// operation that returns an index or works along one axis; `ERR_OUT_OF_RANGE` for an axis outside the view's
/// dimensions, or a 64-bit integer sum beyond its type; the operation's own errors for any output or lane (an empty
/// one where a value is needed, an integer prefix beyond its type): then nothing is written; `Aborted`.
pub fn execute_along(op: &Op, args: &mut [Arg], axes: &[i64], cancel: &Cancel) -> Result<Output> {
    guarded(op.name(), || along(op, args, axes, cancel))
}

fn along(op: &Op, args: &mut [Arg], axes: &[i64], cancel: &Cancel) -> Result<Output> {
    let result = op.spec().axis;
    let name = op.name();
    if result == AxisResult::No {
        return Err(Error::arg_value(format!("{name}() takes no axis option")));
    }
    op.validate(args)?;
    let Some(arg) = args.first_mut() else { return Err(Error::internal("an operation along axes takes an array")) };
    let layout = match (arg.view_layout(), &arg.shape) {
        (Some(layout), _) => layout.clone(),
        (None, Some(shape)) => Layout::row_major(shape)?,
        (None, None) => Layout::row_major(&[arg.len()])?,
    };
    if layout.len() != arg.len() {
        return Err(Error::internal(format!(
            "a shape of {} elements was given to an array of {}",
            layout.len(),
            arg.len()
        )));
    }
    if arg.view_layout().is_none() {
        // The whole export in row-major order, seen in its shape.
        arg.layout = Some(layout.clone());
    }
    let reduced = normalize_axes(axes, layout.ndim()).map_err(|e| match e {
        Error::OutOfRange { detail } => Error::out_of_range(format!("{name}() options.axis: {detail}")),
        Error::InvalidArgValue { detail } => Error::arg_value(format!("{name}() options.axis: {detail}")),
        other => other,
    })?;
    if result.works_along_lanes() || result == AxisResult::Slices {
        let [axis] = reduced[..] else {
            return Err(Error::arg_value(format!(
                "{name}() works along one axis, and options.axis {axes:?} names {}",
                reduced.len()
            )));
        };
        if result == AxisResult::Slices {
            return in_slices(op, args, layout.shape(), axis, cancel);
        }
        return in_lanes(op, args, layout.shape(), axis, cancel);
    }
    if result == AxisResult::Index && reduced.len() != 1 {
        return Err(Error::arg_value(format!(
            "{name}() returns an index along one axis, and options.axis {axes:?} names {} (numpy's rule)",
            reduced.len()
        )));
    }
    let count: usize = reduced.iter().map(|&a| layout.shape()[a]).product();
    let kind = arg.kind;
    if kind == ElementKind::Float64 && matches!(op, Op::Sum(_) | Op::Mean(_)) {
        let along = if matches!(op, Op::Mean(_)) { mean_axes } else { sum_axes };
        return with_strided_read::<f64, _>(arg, |view| {
            let (shape, values) = along(&view, axes, cancel)?;
            Ok(Output::Along { shape: shape.to_vec(), values: Box::new(Output::Array(Column::Float64(values))) })
        })?;
    }
    if matches!(op, Op::Sum(_) | Op::Mean(_)) {
        let sums = match kind {
            ElementKind::Int8 => Some(exact_sums::<i8>(arg, axes, cancel)?),
            ElementKind::Uint8 | ElementKind::Uint8Clamped => Some(exact_sums::<u8>(arg, axes, cancel)?),
            ElementKind::Int16 => Some(exact_sums::<i16>(arg, axes, cancel)?),
            ElementKind::Uint16 => Some(exact_sums::<u16>(arg, axes, cancel)?),
            ElementKind::Int32 => Some(exact_sums::<i32>(arg, axes, cancel)?),
            ElementKind::Uint32 => Some(exact_sums::<u32>(arg, axes, cancel)?),
            _ => None,
        };
        if let Some((shape, sums)) = sums {
            // As the whole-array kernels: the exact sum rounded once to a double, over the count for `mean`.
            let divisor = if matches!(op, Op::Mean(_)) { count as f64 } else { 1.0 };
            let values = sums.into_iter().map(|sum| sum as f64 / divisor).collect();
            return Ok(Output::Along {
                shape: shape.to_vec(),
                values: Box::new(Output::Array(Column::Float64(values))),
            });
        }
    }
    let [arg, rest @ ..] = args else { return Err(Error::internal("an operation along axes takes an array")) };
    // Every output's run reads the other arrays: one copy of each, shared. Declared before the guards, so dropped after.
    let each = rest.first().map_or(0, |q| q.len());
    let ledger = Ledger::new();
    let mut copies = Vec::with_capacity(rest.len());
    let mut shared = Vec::with_capacity(rest.len());
    for other in rest.iter_mut() {
        let (buffer, guard) = shared_copy(&ledger, other)?;
        copies.push(buffer);
        shared.push((other.kind, guard));
    }
    let mut shape: Vec<usize> =
        layout.shape().iter().enumerate().filter(|(a, _)| !reduced.contains(a)).map(|(_, &n)| n).collect();
    if result == AxisResult::Float64Each {
        shape.insert(0, each);
    }
    let output = with_element_type!(kind, T => {
        let results =
            with_strided_read::<T, _>(arg, |view| each_output::<T>(op, kind, &view, &reduced, &shared, cancel))??;
        columns::<T>(result, op.spec().returns, kind, count, each, results)?
    });
    drop(shared);
    drop(copies);
    Ok(Output::Along { shape, values: Box::new(output) })
}

/// The exact sums of an 8-, 16- or 32-bit integer `arg` along `axes`, streamed in memory order ([`int_sum_axes`]).
fn exact_sums<T: Element + Into<i64>>(arg: &mut Arg, axes: &[i64], cancel: &Cancel) -> Result<(Shape, Vec<i128>)> {
    with_strided_read::<T, _>(arg, |view| int_sum_axes(&view, axes, cancel))?
}

/// A read-only copy of `arg`'s elements (row-major in its view) in a buffer of parabuf's own, under `ledger`: what
/// every output's run of a reduction reads of an array after the first.
fn shared_copy(ledger: &Ledger, arg: &mut Arg) -> Result<(std::sync::Arc<OwnedBuffer>, std::sync::Arc<ReadGuard>)> {
    if arg.lent.mode() == Mode::Write {
        return Err(Error::internal("a reduction along axes was given an array to write"));
    }
    let buffer = OwnedBuffer::zeroed(arg.len() * arg.kind.size());
    {
        let mut guard = ledger.write(buffer.region())?;
        with_element_type!(arg.kind, T => {
            let dst = guard.view_mut::<T>()?;
            with_strided_read::<T, _>(arg, |src| gather(&src, dst))?;
        });
    }
    let guard = std::sync::Arc::new(ledger.read(buffer.region())?);
    Ok((buffer, guard))
}

/// Where an operation working along lanes puts each lane's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LaneTarget {
    /// Back into its first array, through its view (`sort`; `cumsum` with `out` the input itself).
    First,
    /// Into its written second array, in the row-major order of the first's indices (`cumsum`'s `out`).
    Second,
    /// Into a new array of the input's shape, from the [`Output::Array`] each lane gives (`argsort`).
    New,
}

/// Runs `op` on each lane of `args[0]` (seen in `dims`) along `axis`: each lane's elements are copied into a buffer
/// of parabuf's own (one lane after another), the kernel runs on every lane as on a whole array of those elements, on
/// the pool with whole lanes per task, and the results land as [`LaneTarget`] says once every lane has succeeded, so
/// that a refused lane leaves everything as it was. A writable view reaches each element once, so lanes never share
/// one.
fn in_lanes(op: &Op, args: &mut [Arg], dims: &[usize], axis: usize, cancel: &Cancel) -> Result<Output> {
    let spec = op.spec();
    let aliased = matches!(args.get(1), Some(Arg { lent: Lent::Alias { .. }, .. }));
    let target = match (args.len(), spec.arrays.first().map(|a| a.mode), spec.arrays.get(1).map(|a| a.mode)) {
        (1, Some(Mode::Write), None) => LaneTarget::First,
        (2, Some(Mode::Read), Some(Mode::Write)) if aliased => LaneTarget::First,
        (2, Some(Mode::Read), Some(Mode::Write)) => LaneTarget::Second,
        (1, Some(Mode::Read), None) if spec.returns == Returns::Array => LaneTarget::New,
        _ => return Err(Error::internal(format!("{}() does not say where its lanes' results go", spec.name))),
    };
    let kind = args[0].kind;
    let out_kind = args.get(1).map_or(kind, |out| out.kind);
    let n = dims[axis];
    let count: usize = dims.iter().product();
    // No lane to run when the axis is empty: every lane would be empty.
    let lanes = count.checked_div(n).unwrap_or(0);
    let ledger = Ledger::new();
    let input = OwnedBuffer::zeroed(count * kind.size());
    {
        let mut guard = ledger.write(input.region())?;
        with_element_type!(kind, T => {
            let dst = guard.view_mut::<T>()?;
            with_strided_read::<T, _>(&mut args[0], |src| gather_along(&src, axis, dst))?;
        });
    }
    let output = OwnedBuffer::zeroed(if target == LaneTarget::Second { count * out_kind.size() } else { 0 });
    let empty = OwnedBuffer::zeroed(0);
    // The lane `lane` of a buffer of `size`-byte elements.
    let lane_of = |buffer: &OwnedBuffer, size: usize, lane: usize| {
        buffer.region().sub(lane * n * size, n * size).ok_or_else(|| Error::internal("a lane reaches past its buffer"))
    };
    let run_lane = |lane: Option<usize>| -> Result<Output> {
        // No lane: an empty one, for the type of a new array with no element.
        let input_lane = match lane {
            Some(lane) => lane_of(&input, kind.size(), lane)?,
            None => empty.region(),
        };
        let mut call = Vec::with_capacity(2);
        match target {
            LaneTarget::First => {
                call.push(Arg::new(kind, Lent::Write(ledger.write(input_lane)?)));
                if aliased {
                    call.push(Arg::new(out_kind, Lent::Alias { of: 0, region: input_lane }));
                }
            }
            LaneTarget::Second => {
                call.push(Arg::new(kind, Lent::ReadAlone(ledger.read(input_lane)?)));
                let output_lane = lane_of(&output, out_kind.size(), lane.unwrap_or(0))?;
                call.push(Arg::new(out_kind, Lent::Write(ledger.write(output_lane)?)));
            }
            LaneTarget::New => call.push(Arg::new(kind, Lent::ReadAlone(ledger.read(input_lane)?))),
        }
        op.run_kernel(&mut call, cancel)
    };
    let per_task = (BLOCK / n.max(1)).max(1);
    let tasks = lanes.div_ceil(per_task);
    let chunks = map_block_indices(tasks, cancel, |t| -> Result<Vec<Output>> {
        (t * per_task..((t + 1) * per_task).min(lanes)).map(|lane| run_lane(Some(lane))).collect()
    })?;
    let mut results = Vec::with_capacity(lanes);
    for chunk in chunks {
        // The first refused lane, in lane order: the same error for any thread count.
        results.extend(chunk?);
    }
    cancel.check()?;
    if let Some(other) = results.iter().find(|r| target != LaneTarget::New && **r != Output::InPlace) {
        return Err(Error::internal(format!("a lane written in place returned {other:?}")));
    }
    let shape = dims.to_vec();
    match target {
        LaneTarget::First => {
            let guard = ledger.read(input.region())?;
            with_element_type!(kind, T => lanes_into(&mut args[0], dims, axis, &guard.view::<T>()?))?;
            Ok(Output::Along { shape, values: Box::new(Output::InPlace) })
        }
        LaneTarget::Second => {
            let guard = ledger.read(output.region())?;
            with_element_type!(out_kind, T => lanes_into(&mut args[1], dims, axis, &guard.view::<T>()?))?;
            Ok(Output::Along { shape, values: Box::new(Output::InPlace) })
        }
        LaneTarget::New => {
            if results.is_empty() {
                results.push(run_lane(None)?);
            }
            let columns = results
                .into_iter()
                .map(|output| match output {
                    Output::Array(column) => Ok(column),
                    other => Err(Error::internal(format!("a lane returned {other:?} for a new array"))),
                })
                .collect::<Result<Vec<Column>>>()?;
            let values = row_major_of_lanes(columns, dims, axis)?;
            Ok(Output::Along { shape, values: Box::new(Output::Array(values)) })
        }
    }
}

/// Runs `op` on the slices of `args[0]` (seen in `dims`) across `axis`: they are copied, one after another and each in
/// the row-major order of the other axes, into a buffer of parabuf's own, which
/// [`Operation::run_slices`](crate::ops::Operation::run_slices) reads.
fn in_slices(op: &Op, args: &mut [Arg], dims: &[usize], axis: usize, cancel: &Cancel) -> Result<Output> {
    let [arg] = args else { return Err(Error::internal("an operation on slices takes one array")) };
    let kind = arg.kind;
    let count: usize = dims.iter().product();
    // Axis `axis` first, the others in their order: the slices one after another.
    let order: Vec<usize> = std::iter::once(axis).chain((0..dims.len()).filter(|&a| a != axis)).collect();
    let ledger = Ledger::new();
    let slices = OwnedBuffer::zeroed(count * kind.size());
    {
        let mut guard = ledger.write(slices.region())?;
        with_element_type!(kind, T => {
            let dst = guard.view_mut::<T>()?;
            with_strided_read::<T, _>(arg, |src| -> Result<()> {
                gather(&src.permuted(&order)?, dst);
                Ok(())
            })??;
        });
    }
    cancel.check()?;
    let mut call = [Arg::new(kind, Lent::ReadAlone(ledger.read(slices.region())?))];
    op.run_slices(&mut call, dims, axis, cancel)
}

/// Writes `lanes` (of an input seen in `dims`, along `axis`) into `target`: element for element through a view of
/// the input's shape (or an array, seen in that shape row-major); through a view of another shape in the row-major
/// order of its own indices, as an operation without an axis fills it.
fn lanes_into<T: Element>(target: &mut Arg, dims: &[usize], axis: usize, lanes: &ReadView<'_, T>) -> Result<()> {
    match target.view_layout() {
        Some(layout) if layout.shape() == dims => {}
        None => target.layout = Some(Layout::row_major(dims)?),
        Some(_) => {
            // Through the input's row-major order, in a buffer of parabuf's own.
            let buffer = OwnedBuffer::zeroed(lanes.len() * std::mem::size_of::<T>());
            let ledger = Ledger::new();
            {
                let mut guard = ledger.write(buffer.region())?;
                let mut row_major = guard.strided_view_mut_with::<T>(&Layout::row_major(dims)?)?;
                scatter_along(lanes, axis, &mut row_major);
            }
            let guard = ledger.read(buffer.region())?;
            let values = guard.view::<T>()?;
            return with_strided_write::<T>(target, |mut dst| {
                scatter(&values, &mut dst);
                Ok(())
            });
        }
    }
    with_strided_write::<T>(target, |mut dst| {
        scatter_along(lanes, axis, &mut dst);
        Ok(())
    })
}

/// One array of the lanes' columns (in the order of [`gather_along`], each along `axis` of `dims`), in the row-major
/// order of `dims`.
fn row_major_of_lanes(columns: Vec<Column>, dims: &[usize], axis: usize) -> Result<Column> {
    let n = dims[axis];
    let inner: usize = dims[axis + 1..].iter().product();
    let count: usize = dims.iter().product();
    fn arrange<X: Copy + Default>(lanes: Vec<Vec<X>>, n: usize, inner: usize, count: usize) -> Result<Vec<X>> {
        let mut out = vec![X::default(); count];
        for (lane, values) in lanes.into_iter().enumerate() {
            if values.len() != n {
                return Err(Error::internal(format!("a lane of {n} elements gave {} results", values.len())));
            }
            // Lane `lane` is index `lane / inner` of the axes before `axis` and `lane % inner` of those after it.
            let first = lane / inner * n * inner + lane % inner;
            for (j, x) in values.into_iter().enumerate() {
                out[first + j * inner] = x;
            }
        }
        Ok(out)
    }
    macro_rules! each_variant {
        ($($variant:ident),*) => {
            match columns.first() {
                $(Some(Column::$variant(_)) => {
                    let lanes = columns
                        .into_iter()
                        .map(|column| match column {
                            Column::$variant(values) => Ok(values),
                            _ => Err(Error::internal("lanes gave columns of different types")),
                        })
                        .collect::<Result<Vec<_>>>()?;
                    // No lane at all (an empty axis): the one empty lane run for the type.
                    let lanes = if count == 0 { Vec::new() } else { lanes };
                    Column::$variant(arrange(lanes, n, inner.max(1), count)?)
                })*
                None => return Err(Error::internal("no lane gave a column")),
            }
        };
    }
    Ok(each_variant!(Int8, Uint8, Int16, Uint16, Int32, Uint32, Float16, Float32, Float64, BigInt64, BigUint64))
}

/// The whole-array result of `op` for each index of the axes of `view` not in `reduced`, in row-major order, each run
/// with the arrays `shared` after its elements.
fn each_output<T: Element>(
    op: &Op,
    kind: ElementKind,
    view: &StridedReadView<'_, T>,
    reduced: &[usize],
    shared: &[(ElementKind, std::sync::Arc<ReadGuard>)],
    cancel: &Cancel,
) -> Result<Vec<Output>> {
    let ndim = view.layout().ndim();
    let kept: Vec<usize> = (0..ndim).filter(|a| !reduced.contains(a)).collect();
    let order: Vec<usize> = kept.iter().chain(reduced).copied().collect();
    // Kept axes first: indexing axis 0 once per kept axis leaves the output's elements, reduced axes in order.
    let walked = view.permuted(&order)?;
    let out_shape: Vec<usize> = kept.iter().map(|&a| view.layout().shape()[a]).collect();
    let outputs: usize = out_shape.iter().product();
    let count: usize = reduced.iter().map(|&a| view.layout().shape()[a]).product();
    let per_task = (BLOCK / count.max(1)).max(1);
    let tasks = outputs.div_ceil(per_task);
    let chunks = map_block_indices(tasks, cancel, |t| -> Result<Vec<Output>> {
        let buffer = OwnedBuffer::zeroed(count * kind.size());
        // A ledger of its own: nothing else ever sees this memory.
        let ledger = Ledger::new();
        (t * per_task..((t + 1) * per_task).min(outputs))
            .map(|o| {
                let mut lane = walked.clone();
                let mut rest = o;
                let mut index = vec![0; out_shape.len()];
                for (slot, &n) in index.iter_mut().zip(&out_shape).rev() {
                    *slot = rest % n;
                    rest /= n;
                }
                for i in index {
                    lane = lane.indexed(0, i);
                }
                gather(&lane, ledger.write(buffer.region())?.view_mut::<T>()?);
                let first = Arg::new(kind, Lent::ReadAlone(ledger.read(buffer.region())?));
                let mut call: Vec<Arg> = std::iter::once(first)
                    .chain(shared.iter().map(|(kind, guard)| Arg::new(*kind, Lent::Read(guard.clone()))))
                    .collect();
                op.run_kernel(&mut call, cancel)
            })
            .collect()
    })?;
    let mut all = Vec::with_capacity(outputs);
    for chunk in chunks {
        all.extend(chunk?);
    }
    Ok(all)
}

/// The per-output results (of shape `returns`) of a reduction of `T` elements, `count` per output, as the arrays
/// `result` declares; for [`AxisResult::Float64Each`], `each` numbers per output.
fn columns<T: Element + ColumnElement + Store>(
    result: AxisResult,
    returns: Returns,
    kind: ElementKind,
    count: usize,
    each: usize,
    results: Vec<Output>,
) -> Result<Output> {
    let unexpected = |output: &Output| Error::internal(format!("a reduction along axes returned {output:?}"));
    let number = |output: &Output| match output {
        Output::Scalar(Scalar::Number(x)) => Ok(*x),
        other => Err(unexpected(other)),
    };
    let element = |value: Scalar| -> T { Conversion::of(kind).scalar::<T>(value) };
    Ok(match result {
        AxisResult::No | AxisResult::Lanes | AxisResult::Scan | AxisResult::Slices => {
            return Err(Error::internal("an operation that reduces nothing was given results to reduce"))
        }
        AxisResult::Float64 => Output::Array(Column::Float64(results.iter().map(number).collect::<Result<_>>()?)),
        AxisResult::Float64Each => {
            // Output `o`'s number for element `i` of the second array lands at `[i, o]`.
            let outputs = results.len();
            let mut values = vec![0.0; each * outputs];
            for (o, output) in results.iter().enumerate() {
                match output {
                    Output::Array(Column::Float64(numbers)) if numbers.len() == each => {
                        for (i, x) in numbers.iter().enumerate() {
                            values[i * outputs + o] = *x;
                        }
                    }
                    other => return Err(unexpected(other)),
                }
            }
            Output::Array(Column::Float64(values))
        }
        AxisResult::Element => match returns {
            Returns::MinMax => {
                let mut min = Vec::with_capacity(results.len());
                let mut max = Vec::with_capacity(results.len());
                for output in &results {
                    let Output::MinMax { min: lo, max: hi } = output else { return Err(unexpected(output)) };
                    min.push(element(*lo));
                    max.push(element(*hi));
                }
                Output::Pair { names: ["min", "max"], columns: [T::column(min), T::column(max)] }
            }
            _ => Output::Array(T::column(
                results
                    .iter()
                    .map(|output| match output {
                        Output::Scalar(value) => Ok(element(*value)),
                        other => Err(unexpected(other)),
                    })
                    .collect::<Result<Vec<T>>>()?,
            )),
        },
        AxisResult::Sum => match kind {
            ElementKind::BigInt64 => Output::Array(Column::BigInt64(wide_sums(&results, "BigInt64Array")?)),
            ElementKind::BigUint64 => Output::Array(Column::BigUint64(wide_sums(&results, "BigUint64Array")?)),
            _ => Output::Array(Column::Float64(results.iter().map(number).collect::<Result<_>>()?)),
        },
        AxisResult::Index => {
            let index = |output: &Output| match output {
                Output::Index(i) => Ok(*i),
                other => Err(unexpected(other)),
            };
            let indices = results.iter().map(index);
            if count <= u32::MAX as usize {
                Output::Array(Column::Uint32(indices.map(|i| i.map(|i| i as u32)).collect::<Result<_>>()?))
            } else {
                Output::Array(Column::Float64(indices.map(|i| i.map(|i| i as f64)).collect::<Result<_>>()?))
            }
        }
    })
}

/// 64-bit integer sums in their own type, refused when one does not fit.
fn wide_sums<W: TryFrom<i128>>(results: &[Output], type_name: &str) -> Result<Vec<W>> {
    results
        .iter()
        .enumerate()
        .map(|(at, output)| match output {
            Output::Scalar(Scalar::BigInt(sum)) => W::try_from(*sum).map_err(|_| {
                Error::out_of_range(format!(
                    "sum() options.axis: the sum of output element {at} is {sum}, which a {type_name} cannot hold \
                     (the whole-array sum returns it as a bigint)"
                ))
            }),
            other => Err(Error::internal(format!("a 64-bit sum along axes returned {other:?}"))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::kernels::argext::ArgMax;
    use crate::kernels::argsort::Argsort;
    use crate::kernels::cumsum::Cumsum;
    use crate::kernels::histogram::Histogram;
    use crate::kernels::minmax::MinMax;
    use crate::kernels::moments::Mean;
    use crate::kernels::quantile::{Method, Quantile, Weight};
    use crate::kernels::sort::Sort;
    use crate::kernels::sum::Sum;
    use crate::kernels::testutil::Rng;

    /// Runs `op` along `axes` of `values` (float64) seen through `layout`.
    fn along_f64(op: &Op, values: &[f64], layout: &Layout, axes: &[i64]) -> Result<Output> {
        let buf = OwnedBuffer::zeroed(values.len() * 8);
        let ledger = Ledger::new();
        ledger.write(buf.region())?.view_mut::<f64>()?.write_from(0, values);
        let lent = Lent::Read(Arc::new(ledger.read(buf.region())?));
        let mut args = [Arg { kind: ElementKind::Float64, lent, layout: Some(layout.clone()), shape: None }];
        execute_along(op, &mut args, axes, &Cancel::new())
    }

    /// The streaming float64 sum gives, bit for bit, what the whole-array kernel gives for each output's elements
    /// (which is what every other reduction along axes runs), for every choice of axes of a transposed 3-D view.
    #[test]
    fn the_streaming_sum_is_the_whole_array_sum_of_each_output() {
        let mut rng = Rng::new(7);
        // Magnitudes spread over many binades, and exact cancellations, so that a wrong rounding shows.
        let values: Vec<f64> = (0..2 * 5 * 7 * 40).map(|i| if i % 11 == 0 { 1e300 } else { rng.wide_f64() }).collect();
        let layout = Layout::new(&[5, 7, 40], Some(&[1, 5, -35]), 35 * 39, values.len()).unwrap();
        for axes in [&[0][..], &[1], &[2], &[0, 1], &[0, 2], &[1, 2], &[0, 1, 2], &[]] {
            let Output::Along { shape, values: streamed } = along_f64(&Op::Sum(Sum), &values, &layout, axes).unwrap()
            else {
                panic!("a sum along axes returns Along")
            };
            let buf = OwnedBuffer::zeroed(values.len() * 8);
            let ledger = Ledger::new();
            ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, &values);
            let guard = ledger.read(buf.region()).unwrap();
            let view = guard.strided_view_with::<f64>(&layout).unwrap();
            let reduced = normalize_axes(axes, 3).unwrap();
            let each =
                each_output::<f64>(&Op::Sum(Sum), ElementKind::Float64, &view, &reduced, &[], &Cancel::new()).unwrap();
            let Output::Array(Column::Float64(streamed)) = *streamed else { panic!("float64 sums") };
            assert_eq!(shape.iter().product::<usize>(), each.len(), "{axes:?}");
            for (got, want) in streamed.iter().zip(&each) {
                let Output::Scalar(Scalar::Number(want)) = want else { panic!("a number") };
                assert_eq!(got.to_bits(), want.to_bits(), "{axes:?}");
            }
        }
    }

    #[test]
    fn results_take_numpy_shapes_and_types() {
        let values: Vec<f64> = (0..6).map(f64::from).collect();
        let layout = Layout::row_major(&[2, 3]).unwrap();
        let out = along_f64(&Op::Mean(Mean), &values, &layout, &[0]).unwrap();
        let mean = Output::Array(Column::Float64(vec![1.5, 2.5, 3.5]));
        assert_eq!(out, Output::Along { shape: vec![3], values: Box::new(mean) });
        let out = along_f64(&Op::ArgMax(ArgMax), &values, &layout, &[-1]).unwrap();
        assert_eq!(out, Output::Along { shape: vec![2], values: Box::new(Output::Array(Column::Uint32(vec![2, 2]))) });
        let out = along_f64(&Op::MinMax(MinMax), &values, &layout, &[1]).unwrap();
        let pair = Output::Pair {
            names: ["min", "max"],
            columns: [Column::Float64(vec![0.0, 3.0]), Column::Float64(vec![2.0, 5.0])],
        };
        assert_eq!(out, Output::Along { shape: vec![2], values: Box::new(pair) });
    }

    #[test]
    fn sort_sorts_each_lane_in_place_and_touches_nothing_else() {
        // A 3 × 2 view, column-major over the first six elements; the seventh is outside it.
        let values = [5.0, f64::NAN, 1.0, 4.0, -0.0, 0.0, 9.0];
        let buf = OwnedBuffer::zeroed(values.len() * 8);
        let ledger = Ledger::new();
        ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, &values);
        let layout = Layout::new(&[3, 2], Some(&[1, 3]), 0, values.len()).unwrap();
        for (axis, expected) in
            [(0, [1.0, 5.0, f64::NAN, -0.0, 0.0, 4.0, 9.0]), (1, [4.0, -0.0, 0.0, 5.0, f64::NAN, 1.0, 9.0])]
        {
            let lent = Lent::Write(ledger.write(buf.region()).unwrap());
            let mut args = [Arg { kind: ElementKind::Float64, lent, layout: Some(layout.clone()), shape: None }];
            let sorted = Output::Along { shape: vec![3, 2], values: Box::new(Output::InPlace) };
            assert_eq!(execute_along(&Op::Sort(Sort), &mut args, &[axis], &Cancel::new()), Ok(sorted));
            drop(args);
            let got = ledger.read(buf.region()).unwrap().view::<f64>().unwrap().to_vec();
            let same = got.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
            assert!(same, "axis {axis}: {got:?}");
            ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, &values);
        }
    }

    /// A buffer of parabuf's own holding `values`.
    /// Cumsum's arguments along axes: `input` read through its layout as its kind, `out` written as its kind.
    fn scan_args(
        ledger: &Ledger,
        (input, kind, layout): (&OwnedBuffer, ElementKind, &Layout),
        (out, out_kind): (&OwnedBuffer, ElementKind),
    ) -> [Arg; 2] {
        [
            Arg {
                kind,
                lent: Lent::ReadAlone(ledger.read(input.region()).unwrap()),
                layout: Some(layout.clone()),
                shape: None,
            },
            Arg::new(out_kind, Lent::Write(ledger.write(out.region()).unwrap())),
        ]
    }

    fn owned<T: Element>(values: &[T]) -> Arc<OwnedBuffer> {
        let buf = OwnedBuffer::zeroed(std::mem::size_of_val(values));
        Ledger::new().write(buf.region()).unwrap().view_mut::<T>().unwrap().write_from(0, values);
        buf
    }

    fn contents<T: Element>(buf: &OwnedBuffer) -> Vec<T> {
        Ledger::new().read(buf.region()).unwrap().view::<T>().unwrap().to_vec()
    }

    /// The elements of `values` at `index` of `layout`, along `axis`: one lane.
    fn lane_of<T: Element>(values: &[T], layout: &Layout, index: &[usize], axis: usize) -> Vec<T> {
        let mut index = index.to_vec();
        (0..layout.shape()[axis])
            .map(|j| {
                index[axis] = j;
                let at = layout.offset() as i64
                    + index.iter().zip(layout.strides()).map(|(&i, &s)| i as i64 * s as i64).sum::<i64>();
                values[at as usize]
            })
            .collect()
    }

    /// Every index of `dims` in row-major order.
    fn indices(dims: &[usize]) -> Vec<Vec<usize>> {
        let count: usize = dims.iter().product();
        (0..count)
            .map(|mut flat| {
                let mut index = vec![0; dims.len()];
                for (slot, &n) in index.iter_mut().zip(dims).rev() {
                    *slot = flat % n;
                    flat /= n;
                }
                index
            })
            .collect()
    }

    /// A transposed, sliced 3-D view (negative strides, an offset) over 2·3·4·5 values, and its values.
    fn strided_3d(rng: &mut Rng) -> (Vec<f64>, Layout) {
        let values: Vec<f64> = (0..120).map(|_| (rng.next_u64() % 41) as f64 - 20.0).collect();
        // Shape [4, 3, 5]: axis 0 steps 1 backwards from 3, axis 1 steps 40, axis 2 steps 8 (every other row of 4).
        let layout = Layout::new(&[4, 3, 5], Some(&[-1, 40, 8]), 3, values.len()).unwrap();
        (values, layout)
    }

    /// `cumsum` along each axis of a strided view is, lane by lane, the whole-array cumsum of the lane, into an `out`
    /// in the row-major order of the input's indices; in place when `out` is the input.
    #[test]
    fn cumsum_along_an_axis_is_the_whole_array_cumsum_of_each_lane() {
        let mut rng = Rng::new(3);
        let (values, layout) = strided_3d(&mut rng);
        let ints: Vec<i32> = values.iter().map(|&x| x as i32 * 1_000_003).collect();
        for axis in [0i64, 1, 2, -1] {
            let a = owned(&ints);
            let out = owned(&vec![f64::NAN; layout.len()]);
            let ledger = Ledger::new();
            let mut args = scan_args(&ledger, (&a, ElementKind::Int32, &layout), (&out, ElementKind::Float64));
            let got = execute_along(&Op::Cumsum(Cumsum), &mut args, &[axis], &Cancel::new()).unwrap();
            assert_eq!(got, Output::Along { shape: vec![4, 3, 5], values: Box::new(Output::InPlace) });
            drop(args);
            let got: Vec<f64> = contents(&out);
            let k = axis.rem_euclid(3) as usize;
            for (flat, index) in indices(&[4, 3, 5]).iter().enumerate() {
                let lane = lane_of(&ints, &layout, index, k);
                let want: f64 = lane[..=index[k]].iter().map(|&x| f64::from(x)).sum();
                assert_eq!(got[flat], want, "axis {axis} at {index:?}");
            }
        }
        // In place: the input is the output (float64: the binding lends `out` as an alias of a plain array only).
        let plain: Vec<f64> = values[..60].to_vec();
        let a = owned(&plain);
        let ledger = Ledger::new();
        let guard = ledger.write(a.region()).unwrap();
        let region = guard.region();
        let mut args = [
            Arg { kind: ElementKind::Float64, lent: Lent::Write(guard), layout: None, shape: Some(vec![4, 3, 5]) },
            Arg::new(ElementKind::Float64, Lent::Alias { of: 0, region }),
        ];
        let in_place = Output::Along { shape: vec![4, 3, 5], values: Box::new(Output::InPlace) };
        assert_eq!(execute_along(&Op::Cumsum(Cumsum), &mut args, &[1], &Cancel::new()), Ok(in_place));
        drop(args);
        let got: Vec<f64> = contents(&a);
        let row_major = Layout::row_major(&[4, 3, 5]).unwrap();
        for (flat, index) in indices(&[4, 3, 5]).iter().enumerate() {
            let want: f64 = lane_of(&plain, &row_major, index, 1)[..=index[1]].iter().sum();
            assert_eq!(got[flat], want, "in place at {index:?}");
        }
    }

    /// A lane whose prefix leaves the output's range refuses the call, and no lane is written.
    #[test]
    fn a_refused_lane_writes_nothing() {
        let values = [1i64, 2, i64::MAX, 1, 3, 4];
        let a = owned(&values);
        let out = owned(&[7i64; 6]);
        let ledger = Ledger::new();
        let layout = Layout::row_major(&[2, 3]).unwrap();
        for axis in [0, 1] {
            let mut args = scan_args(&ledger, (&a, ElementKind::BigInt64, &layout), (&out, ElementKind::BigInt64));
            let err = execute_along(&Op::Cumsum(Cumsum), &mut args, &[axis], &Cancel::new()).unwrap_err();
            assert_eq!(err.code(), "ERR_OUT_OF_RANGE", "{axis}");
            assert!(err.to_string().starts_with("cumsum(): "), "{err}");
            drop(args);
            assert_eq!(contents::<i64>(&out), [7; 6]);
        }
        // A raised flag: aborted, nothing written.
        let cancel = Cancel::new();
        cancel.cancel();
        let ok = owned(&[1i64; 6]);
        let mut args = [
            Arg {
                kind: ElementKind::BigInt64,
                lent: Lent::ReadAlone(ledger.read(ok.region()).unwrap()),
                layout: Some(layout.clone()),
                shape: None,
            },
            Arg::new(ElementKind::BigInt64, Lent::Write(ledger.write(out.region()).unwrap())),
        ];
        assert_eq!(execute_along(&Op::Cumsum(Cumsum), &mut args, &[0], &cancel).unwrap_err().code(), "ABORT_ERR");
        drop(args);
        assert_eq!(contents::<i64>(&out), [7; 6]);
    }

    /// `argsort` along an axis gives, in the input's shape, each lane's whole-array argsort (indices along the axis).
    #[test]
    fn argsort_along_an_axis_orders_each_lane() {
        let mut rng = Rng::new(5);
        let (values, layout) = strided_3d(&mut rng);
        let a = owned(&values);
        let ledger = Ledger::new();
        for descending in [false, true] {
            for axis in [0i64, 1, 2, -2] {
                let lent = Lent::Read(Arc::new(ledger.read(a.region()).unwrap()));
                let mut args = [Arg { kind: ElementKind::Float64, lent, layout: Some(layout.clone()), shape: None }];
                let Output::Along { shape, values: got } =
                    execute_along(&Op::Argsort(Argsort { descending }), &mut args, &[axis], &Cancel::new()).unwrap()
                else {
                    panic!("argsort along an axis returns Along")
                };
                assert_eq!(shape, [4, 3, 5]);
                let Output::Array(Column::Uint32(got)) = *got else { panic!("Uint32 indices") };
                let k = axis.rem_euclid(3) as usize;
                for (flat, index) in indices(&[4, 3, 5]).iter().enumerate() {
                    let lane = lane_of(&values, &layout, index, k);
                    let mut order: Vec<usize> = (0..lane.len()).collect();
                    // Stable: ties keep index order, also descending.
                    order.sort_by(|&i, &j| {
                        let by = lane[i].total_cmp(&lane[j]);
                        if descending {
                            by.reverse()
                        } else {
                            by
                        }
                    });
                    assert_eq!(got[flat] as usize, order[index[k]], "axis {axis} at {index:?}");
                }
            }
        }
        // An empty axis: an empty array of indices, in the input's shape.
        let lent = Lent::Read(Arc::new(ledger.read(a.region()).unwrap()));
        let layout = Layout::new(&[3, 0], None, 0, values.len()).unwrap();
        let mut args = [Arg { kind: ElementKind::Float64, lent, layout: Some(layout), shape: None }];
        let empty = execute_along(&Op::Argsort(Argsort::default()), &mut args, &[0], &Cancel::new()).unwrap();
        assert_eq!(empty, Output::Along { shape: vec![3, 0], values: Box::new(Output::Array(Column::Uint32(vec![]))) });
    }

    /// `quantile` along axes: shape `[q.length, ...kept]`, each output the whole-array quantile of its elements.
    #[test]
    fn quantile_along_axes_takes_numpy_shapes() {
        let mut rng = Rng::new(9);
        let (values, layout) = strided_3d(&mut rng);
        let a = owned(&values);
        let qs = [0.0, 0.3, 0.5, 1.0];
        let q = owned(&qs);
        let ledger = Ledger::new();
        let op = Op::Quantile(Quantile { method: Method::Linear, weight: Weight::Array, skip_nan: false });
        let lent = Lent::Read(Arc::new(ledger.read(a.region()).unwrap()));
        let mut args = [
            Arg { kind: ElementKind::Float64, lent, layout: Some(layout.clone()), shape: None },
            Arg::new(ElementKind::Float64, Lent::ReadAlone(ledger.read(q.region()).unwrap())),
        ];
        let Output::Along { shape, values: got } = execute_along(&op, &mut args, &[0, 2], &Cancel::new()).unwrap()
        else {
            panic!("Along")
        };
        assert_eq!(shape, [4, 3]);
        let Output::Array(Column::Float64(got)) = *got else { panic!("Float64") };
        for row in 0..3 {
            let mut elements: Vec<f64> = indices(&[4, 3, 5])
                .iter()
                .filter(|i| i[1] == row)
                .map(|i| lane_of(&values, &layout, i, 0)[i[0]])
                .collect();
            elements.sort_by(f64::total_cmp);
            for (i, &q) in qs.iter().enumerate() {
                let position = q * (elements.len() - 1) as f64;
                let (lo, hi) = (position.floor() as usize, position.ceil() as usize);
                let want = elements[lo] + (elements[hi] - elements[lo]) * (position - lo as f64);
                assert_eq!(got[i * 3 + row], want, "q {q} row {row}");
            }
        }
        // No output at all: still one row per q.
        let lent = Lent::Read(Arc::new(ledger.read(a.region()).unwrap()));
        let empty = Layout::new(&[0, 4], None, 0, values.len()).unwrap();
        let mut args = [
            Arg { kind: ElementKind::Float64, lent, layout: Some(empty), shape: None },
            Arg::new(ElementKind::Float64, Lent::ReadAlone(ledger.read(q.region()).unwrap())),
        ];
        let got = execute_along(&op, &mut args, &[1], &Cancel::new()).unwrap();
        assert_eq!(got, Output::Along { shape: vec![4, 0], values: Box::new(Output::Array(Column::Float64(vec![]))) });
    }

    #[test]
    fn operations_along_one_axis_take_exactly_one() {
        let values = [0.0; 6];
        let layout = Layout::row_major(&[2, 3]).unwrap();
        let err = along_f64(&Op::Argsort(Argsort::default()), &values, &layout, &[0, 1]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_VALUE");
        assert!(err.to_string().starts_with("argsort() works along one axis"), "{err}");
        let err = along_f64(&Op::Argsort(Argsort::default()), &values, &layout, &[]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_VALUE");
        let err = along_f64(&Op::Argsort(Argsort::default()), &values, &layout, &[-3]).unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_RANGE");
        let topk = Op::Topk(crate::kernels::topk::Topk { k: 1, largest: true });
        let err = along_f64(&topk, &values, &layout, &[0]).unwrap_err();
        assert_eq!((err.code(), err.to_string()), ("ERR_INVALID_ARG_VALUE", "topk() takes no axis option".into()));
    }

    #[test]
    fn bad_axes_and_operations_are_refused_by_name() {
        let values = [0.0; 6];
        let layout = Layout::row_major(&[2, 3]).unwrap();
        let err = along_f64(&Op::ArgMax(ArgMax), &values, &layout, &[0, 1]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_VALUE");
        assert!(err.to_string().starts_with("argmax() returns an index along one axis"), "{err}");
        let err = along_f64(&Op::Sum(Sum), &values, &layout, &[2]).unwrap_err();
        assert_eq!(
            (err.code(), err.to_string().starts_with("sum() options.axis: axis 2 is out of range")),
            ("ERR_OUT_OF_RANGE", true)
        );
        let histogram = Op::Histogram(Histogram { bins: 2, min: None, max: None });
        let err = along_f64(&histogram, &values, &layout, &[0]).unwrap_err();
        assert_eq!((err.code(), err.to_string()), ("ERR_INVALID_ARG_VALUE", "histogram() takes no axis option".into()));
    }
}
