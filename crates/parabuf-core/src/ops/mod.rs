//! One entry point for every operation: find it in the table, read its parameters, check its arrays, view the exports
//! as their element types, run the kernel, and turn any panic into [`Error::Internal`]. The binding calls [`execute`]
//! (and [`execute_expression`], for a bound expression's values in place of an operation's array) and nothing else
//! of the kernels.
//!
//! An operation is declared once, in its kernel's file: a type implementing [`Operation`] (its [`Spec`] — name, arrays and
//! their access, parameters, result, inline policy — its parameter parsing and validation, and the kernel it runs),
//! and one row of the `operations!` list there. Everything else — the [`Op`] dispatch enum, the codes the binding
//! uses, the per-operation facts the binding exports to the facade — is generated from that row.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Result};
use crate::exec::{Cancel, BLOCK};
use crate::expr::Bound;
use crate::kernels::Scalar;
use crate::kind::ElementKind;
use crate::layout::Layout;
use crate::ledger::{Ledger, Lent, Mode};
use crate::region::OwnedBuffer;
use crate::view::{Element, ReadView, WriteView};

pub use crate::kernels::Op;

mod along;
mod column;
mod strided;
pub use along::{execute_along, AxisResult};
pub use column::{Column, ColumnElement};
pub use strided::{gathered, one_axis_refused};

/// Async calls over at most this many bytes run inline on the JavaScript thread and return a settled promise: below
/// it, handing the work to the pool and the result back costs more than the work itself (a pool thread wake-up and a
/// callback through the event loop, against kernels that read several GB/s). `bench/README.md` has the measurements.
pub const INLINE_BYTES: usize = 128 * 1024;

/// One array argument of an operation, as declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArraySpec {
    /// The argument's name in the public API (`"a"`, `"b"`).
    pub name: &'static str,
    /// The access the operation needs.
    pub mode: Mode,
    /// Made by the facade from a parameter (`quantile`'s `q`, `cumsum`'s `out`), not passed as an argument of its own:
    /// the facade and the tests count it out of the public arguments.
    pub internal: bool,
    /// For a written array: the index of an earlier array whose memory it may be exactly (the same bytes, viewed as
    /// the same element kind), as `cumsum(a, { out: a })` writes over its input. The binding then takes one write
    /// export for both and lends this argument as [`Lent::Alias`]; any other overlap is refused by the ledger as usual.
    pub may_alias: Option<usize>,
    /// The operation works along one axis of this array (it searches it, or pairs elements with another array's): a
    /// strided view of more than one dimension is refused, unless the operation takes an axis
    /// ([`AxisResult::Lanes`]), which then runs along its last axis; a one-dimensional view is taken as any array.
    pub one_axis: bool,
}

impl ArraySpec {
    /// An array the caller passes, named `name`, accessed as `mode`.
    pub const fn new(name: &'static str, mode: Mode) -> ArraySpec {
        ArraySpec { name, mode, internal: false, may_alias: None, one_axis: false }
    }

    /// This array, worked along one axis (see [`ArraySpec::one_axis`]).
    pub const fn along_one_axis(self) -> ArraySpec {
        ArraySpec { one_axis: true, ..self }
    }
}

/// What a parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// A JavaScript number.
    Number,
    /// A number, or a bigint for 64-bit integer arrays: an element value.
    Element,
    /// A boolean, read as 1 or 0.
    Boolean,
    /// One of these strings, read as its index.
    Choice(&'static [&'static str]),
}

/// One parameter of an operation, read by name from the parameter object the caller passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// The field's name.
    pub name: &'static str,
    /// What it accepts.
    pub ty: ParamType,
}

/// The shape of an operation's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// A number, or a bigint for 64-bit integer input ([`Output::Scalar`]).
    Element,
    /// Always a number ([`Output::Scalar`] of [`Scalar::Number`]).
    Number,
    /// An element index ([`Output::Index`]).
    Index,
    /// `{ min, max }` ([`Output::MinMax`]).
    MinMax,
    /// A `Float64Array` of counts ([`Output::Counts`]).
    Counts,
    /// Nothing: the first array was changed in place ([`Output::InPlace`]).
    InPlace,
    /// A new typed array ([`Output::Array`]).
    Array,
    /// An object of two new typed arrays under these names ([`Output::Pair`]), such as `{ values, indices }`.
    Pair(&'static str, &'static str),
}

impl Returns {
    /// The name the binding exports to the facade.
    pub fn as_str(self) -> &'static str {
        match self {
            Returns::Element => "element",
            Returns::Number => "number",
            Returns::Index => "index",
            Returns::MinMax => "minmax",
            Returns::Counts => "counts",
            Returns::InPlace => "inPlace",
            Returns::Array => "array",
            Returns::Pair(..) => "pair",
        }
    }

    /// Whether `output` has this shape.
    pub fn matches(self, output: &Output) -> bool {
        matches!(
            (self, output),
            (Returns::Element, Output::Scalar(_))
                | (Returns::Number, Output::Scalar(Scalar::Number(_)))
                | (Returns::Index, Output::Index(_))
                | (Returns::MinMax, Output::MinMax { .. })
                | (Returns::Counts, Output::Counts(_))
                | (Returns::InPlace, Output::InPlace)
                | (Returns::Array, Output::Array(_))
        ) || matches!((self, output), (Returns::Pair(a, b), Output::Pair { names, .. }) if names == &[a, b])
    }
}

/// Everything the binding and the facade need to know about an operation, declared with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The public name (the facade's function is this name, and this name with `Sync`).
    pub name: &'static str,
    /// The array arguments, in order.
    pub arrays: &'static [ArraySpec],
    /// The parameters, read by name from one object.
    pub params: &'static [ParamSpec],
    /// The result's shape.
    pub returns: Returns,
    /// Async calls whose arrays total at most this many bytes run inline ([`INLINE_BYTES`] unless declared).
    pub inline_bytes: usize,
    /// Whether the operation is part of the public API (the facade wraps it) or a hook for the binding's own tests.
    pub public: bool,
    /// Whether a bound expression may stand in for the first array ([`execute_expression`]), and how it is read.
    pub expression: ExpressionUse,
    /// Whether the operation reduces along axes ([`execute_along`]), and what it gives per output element.
    pub axis: AxisResult,
}

