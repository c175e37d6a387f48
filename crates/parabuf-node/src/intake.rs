//! Where memory from JavaScript enters Rust: the only `unsafe` code of the binding.
//!
//! A typed array becomes a [`Region`] here, and the JavaScript objects whose memory native threads use are kept alive
//! here ([`KeepAlive`]). Everything after this module works with regions, guards and views.

use std::ffi::c_void;
use std::fmt;
use std::ptr;
use std::sync::Arc;

use napi::{sys, Env, JsValue, Unknown};
use parabuf_core::{ElementKind, Error, OwnedBuffer, Region};

/// What Node-API reports about a typed array, plus the region of its bytes.
#[derive(Debug, Clone, Copy)]
pub struct TypedArrayInfo {
    /// The element kind Node-API reports, when it is one parabuf knows (a `Float16Array` is passed as its `Uint16Array`
    /// alias by the facade, so an unknown kind is only ever refused).
    pub napi_kind: Option<ElementKind>,
    /// The array's bytes.
    pub region: Region,
    /// The array's `byteOffset` within its buffer.
    pub byte_offset: usize,
}

fn status(code: sys::napi_status, what: &str) -> Result<(), Error> {
    if code == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::internal(format!("Node-API call {what} failed with status {code}")))
    }
}

fn kind_of_napi_type(t: sys::napi_typedarray_type) -> Option<ElementKind> {
    Some(match t {
        sys::TypedarrayType::int8_array => ElementKind::Int8,
        sys::TypedarrayType::uint8_array => ElementKind::Uint8,
        sys::TypedarrayType::uint8_clamped_array => ElementKind::Uint8Clamped,
        sys::TypedarrayType::int16_array => ElementKind::Int16,
        sys::TypedarrayType::uint16_array => ElementKind::Uint16,
        sys::TypedarrayType::int32_array => ElementKind::Int32,
        sys::TypedarrayType::uint32_array => ElementKind::Uint32,
        sys::TypedarrayType::float32_array => ElementKind::Float32,
        sys::TypedarrayType::float64_array => ElementKind::Float64,
        9 => ElementKind::BigInt64,
        10 => ElementKind::BigUint64,
        _ => return None,
    })
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
fn raw_info(raw_env: sys::napi_env, value: &Unknown<'_>) -> Result<Option<RawInfo>, Error> {
    let mut info = RawInfo { napi_type: 0, length: 0, data: ptr::null_mut(), buffer: ptr::null_mut(), byte_offset: 0 };
    // SAFETY: env and value are the live handles of the current call; every out-pointer is a field of a live local.
    // Node-API checks the value's type itself and answers napi_invalid_arg, touching nothing, when it is not a typed
    // array.
    let code = unsafe {
        sys::napi_get_typedarray_info(
            raw_env,
            value.raw(),
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

/// Reads a typed array's data pointer and length, refusing detached arrays.
///
/// The returned region is valid for as long as the typed array's `ArrayBuffer` is reachable and neither detached nor
/// shrunk: callers keep the array alive (it is an argument of the running call, or held by a [`KeepAlive`]) for as
/// long as any guard on the region lives, and the facade refuses resizable buffers for work that outlives the call.
/// `what` names the argument in error messages; it is formatted only when there is an error.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` for a value that is not a typed array, `ERR_PARABUF_DETACHED` for a detached one.
pub fn typed_array(env: &Env, value: &Unknown<'_>, what: &dyn fmt::Display) -> Result<TypedArrayInfo, Error> {
    let raw_env = env.raw();
    let Some(info) = raw_info(raw_env, value)? else {
        return Err(Error::arg_type(format!("{what} must be a TypedArray")));
    };
    // A detached buffer's typed arrays report no elements, so only an empty array needs the extra question.
    if info.length == 0 && is_detached(raw_env, info.buffer)? {
        return Err(Error::Detached { what: what.to_string() });
    }
    let napi_kind = kind_of_napi_type(info.napi_type);
    let element_size = napi_kind.map_or(1, ElementKind::size);
    let byte_length = info
        .length
        .checked_mul(element_size)
        .ok_or_else(|| Error::out_of_range(format!("{what} is larger than the address space")))?;
    // SAFETY: Node-API just reported `data` as the first byte of this live, attached typed array and `byte_length` as
    // its size; the obligation to keep it alive while guards live is passed on to our callers (see this function's
    // documentation), and Rust forms no reference to these bytes.
    let region = unsafe { Region::new(info.data.cast(), byte_length) };
    Ok(TypedArrayInfo { napi_kind, region, byte_offset: info.byte_offset })
}

fn is_detached(raw_env: sys::napi_env, buffer: sys::napi_value) -> Result<bool, Error> {
    let mut detached = false;
    status(
        // SAFETY: buffer is the ArrayBuffer (or SharedArrayBuffer) Node-API reported for a typed array in this call.
        unsafe { sys::napi_is_detached_arraybuffer(raw_env, buffer, &mut detached) },
        "napi_is_detached_arraybuffer",
    )?;
    Ok(detached)
}

/// Whether the buffer behind a typed array has been detached since the call that handed it to us.
///
/// # Errors
/// Only when Node-API fails (the value was checked to be a typed array when it entered).
pub fn typed_array_is_detached(env: &Env, value: &Unknown<'_>) -> Result<bool, Error> {
    match raw_info(env.raw(), value)? {
        Some(info) => is_detached(env.raw(), info.buffer),
        None => Err(Error::internal("an argument stopped being a typed array")),
    }
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
        let mut raw = ptr::null_mut();
        // SAFETY: env and value are live handles of the current call; an initial count of 1 makes the reference strong.
        status(unsafe { sys::napi_create_reference(env.raw(), value.raw(), 1, &mut raw) }, "napi_create_reference")?;
        Ok(KeepAlive { raw })
    }

    /// The held value.
    ///
    /// # Errors
    /// Only when Node-API fails.
    pub fn value<'env>(&self, env: &'env Env) -> Result<Unknown<'env>, Error> {
        let mut value = ptr::null_mut();
        // SAFETY: raw is a live strong reference created in this environment.
        status(unsafe { sys::napi_get_reference_value(env.raw(), self.raw, &mut value) }, "napi_get_reference_value")?;
        // SAFETY: Node-API returned a valid handle for the current scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
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

/// A typed array of `kind` and `length` elements over parabuf-owned memory (an external `ArrayBuffer`), and whether the
/// runtime accepted external memory (`false`: it refused, e.g. under a V8 sandbox, and a normal buffer was made).
///
/// # Errors
/// Only when Node-API fails or the size overflows.
pub fn external_array<'env>(
    env: &'env Env,
    kind: ElementKind,
    napi_type: sys::napi_typedarray_type,
    length: usize,
) -> Result<(Unknown<'env>, bool), Error> {
    let byte_length = length
        .checked_mul(kind.size())
        .filter(|n| *n <= isize::MAX as usize)
        .ok_or_else(|| Error::out_of_range(format!("alloc() of {length} elements is too large")))?;
    let mut buffer = ptr::null_mut();
    let mut external = true;
    if byte_length == 0 {
        // Engines reject external buffers of length 0; an empty buffer owns nothing worth sharing.
        external = false;
        let mut data = ptr::null_mut();
        status(
            // SAFETY: out-pointers are live locals.
            unsafe { sys::napi_create_arraybuffer(env.raw(), 0, &mut data, &mut buffer) },
            "napi_create_arraybuffer",
        )?;
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
            let mut data = ptr::null_mut();
            status(
                // SAFETY: out-pointers are live locals.
                unsafe { sys::napi_create_arraybuffer(env.raw(), byte_length, &mut data, &mut buffer) },
                "napi_create_arraybuffer",
            )?;
        }
    }
    let mut array = ptr::null_mut();
    // SAFETY: buffer is the ArrayBuffer just created with room for exactly `length` elements at offset 0.
    let created = unsafe { sys::napi_create_typedarray(env.raw(), napi_type, length, buffer, 0, &mut array) };
    if created != sys::Status::napi_ok {
        // The engine's limit on typed array lengths; the buffer is collected (and its memory freed) like any other.
        clear_pending_exception(env);
        return Err(too_large(length, byte_length));
    }
    // SAFETY: Node-API returned a valid handle for the current scope.
    Ok((unsafe { Unknown::from_raw_unchecked(env.raw(), array) }, external))
}
