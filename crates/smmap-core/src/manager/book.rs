//! Bookkeeping: per-file region lists, the region table and the counters. Every region
//! enters through `admit` and leaves through `retire`, so the counters cannot drift.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::{FileId, Manager, RegionId};
use crate::error::Result;
use crate::region::{FileKey, Region};
use crate::util::{to_i64, MapWindow};

/// One file: its key, its cached size and its regions sorted by start offset.
pub(super) struct FileEntry {
    pub(super) key: FileKey,
    pub(super) size: Option<u64>,
    pub(super) regions: Vec<RegionId>,
}

impl FileEntry {
    pub(super) fn new(key: FileKey) -> Self {
        FileEntry {
            key,
            size: None,
            regions: Vec::new(),
        }
    }
}

/// The region table. Region ids are a counter, so SipHash's defence against chosen keys buys
/// nothing here; a multiplicative hash makes each of the several lookups per miss cheap.
pub(super) type SlotMap = HashMap<RegionId, Slot, BuildHasherDefault<RegionIdHasher>>;

/// Fibonacci hashing of a region id: the multiplication spreads sequential ids over the high
/// bits the table probes with.
#[derive(Default)]
pub(super) struct RegionIdHasher(u64);

impl Hasher for RegionIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = (self.0 ^ id).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A counted region. `listed` is false for an orphan: a region pushed out of its list by a
/// newer overlapping one while cursors still used it; it stays counted until they let go.
pub(super) struct Slot {
    pub(super) region: Region,
    pub(super) file: FileId,
    pub(super) last_used: u64,
    pub(super) listed: bool,
}

impl Manager {
    /// Reads the file's size from the OS and caches it.
    pub(super) fn refresh_file_size(&mut self, file: FileId) -> Result<u64> {
        let size = crate::region::file_size(&self.entry(file).key)?;
        self.entry_mut(file).size = Some(size);
        Ok(size)
    }

    /// The file size if `offset` lies inside the file. Past the cached size the size is read
    /// again first, because files grow (smmap cached it forever).
    pub(super) fn size_covering(&mut self, file: FileId, offset: u64) -> Result<Option<u64>> {
        let mut size = self.file_size(file)?;
        if offset >= size {
            size = self.refresh_file_size(file)?;
        }
        Ok((offset < size).then_some(size))
    }

    /// smmap's cursor clamp: `min(size or file_size, window_size or file_size)`.
    pub(super) fn clamp_request(&self, size: u64, file_size: u64) -> u64 {
        let requested = if size == 0 { file_size } else { size };
        let window = match self.config.window_size {
            0 => file_size,
            window => window,
        };
        requested.min(window)
    }