/// Whether an operation takes a bound expression's values in place of its first array, and how it reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpressionUse {
    /// It does not: it writes that array, or reads it in step with another.
    No,
    /// Reduced block by block as the values are computed, never holding more than a piece of them per thread.
    Fused,
    /// Computed into a `Float64Array` made for the call (8 bytes per element), which the ordinary kernel then reads.
    Materialised,
}

impl ExpressionUse {
    /// The name the binding exports to the facade: `"no"`, `"fused"` or `"materialised"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpressionUse::No => "no",
            ExpressionUse::Fused => "fused",
            ExpressionUse::Materialised => "materialised",
        }
    }

    /// Whether an expression is accepted at all.
    pub fn accepted(self) -> bool {
        self != ExpressionUse::No
    }
}

/// The one array argument `a` that an operation reads.
pub const READS_A: &[ArraySpec] = &[ArraySpec::new("a", Mode::Read)];
/// The one array argument `a` that an operation writes.
pub const WRITES_A: &[ArraySpec] = &[ArraySpec::new("a", Mode::Write)];
/// Two array arguments, `a` and `b`, both read.
pub const READS_A_B: &[ArraySpec] = &[ArraySpec::new("a", Mode::Read), ArraySpec::new("b", Mode::Read)];
/// Two array arguments: `a` written, `b` read.
pub const WRITES_A_READS_B: &[ArraySpec] = &[ArraySpec::new("a", Mode::Write), ArraySpec::new("b", Mode::Read)];

impl Spec {
    /// An operation named `name` over `arrays` with no parameters, returning `returns`, public, with the default
    /// inline policy, taking no expression in place of an array. Declarations adjust the rest with struct update
    /// syntax.
    pub const fn new(name: &'static str, arrays: &'static [ArraySpec], returns: Returns) -> Spec {
        Spec {
            name,
            arrays,
            params: &[],
            returns,
            inline_bytes: INLINE_BYTES,
            public: true,
            expression: ExpressionUse::No,
            axis: AxisResult::No,
        }
    }
}

/// The parameter values a caller passed, in the order of the operation's [`Spec::params`] (`None` when absent).
#[derive(Clone, Copy, Debug)]
pub struct Params<'a> {
    spec: &'static Spec,
    values: &'a [Option<Scalar>],
}

impl<'a> Params<'a> {
    /// `values` for the parameters of `spec`, in its order.
    pub fn new(spec: &'static Spec, values: &'a [Option<Scalar>]) -> Params<'a> {
        Params { spec, values }
    }

    fn value(&self, name: &str) -> Result<Option<Scalar>> {
        match self.spec.params.iter().position(|p| p.name == name) {
            Some(index) => Ok(self.values.get(index).copied().flatten()),
            None => Err(Error::internal(format!("{}() declares no parameter '{name}'", self.spec.name))),
        }
    }

    /// The number parameter `name`, if given.
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_TYPE` for a bigint; `ERR_PARABUF_INTERNAL` when the operation declares no such parameter.
    pub fn number(&self, name: &str) -> Result<Option<f64>> {
        match self.value(name)? {
            None => Ok(None),
            Some(Scalar::Number(x)) => Ok(Some(x)),
            Some(Scalar::BigInt(_)) => {
                Err(Error::arg_type(format!("{}() {name} must be a number, got a bigint", self.spec.name)))
            }
        }
    }

    /// The boolean parameter `name`, if given.
    ///
    /// # Errors
    /// `ERR_PARABUF_INTERNAL` when the operation declares no such parameter.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>> {
        Ok(self.value(name)?.map(|v| matches!(v, Scalar::Number(x) if x != 0.0)))
    }

    /// The index of the choice parameter `name` among its declared strings, if given.
    ///
    /// # Errors
    /// `ERR_PARABUF_INTERNAL` when the operation declares no such parameter.
    pub fn choice(&self, name: &str) -> Result<Option<usize>> {
        Ok(self.value(name)?.and_then(|v| match v {
            Scalar::Number(x) => Some(x as usize),
            Scalar::BigInt(_) => None,
        }))
    }

    /// The element-valued parameter `name` (a number or a bigint), which must be given.
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_TYPE` when it is absent; `ERR_PARABUF_INTERNAL` when the operation declares no such parameter.
    pub fn element(&self, name: &str) -> Result<Scalar> {
        self.value(name)?
            .ok_or_else(|| Error::arg_type(format!("the {}() {name} must be a number or a bigint", self.spec.name)))
    }
}

