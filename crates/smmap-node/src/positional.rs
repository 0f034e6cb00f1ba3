//! Positional reads that need no manager call: a buffer's small reads outside every window
//! (a random `readUInt32LE` over a file far larger than the budget) each cost one system call,
//! and the call into a napi-rs class method costs half as much again (its receiver is unwrapped
//! and its borrow tracked on every call). A [`ReadHandle`] taken once is read through a plain
//! function instead.

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
