//! Where memory from JavaScript enters Rust: the only `unsafe` code of the binding.
//!
//! A typed array becomes a [`Region`] here, and the JavaScript objects whose memory native threads use are kept alive
//! here ([`KeepAlive`]). Every fact that protects memory is read here from engine state: a typed array's internal
//! slots, whether its buffer is detached, resizable or shrunk below the view (through built-ins the binding captures
//! when it loads), and the type-tagged externals that carry export handles. Everything after this module works with
//! regions, guards and views.

use std::ffi::c_void;
use std::fmt;
use std::ptr;
use std::sync::Arc;

use napi::{sys, Env, JsValue, Unknown};
use parabuf_core::{ElementKind, Error, OwnedBuffer, Region};

use crate::handle::HandleRecord;

/// What Node-API reports about a typed array, plus the region of its bytes. Everything here comes from the engine's
/// internal slots, never from a property a script could redefine.
#[derive(Debug, Clone, Copy)]
pub struct TypedArrayInfo {
    /// The element kind Node-API reports, when it is one parabuf knows (a `Float16Array` is passed as its `Uint16Array`
    /// alias by the facade, so an unknown kind is only ever refused).
    pub napi_kind: Option<ElementKind>,
    /// The array's bytes.
    pub region: Region,
    /// The array's `byteOffset` within its buffer.
    pub byte_offset: usize,
    /// The `ArrayBuffer` or `SharedArrayBuffer` in the array's `[[ViewedArrayBuffer]]` slot, a handle of the current
    /// call's scope.
    pub buffer: sys::napi_value,
}

impl TypedArrayInfo {
    /// The address of byte 0 of the array's buffer: what error messages measure byte offsets from.
    pub fn base(&self) -> usize {
        self.region.addr().wrapping_sub(self.byte_offset)
    }
}

fn status(code: sys::napi_status, what: &str) -> Result<(), Error> {
    if code == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::internal(format!("Node-API call {what} failed with status {code}")))
    }
}

/// The Node-API type of each element kind: the one mapping between the two, both ways. A `Float16Array` has no
/// Node-API type (it is passed, and allocated, as a `Uint16Array` over the same bytes), so no Node-API type maps back to
/// [`ElementKind::Float16`].
pub fn napi_type(kind: ElementKind) -> sys::napi_typedarray_type {
    use sys::TypedarrayType as T;
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
        ElementKind::BigInt64 => T::bigint64_array,
        ElementKind::BigUint64 => T::biguint64_array,
    }
}

fn kind_of_napi_type(t: sys::napi_typedarray_type) -> Option<ElementKind> {
    ElementKind::ALL.into_iter().find(|kind| *kind != ElementKind::Float16 && napi_type(*kind) == t)
}

/// What `napi_get_typedarray_info` reports.
struct RawInfo {
    napi_type: sys::napi_typedarray_type,
    length: usize,
    data: *mut c_void,
    buffer: sys::napi_value,
    byte_offset: usize,
}

/// Asks Node-API about `value`; `None` when it is not a typed array.
fn raw_info(raw_env: sys::napi_env, value: sys::napi_value) -> Result<Option<RawInfo>, Error> {
    let mut info = RawInfo { napi_type: 0, length: 0, data: ptr::null_mut(), buffer: ptr::null_mut(), byte_offset: 0 };
    // SAFETY: env and value are the live handles of the current call; every out-pointer is a field of a live local.
    // Node-API checks the value's type itself and answers napi_invalid_arg, touching nothing, when it is not a typed
    // array.
    let code = unsafe {
        sys::napi_get_typedarray_info(
            raw_env,
            value,
            &mut info.napi_type,
            &mut info.length,
            &mut info.data,
            &mut info.buffer,
            &mut info.byte_offset,
        )
    };
    if code == sys::Status::napi_invalid_arg {
        return Ok(None);
    }
    status(code, "napi_get_typedarray_info")?;
    Ok(Some(info))
}

/// The info of a typed array known to be attached, with its region as the engine reports it now.
fn info_of(raw: RawInfo, what: &dyn fmt::Display) -> Result<TypedArrayInfo, Error> {
    let napi_kind = kind_of_napi_type(raw.napi_type);
    let element_size = napi_kind.map_or(1, ElementKind::size);
    let byte_length = raw
        .length
        .checked_mul(element_size)
        .ok_or_else(|| Error::out_of_range(format!("{what} is larger than the address space")))?;
    // SAFETY: Node-API just reported `data` as the first byte of this live, attached typed array and `byte_length` as
    // its size; the obligation to keep it alive and unshrunk while guards live is passed on to our callers (see
    // `typed_array`), and Rust forms no reference to these bytes.
    let region = unsafe { Region::new(raw.data.cast(), byte_length) };
    Ok(TypedArrayInfo { napi_kind, region, byte_offset: raw.byte_offset, buffer: raw.buffer })
}

/// Reads a typed array's data pointer and length from its internal slots, refusing detached and out-of-bounds arrays.
///
/// The returned region is valid for as long as the typed array's buffer is reachable, attached and not shrunk:
/// callers keep the buffer alive (the array is an argument of the running call, or the buffer is held by a
/// [`KeepAlive`]) for as long as any guard on the region lives, re-check a handle's array at every use
/// ([`current`]), and refuse resizable buffers for work that outlives the call ([`is_resizable`]).
/// `what` names the argument in error messages; it is formatted only when there is an error.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` for a value that is not a typed array, `ERR_PARABUF_DETACHED` for a detached one,
/// `ERR_PARABUF_OUT_OF_BOUNDS` for a fixed-length view past the end of its shrunk resizable buffer.
pub fn typed_array(env: &Env, value: &Unknown<'_>, what: &dyn fmt::Display) -> Result<TypedArrayInfo, Error> {
    typed_array_asking(env, value, what, true)
}

