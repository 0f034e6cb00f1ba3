//! One byte per guard slot that JavaScript reads to learn, without a native call, that a
//! region's file was truncated under it (the core's `SIGBUS` handler sets it; see
//! `smmap_core::guard`). Each manager owns one array: a plain ArrayBuffer allocated by V8,
//! whose memory never moves, held by a strong reference for the manager's lifetime.

use std::sync::atomic::AtomicU8;

use smmap_core::{guard::SLOTS, Region};

use crate::pinned::PinnedArrayBuffer;

pub struct TruncationFlags {
    bytes: PinnedArrayBuffer,
}

impl TruncationFlags {
    pub fn create(env: &napi::Env) -> napi::Result<Self> {
        let bytes = PinnedArrayBuffer::create(env, SLOTS, "truncation flags")?;
        Ok(Self { bytes })
    }

    /// The ArrayBuffer, for the facade's `Uint8Array`.
    pub fn value(&self) -> napi::Result<napi::sys::napi_value> {
        self.bytes.value()
    }

    /// Points `region`'s guard (if it has one) at its byte here. The owner must call
    /// [`TruncationFlags::forget`] for every region that outlives these flags.
    pub fn watch(&self, region: &Region) {
        if let Some(guard) = region.guard() {
            // SAFETY: `guard.slot() < SLOTS`, so the byte lies in the array, which lives until
            // `self` is dropped; every region is dropped or forgotten before that.
            unsafe {
                guard.set_flag(Some(
                    &*self.bytes.data().cast::<AtomicU8>().add(guard.slot()),
                ))
            };
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
