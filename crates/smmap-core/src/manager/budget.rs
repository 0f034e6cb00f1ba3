//! The budgets: which unused regions go, and when. A region is unused when its client count
//! is exactly 1 (only the manager's hold) and it is still listed; orphans are never
//! candidates because the manager no longer holds them.
//!
//! Eviction takes the unused region with the oldest use stamp from a min-heap of
//! `(stamp, id)` entries, so a miss with many regions costs O(log n) instead of a scan of
//! every region. Entries are pushed whenever a region becomes unused and are never updated
//! in place: an entry whose region has gone, is used again or was stamped anew since is
//! stale and skipped when it reaches the top. The heap is rebuilt when stale entries
//! outnumber live regions, so it stays O(n) in size.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Manager, RegionId};

/// Unused-region candidates, oldest use stamp first (lazily pruned; see the module docs).
#[derive(Default)]
pub(super) struct IdleQueue(BinaryHeap<Reverse<(u64, RegionId)>>);

impl Manager {
    /// Retires unused regions, least recently used first, while `size == 0` or mapping
    /// `size` more bytes would exceed the memory budget.
    pub(super) fn evict_lru(&mut self, size: u64, count_as_evictions: bool) -> usize {
        let mut retired = 0;
        while size == 0 || self.mapped_bytes.saturating_add(size) > self.config.max_memory_size {
            let Some(victim) = self.least_recently_used() else {
                break;
            };
            self.drop_manager_hold(victim, count_as_evictions);
            retired += 1;
        }
        retired
    }

    /// Retires every unused region at once (order does not matter when all go).
    pub(super) fn retire_all_unused(&mut self, count_as_evictions: bool) -> usize {
        let victims: Vec<RegionId> = self.unused().map(|(&id, _)| id).collect();
        for &victim in &victims {
            self.drop_manager_hold(victim, count_as_evictions);
        }
        victims.len()
    }

    /// smmap's memory pre-check before planning a region of about `size` bytes.
    pub(super) fn make_room_for(&mut self, size: u64) {
        if self.mapped_bytes.saturating_add(size) > self.config.max_memory_size {
            self.evict_lru(size, true);
        }
    }

    /// Records that `id` may have become unused (admitted, or let go down to the manager's
    /// hold), as a candidate stamped with its last use.
    pub(super) fn mark_idle(&mut self, id: RegionId) {
        let Some(slot) = self.slots.get(&id) else {
            return;
        };
        if !(slot.listed && slot.region.client_count() == 1) {
            return;
        }
        self.idle.0.push(Reverse((slot.last_used, id)));
        if self.idle.0.len() > 2 * self.slots.len() + 64 {
            self.rebuild_idle();
        }
    }

    /// Drops the stale entries: one entry per region unused now.
    fn rebuild_idle(&mut self) {
        let live = self
            .unused()
            .map(|(&id, slot)| Reverse((slot.last_used, id)));
        self.idle.0 = live.collect();
    }

    /// The unused region with the oldest use stamp (smmap took the first one it found),
    /// taken off the queue.
    fn least_recently_used(&mut self) -> Option<RegionId> {
        while let Some(Reverse((stamp, id))) = self.idle.0.pop() {
            let current = self.slots.get(&id).is_some_and(|slot| {
                slot.last_used == stamp && slot.listed && slot.region.client_count() == 1
            });
            if current {
                return Some(id);
            }
        }
        None
    }

    /// Regions only the manager holds (count 1) and that are still in a list: the only
    /// candidates for eviction and collection.
    fn unused(&self) -> impl Iterator<Item = (&RegionId, &super::book::Slot)> {
        self.slots
            .iter()
            .filter(|(_, slot)| slot.listed && slot.region.client_count() == 1)
    }

    /// The manager lets go of an unused region: its count drops to 0 and it is retired.
    fn drop_manager_hold(&mut self, id: RegionId, count_as_eviction: bool) {
        if let Some(slot) = self.slots.get_mut(&id) {
            // Candidates have count 1, so this reaches 0 and cannot fail.
            let _ = slot.region.increment_client_count(-1);
        }
        self.retire(id);
        if count_as_eviction {
            self.evictions += 1;
        }
    }
}
