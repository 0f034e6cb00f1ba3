//! One byte per guarded region that JavaScript reads to learn, without a native call, that a
//! region's file was truncated under it (the core's `SIGBUS` handler sets it; see
//! `smmap_core::guard`). A manager keeps them in chunks that mirror the guard table's: chunk
//! `c` holds the bytes of guard slots `c * GUARD_CHUNK_SLOTS ..`, a plain ArrayBuffer made by
//! V8 when a region of that chunk is first seen, whose memory never moves and which lives as
//! long as the manager.

use std::sync::atomic::AtomicU8;

use napi_derive::napi;
use smmap_core::guard::CHUNK_SLOTS;
use smmap_core::Region;

use crate::pinned::PinnedArrayBuffer;

/// Guard slots per chunk of truncation flags.
#[napi]
pub const GUARD_CHUNK_SLOTS: u32 = CHUNK_SLOTS as u32;

const SLOTS: usize = GUARD_CHUNK_SLOTS as usize;

#[derive(Default)]
pub struct TruncationFlags {
    chunks: Vec<Option<PinnedArrayBuffer>>,
}

impl TruncationFlags {
    /// The ArrayBuffer of chunk `chunk`, made if need be, for the facade's `Uint8Array`.
    pub fn value(&mut self, env: &napi::Env, chunk: usize) -> napi::Result<napi::sys::napi_value> {
        self.chunk(env, chunk)?.value()
    }

    /// Points `region`'s guard (if it has one) at its byte here. The owner must call
    /// [`TruncationFlags::forget`] for every region that outlives these flags.
    pub fn watch(&mut self, env: &napi::Env, region: &Region) -> napi::Result<()> {
        let Some(guard) = region.guard() else {
            return Ok(());
        };
        let chunk = self.chunk(env, guard.slot() / SLOTS)?;
        // SAFETY: the offset is below SLOTS, so the byte lies in the chunk, which lives
        // until `self` is dropped; every region is dropped or forgotten before that.
        unsafe {
            let byte = &*chunk.data().cast::<AtomicU8>().add(guard.slot() % SLOTS);
            guard.set_flag(Some(byte));
        }
        Ok(())
    }

    /// Stops `region`'s guard from writing here (it may outlive the manager).
    pub fn forget(region: &Region) {
        if let Some(guard) = region.guard() {
            // SAFETY: clearing the pointer has no precondition.
            unsafe { guard.set_flag(None) };
        }
    }

    fn chunk(&mut self, env: &napi::Env, chunk: usize) -> napi::Result<&PinnedArrayBuffer> {
        if self.chunks.len() <= chunk {
            self.chunks.resize_with(chunk + 1, || None);
        }
        if self.chunks[chunk].is_none() {
            self.chunks[chunk] = Some(PinnedArrayBuffer::create(env, SLOTS, "truncation flags")?);
        }
        Ok(self.chunks[chunk].as_ref().expect("made above"))
    }
}
