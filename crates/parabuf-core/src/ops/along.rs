//! Reductions along axes (numpy's `a.sum(axis=...)`): one result per index of the kept axes, each the whole-array
//! reduction of the elements at that index, so every numeric rule of the whole-array version (exactness or its
//! error bound, NaN and `-0`, determinism for any thread count) holds for every output element.
//!
//! A float64 `sum` or `mean` streams through memory in the loop order of [`sum_axes`], and so does the `sum` or `mean`
//! of 8-, 16- and 32-bit integers ([`int_sum_axes`], exact in 64-bit accumulators). Every other reduction copies
//! each output's elements (in the row-major order of the reduced axes) into a buffer of the task's own and runs the
//! operation's kernel on it; tasks hold whole outputs, about a block of elements each, and run on the pool.

use crate::error::{Error, Result};
use crate::exec::{map_block_indices, Cancel, BLOCK};
use crate::kernels::axes::normalize_axes;
use crate::kernels::{int_sum_axes, sum_axes, Conversion, Scalar, Store};
use crate::kind::ElementKind;
use crate::layout::{Layout, Shape};
use crate::ledger::{Ledger, Lent};
use crate::ops::column::ColumnElement;
use crate::ops::strided::{gather, with_strided_read, with_strided_write};
use crate::ops::{guarded, Arg, Column, Op, Output, Returns};
use crate::region::OwnedBuffer;
use crate::view::{Element, StridedReadView};
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
    /// Not a reduction: the operation works along one axis of its written array, in place, each lane along it on
    /// its own (`sort`, along the last axis unless told).
    Lanes,
}

impl AxisResult {
    /// The name the binding exports to the facade: `"no"`, `"float64"`, `"element"`, `"sum"`, `"index"` or `"lanes"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AxisResult::No => "no",
            AxisResult::Float64 => "float64",
            AxisResult::Element => "element",
            AxisResult::Sum => "sum",
            AxisResult::Index => "index",
            AxisResult::Lanes => "lanes",
        }
    }
}

