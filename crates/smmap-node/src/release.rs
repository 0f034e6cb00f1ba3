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
//! quarter of the budget, and never more than [`MOST_HELD_BACK`]. Windows a sequential pass has
//! moved past ([`PassedBehind`]) are batched the same way, under the same bound: they stay the
//! manager's, mapped and cached, and a long pass leaves one behind for every window it reads.

use std::sync::MutexGuard;

use smmap_core::{Region, RegionId};

use crate::view::Heir;

/// The most bytes of let-go windows whose pages wait to be given back.
pub const MOST_HELD_BACK: u64 = 16 << 20;

/// Let-go regions whose pages are still resident, until they add up to the limit.
pub struct PageRelease {
    batch: Batch<Heir>,
}

impl PageRelease {
    /// A batch for a manager with memory budget `budget`: windows of a quarter of the budget
    /// or more (and of [`MOST_HELD_BACK`] or more) are given back at once, as each goes.
    pub fn new(budget: u64) -> Self {
        Self {
            batch: Batch::new(budget),
        }
    }

    /// Adds a region of `size` bytes that just went to `heir`; gives the batch back once it
    /// reaches the limit.
    pub fn add(&mut self, heir: Heir, size: u64) {
        if let Some(full) = self.batch.add(heir, size) {
            give_back(&full);
        }
    }

    /// Gives back the clean resident pages of every waiting region that is still mapped.
    pub fn flush(&mut self) {
        give_back(&self.batch.take());
    }
}

/// Gives back the clean resident pages of every region of `heirs` that is still mapped. Each
/// stays mapped until then: the batch holds a share of its bequest, which unmaps it only when
/// the last share goes (see `view.rs`).
fn give_back(heirs: &[Heir]) {
    if heirs.is_empty() {
        return;
    }
    let slots: Vec<MutexGuard<'_, _>> = heirs.iter().map(|heir| heir.region()).collect();
    let regions: Vec<&Region> = slots
        .iter()
        .filter_map(|slot| slot.as_ref().map(|(region, _)| region))
        .collect();
    Region::release_pages_together(&regions);
}

/// Windows a pass moved past, still the manager's, whose clean pages are yet to be given back:
/// one call per window cost a pass over a written file with 1 MiB windows about a sixth of its
/// CPU time. The manager gives them back (`Manager::release_pages_of`), skipping any it has
/// let go of since (those go with the let-go batch) or that a cursor uses again.
pub type PassedBehind = Batch<RegionId>;

/// Windows waiting for their pages to be given back together, until they add up to a quarter
/// of the budget (at most [`MOST_HELD_BACK`]).
pub struct Batch<T> {
    waiting: Vec<T>,
    bytes: u64,
    limit: u64,
}

impl<T> Batch<T> {
    /// A batch for a manager with memory budget `budget`.
    pub fn new(budget: u64) -> Self {
        Self {
            waiting: Vec::new(),
            bytes: 0,
            limit: (budget / 4).min(MOST_HELD_BACK),
        }
    }

    /// Adds a window of `size` bytes; once the batch reaches the limit, returns it to be given
    /// back (and starts a new one).
    pub fn add(&mut self, window: T, size: u64) -> Option<Vec<T>> {
        self.waiting.push(window);
        self.bytes += size;
        (self.bytes >= self.limit).then(|| self.take())
    }

    /// The windows waiting, to be given back now.
    pub fn take(&mut self) -> Vec<T> {
        self.bytes = 0;
        std::mem::take(&mut self.waiting)
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
