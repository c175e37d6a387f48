//! The Node-API binding of parabuf. Thin by design: it turns JavaScript values into regions and exports, calls
//! `parabuf_core::execute`, and turns results and errors back into JavaScript. Only the facade (`src/index.ts`) calls it.

#![deny(clippy::undocumented_unsafe_blocks)]

mod errors;
mod handle;
mod inflight;
mod intake;
mod operation;

use napi::bindgen_prelude::{BigInt, Either};
use napi::{Env, Unknown};
use napi_derive::napi;
use parabuf_core::{Cancel, ElementKind, Error, Ledger, Mode, Op, Params, Scalar};

use crate::errors::to_napi;
use crate::handle::{ExportState, HandleRecord};
use crate::operation::{ArgIn, AsyncOutput, JsOutput};

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
    intake::handle_ref(env, handle)?.ok_or_else(|| Error::arg_type("not an export handle from borrow()"))
}

/// Takes an export of `array` (viewed as kind `kind`, checked against what Node-API reports; `mode` 0 for read, 1 for
/// write) and returns its handle: an opaque, type-tagged external that ends the export when collected.
#[napi(ts_return_type = "object")]
pub fn export_open<'env>(env: &'env Env, array: Unknown<'_>, kind: u32, mode: u32) -> napi::Result<Unknown<'env>> {
    let open = || -> Result<Unknown<'env>, Error> {
        let record = HandleRecord::open(env, &array, kind, parse_mode(mode)?)?;
        intake::wrap_handle(env, record)
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
pub fn capture_intrinsics(_exports: napi::bindgen_prelude::Object<'_>, env: Env) -> napi::Result<()> {
    intake::capture_intrinsics(&env).map_err(|e| to_napi(&env, &e))
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

/// The operation's parameters (only those it uses are read).
#[napi(object, object_to_js = false)]
#[derive(Debug)]
pub struct OpParams {
    /// `variance`/`std`: delta degrees of freedom.
    pub ddof: Option<f64>,
    /// `histogram`: bin count.
    pub bins: Option<f64>,
    /// `histogram`: range start.
    pub min: Option<f64>,
    /// `histogram`: range end.
    pub max: Option<f64>,
    /// `fill`: the value.
    pub value: Option<Either<f64, BigInt>>,
    /// `scale`: the multiplier.
    pub factor: Option<Either<f64, BigInt>>,
    /// `scale`: the addend.
    pub offset: Option<Either<f64, BigInt>>,
}

/// A JavaScript number or bigint as a core scalar. A bigint keeps only what matters modulo 2^64 (its lowest word and
/// its sign), which is all any 64-bit array can store.
fn scalar_of(value: Option<Either<f64, BigInt>>) -> Option<Scalar> {
    value.map(|value| match value {
        Either::A(x) => Scalar::Number(x),
        Either::B(big) => {
            let low = i128::from(big.words.first().copied().unwrap_or(0));
            Scalar::BigInt(if big.sign_bit { -low } else { low })
        }
    })
}

/// The operation names, in the order of their codes ([`Op::NAMES`]): the facade reads them once and passes codes.
#[napi]
pub fn operation_names() -> Vec<&'static str> {
    Op::NAMES.to_vec()
}

fn parse_op(code: u32, params: Option<OpParams>) -> Result<Op, Error> {
    let params = params.map_or_else(Params::default, |p| Params {
        ddof: p.ddof,
        bins: p.bins,
        min: p.min,
        max: p.max,
        value: scalar_of(p.value),
        factor: scalar_of(p.factor),
        offset: scalar_of(p.offset),
    });
    Op::from_code(code, params)
}

#[allow(clippy::too_many_arguments)]
fn with_inputs<R>(
    env: &Env,
    a: &Unknown<'_>,
    a_kind: u32,
    a_handle: Option<&Unknown<'_>>,
    b: Option<&Unknown<'_>>,
    b_kind: Option<u32>,
    b_handle: Option<&Unknown<'_>>,
    f: impl FnOnce(&[ArgIn<'_, '_>]) -> napi::Result<R>,
) -> napi::Result<R> {
    // A handle is the whole argument: its array and kind come from its native record, whatever the facade passed
    // beside it.
    let first = match a_handle {
        Some(handle) => ArgIn::Handle(handle_of(env, handle).map_err(|e| to_napi(env, &e))?),
        None => ArgIn::Array { array: a, kind: a_kind },
    };
    let second = match (b_handle, b) {
        (Some(handle), _) => Some(ArgIn::Handle(handle_of(env, handle).map_err(|e| to_napi(env, &e))?)),
        (None, Some(array)) => Some(ArgIn::Array { array, kind: b_kind.unwrap_or(u32::MAX) }),
        (None, None) => None,
    };
    match second {
        Some(second) => f(&[first, second]),
        None => f(&[first]),
    }
}

/// Runs an operation synchronously.
#[napi]
#[allow(clippy::too_many_arguments)]
pub fn run_sync(
    env: Env,
    op: u32,
    params: Option<OpParams>,
    a: Unknown<'_>,
    a_kind: u32,
    a_handle: Option<Unknown<'_>>,
    b: Option<Unknown<'_>>,
    b_kind: Option<u32>,
    b_handle: Option<Unknown<'_>>,
) -> napi::Result<JsOutput> {
    let op = parse_op(op, params).map_err(|e| to_napi(&env, &e))?;
    with_inputs(&env, &a, a_kind, a_handle.as_ref(), b.as_ref(), b_kind, b_handle.as_ref(), |inputs| {
        operation::run_now(&env, &op, inputs)
    })
}

/// Runs an operation off the JavaScript thread: returns the result itself when small enough to run inline, else a
/// promise.
#[napi(ts_return_type = "unknown")]
#[allow(clippy::too_many_arguments)]
pub fn run_async<'env>(
    env: &'env Env,
    op: u32,
    params: Option<OpParams>,
    cancel: Option<&CancelToken>,
    a: Unknown<'_>,
    a_kind: u32,
    a_handle: Option<Unknown<'_>>,
    b: Option<Unknown<'_>>,
    b_kind: Option<u32>,
    b_handle: Option<Unknown<'_>>,
) -> napi::Result<AsyncOutput<'env>> {
    let op = parse_op(op, params).map_err(|e| to_napi(env, &e))?;
    let cancel = cancel.map(|c| c.inner.clone()).unwrap_or_default();
    with_inputs(env, &a, a_kind, a_handle.as_ref(), b.as_ref(), b_kind, b_handle.as_ref(), |inputs| {
        operation::run_later(env, op, inputs, cancel)
    })
}

