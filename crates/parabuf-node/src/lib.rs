//! The Node-API binding of parabuf. Thin by design: it turns JavaScript values into regions and exports, calls
//! `parabuf_core::execute`, and turns results and errors back into JavaScript. Only the facade (`src/index.ts`) calls it.

#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "bench")]
pub mod bench;
mod errors;
mod expression;
mod handle;
mod inflight;
mod intake;
mod operation;

use napi::bindgen_prelude::Either;
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;
use parabuf_core::{AxisResult, Cancel, ElementKind, Error, Ledger, Mode, Op, ParamType};
use smallvec::SmallVec;

use crate::errors::to_napi;
use crate::handle::{ExportState, HandleRecord};
use crate::operation::ArgIn;

/// `[code, className]` for every error code the core raises.
#[napi]
pub fn error_catalog() -> Vec<Vec<String>> {
    parabuf_core::CATALOG.iter().map(|(code, class)| vec![code.to_string(), class.name().to_string()]).collect()
}

/// The pool's thread count.
#[napi]
pub fn threads() -> u32 {
    parabuf_core::threads() as u32
}

/// How many exports are live in the whole process.
#[napi]
pub fn live_export_count() -> u32 {
    Ledger::global().live_count() as u32
}

/// How many parabuf-owned (alloc) buffers are still allocated.
#[napi]
pub fn owned_buffer_count() -> u32 {
    parabuf_core::owned_buffer_count() as u32
}

fn parse_mode(mode: u32) -> Result<Mode, Error> {
    match mode {
        0 => Ok(Mode::Read),
        1 => Ok(Mode::Write),
        other => Err(Error::arg_value(format!("mode must be 0 (read) or 1 (write), got {other}"))),
    }
}

/// The handle record behind `handle`, or `ERR_INVALID_ARG_TYPE` when it is not a handle this binding made.
fn handle_of<'v>(env: &Env, handle: &'v Unknown<'_>) -> Result<&'v HandleRecord, Error> {
    intake::external_ref::<HandleRecord>(env, handle)?
        .ok_or_else(|| Error::arg_type("not an export handle from borrow()"))
}

/// Takes an export of `array` (viewed as kind `kind`, checked against what Node-API reports; `mode` 0 for read, 1 for
/// write), or of the elements its view `view` (`[shape, strides, offset]`) reaches, and returns its handle: an opaque,
/// type-tagged external that ends the export when collected.
#[napi(ts_return_type = "object")]
pub fn export_open<'env>(
    env: &'env Env,
    array: Unknown<'_>,
    kind: u32,
    mode: u32,
    view: Option<Unknown<'_>>,
) -> napi::Result<Unknown<'env>> {
    let open = || -> Result<Unknown<'env>, Error> {
        let view = given(env, view.as_ref())?.map(|view| view_numbers(env, view)).transpose()?;
        let record = HandleRecord::open(env, &array, kind, parse_mode(mode)?, view.as_ref())?;
        intake::wrap_external(env, record)
    };
    open().map_err(|e| to_napi(env, &e))
}

/// Releases a handle's export (idempotent; deferred while an operation in flight holds it).
#[napi]
pub fn export_release(env: Env, handle: Unknown<'_>) -> napi::Result<()> {
    let record = handle_of(&env, &handle).map_err(|e| to_napi(&env, &e))?;
    record.release(&env);
    Ok(())
}

/// What JavaScript may see of a handle: released, mode, byte range, kind, id.
#[napi]
pub fn export_state(env: Env, handle: Unknown<'_>) -> napi::Result<ExportState> {
    handle_of(&env, &handle).map(HandleRecord::state).map_err(|e| to_napi(&env, &e))
}

/// When the binding is loaded into an environment: capture the built-ins that read internal slots Node-API has no
/// call for (`%TypedArray%.prototype.includes`, the getters of `ArrayBuffer.prototype.resizable` and
/// `.maxByteLength`), before any code that loads parabuf afterwards can replace them. No export lets anyone replace them
/// later.
#[napi(module_exports)]
pub fn capture_intrinsics(exports: napi::bindgen_prelude::Object<'_>, env: Env) -> napi::Result<()> {
    let init = || -> Result<(), Error> {
        intake::capture_intrinsics(&env)?;
        intake::define_function(&env, exports.raw(), c"runSync", run_sync)?;
        intake::define_function(&env, exports.raw(), c"runAsync", run_async)?;
        intake::define_function(&env, exports.raw(), c"evaluateSync", evaluate_sync)?;
        intake::define_function(&env, exports.raw(), c"evaluateAsync", evaluate_async)
    };
    init().map_err(|e| to_napi(&env, &e))
}

