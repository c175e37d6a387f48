//! Operations over strided arguments: each array is gathered, in the row-major order of its view's indices, into a
//! contiguous buffer of parabuf's own, the operation runs on those buffers as on any arrays, and the arrays it writes
//! are scattered back through their views. So every operation takes a view wherever it takes an array, with exactly the
//! results it gives for an array holding the view's elements in that order, at the cost of one copy per argument (and
//! one more per written argument).

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::exec::Cancel;
use crate::layout::Layout;
use crate::ledger::{Ledger, Lent, Mode, ReadGuard};
use crate::ops::{execute, Arg, Op, Output};
use crate::region::OwnedBuffer;
use crate::view::{Element, StridedReadView, StridedWriteView, WriteView};
use crate::with_element_type;

/// Elements gathered or scattered per call of a view's run methods.
pub(super) const RUN: usize = 4096;

/// Runs `op` over `args`, some of which are strided: see the [module](self) docs.
///
/// # Errors
/// As [`execute`]; nothing is scattered back when the operation fails.
pub(crate) fn execute_gathered(op: &Op, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
    for (arg, declared) in args.iter().zip(op.spec().arrays) {
        let dims = arg.view_layout().map_or(1, Layout::ndim);
        if declared.one_axis && dims > 1 {
            return Err(one_axis_refused(op.name(), declared.name, dims));
        }
    }
    // Checked on the views themselves: their copies are plain arrays, whose shapes no longer tell.
    op.validate(args)?;
    let modes: Vec<Mode> = op.modes().collect();
    gathered(args, &modes, |private| execute(op, private, cancel))
}

/// The error for a view of `dims > 1` dimensions passed as `array`, which `operation` works along one axis of and
/// takes no axis for ([`ArraySpec::one_axis`](crate::ops::ArraySpec::one_axis)).
pub fn one_axis_refused(operation: &str, array: &str, dims: usize) -> Error {
    Error::arg_value(format!(
        "{operation}() works along one axis of {array}, which is a {dims}-dimensional view: pass a one-dimensional view \
         ({operation}() takes no axis)"
    ))
}

/// Runs `run` over contiguous copies of `args` (accessed as `modes` says), some of which are strided: each argument's
/// elements, in the row-major order of its view's indices, are copied into a buffer of parabuf's own, `run` sees those
/// buffers as whole arrays, and the written ones are copied back through their views when `run` succeeds.
///
/// # Errors
/// As `run`, and a misaligned array; nothing is scattered back when `run` fails.
pub fn gathered(args: &mut [Arg], modes: &[Mode], run: impl FnOnce(&mut [Arg]) -> Result<Output>) -> Result<Output> {
    // An argument a written alias shares is written through: its copy must be writable, and is scattered back.
    let mut modes = modes.to_vec();
    for (index, arg) in args.iter().enumerate() {
        if let (Lent::Alias { of, .. }, Some(&Mode::Write)) = (&arg.lent, modes.get(index)) {
            if let Some(mode) = modes.get_mut(*of) {
                *mode = Mode::Write;
            }
        }
    }
    let ledger = Ledger::new();
    let mut buffers: Vec<Arc<OwnedBuffer>> = Vec::with_capacity(args.len());
    let mut private: Vec<Arg> = Vec::with_capacity(args.len());
    for (arg, &mode) in args.iter_mut().zip(&modes) {
        if let Lent::Alias { of, .. } = arg.lent {
            let region = buffers.get(of).map(|b| b.region()).unwrap_or_else(|| arg.lent.region());
            buffers.push(OwnedBuffer::zeroed(0));
            private.push(Arg::new(arg.kind, Lent::Alias { of, region }));
            continue;
        }
        let buffer = OwnedBuffer::zeroed(arg.len() * arg.kind.size());
        {
            let mut guard = ledger.write(buffer.region())?;
            with_element_type!(arg.kind, T => {
                let dst = guard.view_mut::<T>()?;
                with_strided_read::<T, _>(arg, |src| gather(&src, dst))?;
            });
        }
        let lent = match mode {
            Mode::Read => Lent::ReadAlone(ledger.read(buffer.region())?),
            Mode::Write => Lent::Write(ledger.write(buffer.region())?),
        };
        private.push(Arg::new(arg.kind, lent));
        buffers.push(buffer);
    }
    let output = run(&mut private)?;
    for (index, &mode) in modes.iter().enumerate() {
        // An alias writes through the argument it aliases, which is scattered back as a written argument itself.
        if mode != Mode::Write || matches!(private[index].lent, Lent::Alias { .. }) {
            continue;
        }
        let home = index;
        let kind = args[home].kind;
        let Lent::Write(source) = &mut private[home].lent else { continue };
        with_element_type!(kind, T => {
            let values = source.view::<T>()?;
            with_strided_write::<T>(&mut args[home], |mut dst| {
                scatter(&values, &mut dst);
                Ok(())
            })?;
        });
    }
    drop(private);
    drop(buffers);
    Ok(output)
}