/// [`typed_array`], asking whether an empty array is out of bounds only when `ask_bounds` is set. The question is a
/// call into JavaScript, the costliest step of a small operation's intake, and its answer protects no memory: Node-API
/// reports no bytes for an out-of-bounds view, so without the question such a view is simply empty. The facade, which
/// tells the two apart with the same built-in captured at its own load, sets it for the arrays that need it.
///
/// # Errors
/// As [`typed_array`] (`ERR_PARABUF_OUT_OF_BOUNDS` only when `ask_bounds`).
pub fn typed_array_asking(
    env: &Env,
    value: &Unknown<'_>,
    what: &dyn fmt::Display,
    ask_bounds: bool,
) -> Result<TypedArrayInfo, Error> {
    let raw_env = env.raw();
    let Some(raw) = raw_info(raw_env, value.raw())? else {
        return Err(Error::arg_type(format!("{what} must be a TypedArray")));
    };
    // Detached and out-of-bounds arrays report no elements, so only an empty array needs the extra questions.
    if raw.length == 0 {
        if is_detached(raw_env, raw.buffer)? {
            return Err(Error::Detached { what: what.to_string() });
        }
        if ask_bounds && is_out_of_bounds(env, value.raw())? {
            return Err(Error::OutOfBounds { what: what.to_string() });
        }
    }
    info_of(raw, what)
}

/// The state of the typed array a handle holds, as the engine reports it now: its region must still be the one the
/// export was taken on for the export to cover it.
///
/// # Errors
/// `ERR_PARABUF_DETACHED` when its buffer was detached since; Node-API failures.
pub fn current(env: &Env, held: &KeepAlive, what: &dyn fmt::Display) -> Result<TypedArrayInfo, Error> {
    let raw_env = env.raw();
    let value = held.raw_value(env)?;
    let Some(raw) = raw_info(raw_env, value)? else {
        return Err(Error::internal("an export handle's array stopped being a typed array"));
    };
    if is_detached(raw_env, raw.buffer)? {
        return Err(Error::Detached { what: what.to_string() });
    }
    info_of(raw, what)
}

fn is_detached(raw_env: sys::napi_env, buffer: sys::napi_value) -> Result<bool, Error> {
    let mut detached = false;
    status(
        // SAFETY: buffer is the ArrayBuffer (or SharedArrayBuffer) Node-API reported for a typed array in this call, or
        // one held by a KeepAlive; Node-API answers false for anything that is not an ArrayBuffer.
        unsafe { sys::napi_is_detached_arraybuffer(raw_env, buffer, &mut detached) },
        "napi_is_detached_arraybuffer",
    )?;
    Ok(detached)
}

/// Whether `value` is an `ArrayBuffer` by its internal slots (not a `SharedArrayBuffer`, not a look-alike).
fn is_array_buffer(raw_env: sys::napi_env, value: sys::napi_value) -> Result<bool, Error> {
    let mut result = false;
    // SAFETY: env and value are live handles of the current call; the out-pointer is a live local.
    status(unsafe { sys::napi_is_arraybuffer(raw_env, value, &mut result) }, "napi_is_arraybuffer")?;
    Ok(result)
}

/// The built-in functions parabuf calls on engine objects to read internal slots Node-API has no call for. The binding
/// captures them itself when it is loaded into an environment ([`capture_intrinsics`]), from the global object as the
/// code that ran before it left it; nothing a script does later, and no call into the binding, can replace them. Each
/// brand-checks its receiver (a non-buffer, or a non-typed-array, makes it throw).
#[derive(Debug, Clone, Copy)]
struct Intrinsics {
    /// The environment the references belong to.
    env: sys::napi_env,
    /// `%TypedArray%.prototype.includes`: throws on a detached or out-of-bounds view (ValidateTypedArray), does
    /// nothing else on an empty one.
    includes: sys::napi_ref,
    /// The getter of `ArrayBuffer.prototype.resizable`.
    resizable: sys::napi_ref,
    /// The getter of `ArrayBuffer.prototype.maxByteLength`.
    max_byte_length: sys::napi_ref,
}

