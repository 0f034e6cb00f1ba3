//! Positional reads that need no manager call: a buffer's small reads outside every window
//! (a random `readUInt32LE` over a file far larger than the budget) each cost one system call,
//! and the call into a napi-rs class method costs half as much again (its receiver is unwrapped
//! and its borrow tracked on every call). A [`ReadHandle`] taken once is read through a plain
//! function instead. And the test that decides when a small read should be positional even
//! inside a window: when the page cache does not hold its pages.

use napi::bindgen_prelude::{External, Unknown};
use napi::Env;
use napi_derive::napi;
use smmap_core::{FileId, ReadHandle};

use crate::errors::throw;
use crate::manager::NativeManager;
use crate::numbers::to_u64;

#[napi]
impl NativeManager {
    /// A handle for `readThrough` on the descriptor held for `file`, or null when none is held
    /// (an fd key, or a path with no regions: `readAt` serves those).
    #[napi(ts_return_type = "ExternalObject<'ReadHandle'> | null")]
    pub fn read_handle(
        &mut self,
        env: Env,
        file: u32,
    ) -> napi::Result<Option<External<ReadHandle>>> {
        self.core
            .read_handle(file as FileId)
            .map(|handle| handle.map(External::new))
            .map_err(|e| throw(&env, e))
    }
}

/// Reads up to `length` bytes at file offset `position` through `handle` into the Uint8Array
/// `target` at `offset`: how many (0 at or past the end), or -1 once the manager has closed
/// the descriptor (ask it for a handle again).
#[napi(
    ts_args_type = "handle: ExternalObject<'ReadHandle'>, target: Uint8Array, offset: number, length: number, position: number"
)]
pub fn read_through(
    env: Env,
    handle: &External<ReadHandle>,
    target: Unknown,
    offset: u32,
    length: u32,
    position: f64,
) -> napi::Result<i32> {
    let bytes = crate::bytes::uint8_array(&env, &target)?;
    let start = (offset as usize).min(bytes.len());
    let end = start.saturating_add(length as usize).min(bytes.len());
    match handle.read_at(&mut bytes[start..end], to_u64(position)) {
        None => Ok(-1),
        // At most `length` (a u32) bytes, and one pread returns under 2 GiB on Linux; a larger
        // count is capped, and the caller reads on from there.
        Some(read) => read
            .map(|n| n.min(i32::MAX as usize) as i32)
            .map_err(|e| throw(&env, e)),
    }
}

/// Whether the page cache holds every page of `[offset, offset + length)` (clamped) of the
/// region ArrayBuffer `buffer`; true for a detached one, or where the system cannot tell. A
/// page fault on a page it does not hold reads a whole neighbourhood of the file in (1 MiB for
/// a 4 KiB read on Linux's defaults); a positional read reads what was asked.
#[napi(ts_args_type = "buffer: ArrayBuffer, offset: number, length: number")]
pub fn in_page_cache(env: Env, buffer: Unknown, offset: f64, length: f64) -> napi::Result<bool> {
    let bytes = crate::bytes::array_buffer(&env, &buffer)?;
    let start = (to_u64(offset) as usize).min(bytes.len());
    let end = start
        .saturating_add(to_u64(length) as usize)
        .min(bytes.len());
    Ok(smmap_core::in_page_cache(&bytes[start..end]))
}
