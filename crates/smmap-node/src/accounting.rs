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
//!
//! What finalizers put back is owed, not paid at once. Each payment that takes the count 64 MiB
//! past where the last full collection left it asks V8 for another, and finalizers run in a
//! batch after a collection: a loop that let go of 20,000 windows of 1 MiB was followed by
//! about 270 full collections, 0.6 s of them, as their finalizers paid 1 MiB at a time. So a view created
//! while something is owed takes its length out of the debt instead of out of the count (the
//! same count either way), and the rest is paid in one step by a callback queued from the first
//! finalizer of a batch, which Node runs after the batch: one collection at most.

use std::cell::Cell;
use std::ffi::{c_void, CString};
use std::ptr;
use std::sync::OnceLock;

use napi::sys;

/// The newest V8 major version known to accept a negative external-memory count.
const LAST_TOLERANT_V8: u32 = 12;

/// Whether views' lengths may be taken out of V8's count in this process.
pub fn may_hide(env: sys::napi_env) -> bool {
    *TOLERANT.get_or_init(|| v8_major(env).is_some_and(|major| major <= LAST_TOLERANT_V8))
}

/// Takes `size` bytes of a view just created out of V8's count (only where [`may_hide`]): out
/// of what finalizers owe it first.
pub fn hide(env: sys::napi_env, size: usize) {
    let owed = OWED.get();
    let settled = owed.min(size as i64);
    OWED.set(owed - settled);
    if settled < size as i64 {
        adjust(env, settled - size as i64);
    }
    PAYER.with(|payer| payer.prepare(env));
}

/// Puts back what [`hide`] took, from the view's finalizer: owed until the batch of finalizers
/// it is part of has run (or at once where no payer could be made).
pub fn restore(env: sys::napi_env, size: usize) {
    OWED.set(OWED.get() + size as i64);
    if !PAYER.with(|payer| payer.schedule(env)) {
        adjust(env, OWED.replace(0));
    }
}

thread_local! {
    /// Bytes finalizers have put back that V8's count has not been given yet. One environment
    /// per thread (the main thread, or a worker), as V8 keeps one count per isolate.
    static OWED: Cell<i64> = const { Cell::new(0) };
    /// The callback that pays them.
    static PAYER: Payer = const { Payer { env: Cell::new(ptr::null_mut()), call: Cell::new(ptr::null_mut()), queued: Cell::new(false) } };
}

/// A thread-safe function with no JavaScript side, used to run [`pay`] on the event loop after
/// the current batch of finalizers. Made by the first [`hide`] (a call, where it may be made),
/// unreferenced so that it never keeps the loop alive, and forgotten by an environment cleanup
/// hook before Node releases it at teardown.
struct Payer {
    env: Cell<sys::napi_env>,
    call: Cell<sys::napi_threadsafe_function>,
    queued: Cell<bool>,
}

impl Payer {
    fn prepare(&self, env: sys::napi_env) {
        if !self.env.get().is_null() {
            return;
        }
        // Marked first: a failure below is not retried on every view.
        self.env.set(env);
        let mut name = ptr::null_mut();
        let mut call = ptr::null_mut();
        // SAFETY: `env` is the live environment of the current call; the out-pointers are
        // locals. The function has no JavaScript callee (allowed with `call_js_cb`) and no
        // finalizer: it holds no data.
        let made = unsafe {
            sys::napi_create_string_utf8(env, c"smmap:accounting".as_ptr(), 16, &mut name)
                == sys::Status::napi_ok
                && sys::napi_create_threadsafe_function(
                    env,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    name,
                    0,
                    1,
                    ptr::null_mut(),
                    None,
                    ptr::null_mut(),
                    Some(pay),
                    &mut call,
                ) == sys::Status::napi_ok
                && sys::napi_unref_threadsafe_function(env, call) == sys::Status::napi_ok
                && sys::napi_add_env_cleanup_hook(env, Some(forget_payer), ptr::null_mut())
                    == sys::Status::napi_ok
        };
        if made {
            self.call.set(call);
        }
    }

    /// Queues [`pay`] unless it is queued already; false where there is no payer for `env`.
    fn schedule(&self, env: sys::napi_env) -> bool {
        let call = self.call.get();
        if call.is_null() || self.env.get() != env {
            return false;
        }
        if self.queued.replace(true) {
            return true;
        }
        // SAFETY: `call` is live: it is forgotten (set to null) by the cleanup hook, which runs
        // before Node releases it. Non-blocking on an unbounded queue: this never waits.
        let queued = unsafe {
            sys::napi_call_threadsafe_function(
                call,
                ptr::null_mut(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if queued != sys::Status::napi_ok {
            self.queued.set(false);
        }
        queued == sys::Status::napi_ok
    }
}

/// Gives V8's count everything owed, in one step.
unsafe extern "C" fn pay(
    env: sys::napi_env,
    _callee: sys::napi_value,
    _context: *mut c_void,
    _data: *mut c_void,
) {
    PAYER.with(|payer| payer.queued.set(false));
    // A null environment: the function is being torn down with it; nothing is owed to a V8
    // that is going away.
    if !env.is_null() {
        adjust(env, OWED.replace(0));
    }
}

/// The environment is being torn down: finalizers that run from now on pay at once.
unsafe extern "C" fn forget_payer(_arg: *mut c_void) {
    PAYER.with(|payer| payer.call.set(ptr::null_mut()));
}

/// Decided once per process (every environment of it runs the same V8); unknown counts as not.
static TOLERANT: OnceLock<bool> = OnceLock::new();

fn adjust(env: sys::napi_env, change: i64) {
    if change == 0 {
        return;
    }
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
