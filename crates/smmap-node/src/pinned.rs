//! A plain ArrayBuffer allocated by V8 and held by a strong reference, so its memory neither
//! moves nor goes away while the Rust side writes into it: how the binding shares a few
//! numbers or bytes with the facade without a native call to read them.

use std::ptr;

use napi::{sys, Env, Status};

pub struct PinnedArrayBuffer {
    env: sys::napi_env,
    reference: sys::napi_ref,
    data: *mut u8,
}

impl PinnedArrayBuffer {
    /// A zero-filled ArrayBuffer of `len` bytes; `what` names it in errors.
    pub fn create(env: &Env, len: usize, what: &str) -> napi::Result<Self> {
        let mut data = ptr::null_mut();
        let mut value = ptr::null_mut();
        let mut reference = ptr::null_mut();
        // SAFETY: `env` is the live environment of this call; the ArrayBuffer is referenced
        // before the call returns, so it cannot be collected in between. V8 zero-fills it.
        let status = unsafe {
            match sys::napi_create_arraybuffer(env.raw(), len, &mut data, &mut value) {
                sys::Status::napi_ok => {
                    sys::napi_create_reference(env.raw(), value, 1, &mut reference)
                }
                failed => failed,
            }
        };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::new(
                Status::GenericFailure,
                format!("could not create the {what}"),
            ));
        }
        Ok(Self {
            env: env.raw(),
            reference,
            data: data.cast(),
        })
    }

    /// The ArrayBuffer, for a typed array on the facade's side.
    pub fn value(&self) -> napi::Result<sys::napi_value> {
        let mut value = ptr::null_mut();
        // SAFETY: the reference is strong and alive until `self` is dropped.
        match unsafe { sys::napi_get_reference_value(self.env, self.reference, &mut value) } {
            sys::Status::napi_ok => Ok(value),
            _ => Err(napi::Error::new(
                Status::GenericFailure,
                "a shared ArrayBuffer is gone",
            )),
        }
    }

    /// The first byte. It stays valid (and in place) until `self` is dropped.
    pub fn data(&self) -> *mut u8 {
        self.data
    }
}

impl Drop for PinnedArrayBuffer {
    fn drop(&mut self) {
        // SAFETY: created in `create`, deleted exactly once; allowed during finalization.
        unsafe { sys::napi_delete_reference(self.env, self.reference) };
    }
}
