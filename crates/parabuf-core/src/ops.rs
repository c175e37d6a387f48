//! One entry point for every operation: validate the arguments, view the exports as their element types, run the
//! kernel, and turn any panic into [`Error::Internal`]. The binding calls [`execute`] and nothing else of the kernels.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Result};
use crate::exec::Cancel;
use crate::kernels::{self, Scalar};
use crate::kind::ElementKind;
use crate::ledger::{Lent, Mode};
use crate::view::{Element, ReadView};
use crate::with_element_type;

/// An operation and its non-array parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// The sum of every element.
    Sum,
}

impl Op {
    /// The operation's public name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Sum => "sum",
        }
    }

    /// The access each array argument needs, in argument order.
    pub fn modes(&self) -> &'static [Mode] {
        match self {
            Op::Sum => &[Mode::Read],
        }
    }
}

/// One array argument: its element kind and the export lent for the operation.
#[derive(Debug)]
pub struct Arg {
    /// The element kind the bytes are viewed as.
    pub kind: ElementKind,
    /// The export.
    pub lent: Lent,
}

/// What an operation returns to JavaScript.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// One number or bigint.
    Scalar(Scalar),
}

/// Async calls over at most this many bytes run inline on the JavaScript thread: below it, handing the work to the
/// pool and the result back costs more than the work itself.
pub const INLINE_BYTES: usize = 128 * 1024;

/// Whether an operation over `args` is small enough to run inline rather than on the pool.
pub fn runs_inline(args: &[Arg]) -> bool {
    args.iter().map(|a| a.lent.region().len()).sum::<usize>() <= INLINE_BYTES
}

fn read_view<T: Element>(lent: &mut Lent) -> Result<ReadView<'_, T>> {
    match lent {
        Lent::Read(guard) => guard.view::<T>(),
        Lent::Write(guard) => guard.view::<T>(),
    }
}

/// Runs `op` over `args`. Panics inside kernels come back as [`Error::Internal`].
///
/// # Errors
/// Any [`Error`]: wrong argument count or access, misaligned memory, an empty input where a value is needed, an abort.
pub fn execute(op: &Op, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
    let modes = op.modes();
    if args.len() != modes.len() {
        return Err(Error::internal(format!("{}() takes {} arrays, got {}", op.name(), modes.len(), args.len())));
    }
    for (arg, mode) in args.iter().zip(modes) {
        if *mode == Mode::Write && arg.lent.mode() != Mode::Write {
            let range = arg.lent.region().range();
            return Err(Error::Borrowed {
                requested: Mode::Write,
                requested_range: range,
                blocking: Mode::Read,
                blocking_range: range,
            });
        }
    }
    catch_unwind(AssertUnwindSafe(|| run(op, args, cancel))).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a kernel panicked".to_string());
        Err(Error::internal(format!("{}(): {detail}", op.name())))
    })
}

fn run(op: &Op, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
    match op {
        Op::Sum => {
            let arg = &mut args[0];
            with_element_type!(arg.kind, T => {
                let view = read_view::<T>(&mut arg.lent)?;
                kernels::sum(&view, cancel).map(Output::Scalar)
            })
        }
    }
}