/// An operation: its declaration and its kernel. Implemented once per operation, in its kernel's file, and listed in
/// the table in [`kernels`](crate::kernels).
pub trait Operation: Sized + Clone + Default + std::fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The declaration.
    const SPEC: Spec;

    /// The operation with its parameters, validated. The default, for an operation without parameters, is
    /// `Self::default()`.
    ///
    /// # Errors
    /// Coded errors for missing, mistyped or out-of-range parameters.
    fn parse(_params: &Params<'_>) -> Result<Self> {
        Ok(Self::default())
    }

    /// Checks the arrays against each other and the parameters, before anything is read or written. The number of
    /// arrays and their access have been checked against [`Operation::SPEC`] already.
    ///
    /// # Errors
    /// Coded errors; the default accepts any arrays.
    fn check(&self, _args: &[Arg]) -> Result<()> {
        Ok(())
    }

    /// Runs the kernel. Errors need not name the operation: [`execute`] names it.
    ///
    /// # Errors
    /// Whatever the kernel reports.
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output>;

    /// Runs the operation with `bound`'s values (doubles) in place of its first array, `rest` being its other arrays
    /// in order: the same result, bit for bit, as [`Operation::run`] over a `Float64Array` of those values. Errors
    /// need not name the operation: [`execute_expression`] names it.
    ///
    /// Operations whose [`Spec::expression`] is [`ExpressionUse::Fused`] override this with a reduction over the
    /// values as they are computed. The default refuses for [`ExpressionUse::No`], and otherwise materialises the
    /// values: it allocates a `Float64Array`'s worth (8 bytes per element) of parabuf-owned memory, computes the
    /// values into it on the pool, checks the arrays ([`Operation::check`]) and runs the kernel over them.
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_TYPE` for an operation that takes no expression; [`Bound::map_blocks`]'s refusals (an
    /// expression without an array input, or with the output as an input); whatever the kernel reports.
    fn reduce_expression(&self, bound: &Bound<'_, '_>, rest: Vec<Arg>, cancel: &Cancel) -> Result<Output> {
        match Self::SPEC.expression {
            ExpressionUse::No => Err(no_expression(&Self::SPEC)),
            ExpressionUse::Fused | ExpressionUse::Materialised => materialised(self, bound, rest, cancel),
        }
    }

    /// Runs the operation over the slices (sub-arrays) of an input of shape `dims` across `axis`, for
    /// [`AxisResult::Slices`]: `args[0]` holds them one after another, each in the row-major order of the other axes
    /// (numpy's `np.moveaxis(a, axis, 0)`, row-major), in parabuf's own memory. Gives [`Output::Along`]. Errors need
    /// not name the operation: [`execute_along`] names it.
    ///
    /// # Errors
    /// Whatever the kernel reports; the default, for an operation that declares no slices, `ERR_PARABUF_INTERNAL`.
    fn run_slices(&self, _args: &mut [Arg], _dims: &[usize], _axis: usize, _cancel: &Cancel) -> Result<Output> {
        Err(Error::internal(format!("{}() does not work on slices", Self::SPEC.name)))
    }
}

/// The refusal of an expression by an operation that takes none.
fn no_expression(spec: &Spec) -> Error {
    let array = spec.arrays.first().map_or("its array", |a| a.name);
    let why = if spec.arrays.iter().any(|a| a.mode == Mode::Write) {
        "it writes an array, and an expression's values are not stored anywhere"
    } else {
        "it reads its arrays in step, and an expression's values are computed alone"
    };
    Error::arg_type(format!("{}() does not take an expression in place of {array}: {why}", spec.name))
}

/// [`Operation::reduce_expression`]'s default: `bound`'s values computed into a `Float64Array` of parabuf-owned
/// memory, which `op` then reads as its first array.
fn materialised<O: Operation>(op: &O, bound: &Bound<'_, '_>, rest: Vec<Arg>, cancel: &Cancel) -> Result<Output> {
    let len = expression_len(bound)?;
    let buffer = OwnedBuffer::zeroed(len * ElementKind::Float64.size());
    // A ledger of its own: nothing else ever sees this memory.
    let ledger = Ledger::new();
    {
        let mut guard = ledger.write(buffer.region())?;
        // One chunk per block of the values, each locked by the one block that writes it.
        let chunks: Vec<std::sync::Mutex<WriteView<'_, f64>>> =
            guard.view_mut::<f64>()?.into_chunks(BLOCK).into_iter().map(std::sync::Mutex::new).collect();
        bound.map_blocks(cancel, |values| {
            let mut chunk =
                chunks[values.range().start / BLOCK].lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            values.staged(|offset, xs| chunk.write_from(offset, xs));
        })?;
    }
    let first = Arg::new(ElementKind::Float64, Lent::Read(std::sync::Arc::new(ledger.read(buffer.region())?)));
    let mut args: Vec<Arg> = std::iter::once(first).chain(rest).collect();
    // The other arrays may be views (searchsorted's needles): gathered as for any operation.
    if args.iter().any(|arg| arg.view_layout().is_some()) {
        let modes: Vec<Mode> = O::SPEC.arrays.iter().map(|a| a.mode).collect();
        return gathered(&mut args, &modes, |private| {
            op.check(private)?;
            op.run(private, cancel)
        });
    }
    op.check(&args)?;
    op.run(&mut args, cancel)
}

/// The length of `bound`'s values.
///
/// # Errors
/// [`Bound::map_blocks`]'s refusals: an expression whose inputs are all numbers (no length), or that reads the output
/// (which only a run into it has).
fn expression_len(bound: &Bound<'_, '_>) -> Result<usize> {
    // Neither computes a value: the refusals alone.
    bound.fill(0..0, &mut [])?;
    match bound.len() {
        Some(len) => Ok(len),
        None => {
            bound.map_blocks(&Cancel::new(), |_| ())?;
            Err(Error::internal("an expression without array inputs was not refused"))
        }
    }
}

/// Declares a reduction of one read array with no parameters: `$name` named `$public` in JavaScript, returning
/// `$returns` (and `$axis` per output element along axes, [`execute_along`]), computed by `$body` with `$view` bound to a read view of the array (of its element type) and
/// `$cancel` to the cancellation flag; and over an expression's values ([`ExpressionUse::Fused`]) by `$fbody` with
/// `$bound` bound to the [`Bound`] expression and `$fcancel` to the flag.
macro_rules! reduction {
    (
        $(#[$doc:meta])* $name:ident = $public:literal, $returns:expr, axis $axis:ident,
        |$view:ident, $cancel:ident| $body:expr,
        fused |$bound:ident, $fcancel:ident| $fbody:expr $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Default)]
        pub struct $name;

        impl $crate::ops::Operation for $name {
            const SPEC: $crate::ops::Spec = $crate::ops::Spec {
                expression: $crate::ops::ExpressionUse::Fused,
                axis: $crate::ops::AxisResult::$axis,
                ..$crate::ops::Spec::new($public, $crate::ops::READS_A, $returns)
            };
            fn run(
                &self,
                args: &mut [$crate::ops::Arg],
                $cancel: &$crate::exec::Cancel,
            ) -> $crate::error::Result<$crate::ops::Output> {
                $crate::ops::reading!(args, T, $view => $body)
            }
            fn reduce_expression(
                &self,
                $bound: &$crate::expr::Bound<'_, '_>,
                _rest: Vec<$crate::ops::Arg>,
                $fcancel: &$crate::exec::Cancel,
            ) -> $crate::error::Result<$crate::ops::Output> {
                $fbody
            }
        }
    };
}
pub(crate) use reduction;

/// Generates [`Op`], one variant per row, and its table and dispatch.
macro_rules! operations {
    ($($(#[$doc:meta])* $variant:ident => $ty:ty,)*) => {
        /// An operation and its parameters: one variant per row of the table.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Op {
            $($(#[$doc])* $variant($ty),)*
        }

        impl Op {
            /// Every operation's declaration, in the order of their codes: a caller that names operations by code (the
            /// binding does, so that no call converts a string) reads this table once.
            pub const TABLE: &'static [&'static $crate::ops::Spec] = &[$(&<$ty as $crate::ops::Operation>::SPEC,)*];

            /// The operation of code `code` (its index in [`Op::TABLE`]) with the parameters in `values`, given in the
            /// order of its [`Spec::params`](crate::ops::Spec::params).
            ///
            /// # Errors
            /// `ERR_PARABUF_INTERNAL` for a code outside [`Op::TABLE`]; the operation's own parameter errors.
            pub fn parse(code: u32, values: &[Option<$crate::kernels::Scalar>]) -> $crate::error::Result<Op> {
                let spec = Op::spec_of(code)?;
                let params = $crate::ops::Params::new(spec, values);
                let mut index = 0u32;
                $(
                    if code == index {
                        return <$ty as $crate::ops::Operation>::parse(&params).map(Op::$variant);
                    }
                    index += 1;
                )*
                let _ = index;
                Err($crate::error::Error::internal(format!("unknown operation code {code}")))
            }

            /// The declaration of the operation of code `code`.
            ///
            /// # Errors
            /// `ERR_PARABUF_INTERNAL` for a code outside [`Op::TABLE`].
            pub fn spec_of(code: u32) -> $crate::error::Result<&'static $crate::ops::Spec> {
                Op::TABLE.get(code as usize).copied().ok_or_else(|| $crate::error::Error::internal(format!("unknown operation code {code}")))
            }

            /// This operation's declaration.
            pub fn spec(&self) -> &'static $crate::ops::Spec {
                match self {
                    $(Op::$variant(_) => &<$ty as $crate::ops::Operation>::SPEC,)*
                }
            }

            pub(crate) fn check_arrays(&self, args: &[$crate::ops::Arg]) -> $crate::error::Result<()> {
                match self {
                    $(Op::$variant(op) => $crate::ops::Operation::check(op, args),)*
                }
            }

            pub(crate) fn run_kernel(&self, args: &mut [$crate::ops::Arg], cancel: &$crate::exec::Cancel) -> $crate::error::Result<$crate::ops::Output> {
                match self {
                    $(Op::$variant(op) => $crate::ops::Operation::run(op, args, cancel),)*
                }
            }

            pub(crate) fn run_slices(
                &self,
                args: &mut [$crate::ops::Arg],
                dims: &[usize],
                axis: usize,
                cancel: &$crate::exec::Cancel,
            ) -> $crate::error::Result<$crate::ops::Output> {
                match self {
                    $(Op::$variant(op) => $crate::ops::Operation::run_slices(op, args, dims, axis, cancel),)*
                }
            }

            pub(crate) fn reduce_expression(
                &self,
                bound: &$crate::expr::Bound<'_, '_>,
                rest: Vec<$crate::ops::Arg>,
                cancel: &$crate::exec::Cancel,
            ) -> $crate::error::Result<$crate::ops::Output> {
                match self {
                    $(Op::$variant(op) => $crate::ops::Operation::reduce_expression(op, bound, rest, cancel),)*
                }
            }
        }
    };
}
pub(crate) use operations;

impl Output {
    /// A number result.
    pub fn number(x: f64) -> Output {
        Output::Scalar(Scalar::Number(x))
    }
}

/// Panics on a pool thread on purpose, so the binding's tests can check that a kernel panic comes back as
/// [`Error::Internal`] and the process lives on. Not part of the JavaScript API.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct SelfTestPanic;

impl Operation for SelfTestPanic {
    const SPEC: Spec =
        Spec { public: false, expression: ExpressionUse::Fused, ..Spec::new("__panic", READS_A, Returns::InPlace) };
    fn run(&self, _: &mut [Arg], _: &Cancel) -> Result<Output> {
        crate::exec::pool().install(|| panic!("self-test panic inside the pool"))
    }
    fn reduce_expression(&self, _: &Bound<'_, '_>, _: Vec<Arg>, _: &Cancel) -> Result<Output> {
        crate::exec::pool().install(|| panic!("self-test panic inside the pool"))
    }
}

impl Op {
    /// The operation's public name.
    pub fn name(&self) -> &'static str {
        self.spec().name
    }

    /// The access each array argument needs, in argument order.
    pub fn modes(&self) -> impl ExactSizeIterator<Item = Mode> {
        self.spec().arrays.iter().map(|a| a.mode)
    }

    /// Checks the arrays' count, access, kinds and lengths, so a bad call fails before anything is read or written.
    /// [`execute`] calls it; the binding may call it earlier to fail synchronously.
    ///
    /// # Errors
    /// `ERR_PARABUF_INTERNAL` for the wrong number of arrays; [`Error::Borrowed`] for a read export where the operation
    /// writes; the operation's own checks ([`Error::TypeMismatch`], [`Error::LengthMismatch`], a number where a bigint
    /// array needs a bigint or the reverse).
    pub fn validate(&self, args: &[Arg]) -> Result<()> {
        let spec = self.spec();
        if args.len() != spec.arrays.len() {
            return Err(Error::internal(format!(
                "{}() takes {} arrays, got {}",
                spec.name,
                spec.arrays.len(),
                args.len()
            )));
        }
        for (index, (arg, declared)) in args.iter().zip(spec.arrays).enumerate() {
            if let Lent::Alias { of, .. } = arg.lent {
                let shared = args[..index]
                    .get(of)
                    .filter(|other| other.kind == arg.kind && matches!(other.lent, Lent::Write(_)));
                if declared.may_alias != Some(of) || shared.is_none() {
                    return Err(Error::internal(format!("{}() was lent an alias it does not declare", spec.name)));
                }
            }
            if declared.mode == Mode::Write && arg.lent.mode() != Mode::Write {
                let range = arg.lent.region().range();
                return Err(Error::Borrowed {
                    requested: Mode::Write,
                    requested_range: range,
                    blocking: Mode::Read,
                    blocking_range: range,
                });
            }
        }
        self.check_arrays(args)
    }

    /// Whether this operation over `args` is small enough to run inline rather than on the pool.
    pub fn runs_inline(&self, args: &[Arg]) -> bool {
        args.iter().map(|a| a.lent.region().len()).sum::<usize>() <= self.spec().inline_bytes
    }
}

/// One array argument: its element kind, the export lent for the operation, and which of its elements the operation
/// sees.
#[derive(Debug)]
pub struct Arg {
    /// The element kind the bytes are viewed as.
    pub kind: ElementKind,
    /// The export.
    pub lent: Lent,
    /// A strided view of the exported array's elements (element 0 at the export's first byte) that the operation sees
    /// instead of the whole array, as an export handle's array seen through a view. A strided export
    /// ([`Ledger::read_strided`](crate::Ledger::read_strided)) carries its own layout and needs none here.
    pub layout: Option<Layout>,
    /// The shape of a row-major view whose elements are the whole export in order (exported as plain bytes, so
    /// whole-array operations see a plain array): reductions along axes ([`execute_along`]) see the elements in this
    /// shape. `None` for one dimension.
    pub shape: Option<Vec<usize>>,
}

impl Arg {
    /// An argument that is the whole exported array (or a strided export's own view).
    pub fn new(kind: ElementKind, lent: Lent) -> Arg {
        Arg { kind, lent, layout: None, shape: None }
    }

    /// The view of its elements the operation sees, when not the whole array in order: [`Arg::layout`], or the
    /// layout of a strided export.
    pub fn view_layout(&self) -> Option<&Layout> {
        self.layout.as_ref().or_else(|| match &self.lent {
            Lent::Read(guard) => guard.layout().map(|(layout, _)| layout),
            Lent::ReadAlone(guard) => guard.layout().map(|(layout, _)| layout),
            Lent::Write(guard) => guard.layout().map(|(layout, _)| layout),
            Lent::Alias { .. } => None,
        })
    }

    /// The number of elements the operation sees.
    pub fn len(&self) -> usize {
        match self.view_layout() {
            Some(layout) => layout.len(),
            None => self.lent.region().len() / self.kind.size(),
        }
    }

    /// The shape the operation sees the elements in: a view's, the shape of a row-major view exported as plain bytes
    /// ([`Arg::shape`]), or one dimension of the length.
    pub fn dims(&self) -> Vec<usize> {
        match (self.view_layout(), &self.shape) {
            (Some(layout), _) => layout.shape().to_vec(),
            (None, Some(shape)) => shape.clone(),
            (None, None) => vec![self.len()],
        }
    }

    /// Whether the operation sees no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What an operation returns to JavaScript.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// One number or bigint.
    Scalar(Scalar),
    /// An element index.
    Index(usize),
    /// Both extremes.
    MinMax {
        /// The smallest element.
        min: Scalar,
        /// The largest element.
        max: Scalar,
    },
    /// Counts per bin, in bin order.
    Counts(Vec<f64>),
    /// Nothing: the operation changed its first array.
    InPlace,
    /// A new typed array.
    Array(Column),
    /// Two new typed arrays, as an object with these property names.
    Pair {
        /// The property names, in the order of `columns`.
        names: [&'static str; 2],
        /// The arrays.
        columns: [Column; 2],
    },
    /// A reduction along axes ([`execute_along`]): the kept axes' shape, and [`Output::Array`] (or, for `minmax`,
    /// [`Output::Pair`]) of one result per index of them, row-major.
    Along {
        /// The kept axes' sizes, in order.
        shape: Vec<usize>,
        /// The results.
        values: Box<Output>,
    },
}

/// A read view of an argument as element type `T`.
///
/// # Errors
/// A misaligned or ragged region.
pub fn read_view<T: Element>(lent: &mut Lent) -> Result<ReadView<'_, T>> {
    match lent {
        Lent::Read(guard) => guard.view::<T>(),
        Lent::ReadAlone(guard) => guard.view::<T>(),
        Lent::Write(guard) => guard.view::<T>(),
        Lent::Alias { of, .. } => {
            Err(Error::internal(format!("a kernel read argument {of}'s export through its alias")))
        }
    }
}

/// A write view of an argument as element type `T`.
///
/// # Errors
/// A read export ([`Op::validate`] refuses those before anything runs), a misaligned or ragged region.
pub fn write_view<T: Element>(lent: &mut Lent) -> Result<WriteView<'_, T>> {
    match lent {
        Lent::Write(guard) => guard.view_mut::<T>(),
        Lent::Read(_) | Lent::ReadAlone(_) => Err(Error::internal("a write kernel was handed a read export")),
        Lent::Alias { of, .. } => {
            Err(Error::internal(format!("a kernel wrote argument {of}'s export through its alias")))
        }
    }
}

/// Runs `op` over `args`. Errors from the kernel are named after the operation here; panics inside kernels come back
/// as [`Error::Internal`].
///
/// # Errors
/// Any [`Error`]: wrong argument count or access, invalid array pairs (see [`Op::validate`]), misaligned memory, an
/// empty input where a value is needed, an abort. Validation errors leave every array untouched.
pub fn execute(op: &Op, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
    if args.iter().any(|arg| arg.view_layout().is_some()) {
        return strided::execute_gathered(op, args, cancel);
    }
    op.validate(args)?;
    guarded(op.name(), || op.run_kernel(args, cancel))
}

/// Runs `op` with `bound`'s values in place of its first array, `rest` being its other arrays in order (none for
/// most operations): the same result, bit for bit, as [`execute`] over a `Float64Array` of the values. The
/// operation's [`Spec::expression`] says how: [`ExpressionUse::Fused`] reduces the values as they are computed,
/// [`ExpressionUse::Materialised`] computes them into a `Float64Array` made for the call (8 bytes per element), and
/// [`ExpressionUse::No`] refuses. Errors are named after the operation; panics come back as [`Error::Internal`].
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` when the operation takes no expression (it writes its array, or reads two in step);
/// `ERR_INVALID_ARG_VALUE` for an expression whose inputs are all numbers (its values have no length) or that reads
/// the output; `ERR_PARABUF_INTERNAL` for the wrong number of other arrays; the operation's own errors, as
/// [`execute`] gives them for the array of the values (an empty input where a value is needed, an abort...).
pub fn execute_expression(op: &Op, bound: &Bound<'_, '_>, rest: Vec<Arg>, cancel: &Cancel) -> Result<Output> {
    let spec = op.spec();
    if !spec.expression.accepted() {
        return Err(no_expression(spec));
    }
    if rest.len() + 1 != spec.arrays.len() {
        return Err(Error::internal(format!(
            "{}() takes {} arrays besides an expression, got {}",
            spec.name,
            spec.arrays.len().saturating_sub(1),
            rest.len()
        )));
    }
    expression_len(bound)?;
    guarded(op.name(), || op.reduce_expression(bound, rest, cancel))
}