/// One live export overlapping an array, with its bytes relative to that array's buffer.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct ExportEntry {
    /// Ledger id.
    pub id: f64,
    /// `'read'` or `'write'`.
    pub mode: String,
    /// First byte, relative to the start of the queried array's buffer.
    pub byte_offset: f64,
    /// Number of bytes.
    pub byte_length: f64,
}

/// The live exports sharing bytes with `array`.
#[napi]
pub fn exports_overlapping(env: Env, array: Unknown<'_>) -> napi::Result<Vec<ExportEntry>> {
    let info = intake::typed_array(&env, &array, &"exportsOf() argument").map_err(|e| to_napi(&env, &e))?;
    Ok(entries_from(info.base(), Ledger::global().exports_overlapping(info.region)))
}

/// The live exports covering any byte an `ArrayBuffer` can ever hold (up to its `maxByteLength`), with offsets from its
/// byte 0; `null` when `buffer` is not an `ArrayBuffer` by its internal slots. The facade's `resize`/`transfer` guards
/// ask this, so what they decide comes from the engine and the ledger, not from the receiver's properties.
#[napi]
pub fn exports_of_buffer(env: Env, buffer: Unknown<'_>) -> napi::Result<Option<Vec<ExportEntry>>> {
    let reach = intake::array_buffer_reach(&env, &buffer).map_err(|e| to_napi(&env, &e))?;
    Ok(reach.map(|region| {
        if region.is_empty() {
            return Vec::new();
        }
        entries_from(region.addr(), Ledger::global().exports_overlapping(region))
    }))
}

fn entries_from(base: usize, live: Vec<parabuf_core::ExportInfo>) -> Vec<ExportEntry> {
    live.into_iter()
        .map(|e| ExportEntry {
            id: e.id as f64,
            mode: e.mode.as_str().to_string(),
            byte_offset: e.range.start as f64 - base as f64,
            byte_length: (e.range.end - e.range.start) as f64,
        })
        .collect()
}

/// A cancellation flag an `AbortSignal` raises.
#[napi]
#[derive(Debug)]
pub struct CancelToken {
    inner: Cancel,
}

#[napi]
impl CancelToken {
    /// A flag that is not raised.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> CancelToken {
        CancelToken { inner: Cancel::new() }
    }

    /// Raises the flag.
    #[napi]
    pub fn cancel(&self) {
        self.inner.cancel();
    }
}

/// One array argument of an operation, as the facade sees it.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct OperationArray {
    /// The argument's name in the public API.
    pub name: String,
    /// `'read'` or `'write'`.
    pub mode: String,
    /// Made by the facade from a parameter, not passed by the caller.
    pub internal: bool,
}

/// What the facade needs to know about one operation, from its declaration in the core's table.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct OperationInfo {
    /// The operation's name; its code is its index in the table.
    pub name: String,
    /// Its array arguments, in order.
    pub arrays: Vec<OperationArray>,
    /// The names of its parameters, read from the parameter object.
    pub params: Vec<String>,
    /// The result's shape: `'element'`, `'number'`, `'index'`, `'minmax'`, `'counts'`, `'inPlace'`, `'array'` or
    /// `'pair'`.
    pub returns: String,
    /// Whether the public API wraps it (else it is a hook for the binding's tests).
    pub public: bool,
    /// What it gives per output element along axes: `'no'` (it takes no axis), `'float64'`, `'element'`, `'sum'`,
    /// `'index'` or `'float64Each'`; or `'lanes'` and `'scan'` for one that works along one axis, `'slices'` for one
    /// that works on the slices across one axis (`unique`).
    pub axis: String,
}

