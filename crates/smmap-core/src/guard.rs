//! Survival of a file truncated while it is mapped.
//!
//! Reading a mapped page that lies past a file's new end raises `SIGBUS`, which kills the
//! process (smmap, memmap2 and SQLite all die this way). JavaScript reads our mappings
//! directly, so a handler cannot unwind anywhere: it must make the access succeed. Every
//! region registers its address range in a fixed, lock-free table; the `SIGBUS` handler looks
//! the faulting address up there, replaces that page with a zero page (anonymous,
//! `MAP_FIXED`), marks the region truncated and returns, so the read is retried and sees zeros.
//! Faults outside our ranges go to the handler that was installed before ours.
//!
//! ```no_run
//! # let region = smmap_core::Region::map(&smmap_core::FileKey::Fd(3), 0, 0, 0).unwrap();
//! // ... another process truncates the file, then a read of the lost bytes gives zeros ...
//! if region.is_truncated() {
//!     // report it instead of handing out more zeros
//! }
//! ```

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// How many regions can be guarded at once; more are mapped unguarded (Linux's default
/// `vm.max_map_count` is 65530 mappings for the whole process).
pub const SLOTS: usize = 16384;

/// A `start` value that keeps a slot reserved but invisible to the handler.
const BUSY: usize = usize::MAX;

struct Slot {
    /// 0 = free, `BUSY` = being filled or emptied, else the first guarded address.
    start: AtomicUsize,
    end: AtomicUsize,
    truncated: AtomicBool,
    /// A byte the host can read without a call (the Node binding's flag array), set to 1 when
    /// the region is found truncated; null if none.
    flag: AtomicPtr<AtomicU8>,
}

#[allow(clippy::declare_interior_mutable_const)] // only used to initialise TABLE
const FREE: Slot = Slot {
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    truncated: AtomicBool::new(false),
    flag: AtomicPtr::new(std::ptr::null_mut()),
};

static TABLE: [Slot; SLOTS] = [FREE; SLOTS];

/// Truncations seen by the handler so far, in any region: lets a manager tell in one load
/// whether cached file sizes may have gone stale.
static TRUNCATIONS: AtomicUsize = AtomicUsize::new(0);

/// How many truncated pages the handler has replaced with zeros so far, process-wide.
///
/// ```
/// let before = smmap_core::guard::truncations();
/// assert!(smmap_core::guard::truncations() >= before);
/// ```
pub fn truncations() -> usize {
    TRUNCATIONS.load(Ordering::Acquire)
}

/// A region's entry in the table; dropping it stops guarding the range.
#[derive(Debug)]
pub struct Guard {
    slot: usize,
}

impl Guard {
    /// Guards `[start, start + len)`, installing the handler on first use. `None` when the
    /// table is full, on platforms without `SIGBUS`, or for an empty range.
    pub fn register(start: *const u8, len: usize) -> Option<Guard> {
        if len == 0 || !install() {
            return None;
        }
        // A plain load first: a failed compare-exchange on every taken slot would cost a
        // locked instruction each.
        let slot = TABLE.iter().position(|slot| {
            slot.start.load(Ordering::Relaxed) == 0
                && slot
                    .start
                    .compare_exchange(0, BUSY, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
        })?;
        let entry = &TABLE[slot];
        entry.truncated.store(false, Ordering::Relaxed);
        entry.flag.store(std::ptr::null_mut(), Ordering::Relaxed);
        entry.end.store(start as usize + len, Ordering::Relaxed);
        entry.start.store(start as usize, Ordering::Release);
        Some(Guard { slot })
    }

    /// The table index, which hosts use to find the region's flag byte.
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// Whether a read past the file's end was turned into zeros.
    pub fn is_truncated(&self) -> bool {
        TABLE[self.slot].truncated.load(Ordering::Acquire)
    }

    /// Points the guard at a byte the host reads to learn of truncation without a call; it is
    /// set at once if the region is already truncated. `None` detaches the byte.
    ///
    /// # Safety
    ///
    /// The byte must stay valid until this guard is dropped or pointed elsewhere: the signal
    /// handler may write it at any time.
    pub unsafe fn set_flag(&self, flag: Option<&AtomicU8>) {
        let pointer = flag.map_or(std::ptr::null_mut(), |f| {
            f as *const AtomicU8 as *mut AtomicU8
        });
        TABLE[self.slot].flag.store(pointer, Ordering::Release);
        if let Some(flag) = flag {
            flag.store(u8::from(self.is_truncated()), Ordering::Release);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let entry = &TABLE[self.slot];
        entry.start.store(BUSY, Ordering::Release);
        entry.flag.store(std::ptr::null_mut(), Ordering::Release);
        entry.end.store(0, Ordering::Relaxed);
        entry.start.store(0, Ordering::Release);
    }
}

/// The slot guarding `address`, if any. Async-signal-safe: atomic loads only.
fn find(address: usize) -> Option<&'static Slot> {
    TABLE.iter().find(|slot| {
        let start = slot.start.load(Ordering::Acquire);
        start != 0
            && start != BUSY
            && start <= address
            && address < slot.end.load(Ordering::Acquire)
    })
}

/// Installs [`on_fault`] once per process; false where there is nothing to guard against.
fn install() -> bool {
    PAGE.get_or_init(|| crate::util::allocation_granularity() as usize);
    crate::os::install_fault_handler(on_fault)
}

static PAGE: OnceLock<usize> = OnceLock::new();

/// The fault handler: a fault inside a guarded range gets a zero page and marks the region
/// truncated; any other fault is not ours. Async-signal-safe: atomics and one `mmap`.
fn on_fault(address: usize) -> bool {
    let Some(slot) = find(address) else {
        return false;
    };
    let page_size = *PAGE.get().unwrap_or(&4096);
    // SAFETY: `address` lies inside a mapping this crate made and still owns: the slot stays
    // registered until the region is dropped, which unregisters it before unmapping.
    if !unsafe { crate::os::zero_page(address, page_size) } {
        return false;
    }
    slot.truncated.store(true, Ordering::Release);
    TRUNCATIONS.fetch_add(1, Ordering::Release);
    let flag = slot.flag.load(Ordering::Acquire);
    if !flag.is_null() {
        // SAFETY: `set_flag`'s contract keeps the byte valid while registered.
        unsafe { (*flag).store(1, Ordering::Release) };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)] // Windows refuses to truncate a mapped file: nothing is guarded there
    fn registered_ranges_are_found_until_dropped() {
        let bytes = [0u8; 100];
        let guard = Guard::register(bytes.as_ptr(), bytes.len()).expect("a free slot");
        let start = bytes.as_ptr() as usize;
        assert!(find(start).is_some());
        assert!(find(start + 99).is_some());
        assert!(find(start + 100).is_none());
        assert!(!guard.is_truncated());
        let flag = AtomicU8::new(7);
        // SAFETY: `flag` outlives the guard.
        unsafe { guard.set_flag(Some(&flag)) };
        assert_eq!(flag.load(Ordering::Relaxed), 0, "set to the current state");
        drop(guard);
        assert!(find(start).is_none());
    }
}
