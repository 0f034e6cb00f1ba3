//! Positional reads that need no manager call: a buffer's small reads outside every window
//! (a random `readUInt32LE` over a file far larger than the budget) each cost one system call,
//! and the call into a napi-rs class method costs half as much again (its receiver is unwrapped
//! and its borrow tracked on every call). A [`ReadHandle`] taken once is read through a plain
//! N-API callback instead (see `plain_call`). And the test that decides when a small read
//! should be positional even inside a window: when the page cache does not hold its pages.

use napi::bindgen_prelude::{External, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use smmap_core::{FileId, ReadHandle};

use crate::errors::{invalid_arg, throw};
use crate::manager::NativeManager;
use crate::numbers::to_u64;
use crate::plain_call::Args;

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

/// `readThrough(handle, target, offset, length, position)`: reads up to `length` bytes at file
/// offset `position` through the `ReadHandle` external `handle` into the Uint8Array `target`
/// at `offset`: how many (0 at or past the end), or -1 once the manager has closed the
/// descriptor (ask it for a handle again). A plain call (see `plain_call`): one is made for
/// every small read outside the windows.
///
/// # Safety
///
/// Called by N-API only, with the environment and info of a call.
pub unsafe extern "C" fn read_through(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: N-API passes this call's `env` and `info`; `args` lives only inside the call.
    let Some(args) = (unsafe { Args::<5>::new(env, info) }) else {
        return std::ptr::null_mut();
    };
    match read_through_args(&args) {
        Ok(read) => args.int32(read),
        // The exception is pending already.
        Err(_) => std::ptr::null_mut(),
    }
}

fn read_through_args(args: &Args<5>) -> napi::Result<i32> {
    let env = args.env();
    let handle = args
        .external::<ReadHandle>(0)
        .ok_or_else(|| invalid_arg(env, "the handle must be a ReadHandle"))?;
    let bytes = args.uint8_array(1)?;
    let (Some(offset), Some(length), Some(position)) =
        (args.number(2), args.number(3), args.number(4))
    else {
        return Err(invalid_arg(
            env,
            "offset, length and position must be numbers",
        ));
    };
    let start = (to_u64(offset) as usize).min(bytes.len());
    let end = start
        .saturating_add(to_u64(length).min(u32::MAX as u64) as usize)
        .min(bytes.len());
    match handle.read_at(&mut bytes[start..end], to_u64(position)) {
        None => Ok(-1),
        // At most a u32's worth of bytes, and one pread returns under 2 GiB on Linux; a larger
        // count is capped, and the caller reads on from there.
        Some(read) => read
            .map(|n| n.min(i32::MAX as usize) as i32)
            .map_err(|e| throw(env, e)),
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