/// Runs the reduction `op` over `args` (its one array) along `axes` (numpy's rules: negative ones count from the
/// end, each at most once; an empty list reduces no axis): [`Output::Along`] with the kept axes' shape and, row-major,
/// one result per index of them. A whole array is one-dimensional. Errors are named after the operation; panics come
/// back as [`Error::Internal`].
///
/// # Errors
/// `ERR_INVALID_ARG_VALUE` for an operation that takes no axis, an axis named twice, or more than one axis for an
/// operation that returns an index; `ERR_OUT_OF_RANGE` for an axis outside the view's dimensions, or a 64-bit
/// integer sum beyond its type; the operation's own errors for any output (an empty one where a value is needed);
/// `Aborted`.
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
    let [arg] = args else { return Err(Error::internal("a reduction along axes takes one array")) };
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
    if result == AxisResult::Lanes {
        let [axis] = reduced[..] else {
            return Err(Error::arg_value(format!(
                "{name}() works along one axis, and options.axis {axes:?} names {}",
                reduced.len()
            )));
        };
        if arg.view_layout().is_none() {
            arg.layout = Some(layout.clone());
        }
        return with_element_type!(arg.kind, T => in_lanes::<T>(op, arg, axis, cancel)).map(|()| Output::InPlace);
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
        let mean = matches!(op, Op::Mean(_));
        return with_strided_read::<f64, _>(arg, |view| {
            let (shape, mut values) = sum_axes(&view, axes, cancel)?;
            if mean {
                values.iter_mut().for_each(|v| *v /= count as f64);
            }
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
    with_element_type!(kind, T => {
        let results = with_strided_read::<T, _>(arg, |view| each_output::<T>(op, kind, &view, &reduced, cancel))??;
        let shape = layout.shape().iter().enumerate().filter(|(a, _)| !reduced.contains(a)).map(|(_, &n)| n).collect();
        Ok(Output::Along { shape, values: Box::new(columns::<T>(result, op.spec().returns, kind, count, results)?) })
    })
}

/// The exact sums of an 8-, 16- or 32-bit integer `arg` along `axes`, streamed in memory order ([`int_sum_axes`]).
fn exact_sums<T: Element + Into<i64>>(arg: &mut Arg, axes: &[i64], cancel: &Cancel) -> Result<(Shape, Vec<i128>)> {
    with_strided_read::<T, _>(arg, |view| int_sum_axes(&view, axes, cancel))?
}

/// Runs the in-place operation `op` on each lane of `arg` along `axis`, one after the other: each lane's elements are
/// copied into a buffer of parabuf's own, the kernel runs on it (spreading over the pool for a long lane), and the
/// result is written back through the view. A writable view reaches each element once, so lanes never share one.
fn in_lanes<T: Element>(op: &Op, arg: &mut Arg, axis: usize, cancel: &Cancel) -> Result<()> {
    let kind = arg.kind;
    with_strided_write::<T>(arg, |mut view| {
        let mut shape = view.layout().shape().to_vec();
        let n = shape[axis];
        if view.is_empty() {
            return Ok(());
        }
        shape[axis] = 1;
        let buffer = OwnedBuffer::zeroed(n * kind.size());
        let ledger = Ledger::new();
        let mut lane = vec![T::default(); n];
        let mut index = vec![0usize; shape.len()];
        loop {
            cancel.check()?;
            view.as_read().read_run(&index, axis, &mut lane);
            ledger.write(buffer.region())?.view_mut::<T>()?.write_from(0, &lane);
            let mut one = [Arg::new(kind, Lent::Write(ledger.write(buffer.region())?))];
            op.run_kernel(&mut one, cancel)?;
            let [Arg { lent: Lent::Write(guard), .. }] = &mut one else {
                return Err(Error::internal("a lane's export changed while its kernel ran"));
            };
            guard.view::<T>()?.read_into(0, &mut lane);
            drop(one);
            view.write_run(&index, axis, &lane);
            // The next lane: the index of the other axes, the last one fastest.
            let mut k = shape.len();
            loop {
                if k == 0 {
                    return Ok(());
                }
                k -= 1;
                index[k] += 1;
                if index[k] < shape[k] {
                    break;
                }
                index[k] = 0;
            }
        }
    })
}

/// The whole-array result of `op` for each index of the axes of `view` not in `reduced`, in row-major order.
fn each_output<T: Element>(
    op: &Op,
    kind: ElementKind,
    view: &StridedReadView<'_, T>,
    reduced: &[usize],
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
                let mut one = [Arg::new(kind, Lent::ReadAlone(ledger.read(buffer.region())?))];
                op.run_kernel(&mut one, cancel)
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
/// `result` declares.
fn columns<T: Element + ColumnElement + Store>(
    result: AxisResult,
    returns: Returns,
    kind: ElementKind,
    count: usize,
    results: Vec<Output>,
) -> Result<Output> {
    let unexpected = |output: &Output| Error::internal(format!("a reduction along axes returned {output:?}"));
    let number = |output: &Output| match output {
        Output::Scalar(Scalar::Number(x)) => Ok(*x),
        other => Err(unexpected(other)),
    };
    let element = |value: Scalar| -> T { Conversion::of(kind).scalar::<T>(value) };
    Ok(match result {
        AxisResult::No | AxisResult::Lanes => {
            return Err(Error::internal("an operation that reduces nothing was given results to reduce"))
        }
        AxisResult::Float64 => Output::Array(Column::Float64(results.iter().map(number).collect::<Result<_>>()?)),
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
    use crate::kernels::histogram::Histogram;
    use crate::kernels::minmax::MinMax;
    use crate::kernels::moments::Mean;
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
                each_output::<f64>(&Op::Sum(Sum), ElementKind::Float64, &view, &reduced, &Cancel::new()).unwrap();
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
            assert_eq!(execute_along(&Op::Sort(Sort), &mut args, &[axis], &Cancel::new()), Ok(Output::InPlace));
            drop(args);
            let got = ledger.read(buf.region()).unwrap().view::<f64>().unwrap().to_vec();
            let same = got.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
            assert!(same, "axis {axis}: {got:?}");
            ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, &values);
        }
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