/// `run()`, its errors named after the operation `name` and its panics turned into [`Error::Internal`]: how every
/// entry point of the core, and the binding's own jobs, run work.
///
/// # Errors
/// `run`'s, named; `ERR_PARABUF_INTERNAL` for a panic.
pub fn guarded(name: &'static str, run: impl FnOnce() -> Result<Output>) -> Result<Output> {
    catch_unwind(AssertUnwindSafe(|| run().map_err(|e| e.in_operation(name)))).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a kernel panicked".to_string());
        Err(Error::internal(format!("{name}(): {detail}")))
    })
}

/// Binds `$T` to the element type of the first argument and `$view` to a read view of it.
macro_rules! reading {
    ($args:expr, $T:ident, $view:ident => $body:expr) => {{
        let arg = &mut $args[0];
        $crate::with_element_type!(arg.kind, $T => {
            let $view = $crate::ops::read_view::<$T>(&mut arg.lent)?;
            $body
        })
    }};
}
pub(crate) use reading;

/// Binds `$T` to the element type of the first argument, `$conv` to its [`Conversion`](crate::kernels::Conversion)
/// and `$view` to a write view.
macro_rules! writing {
    ($args:expr, $T:ident, $conv:ident, $view:ident => $body:expr) => {{
        let arg = &mut $args[0];
        let $conv = $crate::kernels::Conversion::of(arg.kind);
        $crate::with_element_type!(arg.kind, $T => {
            let $view = $crate::ops::write_view::<$T>(&mut arg.lent)?;
            $body
        })
    }};
}
pub(crate) use writing;

