//! The budgets: which unused regions go, and when. A region is unused when its client count
//! is exactly 1 (only the manager's hold); orphans are never candidates because the manager
//! no longer holds them.

use super::{Manager, RegionId};

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

    /// The unused region with the oldest use stamp (smmap took the first one it found).
    fn least_recently_used(&self) -> Option<RegionId> {
        self.unused()
            .min_by_key(|(_, slot)| slot.last_used)
            .map(|(&id, _)| id)
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