/// Every operation in the order of their codes (the core's `Op::TABLE`): the facade reads it once and passes codes.
#[napi]
pub fn operation_table() -> Vec<OperationInfo> {
    Op::TABLE
        .iter()
        .map(|spec| OperationInfo {
            name: spec.name.to_string(),
            arrays: spec
                .arrays
                .iter()
                .map(|a| OperationArray {
                    name: a.name.to_string(),
                    mode: a.mode.as_str().to_string(),
                    internal: a.internal,
                })
                .collect(),
            params: spec.params.iter().map(|p| p.name.to_string()).collect(),
            returns: spec.returns.as_str().to_string(),
            public: spec.public,
            axis: spec.axis.as_str().to_string(),
        })
        .collect()
}

/// One element kind, from the core's `ElementKind::ALL` (its code is its index).
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct ElementKindInfo {
    /// The typed array's constructor name, e.g. `'Float64Array'`.
    pub name: String,
    /// Bytes per element.
    pub bytes: u32,
    /// Whether elements are bigints.
    pub bigint: bool,
}

/// Every element kind, in the order of their codes.
#[napi]
pub fn element_kinds() -> Vec<ElementKindInfo> {
    ElementKind::ALL
        .iter()
        .map(|k| ElementKindInfo { name: k.name().to_string(), bytes: k.size() as u32, bigint: k.is_bigint() })
        .collect()
}

/// The constants the tests and the bench measure against: bytes up to which async calls run inline, and elements per
/// block (an input of at most one block is done on the calling thread).
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct Constants {
    /// `parabuf_core::INLINE_BYTES`.
    pub inline_bytes: f64,
    /// `parabuf_core::BLOCK`.
    pub block_elements: f64,
    /// The flag the facade adds to an array's kind code when the array is empty and unusable (detached or out of
    /// bounds), so that the binding asks the engine which.
    pub ask_bounds: u32,
    /// The flag the facade adds to an array's kind code when it passes the array through a strided view, whose
    /// `[shape, strides, offset]` follows.
    pub view: u32,
}

/// See [`Constants`].
#[napi]
pub fn constants() -> Constants {
    Constants {
        inline_bytes: parabuf_core::INLINE_BYTES as f64,
        block_elements: parabuf_core::BLOCK as f64,
        ask_bounds: operation::ASK_BOUNDS,
        view: operation::VIEW,
    }
}

/// The operation named by code `op`, with the parameters it declares read by name from `params` (`undefined` for
/// none). Read before any array: a getter on the parameter object runs before anything is decided about memory.
fn parse_op(env: &Env, op: Option<&Unknown<'_>>, params: Option<&Unknown<'_>>) -> Result<Call, Error> {
    let code = op.map_or(Ok(u32::MAX), |op| intake::uint32(env, op, "the operation code"))?;
    let spec = Op::spec_of(code)?;
    let mut values = [None; 4];
    let Some(values) = values.get_mut(..spec.params.len()) else {
        return Err(Error::internal(format!("{}() declares more parameters than the binding reads", spec.name)));
    };
    // An operation without parameters or axes never looks at the object: no Node-API call on the hot path.
    let along = spec.axis != AxisResult::No;
    let params = if spec.params.is_empty() && !along { None } else { given(env, params)? };
    let mut axes = None;
    if let Some(params) = params {
        for (value, declared) in values.iter_mut().zip(spec.params) {
            let field = intake::property(env, params, declared.name)?;
            *value = match declared.ty {
                ParamType::Number | ParamType::Element => intake::scalar(env, &field, declared.name)?,
                ParamType::Boolean => intake::boolean(env, &field, declared.name)?,
                ParamType::Choice(options) => intake::choice(env, &field, declared.name, options)?,
            };
        }
        if along {
            let field = intake::property(env, params, "axis")?;
            axes = given(env, Some(&field))?.map(|axis| axis_numbers(env, spec.name, axis)).transpose()?;
        }
    }
    let op = Op::parse(code, values)?;
    Ok(Call { op, axes })
}