/// Two arrays of one element kind, length and (for views of more dimensions) shape, as `dot()` and `add()` need.
///
/// # Errors
/// [`Error::TypeMismatch`], [`Error::LengthMismatch`], or `ERR_INVALID_ARG_VALUE` for views of different shapes.
pub fn same_kind_and_length(operation: &str, args: &[Arg]) -> Result<()> {
    let [a, b] = args else { return Err(Error::internal(format!("{operation}() takes two arrays"))) };
    if a.kind != b.kind {
        return Err(Error::TypeMismatch {
            detail: format!("{operation}() needs arrays of one element type, got {} and {}", a.kind, b.kind),
        });
    }
    let (left, right) = (a.len(), b.len());
    if left != right {
        return Err(Error::LengthMismatch { left, right });
    }
    // Views pair elements by index, so they must have one shape (numpy broadcasts no further than that here).
    let (left, right) = (a.dims(), b.dims());
    if (left.len() > 1 || right.len() > 1) && left != right {
        return Err(Error::arg_value(format!(
            "{operation}() needs its arrays in one shape, got {left:?} and {right:?} (the same number of elements is \
             not enough: elements pair by index)"
        )));
    }
    Ok(())
}

/// Bigint arrays take bigints and every other kind takes numbers, as JavaScript's typed arrays do.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` naming the operation, the array type and the parameter.
pub fn check_element(operation: &str, kind: ElementKind, what: &str, value: Scalar) -> Result<()> {
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
pub(crate) fn an(kind: ElementKind) -> &'static str {
    if kind.name().starts_with('I') {
        "n"
    } else {
        ""
    }
}
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::kernels::add::Add;
    use crate::kernels::argext::{ArgMax, ArgMin};
    use crate::kernels::dot::Dot;
    use crate::kernels::fill::Fill;
    use crate::kernels::histogram::{Histogram, MAX_BINS};
    use crate::kernels::minmax::{Max, Min, MinMax};
    use crate::kernels::moments::{Mean, Std, Variance};
    use crate::kernels::norm::Norm;
    use crate::kernels::scale::Scale;
    use crate::kernels::sort::Sort;
    use crate::kernels::sum::Sum;
    use crate::kernels::{self, Conversion};
    use crate::ledger::{Ledger, Mode};
    use crate::region::OwnedBuffer;
    use crate::with_element_type;

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
                layout: None,
                shape: None,
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
            assert_eq!(one(Op::Sum(Sum)), if wide { big(6) } else { num(6.0) }, "{kind}");
            assert_eq!(one(Op::Mean(Mean)), num(2.0), "{kind}");
            assert_eq!(one(Op::Min(Min)), if wide { big(1) } else { num(1.0) }, "{kind}");
            assert_eq!(one(Op::Max(Max)), if wide { big(3) } else { num(3.0) }, "{kind}");
            let expected = if wide {
                Output::MinMax { min: Scalar::BigInt(1), max: Scalar::BigInt(3) }
            } else {
                Output::MinMax { min: Scalar::Number(1.0), max: Scalar::Number(3.0) }
            };
            assert_eq!(one(Op::MinMax(MinMax)), expected, "{kind}");
            assert_eq!(one(Op::ArgMin(ArgMin)), Output::Index(1), "{kind}");
            assert_eq!(one(Op::ArgMax(ArgMax)), Output::Index(0), "{kind}");
            assert_eq!(one(Op::Variance(Variance { ddof: 1.0 })), num(1.0), "{kind}");
            assert_eq!(one(Op::Std(Std { ddof: 0.0 })), num((2.0f64 / 3.0).sqrt()), "{kind}");
            assert_eq!(one(Op::Norm(Norm)), num(14f64.sqrt()), "{kind}");
            let hist = Op::Histogram(Histogram { bins: 2, min: None, max: None });
            assert_eq!(one(hist), Output::Counts(vec![1.0, 2.0]), "{kind}");
            let dot = run_op(&Op::Dot(Dot), &[(kind, &a), (kind, &b)]).unwrap();
            assert_eq!(dot, if wide { big(8) } else { num(8.0) }, "{kind}");

            assert_eq!(run_op(&Op::Add(Add), &[(kind, &a), (kind, &b)]).unwrap(), Output::InPlace);
            assert_eq!(contents(kind, &a), [4.0, 2.0, 4.0], "{kind}");
            let (factor, offset) =
                if wide { (Scalar::BigInt(2), Scalar::BigInt(1)) } else { (Scalar::Number(2.0), Scalar::Number(1.0)) };
            assert_eq!(one(Op::Scale(Scale { factor, offset })), Output::InPlace);
            assert_eq!(contents(kind, &a), [9.0, 5.0, 9.0], "{kind}");
            assert_eq!(one(Op::Sort(Sort)), Output::InPlace);
            assert_eq!(contents(kind, &a), [5.0, 9.0, 9.0], "{kind}");
            let value = if wide { Scalar::BigInt(7) } else { Scalar::Number(7.0) };
            assert_eq!(one(Op::Fill(Fill { value })), Output::InPlace);
            assert_eq!(contents(kind, &a), [7.0; 3], "{kind}");
        }
    }

    /// The codes and the operations agree: every code makes the operation its declaration names, and nothing past
    /// the table does.
    #[test]
    fn every_code_makes_the_operation_it_names() {
        let element = |n: f64| Some(Scalar::Number(n));
        for (code, spec) in Op::TABLE.iter().enumerate() {
            let values: Vec<Option<Scalar>> = spec
                .params
                .iter()
                .map(|p| match p.name {
                    "bins" => element(4.0),
                    "min" | "max" => None,
                    _ => element(2.0),
                })
                .collect();
            let op = Op::parse(code as u32, &values).unwrap();
            assert_eq!(op.name(), spec.name);
            assert_eq!(op.spec(), *spec);
        }
        let past = Op::TABLE.len() as u32;
        assert_eq!(Op::parse(past, &[]).unwrap_err().code(), "ERR_PARABUF_INTERNAL");
        let code = |name: &str| Op::TABLE.iter().position(|s| s.name == name).unwrap() as u32;
        assert_eq!(Op::parse(code("variance"), &[element(1.0)]), Ok(Op::Variance(Variance { ddof: 1.0 })));
        assert_eq!(Op::parse(code("std"), &[None]), Ok(Op::Std(Std { ddof: 0.0 })));
        let err = Op::parse(code("fill"), &[None]).unwrap_err();
        assert_eq!((err.code(), err.to_string().contains("fill() value")), ("ERR_INVALID_ARG_TYPE", true));
        let err = Op::parse(code("scale"), &[element(2.0), None]).unwrap_err();
        assert_eq!((err.code(), err.to_string().contains("scale() offset")), ("ERR_INVALID_ARG_TYPE", true));
        let err = Op::parse(code("variance"), &[Some(Scalar::BigInt(1))]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_TYPE");
        for ddof in [-1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(Op::parse(code("variance"), &[element(ddof)]).unwrap_err().code(), "ERR_OUT_OF_RANGE");
            assert_eq!(Op::parse(code("std"), &[element(ddof)]).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        }
    }

    /// Every declared result shape is what the operation returns.
    #[test]
    fn every_op_returns_its_declared_shape() {
        let a = array(ElementKind::Float64, &[3.0, 1.0]);
        let b = array(ElementKind::Float64, &[1.0, 1.0]);
        for (code, spec) in Op::TABLE.iter().enumerate().filter(|(_, s)| s.public) {
            let values: Vec<Option<Scalar>> =
                spec.params.iter().map(|p| Some(Scalar::Number(if p.name == "bins" { 2.0 } else { 1.0 }))).collect();
            let values: Vec<Option<Scalar>> = values
                .into_iter()
                .zip(spec.params)
                .map(|(v, p)| if p.name == "min" || p.name == "max" { None } else { v })
                .collect();
            let op = Op::parse(code as u32, &values).unwrap();
            let bufs: Vec<(ElementKind, &OwnedBuffer)> =
                [&a, &b][..spec.arrays.len()].iter().map(|x| (ElementKind::Float64, &***x)).collect();
            let output = run_op(&op, &bufs).unwrap();
            assert!(spec.returns.matches(&output), "{}: {output:?}", spec.name);
        }
    }

    #[test]
    fn names_and_modes() {
        assert_eq!(Op::MinMax(MinMax).name(), "minmax");
        assert_eq!(Op::Std(Std { ddof: 0.0 }).name(), "std");
        let modes = |op: Op| op.modes().collect::<Vec<_>>();
        assert_eq!(modes(Op::Dot(Dot)), [Mode::Read, Mode::Read]);
        assert_eq!(modes(Op::Add(Add)), [Mode::Write, Mode::Read]);
        assert_eq!(modes(Op::Sort(Sort)), [Mode::Write]);
        assert_eq!(modes(Op::Fill(Fill { value: Scalar::Number(0.0) })), [Mode::Write]);
        assert_eq!(modes(Op::Histogram(Histogram { bins: 1, min: None, max: None })), [Mode::Read]);
    }

    #[test]
    fn pairs_must_share_kind_and_length() {
        let f64s = array(ElementKind::Float64, &[1.0, 2.0]);
        let f32s = array(ElementKind::Float32, &[1.0, 2.0]);
        let err = run_op(&Op::Dot(Dot), &[(ElementKind::Float64, &f64s), (ElementKind::Float32, &f32s)]).unwrap_err();
        assert_eq!(err.code(), "ERR_PARABUF_TYPE_MISMATCH");
        assert_eq!(err.to_string(), "dot() needs arrays of one element type, got Float64Array and Float32Array");
        let short = array(ElementKind::Float64, &[5.0]);
        let err = run_op(&Op::Add(Add), &[(ElementKind::Float64, &f64s), (ElementKind::Float64, &short)]).unwrap_err();
        assert_eq!(err, Error::LengthMismatch { left: 2, right: 1 });
        let err = run_op(&Op::Add(Add), &[(ElementKind::Float64, &f64s), (ElementKind::Float32, &f32s)]).unwrap_err();
        assert_eq!(err.to_string(), "add() needs arrays of one element type, got Float64Array and Float32Array");
        assert_eq!(contents(ElementKind::Float64, &f64s), [1.0, 2.0]);
    }

    #[test]
    fn scalars_must_match_the_kind() {
        let bigs = array(ElementKind::BigInt64, &[1.0]);
        let fill = Op::Fill(Fill { value: Scalar::Number(2.0) });
        let err = run_op(&fill, &[(ElementKind::BigInt64, &bigs)]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_TYPE");
        assert_eq!(err.to_string(), "fill() of a BigInt64Array needs a bigint value, got a number");
        let ints = array(ElementKind::Int8, &[1.0]);
        let scale = Op::Scale(Scale { factor: Scalar::Number(2.0), offset: Scalar::BigInt(1) });
        let err = run_op(&scale, &[(ElementKind::Int8, &ints)]).unwrap_err();
        assert_eq!(err.to_string(), "scale() of an Int8Array needs a number offset, got a bigint");
        let scale = Op::Scale(Scale { factor: Scalar::Number(2.0), offset: Scalar::Number(1.0) });
        let err = run_op(&scale, &[(ElementKind::BigUint64, &bigs)]).unwrap_err();
        assert_eq!(err.to_string(), "scale() of a BigUint64Array needs a bigint factor, got a number");
        assert_eq!(contents(ElementKind::BigInt64, &bigs), [1.0]);
        assert_eq!(contents(ElementKind::Int8, &ints), [1.0]);
    }

    #[test]
    fn parameters_are_range_checked() {
        let a = array(ElementKind::Float64, &[1.0, 2.0]);
        let arg = [(ElementKind::Float64, &*a)];
        assert_eq!(run_op(&Op::Variance(Variance { ddof: 0.5 }), &arg).unwrap(), num(0.5 / 1.5));
        let err = Histogram::new(2.0, Some(3.0), Some(1.0)).unwrap_err();
        assert_eq!(err.to_string(), "histogram() min (3) must not exceed max (1)");
        let err = Histogram::new(2.0, Some(f64::NAN), None).unwrap_err();
        assert_eq!(err.to_string(), "histogram() min must be a finite number, got NaN");
    }

    #[test]
    fn histogram_bins_from_javascript_numbers() {
        assert_eq!(Histogram::new(3.0, None, Some(1.0)).unwrap(), Histogram { bins: 3, min: None, max: Some(1.0) });
        assert!(Histogram::new(MAX_BINS as f64, None, None).is_ok());
        for bins in [0.0, -1.0, 2.5, f64::NAN, f64::INFINITY, MAX_BINS as f64 + 1.0] {
            assert_eq!(Histogram::new(bins, None, None).unwrap_err().code(), "ERR_OUT_OF_RANGE", "{bins}");
        }
        assert!(Histogram::new(2.0, Some(1.0), Some(0.0)).is_err());
    }

    #[test]
    fn written_arguments_need_write_exports() {
        let a = array(ElementKind::Float64, &[2.0, 1.0]);
        let ledger = Ledger::new();
        let mut args = [Arg::new(ElementKind::Float64, Lent::Read(Arc::new(ledger.read(a.region()).unwrap())))];
        assert_eq!(execute(&Op::Sort(Sort), &mut args, &Cancel::new()).unwrap_err().code(), "ERR_PARABUF_BORROWED");
        drop(args);
        assert_eq!(contents(ElementKind::Float64, &a), [2.0, 1.0]);
    }

    #[test]
    fn a_kernel_panic_becomes_an_internal_error() {
        let a = array(ElementKind::Float64, &[1.0]);
        let err = run_op(&Op::SelfTestPanic(SelfTestPanic), &[(ElementKind::Float64, &a)]).unwrap_err();
        assert_eq!(err.code(), "ERR_PARABUF_INTERNAL");
        assert!(err.to_string().contains("__panic(): self-test panic inside the pool"), "{err}");
        assert_eq!(run_op(&Op::Sum(Sum), &[(ElementKind::Float64, &a)]).unwrap(), num(1.0));
    }

    #[test]
    fn empty_inputs() {
        let empty = array(ElementKind::Int32, &[]);
        let arg = [(ElementKind::Int32, &*empty)];
        assert_eq!(run_op(&Op::Min(Min), &arg).unwrap_err(), Error::Empty { operation: Some("min") });
        assert_eq!(run_op(&Op::ArgMax(ArgMax), &arg).unwrap_err().code(), "ERR_PARABUF_EMPTY");
        assert_eq!(run_op(&Op::Norm(Norm), &arg).unwrap(), num(0.0));
        assert!(matches!(run_op(&Op::Mean(Mean), &arg).unwrap(), Output::Scalar(Scalar::Number(x)) if x.is_nan()));
        assert_eq!(run_op(&Op::Sort(Sort), &arg).unwrap(), Output::InPlace);
    }
}
