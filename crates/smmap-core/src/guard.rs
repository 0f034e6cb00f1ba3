//! Survival of a file truncated while it is mapped.
//!
//! Reading a mapped page that lies past a file's new end raises `SIGBUS`, which kills the
//! process (smmap, memmap2 and SQLite all die this way). JavaScript reads our mappings
//! directly, so a handler cannot unwind anywhere: it must make the access succeed. Every
//! region registers its address range in a lock-free table; the `SIGBUS` handler looks the
//! faulting address up there, replaces that page with a zero page (anonymous, `MAP_FIXED`),
//! marks the region truncated and returns, so the read is retried and sees zeros. A signal
//! that is not ours (another mapping's fault, `kill -BUS`) goes where it would have gone
//! without us: to the previous handler, or to the default action.
//!
//! The table grows in chunks that are never freed, so the handler can read it without
//! locks and any number of regions can be guarded. Registering and unregistering take a
//! mutex (never held by the handler) to find a free slot.
//!
//! ```no_run
//! # let region = smmap_core::Region::map(&smmap_core::FileKey::Fd(3), 0, 0, 0).unwrap();
//! // ... another process truncates the file, then a read of the lost bytes gives zeros ...
//! if region.is_truncated() {
//!     // report it instead of handing out more zeros
//! }
//! ```

use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Slots per chunk of the table; hosts that keep a flag byte per slot can do so per chunk.
pub const CHUNK_SLOTS: usize = 4096;

/// Chunks the table can grow to: 64 Mi regions, far beyond what an OS maps for one process
/// (Linux's `vm.max_map_count` defaults to 65530).
const MAX_CHUNKS: usize = 16384;

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

#[allow(clippy::declare_interior_mutable_const)] // only used to initialise chunks
const FREE_SLOT: Slot = Slot {
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    truncated: AtomicBool::new(false),
    flag: AtomicPtr::new(ptr::null_mut()),
};

type Chunk = [Slot; CHUNK_SLOTS];

/// The table: chunk pointers, each null until that chunk is first needed, then fixed for the
/// life of the process.
static CHUNKS: [AtomicPtr<Chunk>; MAX_CHUNKS] =
    [const { AtomicPtr::new(ptr::null_mut()) }; MAX_CHUNKS];

/// Slots ever handed out and those given back, for registration (the handler never locks it).
struct Allocation {
    issued: usize,
    free: Vec<usize>,
}

static ALLOCATION: Mutex<Allocation> = Mutex::new(Allocation {
    issued: 0,
    free: Vec::new(),
});

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
    /// Guards `[start, start + len)`, installing the handler on first use and again if other
    /// code has replaced it since. `None` on platforms without `SIGBUS`, for an empty range,
    /// or if the table reached its (far) limit.
    pub fn register(start: *const u8, len: usize) -> Option<Guard> {
        if len == 0 || !install() {
            return None;
        }
        let index = take_slot()?;
        let entry = slot(index);
        entry.truncated.store(false, Ordering::Relaxed);
        entry.flag.store(ptr::null_mut(), Ordering::Relaxed);
        entry.end.store(start as usize + len, Ordering::Relaxed);
        entry.start.store(start as usize, Ordering::Release);
        Some(Guard { slot: index })
    }

    /// The table index, which hosts use to find the region's flag byte.
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// Whether a read past the file's end was turned into zeros.
    pub fn is_truncated(&self) -> bool {
        slot(self.slot).truncated.load(Ordering::Acquire)
    }

    /// Points the guard at a byte the host reads to learn of truncation without a call; it is
    /// set at once if the region is already truncated. `None` detaches the byte.
    ///
    /// # Safety
    ///
    /// The byte must stay valid until this guard is dropped or pointed elsewhere: the signal
    /// handler may write it at any time.
    pub unsafe fn set_flag(&self, flag: Option<&AtomicU8>) {
        let pointer = flag.map_or(ptr::null_mut(), |f| f as *const AtomicU8 as *mut AtomicU8);
        slot(self.slot).flag.store(pointer, Ordering::Release);
        if let Some(flag) = flag {
            flag.store(u8::from(self.is_truncated()), Ordering::Release);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let entry = slot(self.slot);
        entry.start.store(BUSY, Ordering::Release);
        entry.flag.store(ptr::null_mut(), Ordering::Release);
        entry.end.store(0, Ordering::Relaxed);
        entry.start.store(0, Ordering::Release);
        allocation().free.push(self.slot);
    }
}

fn allocation() -> std::sync::MutexGuard<'static, Allocation> {
    // A panic while it was held cannot leave it inconsistent: both fields are updated last.
    ALLOCATION
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A free slot, growing the table by a chunk when every issued slot is taken.
fn take_slot() -> Option<usize> {
    let mut allocation = allocation();
    if let Some(index) = allocation.free.pop() {
        return Some(index);
    }
    let index = allocation.issued;
    let chunk = index / CHUNK_SLOTS;
    if chunk >= MAX_CHUNKS {
        return None;
    }
    if CHUNKS[chunk].load(Ordering::Acquire).is_null() {
        let fresh: &'static mut Chunk = Box::leak(Box::new([FREE_SLOT; CHUNK_SLOTS]));
        CHUNKS[chunk].store(fresh, Ordering::Release);
    }
    allocation.issued += 1;
    Some(index)
}

/// The slot at `index`, which was issued (so its chunk exists).
fn slot(index: usize) -> &'static Slot {
    let chunk = CHUNKS[index / CHUNK_SLOTS].load(Ordering::Acquire);
    // SAFETY: the index was issued by `take_slot`, which published its chunk before; chunks
    // are leaked, never freed or moved.
    unsafe { &(*chunk)[index % CHUNK_SLOTS] }
}

/// The slot guarding `address`, if any. Async-signal-safe: atomic loads only.
fn find(address: usize) -> Option<&'static Slot> {
    for pointer in &CHUNKS {
        let chunk = pointer.load(Ordering::Acquire);
        if chunk.is_null() {
            return None;
        }
        // SAFETY: a published chunk lives (unmoved) for the rest of the process.
        let found = unsafe { &*chunk }.iter().find(|slot| {
            let start = slot.start.load(Ordering::Acquire);
            start != 0
                && start != BUSY
                && start <= address
                && address < slot.end.load(Ordering::Acquire)
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Installs [`on_fault`], or installs it again if other code changed the disposition since;
/// false where there is nothing to guard against.
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
    #[cfg(not(unix))]
    fn nothing_is_guarded_where_a_mapped_file_cannot_be_truncated() {
        let bytes = [0u8; 100];
        assert!(Guard::register(bytes.as_ptr(), bytes.len()).is_none());
        assert!(find(bytes.as_ptr() as usize).is_none());
    }

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

    #[test]
    #[cfg(unix)]
    fn more_regions_than_a_chunk_are_guarded() {
        let bytes = vec![0u8; CHUNK_SLOTS + 10];
        let guards: Vec<Guard> = (0..bytes.len())
            .map(|i| Guard::register(bytes[i..].as_ptr(), 1).expect("the table grows"))
            .collect();
        let last = bytes.as_ptr() as usize + bytes.len() - 1;
        assert!(
            find(last).is_some(),
            "a region past the first chunk is found"
        );
        drop(guards);
        assert!(find(last).is_none());
    }
}