/// An `axis` option: an integer, or an array of integers (numpy's rules for which axes they name are the core's).
fn axis_numbers(env: &Env, operation: &str, axis: &Unknown<'_>) -> Result<SmallVec<[i64; 4]>, Error> {
    let integer = |value: &Unknown<'_>, what: &dyn std::fmt::Display| -> Result<i64, Error> {
        let x = intake::number(env, value, what)?;
        if x.fract() != 0.0 || !x.is_finite() || x.abs() > 2f64.powi(53) {
            return Err(Error::out_of_range(format!("{what} must be an integer, got {x}")));
        }
        Ok(x as i64)
    };
    if intake::type_of(env, axis)? == napi::sys::ValueType::napi_number {
        return Ok(SmallVec::from_buf_and_len(
            [integer(axis, &format_args!("{operation}() options.axis"))?, 0, 0, 0],
            1,
        ));
    }
    // No view has more axes than a layout's dimensions: a longer list is refused before its elements are read.
    let elements =
        intake::elements_at_most(env, axis, "options.axis", parabuf_core::MAX_DIMS as u32).map_err(|e| match e {
            Error::InvalidArgType { .. } => {
                Error::arg_type(format!("{operation}() options.axis must be an integer or an Array of integers"))
            }
            other => other,
        })?;
    elements.iter().enumerate().map(|(k, x)| integer(x, &format_args!("{operation}() options.axis[{k}]"))).collect()
}

/// An operation of the table as a call asks for it: over whole arrays or views, or along axes.
pub(crate) struct Call {
    op: Op,
    /// The axes to reduce along (`options.axis`), when given.
    axes: Option<SmallVec<[i64; 4]>>,
}

impl operation::Job for Call {
    fn name(&self) -> &'static str {
        self.op.name()
    }

    fn modes(&self) -> SmallVec<[Mode; 2]> {
        operation::Job::modes(&self.op)
    }

    fn argument(&self, index: usize) -> operation::ArgumentName<'_> {
        operation::Job::argument(&self.op, index)
    }

    fn may_alias(&self, index: usize) -> std::ops::Range<usize> {
        operation::Job::may_alias(&self.op, index)
    }

    fn runs_inline(&self, args: &[parabuf_core::Arg]) -> bool {
        self.op.runs_inline(args)
    }

    fn one_axis(&self, index: usize) -> Option<&'static str> {
        // An operation that works along the lanes of one axis takes a view of any dimensions.
        if self.op.spec().axis == AxisResult::Lanes {
            return None;
        }
        operation::Job::one_axis(&self.op, index)
    }

    fn execute(&self, args: &mut [parabuf_core::Arg], cancel: &Cancel) -> Result<parabuf_core::Output, Error> {
        match &self.axes {
            Some(axes) => parabuf_core::execute_along(&self.op, args, axes, cancel),
            // Along the last axis, numpy's default, when there is more than one.
            None if self.op.spec().axis == AxisResult::Lanes && args.first().is_some_and(|a| a.dims().len() > 1) => {
                parabuf_core::execute_along(&self.op, args, &[-1], cancel)
            }
            None => parabuf_core::execute(&self.op, args, cancel),
        }
    }
}

/// An optional argument: `None` when it was not passed or is `undefined` or `null`.
fn given<'a, 'env>(env: &Env, value: Option<&'a Unknown<'env>>) -> Result<Option<&'a Unknown<'env>>, Error> {
    use napi::sys::ValueType;
    match value {
        Some(value) => match intake::type_of(env, value)? {
            ValueType::napi_undefined | ValueType::napi_null => Ok(None),
            _ => Ok(Some(value)),
        },
        None => Ok(None),
    }
}

/// One array argument: a typed array (for a `Float16Array`, its `Uint16Array` alias) with its `ElementKind` code as the
/// facade read it, or an export handle (its array and kind come from its native record, whatever the facade passed
/// beside it); seen through `view` when the kind code has [`operation::VIEW`] set.
fn array_argument<'a, 'env>(
    env: &Env,
    array: &'a Unknown<'env>,
    kind: &Unknown<'_>,
    view: Option<&Unknown<'_>>,
) -> Result<ArgIn<'a, 'env>, Error> {
    let code = intake::uint32(env, kind, "an array's kind")?;
    let mut argument = if intake::type_of(env, array)? == napi::sys::ValueType::napi_external {
        ArgIn::handle(handle_of(env, array)?)
    } else {
        ArgIn::array(array, code & !operation::VIEW)
    };
    if code & operation::VIEW != 0 {
        let view = view.ok_or_else(|| Error::arg_type("a view's layout is missing"))?;
        argument.view = Some(view_numbers(env, view)?);
    }
    Ok(argument)
}

