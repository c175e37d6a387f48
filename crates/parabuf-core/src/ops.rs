//! One entry point for every operation: validate the arguments, view the exports as their element types, run the
//! kernel, and turn any panic into [`Error::Internal`]. The binding calls [`execute`] and nothing else of the kernels.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Result};
use crate::exec::{pool, Cancel};
use crate::kernels::histogram::MAX_BINS;
use crate::kernels::{self, Conversion, Scalar};
use crate::kind::ElementKind;
use crate::ledger::{Lent, Mode};
use crate::view::{Element, ReadView, WriteView};
use crate::with_element_type;

/// An operation and its non-array parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// The sum of every element.
    Sum,
    /// The arithmetic mean.
    Mean,
    /// The smallest element.
    Min,
    /// The largest element.
    Max,
    /// The smallest and the largest element.
    MinMax,
    /// The index of the first smallest element.
    ArgMin,
    /// The index of the first largest element.
    ArgMax,
    /// The variance with `ddof` delta degrees of freedom.
    Variance {
        /// Subtracted from the element count in the divisor: 0 for the population, 1 for a sample.
        ddof: f64,
    },
    /// The standard deviation with `ddof` delta degrees of freedom.
    Std {
        /// As for [`Op::Variance`].
        ddof: f64,
    },
    /// The dot product of two arrays of one kind and length.
    Dot,
    /// The Euclidean norm.
    Norm,
    /// Counts in equal-width bins.
    Histogram {
        /// The number of bins, 1 to [`MAX_BINS`].
        bins: u32,
        /// The lower edge; the data's minimum when absent.
        min: Option<f64>,
        /// The upper edge; the data's maximum when absent.
        max: Option<f64>,
    },
    /// Every element set to one value.
    Fill {
        /// A bigint for 64-bit integer arrays, a number for every other kind.
        value: Scalar,
    },
    /// Every element set to `element * factor + offset`.
    Scale {
        /// A bigint for 64-bit integer arrays, a number for every other kind.
        factor: Scalar,
        /// Of the same type as `factor`.
        offset: Scalar,
    },
    /// `dst[i] += src[i]` for a destination and a source of one kind and length.
    Add,
    /// Sorted ascending, in place.
    Sort,
    /// Panics on a pool thread on purpose, so the binding's tests can check that a kernel panic comes back as
    /// [`Error::Internal`] and the process lives on. Not part of the JavaScript API.
    #[doc(hidden)]
    SelfTestPanic,
}

/// An operation's parameters as a caller names them. Each operation reads only its own: `ddof` (`variance`, `std`;
/// 0 when absent), `bins`, `min` and `max` (`histogram`), `value` (`fill`), `factor` and `offset` (`scale`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    /// `variance`/`std`: delta degrees of freedom.
    pub ddof: Option<f64>,
    /// `histogram`: bin count.
    pub bins: Option<f64>,
    /// `histogram`: range start.
    pub min: Option<f64>,
    /// `histogram`: range end.
    pub max: Option<f64>,
    /// `fill`: the value.
    pub value: Option<Scalar>,
    /// `scale`: the multiplier.
    pub factor: Option<Scalar>,
    /// `scale`: the addend.
    pub offset: Option<Scalar>,
}

impl Op {
    /// Every operation's name ([`Op::name`]), in the order of their codes: a caller that names operations by code
    /// (the binding does, so that no call converts a string) reads this list once.
    pub const NAMES: [&'static str; 17] = [
        "sum",
        "mean",
        "min",
        "max",
        "minmax",
        "argmin",
        "argmax",
        "variance",
        "std",
        "dot",
        "norm",
        "histogram",
        "fill",
        "scale",
        "add",
        "sort",
        "__panic",
    ];

