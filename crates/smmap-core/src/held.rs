//! The descriptor a manager holds on a file while it has regions, and [`ReadHandle`]s on it:
//! positional reads of that same file that need no call into the manager, for the binding's
//! small reads outside every window, where a call's own cost rivals the read's.
//!
//! The manager stays the descriptor's one owner. A handle shares only a slot naming it, which
//! the owner empties before it closes the descriptor, under a lock a read holds for its whole
//! system call: a handle reads the file it was given or reports it gone, never whatever file
//! the descriptor number names next.

use std::fs::File;
use std::sync::{Arc, PoisonError, RwLock};

use crate::error::{Error, Result};
use crate::os::{self, RawFile};

/// The raw descriptor a slot names.
#[derive(Clone, Copy)]
struct Raw(RawFile);

// SAFETY: a raw descriptor is a plain value (a number, or a handle value on Windows); every
// use of it goes through the slot's lock, which its owner empties before closing it.
unsafe impl Send for Raw {}
// SAFETY: as above: shared access only reads the value, under the lock.
unsafe impl Sync for Raw {}

type Slot = Arc<RwLock<Option<Raw>>>;

/// The descriptor held for a file, with the slot its handles share once one was asked for.
pub(crate) struct HeldDescriptor {
    file: File,
    slot: Option<Slot>,
}

impl HeldDescriptor {
    pub(crate) fn new(file: File) -> Self {
        HeldDescriptor { file, slot: None }
    }

    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// A handle that reads through this descriptor while it stays open.
    pub(crate) fn read_handle(&mut self) -> ReadHandle {
        let raw = Raw(os::raw_file(&self.file));
        ReadHandle(Arc::clone(
            self.slot
                .get_or_insert_with(|| Arc::new(RwLock::new(Some(raw)))),
        ))
    }
}

impl Drop for HeldDescriptor {
    fn drop(&mut self) {
        // Emptied before `file` closes (fields drop after this), and only once no read holds
        // the lock: no handle can reach the number after it is reused.
        if let Some(slot) = &self.slot {
            *slot.write().unwrap_or_else(PoisonError::into_inner) = None;
        }
    }
}

/// Positional reads of a file through the descriptor its manager holds, for as long as it
/// holds it (see the module's documentation); from `Manager::read_handle`.
pub struct ReadHandle(Slot);

impl ReadHandle {
    /// Reads up to `target.len()` bytes at `offset`: how many (0 at or past the end), or
    /// `None` once the manager has closed the descriptor (ask it for a handle again).
    pub fn read_at(&self, target: &mut [u8], offset: u64) -> Option<Result<usize>> {
        let slot = self.0.read().unwrap_or_else(PoisonError::into_inner);
        let raw = (*slot)?;
        // SAFETY: the descriptor is open: its owner empties the slot before closing it, and
        // cannot while this read holds the lock.
        let read = unsafe { os::read_raw_at(raw.0, target, offset) };
        Some(read.map_err(|e| Error::io(e, "read", None)))
    }
}
