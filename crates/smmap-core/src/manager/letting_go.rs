//! How regions leave the manager: evicted to keep a budget, collected, forced out (Windows),
//! or all at once on close. Each goes through `retire`, which takes it off the table's
//! books and hands it to the [`Retire`] policy. Also how a region's pages leave while it
//! stays (`release_pages_of`, for a pass that has moved on).

use super::{Manager, Retire};
use crate::ids::RegionId;
use crate::region::Region;

impl<R: Retire> Manager<R> {
    /// Retires every region no cursor uses and returns how many. Not counted as evictions;
    /// idempotent; 0 after close.
    pub fn collect(&mut self) -> usize {
        let collected = self.retire_all_unused(false);
        self.table.release_idle_descriptors();
        collected
    }

    /// smmap's `_collect_lru_region(size)` with true LRU: while `size == 0` or
    /// `mapped + size > max_memory_size`, retire the unused region (client count 1) used
    /// longest ago; stop when none is left. Returns how many went; they count as evictions
    /// only when `size > 0`.
    pub fn collect_lru_region(&mut self, size: u64) -> usize {
        let collected = self.evict_lru(size, size > 0);
        self.table.release_idle_descriptors();
        collected
    }

    /// On Windows, where a mapped file cannot be deleted: releases every region (used or
    /// not) of path-keyed files whose path starts with `base_path`. Elsewhere mappings never
    /// block deletion: 0, nothing unmapped (smmap returns None).
    pub fn force_map_handle_removal_win(&mut self, base_path: &std::path::Path) -> usize {
        if !cfg!(windows) {
            return 0;
        }
        let ids = self.table.regions_under(base_path);
        for &id in &ids {
            if let Some(region) = self.table.retire(id, false) {
                self.retire.retire(id, region, true);
            }
        }
        self.table.release_idle_descriptors();
        ids.len()
    }

    /// Retires everything; later calls that would map return `Err(Closed)`; `collect`,
    /// `close` and `unuse_region` stay `Ok`. Idempotent.
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// manager.close();
    /// assert!(manager.is_closed() && manager.file(smmap_core::FileKey::Fd(3)).is_err());
    /// ```
    pub fn close(&mut self) {
        for id in self.table.ids() {
            self.retire(id, false);
        }
        self.table.release_descriptors();
        self.closed = true;
    }

    /// Gives back the resident pages of `regions` while they stay mapped and cached, for those
    /// no cursor uses: a pass over more than the budget, once past a window, would see it
    /// evicted before coming back to it, so its pages need not stay resident meanwhile. Pages
    /// written into stay. Given back together: neighbours in memory (a pass's windows mostly
    /// are) with one call (see [`Region::release_pages_together`]). Regions unknown by now (let
    /// go of since) or in use are skipped. Returns how many were given back.
    pub fn release_pages_of(&mut self, regions: &[RegionId]) -> usize {
        let unused: Vec<&Region> = regions
            .iter()
            .filter_map(|&id| self.table.region(id))
            .filter(|r| r.client_count() == 1)
            .collect();
        Region::release_pages_together(&unused);
        unused.len()
    }

    /// Makes room for a region that supersedes `id`: an unused region is retired; a used
    /// one becomes an orphan that unmaps when its last cursor lets go.
    pub(super) fn displace(&mut self, id: RegionId) {
        let used = self.table.region(id).is_some_and(|r| r.client_count() > 1);
        if used {
            self.table.orphan(id);
        } else {
            self.retire(id, false);
        }
    }

    /// smmap's memory pre-check before planning a region of about `size` bytes.
    pub(super) fn make_room_for(&mut self, size: u64) {
        if self.table.mapped_bytes().saturating_add(size) > self.config.max_memory_size {
            self.evict_lru(size, true);
        }
    }

    /// Retires unused regions, least recently used first, while `size == 0` or mapping
    /// `size` more bytes would exceed the memory budget.
    pub(super) fn evict_lru(&mut self, size: u64, count_as_evictions: bool) -> usize {
        let mut retired = 0;
        while size == 0
            || self.table.mapped_bytes().saturating_add(size) > self.config.max_memory_size
        {
            let Some(victim) = self.eviction.least_recently_used(&self.table) else {
                break;
            };
            self.drop_hold(victim, count_as_evictions);
            retired += 1;
        }
        retired
    }

    /// Retires every unused region at once (order does not matter when all go).
    pub(super) fn retire_all_unused(&mut self, count_as_evictions: bool) -> usize {
        let victims: Vec<RegionId> = self.table.idle().map(|(id, _)| id).collect();
        for &victim in &victims {
            self.drop_hold(victim, count_as_evictions);
        }
        victims.len()
    }

    /// The manager lets go of an unused region: its count drops from 1 to 0 and it retires.
    pub(super) fn drop_hold(&mut self, id: RegionId, evicted: bool) {
        let _ = self.table.add_clients(id, -1, false);
        self.retire(id, evicted);
    }

    /// Takes `id` out of the books and hands it to the retirement policy; false if unknown.
    pub(super) fn retire(&mut self, id: RegionId, evicted: bool) -> bool {
        match self.table.retire(id, evicted) {
            Some(region) => {
                self.retire.retire(id, region, false);
                true
            }
            None => false,
        }
    }
}