    /// The operation whose name is `Op::NAMES[code]`, with the parameters it reads from `params`.
    ///
    /// # Errors
    /// `ERR_PARABUF_INTERNAL` for a code outside [`Op::NAMES`]; `ERR_INVALID_ARG_TYPE` when `fill` has no value or
    /// `scale` no factor or offset; histogram parameters as [`Op::histogram`] checks them.
    pub fn from_code(code: u32, params: Params) -> Result<Op> {
        let Some(name) = Op::NAMES.get(code as usize) else {
            return Err(Error::internal(format!("unknown operation code {code}")));
        };
        let required = |scalar: Option<Scalar>, what: &str| {
            scalar.ok_or_else(|| Error::arg_type(format!("the {what} must be a number or a bigint")))
        };
        let ddof = params.ddof.unwrap_or(0.0);
        Ok(match *name {
            "sum" => Op::Sum,
            "mean" => Op::Mean,
            "min" => Op::Min,
            "max" => Op::Max,
            "minmax" => Op::MinMax,
            "argmin" => Op::ArgMin,
            "argmax" => Op::ArgMax,
            "variance" => Op::Variance { ddof },
            "std" => Op::Std { ddof },
            "dot" => Op::Dot,
            "norm" => Op::Norm,
            "histogram" => Op::histogram(params.bins.unwrap_or(f64::NAN), params.min, params.max)?,
            "fill" => Op::Fill { value: required(params.value, "fill() value")? },
            "scale" => Op::Scale {
                factor: required(params.factor, "scale() factor")?,
                offset: required(params.offset, "scale() offset")?,
            },
            "add" => Op::Add,
            "sort" => Op::Sort,
            "__panic" => Op::SelfTestPanic,
            other => return Err(Error::internal(format!("operation '{other}' has a code but no meaning"))),
        })
    }

