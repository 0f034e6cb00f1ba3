//! The bytes of a JavaScript Uint8Array (a Buffer included), borrowed for one native call.

use napi::{sys, Env, JsValue};

use crate::errors;

/// The bytes of `value`, which must be a Uint8Array.
///
/// # Lifetime
///
/// The slice is valid for the rest of the current synchronous call only: V8 keeps a typed
/// array reachable from an argument alive and unmoved until the call returns.
pub fn uint8_array<'call>(
    env: &Env,
    value: &napi::bindgen_prelude::Unknown<'call>,
) -> napi::Result<&'call mut [u8]> {
    let (mut kind, mut length, mut data) = (0, 0, std::ptr::null_mut());
    // SAFETY: `value` is a value of this call's environment; the out-pointers are locals.
    let status = unsafe {
        sys::napi_get_typedarray_info(
            env.raw(),
            value.raw(),
            &mut kind,
            &mut length,
            &mut data,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if status != sys::Status::napi_ok || kind != sys::TypedarrayType::uint8_array {
        return Err(errors::invalid_arg(env, "the target must be a Uint8Array"));
    }
    if length == 0 {
        return Ok(&mut []);
    }
    // SAFETY: V8 reported `length` bytes at `data` for a live typed array, which stays alive
    // and unmoved for the rest of this synchronous call ('call); nothing else writes it then.
    Ok(unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), length) })
}

/// The bytes of `value`, which must be an ArrayBuffer (empty once detached).
///
/// # Lifetime
///
/// As for [`uint8_array`]: valid for the rest of the current synchronous call only.
pub fn array_buffer<'call>(
    env: &Env,
    value: &napi::bindgen_prelude::Unknown<'call>,
) -> napi::Result<&'call [u8]> {
    let (mut data, mut length) = (std::ptr::null_mut(), 0);
    // SAFETY: `value` is a value of this call's environment; the out-pointers are locals.
    let status =
        unsafe { sys::napi_get_arraybuffer_info(env.raw(), value.raw(), &mut data, &mut length) };
    if status != sys::Status::napi_ok {
        return Err(errors::invalid_arg(
            env,
            "the buffer must be an ArrayBuffer",
        ));
    }
    if length == 0 || data.is_null() {
        return Ok(&[]);
    }
    // SAFETY: V8 reported `length` bytes at `data` for a live ArrayBuffer, which stays alive
    // and unmoved for the rest of this synchronous call ('call).
    Ok(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), length) })
}