    /// Records a cursor taking a region: client count +1, recency, hit or miss.
    pub(super) fn count_use(&mut self, id: RegionId, reused: bool) -> Result<()> {
        let stamp = self.tick();
        let slot = self.slots.get_mut(&id).expect("obtained region is tracked");
        slot.region.increment_client_count(1)?;
        slot.last_used = stamp;
        if reused {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        Ok(())
    }

    /// Takes a freshly mapped region into the file's list (kept sorted) and the counters.
    pub(super) fn admit(&mut self, file: FileId, region: Region) -> RegionId {
        let id = self.next_region_id;
        self.next_region_id += 1;
        let position = self.insert_position(file, region.ofs_begin());
        self.mapped_bytes += region.size();
        self.peak_mapped_bytes = self.peak_mapped_bytes.max(self.mapped_bytes);
        self.entry_mut(file).regions.insert(position, id);
        let last_used = self.tick();
        let slot = Slot {
            region,
            file,
            last_used,
            listed: true,
        };
        self.slots.insert(id, slot);
        self.mark_idle(id);
        id
    }

    /// Takes a region out of its list and the counters and queues it for unmapping.
    pub(super) fn retire(&mut self, id: RegionId) {
        let Some(slot) = self.slots.get(&id) else {
            return;
        };
        if slot.listed {
            self.unlist(slot.file, id);
        }
        let slot = self.slots.remove(&id).expect("checked above");
        self.mapped_bytes -= slot.region.size();
        self.retired.push((id, slot.region));
    }

    /// Makes room for a region that supersedes `id`: an unused region is retired; a used
    /// one leaves its list and loses the manager's hold, so it unmaps when its last cursor
    /// lets go, and is counted until then.
    pub(super) fn displace(&mut self, id: RegionId) {
        let slot = self
            .slots
            .get_mut(&id)
            .expect("displaced region is tracked");
        if slot.region.client_count() <= 1 {
            self.retire(id);
            return;
        }
        // The count is at least 2 here, so dropping the manager's 1 cannot reach 0.
        let _ = slot.region.increment_client_count(-1);
        let file = slot.file;
        self.unlist(file, id);
        self.slots.get_mut(&id).expect("still tracked").listed = false;
    }

    /// Takes listed region `id` out of its file's list, found by binary search on its start.
    fn unlist(&mut self, file: FileId, id: RegionId) {
        let start = self.slots[&id].region.ofs_begin();
        let position = self.insert_position(file, start);
        let regions = &mut self.entry_mut(file).regions;
        match position.checked_sub(1).filter(|&at| regions[at] == id) {
            Some(at) => {
                regions.remove(at);
            }
            // Never reached while the list is sorted without overlaps; kept for safety.
            None => regions.retain(|&listed| listed != id),
        }
    }

    /// The listed region of `file` containing `offset`, by binary search.
    pub(super) fn find_region(&self, file: FileId, offset: u64) -> Option<RegionId> {
        let candidate = self.last_starting_at_or_before(file, offset)?;
        let includes = self.slots[&candidate].region.includes_ofs(to_i64(offset));
        includes.then_some(candidate)
    }

    /// The listed region of `file` with the greatest start not after `offset`.
    fn last_starting_at_or_before(&self, file: FileId, offset: u64) -> Option<RegionId> {
        let position = self.insert_position(file, offset);
        self.entry(file)
            .regions
            .get(position.checked_sub(1)?)
            .copied()
    }

    /// Index of the first listed region starting after `offset`.
    pub(super) fn insert_position(&self, file: FileId, offset: u64) -> usize {
        let slots = &self.slots;
        self.entry(file)
            .regions
            .partition_point(|id| slots[id].region.ofs_begin() <= offset)
    }

    /// The windows bounding a new region at `offset`: the previous region (or the file
    /// start) and the next region (or the end of the file).
    pub(super) fn neighbours(
        &self,
        file: FileId,
        offset: u64,
        file_size: u64,
    ) -> (MapWindow, MapWindow) {
        let regions = &self.entry(file).regions;
        let position = self.insert_position(file, offset);
        let window_of = |index: usize| MapWindow::from_region(&self.slots[&regions[index]].region);
        let left = match position {
            0 => MapWindow::new(0, 0),
            _ => window_of(position - 1),
        };
        let right = match regions.get(position) {
            Some(_) => window_of(position),
            None => MapWindow::new(to_i64(file_size), 0),
        };
        (left, right)
    }

    /// The listed region a new region starting at `start` would overlap from the left: only
    /// one that ended at an old, unaligned end of the file before it grew.
    pub(super) fn overlapped_predecessor(&self, file: FileId, start: u64) -> Option<RegionId> {
        let previous = self.last_starting_at_or_before(file, start)?;
        (self.slots[&previous].region.ofs_end() > start).then_some(previous)
    }

    /// Regions of path-keyed files under `base_path` (string prefix, as smmap compares).
    #[cfg_attr(not(windows), allow(dead_code))]
    pub(super) fn regions_under(&self, base_path: &std::path::Path) -> Vec<RegionId> {
        let base = base_path.to_string_lossy();
        let under = |key: &FileKey| match key {
            FileKey::Path(path) => path.to_string_lossy().starts_with(base.as_ref()),
            FileKey::Fd(_) => false,
        };
        self.slots
            .iter()
            .filter(|(_, slot)| under(&self.entry(slot.file).key))
            .map(|(&id, _)| id)
            .collect()
    }

    /// Windows: an open mapping blocks deleting the file, so release them all on request.
    #[cfg(windows)]
    pub(super) fn release_under(&mut self, base_path: &std::path::Path) -> usize {
        let ids = self.regions_under(base_path);
        for &id in &ids {
            self.retire(id);
        }
        ids.len()
    }

    /// Elsewhere mappings never block deletion: nothing to do (smmap returns None).
    #[cfg(not(windows))]
    pub(super) fn release_under(&mut self, _base_path: &std::path::Path) -> usize {
        0
    }
}
