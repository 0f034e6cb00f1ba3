//! Giving back the pages of let-go windows in batches. A window the manager lets go of while a
//! Buffer over it lives stays mapped until V8 collects that Buffer, which in a synchronous
//! loop may be thousands of windows later; its clean pages are given back meanwhile so memory
//! stays near the budget. Each give-back costs a system call and, because Node has threads
//! on the other CPUs, an interrupt to each of them to flush its TLB: measured on a random
//! 4 KiB read that misses its 1 MiB window, about a third of the miss. Let-go windows are
//! mostly neighbours in memory (the OS places consecutive mappings side by side), so a batch
//! of them is given back with about one call.
//!
//! The batch is bounded in bytes of windows, so pages held back at any time are at most a
//! quarter of the budget, and never more than [`MOST_HELD_BACK`].

use std::sync::MutexGuard;

use smmap_core::Region;

use crate::view::Heir;

/// The most bytes of let-go windows whose pages wait to be given back.
pub const MOST_HELD_BACK: u64 = 16 << 20;

/// Let-go regions whose pages are still resident, until they add up to the limit.
pub struct PageRelease {
    waiting: Vec<Heir>,
    bytes: u64,
    limit: u64,
}

impl PageRelease {
    /// A batch for a manager with memory budget `budget`: windows of a quarter of the budget
    /// or more (and of [`MOST_HELD_BACK`] or more) are given back at once, as each goes.
    pub fn new(budget: u64) -> Self {
        Self {
            waiting: Vec::new(),
            bytes: 0,
            limit: (budget / 4).min(MOST_HELD_BACK),
        }
    }

    /// Adds a region of `size` bytes that just went to `heir`; gives the batch back once it
    /// reaches the limit.
    pub fn add(&mut self, heir: Heir, size: u64) {
        self.waiting.push(heir);
        self.bytes += size;
        if self.bytes >= self.limit {
            self.flush();
        }
    }

    /// Gives back the clean resident pages of every waiting region that is still mapped.
    pub fn flush(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        // Each region stays mapped until its pages are given back: the batch holds a share of
        // its bequest, which unmaps it only when the last share goes (see `view.rs`).
        let slots: Vec<MutexGuard<'_, _>> = self.waiting.iter().map(|heir| heir.region()).collect();
        let regions: Vec<&Region> = slots
            .iter()
            .filter_map(|slot| slot.as_ref().map(|(region, _)| region))
            .collect();
        Region::release_pages_together(&regions);
        drop(regions);
        drop(slots);
        self.waiting.clear();
        self.bytes = 0;
    }
}

/// Gives back the clean resident pages of one let-go region now, for a region no manager
/// batches (a standalone `NativeRegion`).
pub fn release_now(heir: &Heir) {
    if let Some((region, _)) = heir.region().as_ref() {
        region.release_pages();
    }
}

impl Drop for PageRelease {
    fn drop(&mut self) {
        self.flush();
    }
}
