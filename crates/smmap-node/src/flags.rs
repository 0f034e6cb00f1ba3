//! One byte per guard slot that JavaScript reads to learn, without a native call, that a
//! region's file was truncated under it (the core's `SIGBUS` handler sets it; see
//! `smmap_core::guard`). Each manager owns one array: a plain ArrayBuffer allocated by V8,
//! whose memory never moves, held by a strong reference for the manager's lifetime.

use std::ptr;
use std::sync::atomic::AtomicU8;

use napi::{sys, Env, Status};
use smmap_core::{guard::SLOTS, Region};

pub struct TruncationFlags {
    env: sys::napi_env,
    reference: sys::napi_ref,
    bytes: *const AtomicU8,
}

impl TruncationFlags {
    pub fn create(env: &Env) -> napi::Result<Self> {
        let mut data = ptr::null_mut();
        let mut value = ptr::null_mut();
        let mut reference = ptr::null_mut();
        // SAFETY: `env` is the live environment of this call; the ArrayBuffer is referenced
        // before the call returns, so it cannot be collected in between.
        let status = unsafe {
            match sys::napi_create_arraybuffer(env.raw(), SLOTS, &mut data, &mut value) {
                sys::Status::napi_ok => {
                    sys::napi_create_reference(env.raw(), value, 1, &mut reference)
                }
                failed => failed,
            }
        };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::new(
                Status::GenericFailure,
                "could not create the truncation flags",
            ));
        }
        Ok(Self {
            env: env.raw(),
            reference,
            bytes: data.cast(),
        })
    }

    /// The ArrayBuffer, for the facade's `Uint8Array`.
    pub fn value(&self) -> napi::Result<sys::napi_value> {
        let mut value = ptr::null_mut();
        // SAFETY: the reference is strong and alive until `self` is dropped.
        match unsafe { sys::napi_get_reference_value(self.env, self.reference, &mut value) } {
            sys::Status::napi_ok => Ok(value),
            _ => Err(napi::Error::new(
                Status::GenericFailure,
                "the truncation flags are gone",
            )),
        }
    }

    /// Points `region`'s guard (if it has one) at its byte here. The owner must call
    /// [`TruncationFlags::forget`] for every region that outlives these flags.
    pub fn watch(&self, region: &Region) {
        if let Some(guard) = region.guard() {
            // SAFETY: `guard.slot() < SLOTS`, so the byte lies in the array, which lives until
            // `self` is dropped; every region is dropped or forgotten before that.
            unsafe { guard.set_flag(Some(&*self.bytes.add(guard.slot()))) };
        }
    }

    /// Stops `region`'s guard from writing here (it may outlive the manager).
    pub fn forget(region: &Region) {
        if let Some(guard) = region.guard() {
            // SAFETY: clearing the pointer has no precondition.
            unsafe { guard.set_flag(None) };
        }
    }
}

impl Drop for TruncationFlags {
    fn drop(&mut self) {
        // SAFETY: created in `create`, deleted exactly once; allowed during finalization.
        unsafe { sys::napi_delete_reference(self.env, self.reference) };
    }
}