/// Calls `f` with a read view of `arg`'s elements as its view sees them.
pub(super) fn with_strided_read<T: Element, R>(
    arg: &mut Arg,
    f: impl FnOnce(StridedReadView<'_, T>) -> R,
) -> Result<R> {
    let layout = arg.layout.clone();
    fn view<'g, T: Element>(guard: &'g ReadGuard, layout: &Option<Layout>) -> Result<StridedReadView<'g, T>> {
        match layout {
            Some(layout) => guard.strided_view_with::<T>(layout),
            None => guard.strided_view::<T>(),
        }
    }
    let view = |guard| view::<T>(guard, &layout);
    Ok(match &mut arg.lent {
        Lent::Read(guard) => f(view(guard)?),
        Lent::ReadAlone(guard) => f(view(guard)?),
        Lent::Write(guard) => {
            let writable = match &layout {
                Some(layout) => guard.strided_view_mut_with::<T>(layout)?,
                None => guard.strided_view_mut::<T>()?,
            };
            f(writable.as_read())
        }
        Lent::Alias { of, .. } => {
            return Err(Error::internal(format!("an operation read argument {of} through its alias")))
        }
    })
}

/// Calls `f` with a write view of `arg`'s elements as its view sees them.
pub(super) fn with_strided_write<T: Element>(
    arg: &mut Arg,
    f: impl FnOnce(StridedWriteView<'_, T>) -> Result<()>,
) -> Result<()> {
    let layout: Option<Layout> = arg.layout.clone();
    match &mut arg.lent {
        Lent::Write(guard) => f(match &layout {
            Some(layout) => guard.strided_view_mut_with::<T>(layout)?,
            None => guard.strided_view_mut::<T>()?,
        }),
        _ => Err(Error::internal("an operation wrote an argument it holds no write export of")),
    }
}

/// Calls `visit(index, at, len)` for every run of at most [`RUN`] elements along `axis` of `shape` (which has at least
/// one axis), lane after lane in row-major order of the other axes: `index` is the run's first element, `at` its
/// position when the lanes are laid one after another, and `len` its length. None when an axis is empty.
fn for_each_run(shape: &[usize], axis: usize, mut visit: impl FnMut(&[usize], usize, usize)) {
    if shape.contains(&0) {
        return;
    }
    let n = shape[axis];
    let mut index = vec![0usize; shape.len()];
    let mut at = 0;
    loop {
        let mut start = 0;
        while start < n {
            let len = RUN.min(n - start);
            index[axis] = start;
            visit(&index, at, len);
            (start, at) = (start + len, at + len);
        }
        index[axis] = 0;
        // The next index of the other axes, the last one fastest.
        let mut k = shape.len();
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            if k == axis {
                continue;
            }
            index[k] += 1;
            if index[k] < shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
}

/// Copies the lanes of `src` along `axis` into `dst` (which holds exactly as many elements), one lane after another
/// in row-major order of the other axes.
pub(super) fn gather_along<T: Element>(src: &StridedReadView<'_, T>, axis: usize, mut dst: WriteView<'_, T>) {
    let shape = src.layout().shape();
    let mut stage = vec![T::default(); RUN.min(shape[axis])];
    for_each_run(shape, axis, |index, at, len| {
        src.read_run(index, axis, &mut stage[..len]);
        dst.write_from(at, &stage[..len]);
    });
}

/// Stores `values`, laid out as [`gather_along`] lays out the lanes along `axis`, through `dst`.
pub(super) fn scatter_along<T: Element>(
    values: &crate::view::ReadView<'_, T>,
    axis: usize,
    dst: &mut StridedWriteView<'_, T>,
) {
    let shape = dst.layout().shape().to_vec();
    let mut stage = vec![T::default(); RUN.min(shape[axis])];
    for_each_run(&shape, axis, |index, at, len| {
        values.read_into(at, &mut stage[..len]);
        dst.write_run(index, axis, &stage[..len]);
    });
}

/// Copies the view's elements, in row-major order of its indices, into `dst` (which holds exactly that many): its
/// lanes along the last axis one after another.
pub(super) fn gather<T: Element>(src: &StridedReadView<'_, T>, mut dst: WriteView<'_, T>) {
    match src.layout().ndim() {
        0 => dst.write_from(0, &[src.get(&[])]),
        ndim => gather_along(src, ndim - 1, dst),
    }
}

/// Stores `values`, in row-major order of the view's indices, through the view.
pub(super) fn scatter<T: Element>(values: &crate::view::ReadView<'_, T>, dst: &mut StridedWriteView<'_, T>) {
    match dst.layout().ndim() {
        0 => {
            let mut one = [T::default()];
            values.read_into(0, &mut one);
            dst.set(&[], one[0]);
        }
        ndim => scatter_along(values, ndim - 1, dst),
    }
}