thread_local! {
    /// The intrinsics of the environments on this thread (one, except where one isolate loads the binding twice):
    /// a thread-local lookup is a few nanoseconds, where instance data goes through a process-wide registry.
    static INTRINSICS: std::cell::RefCell<Vec<Intrinsics>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `object[name]` (a plain property read: during capture, the globals are as the trusted code before us left them).
fn named(env: sys::napi_env, object: sys::napi_value, name: &std::ffi::CStr) -> Result<sys::napi_value, Error> {
    let mut value = ptr::null_mut();
    // SAFETY: env and object are live handles of the current call; name is a NUL-terminated string; the out-pointer is
    // a live local.
    status(unsafe { sys::napi_get_named_property(env, object, name.as_ptr(), &mut value) }, "napi_get_named_property")?;
    Ok(value)
}

/// A strong reference to `value`, which must be a function.
fn function_ref(env: sys::napi_env, value: sys::napi_value, what: &str) -> Result<sys::napi_ref, Error> {
    let mut kind = 0;
    // SAFETY: env and value are live handles of the current call; the out-pointer is a live local.
    status(unsafe { sys::napi_typeof(env, value, &mut kind) }, "napi_typeof")?;
    if kind != sys::ValueType::napi_function {
        return Err(Error::internal(format!("the built-in {what} is not a function")));
    }
    let mut reference = ptr::null_mut();
    // SAFETY: as above; an initial count of 1 makes the reference strong, and it lives as long as the environment (the
    // engine frees it at teardown).
    status(unsafe { sys::napi_create_reference(env, value, 1, &mut reference) }, "napi_create_reference")?;
    Ok(reference)
}

/// The getter of `prototype[name]`, through `Object.getOwnPropertyDescriptor`.
fn getter_of(
    env: sys::napi_env,
    describe: sys::napi_value,
    prototype: sys::napi_value,
    name: &str,
) -> Result<sys::napi_value, Error> {
    let mut key = ptr::null_mut();
    status(
        // SAFETY: name is valid UTF-8 of the given length; the out-pointer is a live local.
        unsafe { sys::napi_create_string_utf8(env, name.as_ptr().cast(), name.len() as isize, &mut key) },
        "napi_create_string_utf8",
    )?;
    let args = [prototype, key];
    let mut descriptor = ptr::null_mut();
    status(
        // SAFETY: describe is Object.getOwnPropertyDescriptor read in this call, called with two live arguments (a
        // receiver is required, so the prototype stands in: the function ignores it); the out-pointer is a local.
        unsafe { sys::napi_call_function(env, prototype, describe, 2, args.as_ptr(), &mut descriptor) },
        "napi_call_function",
    )?;
    named(env, descriptor, c"get")
}

/// Captures this environment's intrinsics, once, when the binding is loaded into it.
///
/// # Errors
/// When a built-in is missing (a runtime without resizable `ArrayBuffer`s) or Node-API fails.
pub fn capture_intrinsics(env: &Env) -> Result<(), Error> {
    let raw = env.raw();
    let mut global = ptr::null_mut();
    // SAFETY: env is the live environment of the module's initialisation; the out-pointer is a live local.
    status(unsafe { sys::napi_get_global(raw, &mut global) }, "napi_get_global")?;
    let int8_prototype = named(raw, named(raw, global, c"Int8Array")?, c"prototype")?;
    let mut typed_array_prototype = ptr::null_mut();
    status(
        // SAFETY: int8_prototype is a live handle of this call; the out-pointer is a live local.
        unsafe { sys::napi_get_prototype(raw, int8_prototype, &mut typed_array_prototype) },
        "napi_get_prototype",
    )?;
    let describe = named(raw, named(raw, global, c"Object")?, c"getOwnPropertyDescriptor")?;
    let array_buffer_prototype = named(raw, named(raw, global, c"ArrayBuffer")?, c"prototype")?;
    let captured = Intrinsics {
        env: raw,
        includes: function_ref(raw, named(raw, typed_array_prototype, c"includes")?, "includes")?,
        resizable: function_ref(raw, getter_of(raw, describe, array_buffer_prototype, "resizable")?, "resizable")?,
        max_byte_length: function_ref(
            raw,
            getter_of(raw, describe, array_buffer_prototype, "maxByteLength")?,
            "maxByteLength",
        )?,
    };
    INTRINSICS.with(|all| {
        let mut all = all.borrow_mut();
        all.retain(|i| i.env != raw);
        all.push(captured);
    });
    Ok(())
}

/// Calls the intrinsic `pick` chooses with `this` as its receiver and no arguments: `Ok(None)` when it threw (the
/// exception is cleared: the receiver was not of its brand, or not in a usable state).
fn call_intrinsic(
    env: &Env,
    pick: impl FnOnce(&Intrinsics) -> sys::napi_ref,
    this: sys::napi_value,
) -> Result<Option<sys::napi_value>, Error> {
    let raw = env.raw();
    let Some(reference) = INTRINSICS.with(|all| all.borrow().iter().find(|i| i.env == raw).map(pick)) else {
        return Err(Error::internal("the intrinsics of this environment were not captured"));
    };
    let mut function = ptr::null_mut();
    status(
        // SAFETY: the reference was created in this environment (checked above) by capture_intrinsics and is never
        // deleted before the environment ends.
        unsafe { sys::napi_get_reference_value(raw, reference, &mut function) },
        "napi_get_reference_value",
    )?;
    let mut result = ptr::null_mut();
    // SAFETY: function is a built-in function captured at load time, `this` a live handle of the current call; no
    // arguments are passed (argc 0, null argv is allowed). The built-in runs no user code on the receivers we pass.
    let code = unsafe { sys::napi_call_function(raw, this, function, 0, ptr::null(), &mut result) };
    if code == sys::Status::napi_pending_exception {
        clear_pending_exception(env);
        return Ok(None);
    }
    status(code, "napi_call_function")?;
    Ok(Some(result))
}

/// Whether an empty-looking typed array is really a fixed-length view past the end of its shrunk resizable buffer.
///
/// # Errors
/// Only when Node-API fails.
pub fn is_out_of_bounds(env: &Env, array: sys::napi_value) -> Result<bool, Error> {
    Ok(call_intrinsic(env, |i| i.includes, array)?.is_none())
}

fn bool_of(env: &Env, value: sys::napi_value) -> Result<bool, Error> {
    let mut result = false;
    // SAFETY: value is a live handle of the current call (a built-in getter's result); the out-pointer is a local.
    status(unsafe { sys::napi_get_value_bool(env.raw(), value, &mut result) }, "napi_get_value_bool")?;
    Ok(result)
}

/// Whether `buffer` is a resizable, non-shared `ArrayBuffer`: memory that a `resize()` from another realm could
/// un-commit under a native thread. Growable `SharedArrayBuffer`s never shrink and answer `false`.
///
/// # Errors
/// Only when Node-API fails.
pub fn is_resizable(env: &Env, buffer: sys::napi_value) -> Result<bool, Error> {
    if !is_array_buffer(env.raw(), buffer)? {
        return Ok(false);
    }
    match call_intrinsic(env, |i| i.resizable, buffer)? {
        Some(value) => bool_of(env, value),
        None => Err(Error::internal("ArrayBuffer.prototype.resizable refused an ArrayBuffer")),
    }
}

/// Every byte an `ArrayBuffer` can ever cover, `[data, data + max(byteLength, maxByteLength))`, and the address of its
/// byte 0; `None` when `value` is not an `ArrayBuffer` by its internal slots (a `SharedArrayBuffer`, a look-alike, a
/// primitive). Only for asking the ledger which exports cover the buffer.
///
/// # Errors
/// Only when Node-API fails.
pub fn array_buffer_reach(env: &Env, value: &Unknown<'_>) -> Result<Option<Region>, Error> {
    let raw_env = env.raw();
    if !is_array_buffer(raw_env, value.raw())? {
        return Ok(None);
    }
    let mut data = ptr::null_mut();
    let mut byte_length = 0usize;
    status(
        // SAFETY: value was just found to be an ArrayBuffer; the out-pointers are live locals.
        unsafe { sys::napi_get_arraybuffer_info(raw_env, value.raw(), &mut data, &mut byte_length) },
        "napi_get_arraybuffer_info",
    )?;
    let max = match call_intrinsic(env, |i| i.max_byte_length, value.raw())? {
        Some(result) => {
            let mut max = 0f64;
            // SAFETY: result is the getter's number result, a live handle of the current call.
            status(unsafe { sys::napi_get_value_double(raw_env, result, &mut max) }, "napi_get_value_double")?;
            max as usize
        }
        None => byte_length,
    };
    let reach = if data.is_null() { 0 } else { byte_length.max(max) };
    // SAFETY: no guard is ever taken on this region: it only asks the ledger which live exports overlap the buffer, so
    // Region::new's obligations (which concern guards) are empty; Rust forms no reference to these bytes.
    Ok(Some(unsafe { Region::new(data.cast(), reach) }))
}

/// A strong reference that keeps a JavaScript object (and so its memory) alive while native code uses it.
///
/// Created and released on the JavaScript thread; in between it may travel with an operation to the pool, where it is
/// never touched. If the environment is torn down first, it is dropped without release: the engine frees its references
/// itself then.
#[derive(Debug)]
pub struct KeepAlive {
    raw: sys::napi_ref,
}

// SAFETY: a napi_ref is an opaque handle; this type only uses it on the JavaScript thread (`new`, `value`, `release`
// take an Env, which exists only there), so moving it between threads performs no Node-API call off that thread.
unsafe impl Send for KeepAlive {}

impl KeepAlive {
    /// Holds `value` strongly.
    ///
    /// # Errors
    /// Only when Node-API fails.
    pub fn new(env: &Env, value: &Unknown<'_>) -> Result<KeepAlive, Error> {
        KeepAlive::of_raw(env, value.raw())
    }

    /// Holds the value behind a raw handle of the current call strongly.
    ///
    /// # Errors
    /// Only when Node-API fails.
    pub fn of_raw(env: &Env, value: sys::napi_value) -> Result<KeepAlive, Error> {
        let mut raw = ptr::null_mut();
        // SAFETY: env and value are live handles of the current call; an initial count of 1 makes the reference strong.
        status(unsafe { sys::napi_create_reference(env.raw(), value, 1, &mut raw) }, "napi_create_reference")?;
        Ok(KeepAlive { raw })
    }

    /// The held value, as a handle of the current scope.
    ///
    /// # Errors
    /// Only when Node-API fails.
    pub fn raw_value(&self, env: &Env) -> Result<sys::napi_value, Error> {
        let mut value = ptr::null_mut();
        // SAFETY: raw is a live strong reference created in this environment.
        status(unsafe { sys::napi_get_reference_value(env.raw(), self.raw, &mut value) }, "napi_get_reference_value")?;
        Ok(value)
    }

    /// Whether the held value, an `ArrayBuffer` or `SharedArrayBuffer` taken from a typed array's internal slot, has
    /// been detached (a `SharedArrayBuffer` never is).
    ///
    /// # Errors
    /// Only when Node-API fails.
    pub fn is_detached_buffer(&self, env: &Env) -> Result<bool, Error> {
        is_detached(env.raw(), self.raw_value(env)?)
    }

    /// Lets the value go.
    pub fn release(self, env: &Env) {
        // SAFETY: raw is a live reference of this environment and is deleted exactly once (self is consumed). A failure
        // here could only leak the reference, so its status is deliberately ignored.
        let _ = unsafe { sys::napi_delete_reference(env.raw(), self.raw) };
    }
}

fn too_large(length: usize, byte_length: usize) -> Error {
    Error::out_of_range(format!("alloc() of {length} elements ({byte_length} bytes) is more than can be allocated"))
}

/// Clears the exception a failed Node-API call left pending, so that the error parabuf raises instead is the one
/// JavaScript sees.
fn clear_pending_exception(env: &Env) {
    let mut pending = false;
    // SAFETY: env is the live environment of the current call; the out-pointer is a live local.
    let checked = unsafe { sys::napi_is_exception_pending(env.raw(), &mut pending) };
    if checked == sys::Status::napi_ok && pending {
        let mut exception = ptr::null_mut();
        // SAFETY: as above; the cleared exception is a handle of the current scope and is simply dropped.
        let _ = unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
    }
}

unsafe extern "C" fn drop_owned_buffer(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: hint is the Box<Arc<OwnedBuffer>> leaked by `external_array`, passed back exactly once by the engine when
    // the ArrayBuffer is collected.
    drop(unsafe { Box::from_raw(hint.cast::<Arc<OwnedBuffer>>()) });
}

/// A zeroed `ArrayBuffer` of `byte_length` bytes in the engine's own memory.
fn engine_array_buffer(env: &Env, byte_length: usize) -> Result<sys::napi_value, Error> {
    let (mut data, mut buffer) = (ptr::null_mut(), ptr::null_mut());
    status(
        // SAFETY: env is the live environment of the current call; the out-pointers are live locals.
        unsafe { sys::napi_create_arraybuffer(env.raw(), byte_length, &mut data, &mut buffer) },
        "napi_create_arraybuffer",
    )?;
    Ok(buffer)
}

/// A typed array of `kind` and `length` elements over parabuf-owned memory (an external `ArrayBuffer`), and whether the
/// runtime accepted external memory (`false`: it refused, e.g. under a V8 sandbox, and a normal buffer was made).
///
/// # Errors
/// Only when Node-API fails or the size overflows.
pub fn external_array<'env>(env: &'env Env, kind: ElementKind, length: usize) -> Result<(Unknown<'env>, bool), Error> {
    let byte_length = length
        .checked_mul(kind.size())
        .filter(|n| *n <= isize::MAX as usize)
        .ok_or_else(|| Error::out_of_range(format!("alloc() of {length} elements is too large")))?;
    let mut buffer = ptr::null_mut();
    let mut external = true;
    if byte_length == 0 {
        // Engines reject external buffers of length 0; an empty buffer owns nothing worth sharing.
        external = false;
        buffer = engine_array_buffer(env, 0)?;
    } else {
        let owned = OwnedBuffer::try_zeroed(byte_length).ok_or_else(|| too_large(length, byte_length))?;
        let data = owned.as_mut_ptr();
        let hint = Box::into_raw(Box::new(owned));
        // SAFETY: data points at byte_length bytes that the Arc in `hint` keeps allocated until the engine calls
        // drop_owned_buffer; the memory is made of atomics, so JavaScript writes through it are permitted.
        let created = unsafe {
            sys::napi_create_external_arraybuffer(
                env.raw(),
                data.cast(),
                byte_length,
                Some(drop_owned_buffer),
                hint.cast(),
                &mut buffer,
            )
        };
        if created != sys::Status::napi_ok && created != sys::Status::napi_no_external_buffers_allowed {
            // Any other failure (Node: a length over `buffer.constants.MAX_LENGTH`) may already have run, or scheduled,
            // the finalizer with `hint` (Node's Buffer::New calls it before failing), so `hint` is no longer ours to
            // free: at worst it leaks. The engine's pending exception is replaced by ours.
            clear_pending_exception(env);
            return Err(too_large(length, byte_length));
        }
        if created == sys::Status::napi_no_external_buffers_allowed {
            // SAFETY: the runtime refuses external memory before taking ownership of anything (it returns this status
            // before creating a finalizer), so `hint` is still ours to free, once.
            drop(unsafe { Box::from_raw(hint) });
            external = false;
            buffer = engine_array_buffer(env, byte_length)?;
        }
    }
    let mut array = ptr::null_mut();
    // SAFETY: buffer is the ArrayBuffer just created with room for exactly `length` elements at offset 0.
    let created = unsafe { sys::napi_create_typedarray(env.raw(), napi_type(kind), length, buffer, 0, &mut array) };
    if created != sys::Status::napi_ok {
        // The engine's limit on typed array lengths; the buffer is collected (and its memory freed) like any other.
        clear_pending_exception(env);
        return Err(too_large(length, byte_length));
    }
    // SAFETY: Node-API returned a valid handle for the current scope.
    Ok((unsafe { Unknown::from_raw_unchecked(env.raw(), array) }, external))
}

