//! The process's `SIGBUS` action on Unix: ours, chained to whatever was installed before, and
//! installed anew when other code replaced it. Split from `unix.rs` only for length.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use super::FaultHandler;

static HANDLER: OnceLock<FaultHandler> = OnceLock::new();

/// The actions ours replaced: two buffers, so a re-arm can write one while the handler may
/// be reading the other. `ACTIVE` says which holds the current one (`NONE` before the
/// first install).
struct Previous([UnsafeCell<MaybeUninit<libc::sigaction>>; 2]);
// SAFETY: written only under `INSTALLING`, into the buffer `ACTIVE` does not name; read by
// the handler only through `ACTIVE`.
unsafe impl Sync for Previous {}

static PREVIOUS: Previous = Previous([
    UnsafeCell::new(MaybeUninit::zeroed()),
    UnsafeCell::new(MaybeUninit::zeroed()),
]);
const NONE: usize = usize::MAX;
static ACTIVE: AtomicUsize = AtomicUsize::new(NONE);
static INSTALLING: Mutex<()> = Mutex::new(());

pub fn install(handler: FaultHandler) -> bool {
    HANDLER.get_or_init(|| handler);
    let _installing = INSTALLING.lock().unwrap_or_else(|p| p.into_inner());
    let ours = on_sigbus as *const () as usize;
    // SAFETY: sigaction is plain data; all-zero is a valid empty action.
    let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only reads the current one into `current`.
    if unsafe { libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut current) } != 0 {
        return false;
    }
    let active = ACTIVE.load(Ordering::Acquire);
    if active != NONE && current.sa_sigaction == ours {
        return true;
    }
    // What is in place now becomes the action to chain to; publish it before ours is
    // installed, so the handler never chains to a stale one.
    let next = if active == 0 { 1 } else { 0 };
    // SAFETY: `INSTALLING` is held and the handler reads only the buffer `ACTIVE` names.
    unsafe { (*PREVIOUS.0[next].get()).write(current) };
    ACTIVE.store(next, Ordering::Release);
    // SAFETY: as above for the zeroed action.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = ours;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
    // SAFETY: the action is valid for the call; `on_sigbus` has the SA_SIGINFO signature
    // and only does async-signal-safe work.
    unsafe {
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut()) == 0
    }
}

extern "C" fn on_sigbus(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for an SA_SIGINFO handler.
    let address = unsafe { fault_address(info) };
    if HANDLER.get().is_some_and(|handler| handler(address)) {
        return;
    }
    let active = ACTIVE.load(Ordering::Acquire);
    if active == NONE {
        return;
    }
    // SAFETY: `ACTIVE` names a buffer that was fully written before it was published.
    let previous = unsafe { (*PREVIOUS.0[active].get()).assume_init_ref() };
    pass_on(previous, signal, info, context);
}

/// Does with a signal that is not ours what would have happened without us: the previous
/// handler runs; an ignored signal sent by a process stays ignored; otherwise the default
/// action ends the process, for a fault and for `kill -BUS` alike.
fn pass_on(
    previous: &libc::sigaction,
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: an SA_SIGINFO action's handler has this signature.
        let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(previous.sa_sigaction) };
        handler(signal, info, context);
        return;
    }
    if previous.sa_sigaction != libc::SIG_DFL && previous.sa_sigaction != libc::SIG_IGN {
        // SAFETY: a plain handler takes the signal number only.
        let handler: extern "C" fn(libc::c_int) =
            unsafe { std::mem::transmute(previous.sa_sigaction) };
        handler(signal);
        return;
    }
    // SAFETY: the kernel passes a valid siginfo; `si_code` <= 0 means a process sent it.
    let sent = unsafe { (*info).si_code } <= 0;
    if previous.sa_sigaction == libc::SIG_IGN && sent {
        return;
    }
    // SAFETY: restoring the default action and raising are async-signal-safe. SA_NODEFER
    // leaves SIGBUS unblocked here, so the raise ends the process at once; a fault that
    // somehow returned would fault again under the default action.
    unsafe {
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
        libc::raise(libc::SIGBUS);
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe fn fault_address(info: *mut libc::siginfo_t) -> usize {
    // SAFETY: the caller passes the kernel's siginfo.
    unsafe { (*info).si_addr() as usize }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
unsafe fn fault_address(info: *mut libc::siginfo_t) -> usize {
    // SAFETY: the caller passes the kernel's siginfo.
    unsafe { (*info).si_addr as usize }
}
