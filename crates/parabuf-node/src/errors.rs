//! Core errors to JavaScript errors: a plain `Error` carrying the core's stable `code`; the facade gives it its public
//! class from the same catalog (`errorCatalog()`).

use napi::{Env, JsError, Unknown};

/// The JavaScript error object for a core error.
pub fn js_error<'env>(env: &'env Env, error: &parabuf_core::Error) -> Unknown<'env> {
    JsError::from(napi::Error::new(error.code(), error.to_string())).into_unknown(*env)
}

/// A `napi::Error` that, when thrown or used to reject, surfaces exactly the object [`js_error`] builds.
pub fn to_napi(env: &Env, error: &parabuf_core::Error) -> napi::Error {
    napi::Error::from(js_error(env, error))
}