/// A native record JavaScript holds as an opaque, type-tagged external: an export handle's record, a compiled
/// expression. Tags are checked by the engine (`napi_check_object_type_tag`), not by any property a script can reach:
/// an external carrying `T::TAG` was made by [`wrap_external`] for a `T`.
pub trait Tagged: Sized + 'static {
    /// The tag, unique to `T` among the binding's externals.
    const TAG: sys::napi_type_tag;
    /// Runs when the external is collected, before the record is dropped.
    fn collected(&self, env: &Env);
}

impl Tagged for HandleRecord {
    const TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x7061_7261_6275_6668, upper: 0x9d3c_52e1_04b7_a6f3 };

    /// A handle collected without release(): its export ends with it, so nothing leaks.
    fn collected(&self, env: &Env) {
        self.release(env);
    }
}

/// The finalizer of a [`Tagged`] external.
///
/// # Safety
/// Called by the engine only, once, with the `data` [`wrap_external`] passed to `napi_create_external` for a `T`.
unsafe extern "C" fn finalize_external<T: Tagged>(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: data is the Box<T> leaked by wrap_external::<T>, handed back exactly once by the engine when the external
    // is collected; nothing else frees it.
    let record = unsafe { Box::from_raw(data.cast::<T>()) };
    record.collected(&Env::from_raw(env));
}