    /// The operation's public name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Sum => "sum",
            Op::Mean => "mean",
            Op::Min => "min",
            Op::Max => "max",
            Op::MinMax => "minmax",
            Op::ArgMin => "argmin",
            Op::ArgMax => "argmax",
            Op::Variance { .. } => "variance",
            Op::Std { .. } => "std",
            Op::Dot => "dot",
            Op::Norm => "norm",
            Op::Histogram { .. } => "histogram",
            Op::Fill { .. } => "fill",
            Op::Scale { .. } => "scale",
            Op::Add => "add",
            Op::Sort => "sort",
            Op::SelfTestPanic => "__panic",
        }
    }

    /// The access each array argument needs, in argument order.
    pub fn modes(&self) -> &'static [Mode] {
        match self {
            Op::Dot => &[Mode::Read, Mode::Read],
            Op::Add => &[Mode::Write, Mode::Read],
            Op::Fill { .. } | Op::Scale { .. } | Op::Sort => &[Mode::Write],
            _ => &[Mode::Read],
        }
    }

    /// [`Op::Histogram`] from a JavaScript bin count, which must be an integer from 1 to [`MAX_BINS`].
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for any other bin count or an unusable range (see [`Op::validate`]).
    pub fn histogram(bins: f64, min: Option<f64>, max: Option<f64>) -> Result<Op> {
        if !(bins >= 1.0 && bins <= MAX_BINS as f64 && bins.fract() == 0.0) {
            return Err(bins_error(bins));
        }
        let op = Op::Histogram { bins: bins as u32, min, max };
        op.validate_parameters()?;
        Ok(op)
    }

    /// Checks the parameters and the arrays' kinds and lengths, so a bad call fails before anything is read or
    /// written. [`execute`] calls it; the binding may call it earlier to fail synchronously.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for a bad `ddof`, bin count or histogram range; [`Error::InvalidArgType`] for a number
    /// where a bigint array needs a bigint or the reverse; [`Error::TypeMismatch`] or [`Error::LengthMismatch`] for
    /// two arrays that do not pair up.
    pub fn validate(&self, args: &[Arg]) -> Result<()> {
        self.validate_parameters()?;
        let operation = self.name();
        match (self, args) {
            (Op::Fill { value }, [arg]) => check_scalar(operation, arg.kind, "value", *value),
            (Op::Scale { factor, offset }, [arg]) => {
                check_scalar(operation, arg.kind, "factor", *factor)?;
                check_scalar(operation, arg.kind, "offset", *offset)
            }
            (Op::Dot | Op::Add, [a, b]) => {
                if a.kind != b.kind {
                    return Err(Error::TypeMismatch {
                        detail: format!(
                            "{operation}() needs arrays of one element type, got {} and {}",
                            a.kind, b.kind
                        ),
                    });
                }
                let (left, right) = (a.len(), b.len());
                if left != right {
                    return Err(Error::LengthMismatch { left, right });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn validate_parameters(&self) -> Result<()> {
        match *self {
            Op::Variance { ddof } | Op::Std { ddof } if !(ddof.is_finite() && ddof >= 0.0) => {
                Err(Error::out_of_range(format!("{}() ddof must be a finite number >= 0, got {ddof}", self.name())))
            }
            Op::Histogram { bins, min, max } => {
                if !(1..=MAX_BINS).contains(&bins) {
                    return Err(bins_error(bins as f64));
                }
                for (name, bound) in [("min", min), ("max", max)] {
                    if let Some(bound) = bound.filter(|b| !b.is_finite()) {
                        return Err(Error::out_of_range(format!(
                            "histogram() {name} must be a finite number, got {bound}"
                        )));
                    }
                }
                if let (Some(lo), Some(hi)) = (min, max) {
                    if lo > hi {
                        return Err(Error::out_of_range(format!("histogram() min ({lo}) must not exceed max ({hi})")));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

fn bins_error(bins: f64) -> Error {
    Error::out_of_range(format!("histogram() bins must be an integer from 1 to {MAX_BINS}, got {bins}"))
}

/// Bigint arrays take bigints and every other kind takes numbers, as JavaScript's typed arrays do.
fn check_scalar(operation: &str, kind: ElementKind, what: &str, value: Scalar) -> Result<()> {
    let got = match value {
        Scalar::Number(_) => "number",
        Scalar::BigInt(_) => "bigint",
    };
    let wanted = if kind.is_bigint() { "bigint" } else { "number" };
    if got == wanted {
        return Ok(());
    }
    let article = if wanted == "bigint" { "a bigint" } else { "a number" };
    Err(Error::arg_type(format!("{operation}() of a{} {kind} needs {article} {what}, got a {got}", an(kind))))
}

/// The article's tail for a kind's name: "an Int8Array", but "a Uint8Array" and "a Float64Array".
fn an(kind: ElementKind) -> &'static str {
    if kind.name().starts_with('I') {
        "n"
    } else {
        ""
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

impl Arg {
    /// The number of whole elements in the export.
    pub fn len(&self) -> usize {
        self.lent.region().len() / self.kind.size()
    }

    /// Whether the export holds no whole element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What an operation returns to JavaScript.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// One number or bigint: `sum`, `mean`, `min`, `max`, `variance`, `std`, `dot`, `norm`.
    Scalar(Scalar),
    /// An element index: `argmin`, `argmax`.
    Index(usize),
    /// Both extremes: `minmax`.
    MinMax {
        /// The smallest element.
        min: Scalar,
        /// The largest element.
        max: Scalar,
    },
    /// Counts per bin, in bin order: `histogram`.
    Counts(Vec<f64>),
    /// Nothing: the operation changed its first array (`fill`, `scale`, `add`, `sort`).
    InPlace,
}

/// Async calls over at most this many bytes run inline on the JavaScript thread and return a settled promise: below
/// it, handing the work to the pool and the result back costs more than the work itself.
///
/// How it was chosen: the hand-off is a pool thread wake-up plus a threadsafe-function callback through the event
/// loop, tens of microseconds end to end, while the kernels read 5–10 GB/s on this project's 2-core reference machine
/// (`npm run bench`), so 128 KiB is about 15–25 µs of work. In the bench, async `sum` on 1e4 f64 (80 KiB, inline)
/// costs within 15 % of `sumSync`; from 1e5 f64 (800 KiB) on the work dominates and the call goes to the pool.
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

fn write_view<T: Element>(lent: &mut Lent) -> Result<WriteView<'_, T>> {
    match lent {
        Lent::Write(guard) => guard.view_mut::<T>(),
        // execute() refuses read exports for written arguments before anything runs.
        Lent::Read(_) => Err(Error::internal("a write kernel was handed a read export")),
    }
}

/// Runs `op` over `args`. Panics inside kernels come back as [`Error::Internal`].
///
/// # Errors
/// Any [`Error`]: wrong argument count or access, invalid parameters or array pairs (see [`Op::validate`]),
/// misaligned memory, an empty input where a value is needed, an abort. Validation errors leave every array untouched.
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
    op.validate(args)?;
    catch_unwind(AssertUnwindSafe(|| run(op, args, cancel).map_err(|e| e.in_operation(op.name())))).unwrap_or_else(
        |panic| {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a kernel panicked".to_string());
            Err(Error::internal(format!("{}(): {detail}", op.name())))
        },
    )
}

/// Binds `$T` to the element type of the first argument and `$view` to a read view of it.
macro_rules! reading {
    ($args:expr, $T:ident, $view:ident => $body:expr) => {{
        let arg = &mut $args[0];
        with_element_type!(arg.kind, $T => {
            let $view = read_view::<$T>(&mut arg.lent)?;
            $body
        })
    }};
}

/// Binds `$T` to the element type of the first argument, `$conv` to its [`Conversion`] and `$view` to a write view.
macro_rules! writing {
    ($args:expr, $T:ident, $conv:ident, $view:ident => $body:expr) => {{
        let arg = &mut $args[0];
        let $conv = Conversion::of(arg.kind);
        with_element_type!(arg.kind, $T => {
            let $view = write_view::<$T>(&mut arg.lent)?;
            $body
        })
    }};
}

fn number(x: f64) -> Output {
    Output::Scalar(Scalar::Number(x))
}

fn in_place(_: ()) -> Output {
    Output::InPlace
}

fn run(op: &Op, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
    match *op {
        Op::Sum => reading!(args, T, v => kernels::sum(&v, cancel).map(Output::Scalar)),
        Op::Mean => reading!(args, T, v => kernels::mean(&v, cancel).map(number)),
        Op::Min => reading!(args, T, v => kernels::min(&v, cancel).map(Output::Scalar)),
        Op::Max => reading!(args, T, v => kernels::max(&v, cancel).map(Output::Scalar)),
        Op::MinMax => reading!(args, T, v => kernels::minmax(&v, cancel).map(|(min, max)| Output::MinMax { min, max })),
        Op::ArgMin => reading!(args, T, v => kernels::argmin(&v, cancel).map(Output::Index)),
        Op::ArgMax => reading!(args, T, v => kernels::argmax(&v, cancel).map(Output::Index)),
        Op::Variance { ddof } => reading!(args, T, v => kernels::variance(&v, ddof, cancel).map(number)),
        Op::Std { ddof } => reading!(args, T, v => kernels::std(&v, ddof, cancel).map(number)),
        Op::Norm => reading!(args, T, v => kernels::norm(&v, cancel).map(number)),
        Op::Histogram { bins, min, max } => {
            reading!(args, T, v => kernels::histogram(&v, bins, min, max, cancel).map(Output::Counts))
        }
        Op::Dot => {
            let [a, b] = args else { return Err(Error::internal("dot() takes two arrays")) };
            with_element_type!(a.kind, T => {
                let a = read_view::<T>(&mut a.lent)?;
                let b = read_view::<T>(&mut b.lent)?;
                kernels::dot(&a, &b, cancel).map(Output::Scalar)
            })
        }
        Op::Fill { value } => {
            writing!(args, T, conv, v => kernels::fill(v, conv.scalar::<T>(value), cancel).map(in_place))
        }
        Op::Scale { factor, offset } => {
            writing!(args, T, conv, v => kernels::scale(v, factor, offset, conv, cancel).map(in_place))
        }
        Op::Sort => writing!(args, T, _conv, v => kernels::sort(v, cancel).map(in_place)),
        Op::SelfTestPanic => pool().install(|| panic!("self-test panic inside the pool")),
        Op::Add => {
            let [dst, src] = args else { return Err(Error::internal("add() takes two arrays")) };
            let conv = Conversion::of(dst.kind);
            with_element_type!(dst.kind, T => {
                let src = read_view::<T>(&mut src.lent)?;
                let dst = write_view::<T>(&mut dst.lent)?;
                kernels::add(dst, &src, conv, cancel).map(in_place)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ledger::Ledger;
    use crate::region::OwnedBuffer;

    /// An array of `kind` holding `values` (converted as JavaScript would store them), in parabuf-owned memory.
    fn array(kind: ElementKind, values: &[f64]) -> Arc<OwnedBuffer> {
        let buf = OwnedBuffer::zeroed(values.len() * kind.size());
        let ledger = Ledger::new();
        let mut guard = ledger.write(buf.region()).unwrap();
        let conv = Conversion::of(kind);
        with_element_type!(kind, T => {
            let mut view = guard.view_mut::<T>().unwrap();
            for (i, x) in values.iter().enumerate() {
                let value = if kind.is_bigint() { Scalar::BigInt(*x as i128) } else { Scalar::Number(*x) };
                view.set(i, conv.scalar::<T>(value));
            }
        });
        buf
    }

    fn contents(kind: ElementKind, buf: &OwnedBuffer) -> Vec<f64> {
        let ledger = Ledger::new();
        let guard = ledger.read(buf.region()).unwrap();
        with_element_type!(kind, T => guard.view::<T>().unwrap().iter().map(kernels::Numeric::to_f64).collect())
    }

    /// Runs `op` over `bufs`, lending each with the mode the op asks for.
    fn run_op(op: &Op, bufs: &[(ElementKind, &OwnedBuffer)]) -> Result<Output> {
        let ledger = Ledger::new();
        let mut args: Vec<Arg> = bufs
            .iter()
            .zip(op.modes())
            .map(|((kind, buf), mode)| Arg {
                kind: *kind,
                lent: match mode {
                    Mode::Read => Lent::Read(Arc::new(ledger.read(buf.region()).unwrap())),
                    Mode::Write => Lent::Write(ledger.write(buf.region()).unwrap()),
                },
            })
            .collect();
        execute(op, &mut args, &Cancel::new())
    }

    fn big(x: i128) -> Output {
        Output::Scalar(Scalar::BigInt(x))
    }

    fn num(x: f64) -> Output {
        Output::Scalar(Scalar::Number(x))
    }

    #[test]
    fn every_op_dispatches_for_every_kind() {
        for kind in ElementKind::ALL {
            let a = array(kind, &[3.0, 1.0, 2.0]);
            let b = array(kind, &[1.0, 1.0, 2.0]);
            let one = |op: Op| run_op(&op, &[(kind, &a)]).unwrap();
            let wide = kind.is_bigint();
            assert_eq!(one(Op::Sum), if wide { big(6) } else { num(6.0) }, "{kind}");
            assert_eq!(one(Op::Mean), num(2.0), "{kind}");
            assert_eq!(one(Op::Min), if wide { big(1) } else { num(1.0) }, "{kind}");
            assert_eq!(one(Op::Max), if wide { big(3) } else { num(3.0) }, "{kind}");
            let expected = if wide {
                Output::MinMax { min: Scalar::BigInt(1), max: Scalar::BigInt(3) }
            } else {
                Output::MinMax { min: Scalar::Number(1.0), max: Scalar::Number(3.0) }
            };
            assert_eq!(one(Op::MinMax), expected, "{kind}");
            assert_eq!(one(Op::ArgMin), Output::Index(1), "{kind}");
            assert_eq!(one(Op::ArgMax), Output::Index(0), "{kind}");
            assert_eq!(one(Op::Variance { ddof: 1.0 }), num(1.0), "{kind}");
            assert_eq!(one(Op::Std { ddof: 0.0 }), num((2.0f64 / 3.0).sqrt()), "{kind}");
            assert_eq!(one(Op::Norm), num(14f64.sqrt()), "{kind}");
            let hist = Op::Histogram { bins: 2, min: None, max: None };
            assert_eq!(one(hist), Output::Counts(vec![1.0, 2.0]), "{kind}");
            let dot = run_op(&Op::Dot, &[(kind, &a), (kind, &b)]).unwrap();
            assert_eq!(dot, if wide { big(8) } else { num(8.0) }, "{kind}");

            assert_eq!(run_op(&Op::Add, &[(kind, &a), (kind, &b)]).unwrap(), Output::InPlace);
            assert_eq!(contents(kind, &a), [4.0, 2.0, 4.0], "{kind}");
            let (factor, offset) =
                if wide { (Scalar::BigInt(2), Scalar::BigInt(1)) } else { (Scalar::Number(2.0), Scalar::Number(1.0)) };
            assert_eq!(one(Op::Scale { factor, offset }), Output::InPlace);
            assert_eq!(contents(kind, &a), [9.0, 5.0, 9.0], "{kind}");
            assert_eq!(one(Op::Sort), Output::InPlace);
            assert_eq!(contents(kind, &a), [5.0, 9.0, 9.0], "{kind}");
            let value = if wide { Scalar::BigInt(7) } else { Scalar::Number(7.0) };
            assert_eq!(one(Op::Fill { value }), Output::InPlace);
            assert_eq!(contents(kind, &a), [7.0; 3], "{kind}");
        }
    }

    /// The names, the codes and the operations agree: every code makes the operation of that name, and nothing
    /// past the list does.
    #[test]
    fn every_code_makes_the_operation_it_names() {
        let params = Params {
            bins: Some(4.0),
            value: Some(Scalar::Number(1.0)),
            factor: Some(Scalar::Number(2.0)),
            offset: Some(Scalar::Number(3.0)),
            ..Params::default()
        };
        for (code, name) in Op::NAMES.iter().enumerate() {
            assert_eq!(Op::from_code(code as u32, params.clone()).unwrap().name(), *name);
        }
        let past = Op::NAMES.len() as u32;
        assert_eq!(Op::from_code(past, params).unwrap_err().code(), "ERR_PARABUF_INTERNAL");
        let code = |name: &str| Op::NAMES.iter().position(|n| *n == name).unwrap() as u32;
        let with_ddof = Params { ddof: Some(1.0), ..Params::default() };
        assert_eq!(Op::from_code(code("variance"), with_ddof), Ok(Op::Variance { ddof: 1.0 }));
        assert_eq!(Op::from_code(code("std"), Params::default()), Ok(Op::Std { ddof: 0.0 }));
        let err = Op::from_code(code("fill"), Params::default()).unwrap_err();
        assert_eq!((err.code(), err.to_string().contains("fill() value")), ("ERR_INVALID_ARG_TYPE", true));
        let factor_only = Params { factor: Some(Scalar::Number(2.0)), ..Params::default() };
        let err = Op::from_code(code("scale"), factor_only).unwrap_err();
        assert_eq!((err.code(), err.to_string().contains("scale() offset")), ("ERR_INVALID_ARG_TYPE", true));
    }

    #[test]
    fn names_and_modes() {
        assert_eq!(Op::MinMax.name(), "minmax");
        assert_eq!(Op::Std { ddof: 0.0 }.name(), "std");
        assert_eq!(Op::Dot.modes(), [Mode::Read, Mode::Read]);
        assert_eq!(Op::Add.modes(), [Mode::Write, Mode::Read]);
        assert_eq!(Op::Sort.modes(), [Mode::Write]);
        assert_eq!(Op::Fill { value: Scalar::Number(0.0) }.modes(), [Mode::Write]);
        assert_eq!(Op::Histogram { bins: 1, min: None, max: None }.modes(), [Mode::Read]);
    }

    #[test]
    fn pairs_must_share_kind_and_length() {
        let f64s = array(ElementKind::Float64, &[1.0, 2.0]);
        let f32s = array(ElementKind::Float32, &[1.0, 2.0]);
        let err = run_op(&Op::Dot, &[(ElementKind::Float64, &f64s), (ElementKind::Float32, &f32s)]).unwrap_err();
        assert_eq!(err.code(), "ERR_PARABUF_TYPE_MISMATCH");
        assert_eq!(err.to_string(), "dot() needs arrays of one element type, got Float64Array and Float32Array");
        let short = array(ElementKind::Float64, &[5.0]);
        let err = run_op(&Op::Add, &[(ElementKind::Float64, &f64s), (ElementKind::Float64, &short)]).unwrap_err();
        assert_eq!(err, Error::LengthMismatch { left: 2, right: 1 });
        let err = run_op(&Op::Add, &[(ElementKind::Float64, &f64s), (ElementKind::Float32, &f32s)]).unwrap_err();
        assert_eq!(err.to_string(), "add() needs arrays of one element type, got Float64Array and Float32Array");
        assert_eq!(contents(ElementKind::Float64, &f64s), [1.0, 2.0]);
    }

    #[test]
    fn scalars_must_match_the_kind() {
        let bigs = array(ElementKind::BigInt64, &[1.0]);
        let fill = Op::Fill { value: Scalar::Number(2.0) };
        let err = run_op(&fill, &[(ElementKind::BigInt64, &bigs)]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_TYPE");
        assert_eq!(err.to_string(), "fill() of a BigInt64Array needs a bigint value, got a number");
        let ints = array(ElementKind::Int8, &[1.0]);
        let scale = Op::Scale { factor: Scalar::Number(2.0), offset: Scalar::BigInt(1) };
        let err = run_op(&scale, &[(ElementKind::Int8, &ints)]).unwrap_err();
        assert_eq!(err.to_string(), "scale() of an Int8Array needs a number offset, got a bigint");
        let scale = Op::Scale { factor: Scalar::Number(2.0), offset: Scalar::Number(1.0) };
        let err = run_op(&scale, &[(ElementKind::BigUint64, &bigs)]).unwrap_err();
        assert_eq!(err.to_string(), "scale() of a BigUint64Array needs a bigint factor, got a number");
        assert_eq!(contents(ElementKind::BigInt64, &bigs), [1.0]);
        assert_eq!(contents(ElementKind::Int8, &ints), [1.0]);
    }

    #[test]
    fn parameters_are_range_checked() {
        let a = array(ElementKind::Float64, &[1.0, 2.0]);
        let arg = [(ElementKind::Float64, &*a)];
        for ddof in [-1.0, f64::NAN, f64::INFINITY] {
            let err = run_op(&Op::Variance { ddof }, &arg).unwrap_err();
            assert_eq!(err.code(), "ERR_OUT_OF_RANGE", "{ddof}");
            assert_eq!(run_op(&Op::Std { ddof }, &arg).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        }
        assert_eq!(run_op(&Op::Variance { ddof: 0.5 }, &arg).unwrap(), num(0.5 / 1.5));
        for bins in [0, MAX_BINS + 1] {
            let err = run_op(&Op::Histogram { bins, min: None, max: None }, &arg).unwrap_err();
            assert_eq!(err.code(), "ERR_OUT_OF_RANGE");
        }
        let err = run_op(&Op::Histogram { bins: 2, min: Some(3.0), max: Some(1.0) }, &arg).unwrap_err();
        assert_eq!(err.to_string(), "histogram() min (3) must not exceed max (1)");
        let err = run_op(&Op::Histogram { bins: 2, min: Some(f64::NAN), max: None }, &arg).unwrap_err();
        assert_eq!(err.to_string(), "histogram() min must be a finite number, got NaN");
    }

    #[test]
    fn histogram_bins_from_javascript_numbers() {
        assert_eq!(Op::histogram(3.0, None, Some(1.0)).unwrap(), Op::Histogram { bins: 3, min: None, max: Some(1.0) });
        assert!(Op::histogram(MAX_BINS as f64, None, None).is_ok());
        for bins in [0.0, -1.0, 2.5, f64::NAN, f64::INFINITY, MAX_BINS as f64 + 1.0] {
            assert_eq!(Op::histogram(bins, None, None).unwrap_err().code(), "ERR_OUT_OF_RANGE", "{bins}");
        }
        assert!(Op::histogram(2.0, Some(1.0), Some(0.0)).is_err());
    }

    #[test]
    fn written_arguments_need_write_exports() {
        let a = array(ElementKind::Float64, &[2.0, 1.0]);
        let ledger = Ledger::new();
        let mut args =
            [Arg { kind: ElementKind::Float64, lent: Lent::Read(Arc::new(ledger.read(a.region()).unwrap())) }];
        assert_eq!(execute(&Op::Sort, &mut args, &Cancel::new()).unwrap_err().code(), "ERR_PARABUF_BORROWED");
        drop(args);
        assert_eq!(contents(ElementKind::Float64, &a), [2.0, 1.0]);
    }

    #[test]
    fn a_kernel_panic_becomes_an_internal_error() {
        let a = array(ElementKind::Float64, &[1.0]);
        let err = run_op(&Op::SelfTestPanic, &[(ElementKind::Float64, &a)]).unwrap_err();
        assert_eq!(err.code(), "ERR_PARABUF_INTERNAL");
        assert!(err.to_string().contains("__panic(): self-test panic inside the pool"), "{err}");
        assert_eq!(run_op(&Op::Sum, &[(ElementKind::Float64, &a)]).unwrap(), num(1.0));
    }

    #[test]
    fn empty_inputs() {
        let empty = array(ElementKind::Int32, &[]);
        let arg = [(ElementKind::Int32, &*empty)];
        assert_eq!(run_op(&Op::Min, &arg).unwrap_err(), Error::Empty { operation: Some("min") });
        assert_eq!(run_op(&Op::ArgMax, &arg).unwrap_err().code(), "ERR_PARABUF_EMPTY");
        assert_eq!(run_op(&Op::Norm, &arg).unwrap(), num(0.0));
        assert!(matches!(run_op(&Op::Mean, &arg).unwrap(), Output::Scalar(Scalar::Number(x)) if x.is_nan()));
        assert_eq!(run_op(&Op::Sort, &arg).unwrap(), Output::InPlace);
    }
}