fn napi_type_of(kind: ElementKind) -> napi::sys::napi_typedarray_type {
    use napi::sys::TypedarrayType as T;
    match kind {
        ElementKind::Int8 => T::int8_array,
        ElementKind::Uint8 => T::uint8_array,
        ElementKind::Uint8Clamped => T::uint8_clamped_array,
        ElementKind::Int16 => T::int16_array,
        ElementKind::Uint16 | ElementKind::Float16 => T::uint16_array,
        ElementKind::Int32 => T::int32_array,
        ElementKind::Uint32 => T::uint32_array,
        ElementKind::Float32 => T::float32_array,
        ElementKind::Float64 => T::float64_array,
        ElementKind::BigInt64 => 9,
        ElementKind::BigUint64 => 10,
    }
}

/// A typed array over parabuf-owned memory, and whether the memory is really external (else a normal buffer).
#[napi(ts_return_type = "[ArrayBufferView, boolean]")]
pub fn alloc<'env>(env: &'env Env, kind: u32, length: f64) -> napi::Result<Vec<Either<Unknown<'env>, bool>>> {
    let make = || -> Result<(Unknown<'env>, bool), Error> {
        let kind = ElementKind::from_code(kind)?;
        if !(length.is_finite() && length >= 0.0 && length.fract() == 0.0 && length <= (isize::MAX as f64)) {
            return Err(Error::out_of_range(format!("alloc() length must be a non-negative integer, got {length}")));
        }
        intake::external_array(env, kind, napi_type_of(kind), length as usize)
    };
    let (array, external) = make().map_err(|e| to_napi(env, &e))?;
    Ok(vec![Either::A(array), Either::B(external)])
}