/// Makes the opaque JavaScript value owning `record`: an external tagged with `T::TAG`, which calls
/// [`Tagged::collected`] and drops the record when it is collected.
///
/// # Errors
/// Only when Node-API fails (the record is then given [`Tagged::collected`] and dropped).
pub fn wrap_external<T: Tagged>(env: &Env, record: T) -> Result<Unknown<'_>, Error> {
    let data = Box::into_raw(Box::new(record));
    let mut value = ptr::null_mut();
    // SAFETY: data is a live, uniquely owned allocation whose ownership passes to the engine with finalize_external::<T>
    // as its destructor; the out-pointer is a live local.
    let created = unsafe {
        sys::napi_create_external(env.raw(), data.cast(), Some(finalize_external::<T>), ptr::null_mut(), &mut value)
    };
    if created != sys::Status::napi_ok {
        // SAFETY: the engine refused the external, so it took no ownership: data is still ours to free, once.
        let record = unsafe { Box::from_raw(data) };
        record.collected(env);
        return Err(Error::internal(format!("Node-API call napi_create_external failed with status {created}")));
    }
    // SAFETY: value is the external just created in this scope; the tag is a constant promoted to a static.
    // If tagging fails the external is simply collected later (its finalizer runs as usual).
    status(unsafe { sys::napi_type_tag_object(env.raw(), value, &T::TAG) }, "napi_type_tag_object")?;
    // SAFETY: Node-API returned a valid handle for the current scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
}

/// The record behind `value` when it is an external made by [`wrap_external`] for a `T`, `None` for anything else. The
/// record lives as long as the external, which `value` (an argument of the running call) keeps alive for the borrow's
/// length.
///
/// # Errors
/// Only when Node-API fails.
pub fn external_ref<'v, T: Tagged>(env: &Env, value: &'v Unknown<'_>) -> Result<Option<&'v T>, Error> {
    let mut tagged = false;
    // SAFETY: env and value are live handles of the current call; the tag is a constant promoted to a static; the
    // out-pointer is a local. Node-API answers an error status, touching nothing, for a value that is not an object.
    let checked = unsafe { sys::napi_check_object_type_tag(env.raw(), value.raw(), &T::TAG, &mut tagged) };
    if checked != sys::Status::napi_ok || !tagged {
        return Ok(None);
    }
    let mut data = ptr::null_mut();
    status(
        // SAFETY: only externals made by wrap_external::<T> carry T::TAG (a tag can be set once per object, and only
        // wrap_external sets tags, each type its own), so value is such an external; the out-pointer is a local.
        unsafe { sys::napi_get_value_external(env.raw(), value.raw(), &mut data) },
        "napi_get_value_external",
    )?;
    // SAFETY: data is the T that wrap_external leaked for this external; the engine frees it only after the external
    // is collected, which cannot happen while `value`, a handle of the running call, refers to it. Only shared
    // references are formed (records keep their mutable parts behind a Mutex or a RefCell).
    Ok(Some(unsafe { &*data.cast::<T>() }))
}

/// The most arguments an entry point made by [`define_function`] reads.
pub const MAX_ARGS: usize = 10;

/// The body of a native function made by [`define_function`]: the call's arguments (as many as were passed, at most
/// [`MAX_ARGS`]) in, the result out. Errors are thrown; a panic becomes an internal error.
pub type Entry = for<'a> fn(&Env, &[Unknown<'a>]) -> napi::Result<sys::napi_value>;

/// Defines `exports[name]` as a native function running `body`. Unlike the `#[napi]` functions, it takes any number of
/// arguments and converts none of them: the operation entry points read them themselves, with no per-argument type
/// dispatch on the hot path.
///
/// # Errors
/// Only when Node-API fails.
pub fn define_function(env: &Env, exports: sys::napi_value, name: &std::ffi::CStr, body: Entry) -> Result<(), Error> {
    let mut function = ptr::null_mut();
    status(
        // SAFETY: env is the live environment of the module's initialisation; name is valid for its length in bytes
        // (given); the data pointer is a plain function pointer that lives for the program, which the
        // trampoline turns back into an Entry.
        unsafe {
            sys::napi_create_function(
                env.raw(),
                name.as_ptr(),
                name.to_bytes().len() as _,
                Some(trampoline),
                body as *mut c_void,
                &mut function,
            )
        },
        "napi_create_function",
    )?;
    // SAFETY: exports and function are live handles of this call; name is NUL-terminated.
    status(
        unsafe { sys::napi_set_named_property(env.raw(), exports, name.as_ptr(), function) },
        "napi_set_named_property",
    )
}