/// A view's `[shape, strides, offset]` as the facade passes it (`strides` and `offset` may be `undefined`).
fn view_numbers(env: &Env, view: &Unknown<'_>) -> Result<operation::ViewNumbers, Error> {
    let parts = intake::elements_at_most(env, view, "a view", 3)?;
    let numbers = |value: &Unknown<'_>, what: &str| -> Result<Vec<f64>, Error> {
        // At most one more than a layout takes, so that a longer one is refused by the layout's own check.
        intake::elements_at_most(env, value, what, parabuf_core::MAX_DIMS as u32 + 1)?
            .iter()
            .enumerate()
            .map(|(k, x)| intake::number(env, x, &format_args!("{what}[{k}]")))
            .collect()
    };
    let [shape, strides, offset] = parts.as_slice() else {
        return Err(Error::arg_type("a view's layout must be [shape, strides, offset]"));
    };
    Ok(operation::ViewNumbers {
        shape: numbers(shape, "view.shape")?,
        strides: given(env, Some(strides))?.map(|s| numbers(s, "view.strides")).transpose()?,
        offset: given(env, Some(offset))?.map(|o| intake::number(env, o, &"view.offset")).transpose()?,
    })
}

/// The array arguments: `array, kind` pairs, as [`array_argument`] reads them, each followed by its view's layout when
/// its kind code has [`operation::VIEW`] set.
fn inputs<'a, 'env>(env: &Env, args: &'a [Unknown<'env>]) -> Result<SmallVec<[ArgIn<'a, 'env>; 2]>, Error> {
    let mut inputs = SmallVec::new();
    let mut at = 0;
    while let Some(array) = args.get(at) {
        let Some(kind) = args.get(at + 1) else {
            inputs.push(if intake::type_of(env, array)? == napi::sys::ValueType::napi_external {
                ArgIn::handle(handle_of(env, array)?)
            } else {
                ArgIn::array(array, u32::MAX)
            });
            break;
        };
        let argument = array_argument(env, array, kind, args.get(at + 2))?;
        at += if argument.view.is_some() { 3 } else { 2 };
        inputs.push(argument);
    }
    Ok(inputs)
}

/// `runSync(op, params, array, kind, [array, kind]…)`: runs an operation synchronously.
fn run_sync(env: &Env, args: &[Unknown<'_>]) -> napi::Result<napi::sys::napi_value> {
    let run = || -> Result<parabuf_core::Output, Error> {
        let call = parse_op(env, args.first(), args.get(1))?;
        let inputs = inputs(env, args.get(2..).unwrap_or_default())?;
        operation::run_now(env, &call, &inputs)
    };
    let output = run().map_err(|e| to_napi(env, &e))?;
    intake::to_js(env, output)
}

/// `runAsync(op, params, cancel, array, kind, [array, kind]…)`: runs an operation off the JavaScript thread; returns
/// the result itself when small enough to run inline, else a promise.
fn run_async(env: &Env, args: &[Unknown<'_>]) -> napi::Result<napi::sys::napi_value> {
    let start = || -> Result<(Call, Cancel, SmallVec<[ArgIn<'_, '_>; 2]>), Error> {
        let op = parse_op(env, args.first(), args.get(1))?;
        let cancel = match given(env, args.get(2))? {
            Some(token) => intake::cancel_token(env, token)?.inner.clone(),
            None => Cancel::new(),
        };
        Ok((op, cancel, inputs(env, args.get(3..).unwrap_or_default())?))
    };
    let (op, cancel, inputs) = start().map_err(|e| to_napi(env, &e))?;
    operation::run_later(env, op, &inputs, cancel)
}

/// Compiles an expression's source (cached by source text) into an opaque handle.
#[napi(ts_return_type = "object")]
pub fn expression_compile(env: &Env, source: String) -> napi::Result<Unknown<'_>> {
    expression::compile(env, &source).map_err(|e| to_napi(env, &e))
}

/// A compiled expression's variables, in order of first appearance in its source.
#[napi]
pub fn expression_variables(env: Env, handle: Unknown<'_>) -> napi::Result<Vec<String>> {
    expression::expression_of(&env, &handle).map(|e| e.variables().to_vec()).map_err(|e| to_napi(&env, &e))
}

/// The job of an expression call from the facade's arguments `op, params, expression, inputs, out, outKind` (`op`
/// `undefined` for a run into `out`, else the code of the reduction; `out` and `outKind` only for a run), with
/// `values` the elements of `inputs`, read by [`input_values`].
fn expression_call<'a, 'env>(
    env: &Env,
    args: &'a [Unknown<'env>],
    values: &'a [Unknown<'env>],
) -> Result<(expression::ExpressionJob, Vec<ArgIn<'a, 'env>>), Error> {
    let reduce = match given(env, args.first())? {
        Some(op) => {
            let call = parse_op(env, Some(op), args.get(1))?;
            if call.axes.is_some() {
                return Err(Error::arg_value(format!(
                    "{}() of a bound expression takes no axis: its values have a length, not a shape",
                    call.op.name()
                )));
            }
            Some(call.op)
        }
        None => None,
    };
    let expression = args.get(2).ok_or_else(|| Error::internal("an expression call needs its expression"))?;
    let output = match (&reduce, args.get(4), args.get(5)) {
        (None, Some(out), Some(kind)) => Some((out, kind, args.get(6))),
        (None, _, _) => return Err(Error::internal("a run into an output needs the output")),
        (Some(_), _, _) => None,
    };
    expression::parse(env, expression, values, output, reduce)
}

