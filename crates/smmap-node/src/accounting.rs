//! What V8 is told about the memory of region views. V8 counts every external ArrayBuffer's
//! length as memory allocated outside its heap, from creation until it sweeps the buffer, and
//! starts a full collection once that count has grown 64 MiB since the last one. A window's
//! pages belong to the page cache and the budget bounds them, so that count makes V8 collect
//! every few windows for nothing: measured with 1 MiB windows, a sequential pass took 2.3 times
//! the CPU and a random 4 KiB miss cost 55 µs instead of 17.
//!
//! So a view's length is taken back out of the count when it is created ("hidden") and put
//! back by its finalizer. Between V8's sweep of the buffer and that finalizer (which Node runs
//! only between event-loop turns) the count is lower than the truth, and goes below zero once
//! more hidden views were swept than other external memory exists. V8 up to 12 accepts that.
//! V8 13 and later (Node 24 on) abort the process when the count would go below zero: Node's
//! exit detaches every live buffer before calling its finalizer, and a synchronous loop lets
//! windows go faster than finalizers run. There, views are not hidden, and V8 collects more
//! often (see the README's Tuning section).

use std::ffi::CString;
use std::ptr;
use std::sync::OnceLock;

use napi::sys;

/// The newest V8 major version known to accept a negative external-memory count.
const LAST_TOLERANT_V8: u32 = 12;

/// Whether views' lengths may be taken out of V8's count in this process.
pub fn may_hide(env: sys::napi_env) -> bool {
    *TOLERANT.get_or_init(|| v8_major(env).is_some_and(|major| major <= LAST_TOLERANT_V8))
}

/// Takes `size` bytes of a view just created out of V8's count (only where [`may_hide`]).
pub fn hide(env: sys::napi_env, size: usize) {
    adjust(env, -(size as i64));
}

/// Puts back what [`hide`] took, from the view's finalizer.
pub fn restore(env: sys::napi_env, size: usize) {
    adjust(env, size as i64);
}

/// Decided once per process (every environment of it runs the same V8); unknown counts as not.
static TOLERANT: OnceLock<bool> = OnceLock::new();

fn adjust(env: sys::napi_env, change: i64) {
    let mut total = 0;
    // SAFETY: `env` is live (a call or a finalizer of it); this only updates a counter.
    unsafe { sys::napi_adjust_external_memory(env, change, &mut total) };
}

/// The major version in `process.versions.v8`, or `None` where it cannot be read.
fn v8_major(env: sys::napi_env) -> Option<u32> {
    let mut value = ptr::null_mut();
    // SAFETY: `env` is live and `value` is a local out-pointer.
    if unsafe { sys::napi_get_global(env, &mut value) } != sys::Status::napi_ok {
        return None;
    }
    for name in ["process", "versions", "v8"] {
        value = property(env, value, name)?;
    }
    let mut text = [0u8; 64];
    let mut length = 0;
    // SAFETY: `text` has room for the given capacity; `length` is a local out-pointer. A value
    // that is not a string fails with a status instead of writing.
    let status = unsafe {
        sys::napi_get_value_string_utf8(
            env,
            value,
            text.as_mut_ptr().cast(),
            text.len(),
            &mut length,
        )
    };
    if status != sys::Status::napi_ok {
        return None;
    }
    let text = std::str::from_utf8(&text[..length]).ok()?;
    text.split('.').next()?.parse().ok()
}

fn property(env: sys::napi_env, object: sys::napi_value, name: &str) -> Option<sys::napi_value> {
    let name = CString::new(name).ok()?;
    let mut value = ptr::null_mut();
    // SAFETY: `object` is a value of this call's environment and `name` a NUL-terminated
    // string; a missing property or a non-object fails with a status (no JavaScript getter of
    // ours runs: these are Node's own objects).
    let status = unsafe { sys::napi_get_named_property(env, object, name.as_ptr(), &mut value) };
    (status == sys::Status::napi_ok).then_some(value)
}