/// Internal, for `npm run bench` only (not part of the API; the facade never calls it): the machine's memory-read
/// bandwidth as measured by `parabuf_core::probe::read_bandwidth`.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct BenchBandwidth {
    /// Bytes read per second in the fastest pass.
    pub bytes_per_second: f64,
    /// The buffer's size in bytes.
    pub bytes: f64,
    /// The seconds of every pass.
    pub seconds: Vec<f64>,
    /// Threads that read at once.
    pub threads: u32,
}

/// Internal, for `npm run bench` only: reads a private buffer of `bytes` bytes `passes` times with every pool thread
/// and reports the fastest pass. `throughViews` reads it as the kernels read JavaScript memory (relaxed atomic loads
/// per element, staged), else with plain vectorised loads (the machine's limit). Blocks the calling thread.
#[napi]
pub fn bench_read_bandwidth(bytes: f64, passes: u32, through_views: Option<bool>) -> BenchBandwidth {
    use parabuf_core::probe::{read_bandwidth, ReadPath};
    let path = if through_views.unwrap_or(false) { ReadPath::View } else { ReadPath::Plain };
    read_bandwidth(bytes.max(0.0) as usize, passes as usize, path).into()
}

impl From<parabuf_core::probe::Bandwidth> for BenchBandwidth {
    fn from(bw: parabuf_core::probe::Bandwidth) -> Self {
        BenchBandwidth {
            bytes_per_second: bw.bytes_per_second,
            bytes: bw.bytes as f64,
            seconds: bw.seconds,
            threads: bw.threads as u32,
        }
    }
}

/// Internal, for `npm run bench` only: reads the memory of a `Float64Array` `passes` times with every pool thread and
/// reports the fastest pass (`parabuf_core::probe::read_bandwidth_of`), the read limit of that array's own pages.
/// Blocks the calling thread.
#[napi]
pub fn bench_array_read_bandwidth(env: Env, array: Unknown<'_>, passes: u32) -> napi::Result<BenchBandwidth> {
    with_float64_view(&env, &array, "benchArrayReadBandwidth()", |view| {
        parabuf_core::probe::read_bandwidth_of(view, passes as usize).into()
    })
}

/// Internal, for `npm run bench` only: the elements in one block (`parabuf_core::BLOCK`). An input of at most one block
/// is done on the calling thread rather than on the pool.
#[napi]
pub fn bench_block_elements() -> u32 {
    parabuf_core::BLOCK as u32
}

/// Internal, for `npm run bench` only: the plain, non-deterministic parallel sum of a `Float64Array`
/// (`parabuf_core::probe::plain_sum`), the baseline the compensated `sum` is measured against. Synchronous.
#[napi]
pub fn bench_plain_sum(env: Env, array: Unknown<'_>) -> napi::Result<f64> {
    with_float64_view(&env, &array, "benchPlainSum()", parabuf_core::probe::plain_sum)
}

/// Runs `f` on a read view of `array`, which must be a `Float64Array`, for the bench hooks (`who` names the hook in
/// errors). Synchronous: the array is an argument of the calling function, so its memory outlives the guard.
fn with_float64_view<R>(
    env: &Env,
    array: &Unknown<'_>,
    who: &str,
    f: impl FnOnce(&parabuf_core::ReadView<'_, f64>) -> R,
) -> napi::Result<R> {
    let run = || -> Result<R, Error> {
        let info = intake::typed_array(env, array, &format_args!("{who} argument"))?;
        if info.napi_kind != Some(ElementKind::Float64) {
            return Err(Error::arg_type(format!("{who} needs a Float64Array")));
        }
        let guard = Ledger::global().read(info.region).map_err(|e| e.relative_to(info.base()))?;
        Ok(f(&guard.view::<f64>()?))
    };
    run().map_err(|e| to_napi(env, &e))
}
