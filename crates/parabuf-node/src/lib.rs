//! The Node-API binding of parabuf. Thin by design: it turns JavaScript values into regions and exports, calls
//! `parabuf_core::execute`, and turns results and errors back into JavaScript. Only the facade (`src/index.ts`) calls it.

#![deny(clippy::undocumented_unsafe_blocks)]

mod errors;
mod inflight;
mod intake;
mod operation;

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{BigInt, Either, ObjectFinalize};
use napi::{Env, Unknown};
use napi_derive::napi;
use parabuf_core::{Cancel, ElementKind, Error, ExportCell, Ledger, Mode, Op, Params, Scalar};

use crate::errors::to_napi;
use crate::intake::KeepAlive;
use crate::operation::{lock, ArgIn, AsyncOutput, JsOutput};

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

/// An export held by a JavaScript handle (`borrow()`): the one record of the handle's array, byte range, kind and mode.
/// The facade's `Export` object shows what this record says and nothing it does depends on that object's properties.
#[napi(custom_finalize)]
#[derive(Debug)]
pub struct NativeExport {
    cell: Arc<Mutex<ExportCell>>,
    kind: ElementKind,
    /// The typed array the export was taken through (for a `Float16Array`, its `Uint16Array` alias), held until
    /// release: every use re-reads its internal slots.
    view: Option<KeepAlive>,
    /// The address of byte 0 of its buffer, to state byte ranges as offsets.
    base: usize,
    byte_offset: usize,
}

#[napi]
impl NativeExport {
    /// Releases the export (idempotent; deferred while an operation in flight holds it).
    #[napi]
    pub fn release(&mut self, env: Env) {
        lock(&self.cell).release();
        if let Some(view) = self.view.take() {
            view.release(&env);
        }
    }

    /// Whether `release()` was called.
    #[napi(getter)]
    pub fn released(&self) -> bool {
        lock(&self.cell).is_released()
    }

    /// The export's mode: `'read'` or `'write'`.
    #[napi(getter)]
    pub fn mode(&self) -> String {
        lock(&self.cell).mode().as_str().to_string()
    }

    /// The ledger id of the export.
    #[napi(getter)]
    pub fn id(&self) -> f64 {
        lock(&self.cell).info().id as f64
    }

    /// The array's `byteOffset` within its buffer when the export was taken.
    #[napi(getter)]
    pub fn byte_offset(&self) -> f64 {
        self.byte_offset as f64
    }

    /// The number of exported bytes.
    #[napi(getter)]
    pub fn byte_length(&self) -> f64 {
        let range = lock(&self.cell).info().range;
        (range.end - range.start) as f64
    }

    /// The element kind code of the array.
    #[napi(getter)]
    pub fn kind(&self) -> u32 {
        self.kind.code()
    }
}

impl NativeExport {
    /// The export cell, for an operation's lease.
    pub(crate) fn cell(&self) -> Arc<Mutex<ExportCell>> {
        Arc::clone(&self.cell)
    }

    /// The element kind the export was taken as.
    pub(crate) fn element_kind(&self) -> ElementKind {
        self.kind
    }

    /// Lends the export to an operation needing `mode`, with conflicts stated as offsets in the buffer.
    pub(crate) fn lend(&self, mode: Mode, operation: &str) -> Result<parabuf_core::Lent, Error> {
        lock(&self.cell).lend(mode, operation).map_err(|e| e.relative_to(self.base))
    }

    /// Checks, from the engine's state now, that the handle's array still covers the exported bytes: its buffer is
    /// attached and the view starts where the export starts and reaches at least as far (a length-tracking view over
    /// a grown buffer reaches further; the operation uses the exported bytes only).
    ///
    /// # Errors
    /// `ERR_PARABUF_RELEASED` after release, `ERR_PARABUF_DETACHED` when the memory moved, was transferred or shrank
    /// below the export, `ERR_PARABUF_OUT_OF_BOUNDS` when the view is past the end of its shrunk buffer.
    pub(crate) fn current(&self, env: &Env, what: &dyn std::fmt::Display) -> Result<intake::TypedArrayInfo, Error> {
        let Some(view) = &self.view else {
            return Err(Error::Released { what: format!("{what} is an export handle that was released") });
        };
        let info = intake::current(env, view, what)?;
        let exported = lock(&self.cell).info().range;
        let now = info.region.range();
        let empty = exported.start == exported.end;
        if !empty && (now.start != exported.start || now.end < exported.end) {
            if info.region.is_empty() && intake::typed_array(env, &view.value(env)?, what).is_err() {
                return Err(Error::OutOfBounds { what: what.to_string() });
            }
            return Err(Error::Detached { what: format!("{what} (an export handle's array)") });
        }
        Ok(info)
    }
}