/// The callback of every function [`define_function`] makes.
///
/// # Safety
/// Called by the engine only, on the JavaScript thread, with a callback info whose data is an [`Entry`].
unsafe extern "C" fn trampoline(raw_env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env::from_raw(raw_env);
    let mut argc = MAX_ARGS;
    let mut argv = [ptr::null_mut(); MAX_ARGS];
    let mut data = ptr::null_mut();
    // SAFETY: raw_env and info are the engine's for this call; argv has room for argc values; the other out-pointers
    // are live locals (a null `this` pointer is allowed).
    let got = unsafe { sys::napi_get_cb_info(raw_env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
    let run = || -> napi::Result<sys::napi_value> {
        status(got, "napi_get_cb_info").map_err(|e| crate::errors::to_napi(&env, &e))?;
        // SAFETY: data is the function pointer define_function stored, of exactly this type.
        let body = unsafe { std::mem::transmute::<*mut c_void, Entry>(data) };
        let args: smallvec::SmallVec<[Unknown<'_>; MAX_ARGS]> = argv[..argc.min(MAX_ARGS)]
            .iter()
            // SAFETY: Node-API filled these with live handles of the current call.
            .map(|value| unsafe { Unknown::from_raw_unchecked(raw_env, *value) })
            .collect();
        body(&env, &args)
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| {
        Err(crate::errors::to_napi(&env, &Error::internal("the binding panicked; no export was left behind")))
    });
    match result {
        Ok(value) => value,
        Err(error) => {
            // SAFETY: raw_env is live; the error holds a value of this environment or a message to build one from.
            unsafe { napi::JsError::from(error).throw_into(raw_env) };
            ptr::null_mut()
        }
    }
}

/// What a raw value is, by Node-API's `typeof`.
///
/// # Errors
/// Only when Node-API fails.
pub fn type_of(env: &Env, value: &Unknown<'_>) -> Result<sys::napi_valuetype, Error> {
    let mut kind = 0;
    // SAFETY: env and value are live handles of the current call; the out-pointer is a live local.
    status(unsafe { sys::napi_typeof(env.raw(), value.raw(), &mut kind) }, "napi_typeof")?;
    Ok(kind)
}

/// A number argument as a `u32` (Node-API's conversion: truncated, modulo 2^32).
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` naming `what` for anything but a number.
pub fn uint32(env: &Env, value: &Unknown<'_>, what: &str) -> Result<u32, Error> {
    let mut result = 0u32;
    // SAFETY: env and value are live handles of the current call; the out-pointer is a live local. Node-API answers
    // napi_number_expected, touching nothing, for a non-number.
    let code = unsafe { sys::napi_get_value_uint32(env.raw(), value.raw(), &mut result) };
    if code == sys::Status::napi_number_expected {
        return Err(Error::arg_type(format!("{what} must be a number")));
    }
    status(code, "napi_get_value_uint32")?;
    Ok(result)
}

/// `object[name]`, a property read that may run a getter.
///
/// # Errors
/// When the read throws (the exception is cleared) or Node-API fails.
pub fn property<'env>(env: &'env Env, object: &Unknown<'_>, name: &str) -> Result<Unknown<'env>, Error> {
    let mut key = ptr::null_mut();
    status(
        // SAFETY: name is valid UTF-8 of the given length; the out-pointer is a live local.
        unsafe { sys::napi_create_string_utf8(env.raw(), name.as_ptr().cast(), name.len() as isize, &mut key) },
        "napi_create_string_utf8",
    )?;
    let mut value = ptr::null_mut();
    // SAFETY: object and key are live handles of the current call; the out-pointer is a live local.
    let code = unsafe { sys::napi_get_property(env.raw(), object.raw(), key, &mut value) };
    if code == sys::Status::napi_pending_exception {
        clear_pending_exception(env);
        return Err(Error::arg_value(format!("reading the parameter '{name}' threw")));
    }
    status(code, "napi_get_property")?;
    // SAFETY: Node-API returned a valid handle for the current scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
}

/// The elements of `array`, a JavaScript `Array` (by its internal slots), all read before anything else is decided:
/// a getter among them runs now, not between the leases of the arrays they name.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` naming `what` when `array` is not an `Array`; `ERR_INVALID_ARG_VALUE` when reading an
/// element threw.
pub fn elements<'env>(env: &'env Env, array: &Unknown<'_>, what: &str) -> Result<Vec<Unknown<'env>>, Error> {
    elements_at_most(env, array, what, u32::MAX)
}

/// [`elements`] of an `Array` of at most `max` elements: a longer one is refused before any element is read.
///
/// # Errors
/// As [`elements`]; `ERR_OUT_OF_RANGE` naming `what` for more than `max` elements.
pub fn elements_at_most<'env>(
    env: &'env Env,
    array: &Unknown<'_>,
    what: &str,
    max: u32,
) -> Result<Vec<Unknown<'env>>, Error> {
    let mut is_array = false;
    // SAFETY: env and array are live handles of the current call; the out-pointer is a live local.
    status(unsafe { sys::napi_is_array(env.raw(), array.raw(), &mut is_array) }, "napi_is_array")?;
    if !is_array {
        return Err(Error::arg_type(format!("{what} must be an Array")));
    }
    let mut length = 0u32;
    // SAFETY: array is an Array (checked above), a live handle; the out-pointer is a live local.
    status(unsafe { sys::napi_get_array_length(env.raw(), array.raw(), &mut length) }, "napi_get_array_length")?;
    if length > max {
        return Err(Error::out_of_range(format!("{what} has {length} elements; at most {max} are read")));
    }
    (0..length)
        .map(|index| {
            let mut value = ptr::null_mut();
            // SAFETY: array is a live handle; the out-pointer is a live local.
            let code = unsafe { sys::napi_get_element(env.raw(), array.raw(), index, &mut value) };
            if code == sys::Status::napi_pending_exception {
                clear_pending_exception(env);
                return Err(Error::arg_value(format!("reading {what}[{index}] threw")));
            }
            status(code, "napi_get_element")?;
            // SAFETY: Node-API returned a valid handle for the current scope.
            Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
        })
        .collect()
}

/// A JavaScript number as a double.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` naming `what` for anything but a number.
pub fn number(env: &Env, value: &Unknown<'_>, what: &dyn fmt::Display) -> Result<f64, Error> {
    let mut x = 0f64;
    // SAFETY: env and value are live handles of the current call; the out-pointer is a live local. Node-API answers
    // napi_number_expected, touching nothing, for a non-number.
    let code = unsafe { sys::napi_get_value_double(env.raw(), value.raw(), &mut x) };
    if code == sys::Status::napi_number_expected {
        return Err(Error::arg_type(format!("{what} must be a number")));
    }
    status(code, "napi_get_value_double")?;
    Ok(x)
}

/// A number or bigint value as a core scalar (`None` for `undefined`). A bigint keeps only what matters modulo 2^64
/// (its lowest word and its sign), which is all any 64-bit array can store.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` naming `what` for any other type.
pub fn scalar(env: &Env, value: &Unknown<'_>, what: &str) -> Result<Option<parabuf_core::Scalar>, Error> {
    let raw_env = env.raw();
    match type_of(env, value)? {
        sys::ValueType::napi_undefined => Ok(None),
        sys::ValueType::napi_number => {
            let mut x = 0f64;
            // SAFETY: value is a number (checked above), a live handle; the out-pointer is a live local.
            status(unsafe { sys::napi_get_value_double(raw_env, value.raw(), &mut x) }, "napi_get_value_double")?;
            Ok(Some(parabuf_core::Scalar::Number(x)))
        }
        sys::ValueType::napi_bigint => {
            let (mut sign, mut count, mut word) = (0i32, 1usize, 0u64);
            // SAFETY: value is a bigint (checked above); room for `count` (one) word is given, and Node-API writes at
            // most that many, the lowest first.
            let code =
                unsafe { sys::napi_get_value_bigint_words(raw_env, value.raw(), &mut sign, &mut count, &mut word) };
            status(code, "napi_get_value_bigint_words")?;
            let low = i128::from(word);
            Ok(Some(parabuf_core::Scalar::BigInt(if sign != 0 { -low } else { low })))
        }
        _ => Err(Error::arg_type(format!("{what} must be a number or a bigint"))),
    }
}

/// A boolean parameter as a core scalar, 1 or 0 (`None` for `undefined`).
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` naming `what` for anything but a boolean.
pub fn boolean(env: &Env, value: &Unknown<'_>, what: &str) -> Result<Option<parabuf_core::Scalar>, Error> {
    match type_of(env, value)? {
        sys::ValueType::napi_undefined => Ok(None),
        sys::ValueType::napi_boolean => {
            let mut flag = false;
            // SAFETY: value is a boolean (checked above), a live handle; the out-pointer is a live local.
            status(unsafe { sys::napi_get_value_bool(env.raw(), value.raw(), &mut flag) }, "napi_get_value_bool")?;
            Ok(Some(parabuf_core::Scalar::Number(if flag { 1.0 } else { 0.0 })))
        }
        _ => Err(Error::arg_type(format!("{what} must be a boolean"))),
    }
}

/// A string parameter that must be one of `options`, as a core scalar holding its index (`None` for `undefined`).
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` naming `what` for anything but a string; `ERR_INVALID_ARG_VALUE` listing `options` for a
/// string that is none of them.
pub fn choice(
    env: &Env,
    value: &Unknown<'_>,
    what: &str,
    options: &[&str],
) -> Result<Option<parabuf_core::Scalar>, Error> {
    match type_of(env, value)? {
        sys::ValueType::napi_undefined => return Ok(None),
        sys::ValueType::napi_string => {}
        _ => return Err(Error::arg_type(format!("{what} must be a string"))),
    }
    // Longer than every option: a longer string is cut to 31 bytes, which match none.
    let mut buffer = [0u8; 32];
    let mut length = 0usize;
    // SAFETY: value is a string (checked above); Node-API writes at most buffer.len() bytes including a NUL terminator
    // and reports how many it wrote (without the terminator) in `length`.
    let code = unsafe {
        sys::napi_get_value_string_utf8(env.raw(), value.raw(), buffer.as_mut_ptr().cast(), buffer.len(), &mut length)
    };
    status(code, "napi_get_value_string_utf8")?;
    let given = buffer.get(..length).unwrap_or_default();
    match options.iter().position(|o| o.as_bytes() == given) {
        Some(index) => Ok(Some(parabuf_core::Scalar::Number(index as f64))),
        None => Err(Error::arg_value(format!(
            "{what} must be one of {}, got '{}'",
            options.iter().map(|o| format!("'{o}'")).collect::<Vec<_>>().join(", "),
            String::from_utf8_lossy(given)
        ))),
    }
}

/// The `CancelToken` behind `value`, checked by its type tag.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` for anything that is not a `CancelToken` this binding made.
pub fn cancel_token<'v>(env: &Env, value: &'v Unknown<'_>) -> Result<&'v crate::CancelToken, Error> {
    use napi::bindgen_prelude::TypeTag;
    let not_a_token = || Error::arg_type("the cancel argument must be a CancelToken");
    let mut tagged = false;
    let tag = <crate::CancelToken as TypeTag>::type_tag();
    // SAFETY: env and value are live handles of the current call; the tag is a local; the out-pointer is a local.
    let checked = unsafe { sys::napi_check_object_type_tag(env.raw(), value.raw(), &tag, &mut tagged) };
    if checked != sys::Status::napi_ok || !tagged {
        return Err(not_a_token());
    }
    let mut data = ptr::null_mut();
    // SAFETY: an object carrying CancelToken's type tag was made by its napi-rs constructor, which wraps a CancelToken.
    let unwrapped = unsafe { sys::napi_unwrap(env.raw(), value.raw(), &mut data) };
    if unwrapped != sys::Status::napi_ok || data.is_null() {
        return Err(not_a_token());
    }
    // SAFETY: data is the CancelToken napi-rs wrapped into this object, freed only when the object, which `value` (an
    // argument of the running call) keeps alive, is collected; only shared references are formed (its state is atomic).
    Ok(unsafe { &*data.cast::<crate::CancelToken>() })
}

/// An operation's result as JavaScript receives it: a number, a bigint, `{ min, max }`, a `Float64Array` of counts, a new
/// typed array, an object of two (`{ values, indices }`), or
/// `undefined`.
#[derive(Debug)]
pub struct JsResult(pub parabuf_core::Output);

impl napi::bindgen_prelude::ToNapiValue for JsResult {
    unsafe fn to_napi_value(env: sys::napi_env, result: Self) -> napi::Result<sys::napi_value> {
        use parabuf_core::{Output, Scalar};
        let scalar = |s: Scalar| match s {
            // SAFETY: env is the live environment the caller passed on.
            Scalar::Number(x) => unsafe { f64::to_napi_value(env, x) },
            // SAFETY: as above.
            Scalar::BigInt(x) => unsafe { i128::to_napi_value(env, x) },
        };
        match result.0 {
            Output::Scalar(s) => scalar(s),
            // SAFETY: as above.
            Output::Index(i) => unsafe { f64::to_napi_value(env, i as f64) },
            Output::MinMax { min, max } => {
                let fields = [("min", scalar(min)?), ("max", scalar(max)?)];
                // SAFETY: as above; the values are live handles of this scope.
                unsafe { own_data_object(env, &fields) }
            }
            // SAFETY: as above.
            Output::Array(column) => unsafe { column_to_napi(env, column) },
            Output::Pair { names: [a, b], columns: [first, second] } => {
                // SAFETY: as above.
                let fields =
                    [(a, unsafe { column_to_napi(env, first)? }), (b, unsafe { column_to_napi(env, second)? })];
                // SAFETY: as above; the values are live handles of this scope.
                unsafe { own_data_object(env, &fields) }
            }
            // SAFETY: as above.
            Output::Counts(counts) => unsafe {
                napi::bindgen_prelude::Float64Array::to_napi_value(
                    env,
                    napi::bindgen_prelude::Float64Array::new(counts),
                )
            },
            // SAFETY: as above.
            Output::InPlace => unsafe { <()>::to_napi_value(env, ()) },
            Output::Along { shape, values } => {
                // SAFETY: as above.
                let values = unsafe { JsResult::to_napi_value(env, JsResult(*values))? };
                // A typed array, not an Array: filling one runs no setter a script put on `Array.prototype`.
                let shape = napi::bindgen_prelude::Float64Array::new(shape.into_iter().map(|n| n as f64).collect());
                // SAFETY: as above.
                let shape = unsafe { napi::bindgen_prelude::Float64Array::to_napi_value(env, shape)? };
                // SAFETY: as above; the values are live handles of this scope.
                unsafe { own_data_object(env, &[("shape", shape), ("values", values)]) }
            }
        }
    }
}

/// A new object with `fields` as own data properties, defined rather than assigned: an accessor a script put on
/// `Object.prototype` can neither swallow an assignment nor answer for a field.
///
/// # Safety
/// `env` must be the live environment of the current call, and the values live handles of its scope.
unsafe fn own_data_object(env: sys::napi_env, fields: &[(&str, sys::napi_value)]) -> napi::Result<sys::napi_value> {
    let mut object = ptr::null_mut();
    // SAFETY: env is live (the caller's contract); the out-pointer is a live local.
    check(unsafe { sys::napi_create_object(env, &mut object) })?;
    for &(name, value) in fields {
        let mut key = ptr::null_mut();
        // SAFETY: name is valid UTF-8 of the given length; the out-pointer is a live local.
        check(unsafe { sys::napi_create_string_utf8(env, name.as_ptr().cast(), name.len() as isize, &mut key) })?;
        let descriptor = sys::napi_property_descriptor {
            utf8name: ptr::null(),
            name: key,
            method: None,
            getter: None,
            setter: None,
            value,
            attributes: sys::PropertyAttributes::writable
                | sys::PropertyAttributes::enumerable
                | sys::PropertyAttributes::configurable,
            data: ptr::null_mut(),
        };
        // SAFETY: object, key and value are live handles of this scope; the descriptor outlives the call.
        check(unsafe { sys::napi_define_properties(env, object, 1, &descriptor) })?;
    }
    Ok(object)
}

/// A [`Column`](parabuf_core::Column) as the typed array of its element type, over the vector's own memory (napi-rs
/// hands it to the engine as the backing store, so nothing is copied).
///
/// # Safety
/// `env` must be the live environment of the current call.
unsafe fn column_to_napi(env: sys::napi_env, column: parabuf_core::Column) -> napi::Result<sys::napi_value> {
    use napi::bindgen_prelude::{
        BigInt64Array, BigUint64Array, Float32Array, Float64Array, Int16Array, Int32Array, Int8Array, ToNapiValue,
        Uint16Array, Uint32Array, Uint8Array,
    };
    use parabuf_core::Column;
    macro_rules! typed_array {
        ($T:ident, $values:expr) => {
            // SAFETY: env is live (the caller's contract); the array owns its vector.
            unsafe { $T::to_napi_value(env, $T::new($values)) }
        };
    }
    match column {
        Column::Int8(v) => typed_array!(Int8Array, v),
        Column::Uint8(v) => typed_array!(Uint8Array, v),
        Column::Int16(v) => typed_array!(Int16Array, v),
        Column::Uint16(v) => typed_array!(Uint16Array, v),
        Column::Int32(v) => typed_array!(Int32Array, v),
        Column::Uint32(v) => typed_array!(Uint32Array, v),
        Column::Float16(v) => typed_array!(Uint16Array, v.into_iter().map(|x| x.to_bits()).collect()),
        Column::Float32(v) => typed_array!(Float32Array, v),
        Column::Float64(v) => typed_array!(Float64Array, v),
        Column::BigInt64(v) => typed_array!(BigInt64Array, v),
        Column::BigUint64(v) => typed_array!(BigUint64Array, v),
    }
}

fn check(code: sys::napi_status) -> napi::Result<()> {
    if code == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(napi::Status::GenericFailure, format!("Node-API call failed with status {code}")))
    }
}

/// [`JsResult`] as a raw value of the current scope.
///
/// # Errors
/// Only when Node-API fails.
pub fn to_js(env: &Env, output: parabuf_core::Output) -> napi::Result<sys::napi_value> {
    // SAFETY: env is the live environment of the current call.
    unsafe { napi::bindgen_prelude::ToNapiValue::to_napi_value(env.raw(), JsResult(output)) }
}