/// The elements of an expression call's `inputs` (its fourth argument), every getter among them run before anything
/// is leased.
fn input_values<'env>(env: &'env Env, args: &[Unknown<'_>]) -> Result<Vec<Unknown<'env>>, Error> {
    let inputs = args.get(3).ok_or_else(|| Error::internal("an expression call needs its inputs"))?;
    intake::elements(env, inputs, "the expression's inputs")
}

/// `evaluateSync(op, params, expression, inputs, out, outKind, outView)`: runs an expression synchronously, into `out` or
/// through the reduction `op`.
fn evaluate_sync(env: &Env, args: &[Unknown<'_>]) -> napi::Result<napi::sys::napi_value> {
    let run = || -> Result<parabuf_core::Output, Error> {
        let values = input_values(env, args)?;
        let (job, arrays) = expression_call(env, args, &values)?;
        operation::run_now(env, &job, &arrays)
    };
    let output = run().map_err(|e| to_napi(env, &e))?;
    intake::to_js(env, output)
}

/// `evaluateAsync(op, params, cancel, expression, inputs, out, outKind, outView)`: as `evaluateSync`, off the JavaScript
/// thread; returns the result itself when small enough to run inline, else a promise.
fn evaluate_async(env: &Env, args: &[Unknown<'_>]) -> napi::Result<napi::sys::napi_value> {
    let cancel = match given(env, args.get(2)) {
        Ok(Some(token)) => intake::cancel_token(env, token).map(|token| token.inner.clone()),
        Ok(None) => Ok(Cancel::new()),
        Err(e) => Err(e),
    }
    .map_err(|e| to_napi(env, &e))?;
    // The same arguments as evaluateSync's, without the cancel token.
    let rest: SmallVec<[Unknown<'_>; 7]> = args.iter().enumerate().filter(|(i, _)| *i != 2).map(|(_, a)| *a).collect();
    let values = input_values(env, &rest).map_err(|e| to_napi(env, &e))?;
    let (job, arrays) = expression_call(env, &rest, &values).map_err(|e| to_napi(env, &e))?;
    operation::run_later(env, job, &arrays, cancel)
}

/// A typed array over parabuf-owned memory, and whether the memory is really external (else a normal buffer).
#[napi(ts_return_type = "[ArrayBufferView, boolean]")]
pub fn alloc<'env>(env: &'env Env, kind: u32, length: f64) -> napi::Result<Vec<Either<Unknown<'env>, bool>>> {
    let make = || -> Result<(Unknown<'env>, bool), Error> {
        let kind = ElementKind::from_code(kind)?;
        if !(length.is_finite() && length >= 0.0 && length.fract() == 0.0 && length <= (isize::MAX as f64)) {
            return Err(Error::out_of_range(format!("alloc() length must be a non-negative integer, got {length}")));
        }
        intake::external_array(env, kind, length as usize)
    };
    let (array, external) = make().map_err(|e| to_napi(env, &e))?;
    Ok(vec![Either::A(array), Either::B(external)])
}