impl ObjectFinalize for NativeExport {
    fn finalize(mut self, env: Env) -> napi::Result<()> {
        // A handle collected without release(): its export ends with it, so nothing leaks.
        self.release(env);
        Ok(())
    }
}

fn parse_mode(mode: &str) -> Result<Mode, Error> {
    match mode {
        "read" => Ok(Mode::Read),
        "write" => Ok(Mode::Write),
        other => Err(Error::arg_value(format!("mode must be 'read' or 'write', got '{other}'"))),
    }
}

/// Takes an export of `array` (viewed as kind `kind`, checked against what Node-API reports) for a handle.
#[napi]
pub fn export_open(env: Env, array: Unknown<'_>, kind: u32, mode: String) -> napi::Result<NativeExport> {
    let open = || -> Result<NativeExport, Error> {
        let mode = parse_mode(&mode)?;
        let what = "borrow() argument";
        let info = intake::typed_array(&env, &array, &what)?;
        let kind = operation::checked_kind(kind, info.napi_kind, &what)?;
        let cell = match mode {
            Mode::Read => Ledger::global().read(info.region).map(ExportCell::from_read),
            Mode::Write => Ledger::global().write(info.region).map(ExportCell::from_write),
        }
        .map_err(|e| e.relative_to(info.base()))?;
        let view = KeepAlive::new(&env, &array)?;
        Ok(NativeExport {
            cell: Arc::new(Mutex::new(cell)),
            kind,
            view: Some(view),
            base: info.base(),
            byte_offset: info.byte_offset,
        })
    };
    open().map_err(|e| to_napi(&env, &e))
}

/// Captures, once per environment, the built-ins that read internal slots Node-API has no call for:
/// `%TypedArray%.prototype.includes` and the getters of `ArrayBuffer.prototype.resizable` and `.maxByteLength`. The
/// facade calls it as it loads, before any user code runs; later calls are refused.
#[napi]
pub fn capture_intrinsics(
    env: Env,
    includes: Unknown<'_>,
    resizable: Unknown<'_>,
    max_byte_length: Unknown<'_>,
) -> napi::Result<()> {
    intake::capture_intrinsics(&env, [&includes, &resizable, &max_byte_length]).map_err(|e| to_napi(&env, &e))
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
    a: &Unknown<'_>,
    a_kind: u32,
    a_handle: Option<&NativeExport>,
    b: Option<&Unknown<'_>>,
    b_kind: Option<u32>,
    b_handle: Option<&NativeExport>,
    f: impl FnOnce(&[ArgIn<'_, '_>]) -> R,
) -> R {
    // A handle is the whole argument: its array and kind come from its native record, whatever the facade passed
    // beside it.
    let first = match a_handle {
        Some(handle) => ArgIn::Handle(handle),
        None => ArgIn::Array { array: a, kind: a_kind },
    };
    let second = match (b_handle, b) {
        (Some(handle), _) => Some(ArgIn::Handle(handle)),
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
    a_handle: Option<&NativeExport>,
    b: Option<Unknown<'_>>,
    b_kind: Option<u32>,
    b_handle: Option<&NativeExport>,
) -> napi::Result<JsOutput> {
    let op = parse_op(op, params).map_err(|e| to_napi(&env, &e))?;
    with_inputs(&a, a_kind, a_handle, b.as_ref(), b_kind, b_handle, |inputs| operation::run_now(&env, &op, inputs))
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
    a_handle: Option<&NativeExport>,
    b: Option<Unknown<'_>>,
    b_kind: Option<u32>,
    b_handle: Option<&NativeExport>,
) -> napi::Result<AsyncOutput<'env>> {
    let op = parse_op(op, params).map_err(|e| to_napi(env, &e))?;
    let cancel = cancel.map(|c| c.inner.clone()).unwrap_or_default();
    with_inputs(&a, a_kind, a_handle, b.as_ref(), b_kind, b_handle, |inputs| {
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
        let guard = Ledger::global().read(info.region)?;
        Ok(f(&guard.view::<f64>()?))
    };
    run().map_err(|e| to_napi(env, &e))
}
