//! Core errors to JavaScript errors: a plain `Error` carrying the core's stable `code`; the facade gives it its public
//! class from the same catalog (`errorCatalog()`).

use napi::bindgen_prelude::{JsObjectValue, Object};
use napi::{Env, JsError, JsValue, Property, PropertyAttributes, Status, Unknown};

/// The JavaScript error object for a core error. `code` is defined as an own data property (not assigned): an
/// accessor a script put on `Object.prototype` can neither swallow it nor answer for it.
pub fn js_error<'env>(env: &'env Env, error: &parabuf_core::Error) -> Unknown<'env> {
    let build = || -> napi::Result<Object<'env>> {
        let mut object = env.create_error(napi::Error::new(Status::GenericFailure, error.to_string()))?;
        let code = env.create_string(error.code())?;
        let attributes =
            PropertyAttributes::Writable | PropertyAttributes::Enumerable | PropertyAttributes::Configurable;
        object.define_properties(&[Property::new()
            .with_utf8_name("code")?
            .with_value(&code)
            .with_property_attributes(attributes)])?;
        Ok(object)
    };
    match build() {
        Ok(object) => object.to_unknown(),
        // Only when the engine cannot allocate: the plain conversion still carries the code, assigned.
        Err(_) => JsError::from(napi::Error::new(error.code(), error.to_string())).into_unknown(*env),
    }
}

/// A `napi::Error` that, when thrown or used to reject, surfaces exactly the object [`js_error`] builds.
pub fn to_napi(env: &Env, error: &parabuf_core::Error) -> napi::Error {
    napi::Error::from(js_error(env, error))
}
