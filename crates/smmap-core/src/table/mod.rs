//! The region table: every mapped region a manager counts, each file's regions sorted by
//! offset, the files' cached sizes and the counters. Its fields are private, and the counters
//! change only in [`RegionTable::admit`], [`RegionTable::retire`] and
//! [`RegionTable::record_use`], so they cannot drift from what is mapped. The files' side
//! (ids, readers, identities, held descriptors, sizes) is in `files.rs`.

mod files;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use self::files::{FileEntry, Listed};
use crate::config::Stats;
use crate::error::Result;
use crate::ids::{FileId, RegionId};
use crate::region::Region;
use crate::source::FileKey;
use crate::util::{saturating_i64, MapWindow};

/// A counted region. `listed` is false for an orphan: a region pushed out of its list by a
/// newer overlapping one while cursors still used it; it stays counted until they let go.
struct Entry {
    region: Region,
    file: FileId,
    last_used: u64,
    listed: bool,
}

/// Region ids are a counter, so SipHash's defence against chosen keys buys nothing here;
/// Fibonacci hashing (one multiplication) spreads sequential ids over the bits the table
/// probes with and keeps each of the several lookups per miss cheap.
#[derive(Default)]
struct RegionIdHasher(u64);

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

#[derive(Default)]
pub(crate) struct RegionTable {
    /// Indexed by file id; `None` for an id given back, until `free_files` hands it out again.
    files: Vec<Option<FileEntry>>,
    free_files: Vec<FileId>,
    file_ids: HashMap<FileKey, FileId>,
    entries: HashMap<RegionId, Entry, BuildHasherDefault<RegionIdHasher>>,
    /// The last region id handed out; ids start at 1 and are never reused.
    last_id: RegionId,
    /// A table-wide, ever-increasing use stamp for LRU.
    clock: u64,
    /// Files whose list became empty, whose held descriptor may go.
    idle: Vec<FileId>,
    mapped_bytes: u64,
    peak_mapped_bytes: u64,
    hits: u64,
    misses: u64,
    evictions: u64,
}

impl RegionTable {
    pub(crate) fn region(&self, id: RegionId) -> Option<&Region> {
        self.entries.get(&id).map(|entry| &entry.region)
    }

    pub(crate) fn region_mut(&mut self, id: RegionId) -> Option<&mut Region> {
        self.entries.get_mut(&id).map(|entry| &mut entry.region)
    }

    /// The listed regions of `file` in ascending offset order.
    pub(crate) fn regions_of(&self, file: FileId) -> impl ExactSizeIterator<Item = RegionId> + '_ {
        self.files
            .get(file as usize)
            .and_then(Option::as_ref)
            .map_or(&[][..], |entry| &entry.regions)
            .iter()
            .map(|listed| listed.id)
    }

    /// Takes a freshly mapped region into the file's list (kept sorted) and the counters.
    pub(crate) fn admit(&mut self, file: FileId, region: Region) -> RegionId {
        self.last_id += 1;
        let id = self.last_id;
        let start = region.ofs_begin();
        let position = self.insert_position(file, start);
        self.mapped_bytes += region.size();
        self.peak_mapped_bytes = self.peak_mapped_bytes.max(self.mapped_bytes);
        self.entry_mut(file)
            .regions
            .insert(position, Listed { start, id });
        let last_used = self.tick();
        let entry = Entry {
            region,
            file,
            last_used,
            listed: true,
        };
        self.entries.insert(id, entry);
        id
    }

    /// Takes a region out of its list and the counters and hands it back (dropping it
    /// unmaps it); `evicted` counts it as an eviction. `None` for an unknown id.
    pub(crate) fn retire(&mut self, id: RegionId, evicted: bool) -> Option<Region> {
        let entry = self.entries.get(&id)?;
        let file = entry.file;
        if entry.listed {
            self.unlist(file, id);
        } else {
            self.entry_mut(file).orphans -= 1;
            self.idle.push(file);
        }
        let entry = self.entries.remove(&id).expect("checked above");
        self.mapped_bytes -= entry.region.size();
        if evicted {
            self.evictions += 1;
        }
        Some(entry.region)
    }

    /// Pushes a region out of its list for a newer one that overlaps it, while cursors still
    /// use it: the table's hold is dropped, so it unmaps when its last cursor lets go, and it
    /// stays counted until then. Its count must be at least 2.
    pub(crate) fn orphan(&mut self, id: RegionId) {
        let entry = self
            .entries
            .get_mut(&id)
            .expect("orphaned region is tracked");
        debug_assert!(entry.region.client_count() >= 2);
        let _ = entry.region.increment_client_count(-1);
        entry.listed = false;
        let file = entry.file;
        self.unlist(file, id);
        self.entry_mut(file).orphans += 1;
    }

    /// A cursor takes region `id`: client count +1, stamped as used now, a hit or a miss.
    pub(crate) fn record_use(&mut self, id: RegionId, hit: bool) -> Result<()> {
        let stamp = self.tick();
        let entry = self.entries.get_mut(&id).expect("used region is tracked");
        entry.region.increment_client_count(1)?;
        entry.last_used = stamp;
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        Ok(())
    }

    /// Adds `n` to a region's client count; `Ok(true)` when it reached 0 (the caller retires
    /// it). `stamp` marks it as used now (LRU recency is when a region was last let go).
    pub(crate) fn add_clients(&mut self, id: RegionId, n: i64, stamp: bool) -> Result<bool> {
        let now = if stamp { Some(self.tick()) } else { None };
        let entry = self.entries.get_mut(&id).expect("checked by the caller");
        let reached_zero = entry.region.increment_client_count(n)?;
        if let Some(now) = now {
            entry.last_used = now;
        }
        Ok(reached_zero)
    }

    pub(crate) fn contains(&self, id: RegionId) -> bool {
        self.entries.contains_key(&id)
    }

    /// The stamp of an unused region (listed, held only by the table), `None` otherwise: the
    /// only regions eviction and collection may take.
    pub(crate) fn idle_since(&self, id: RegionId) -> Option<u64> {
        let entry = self.entries.get(&id)?;
        (entry.listed && entry.region.client_count() == 1).then_some(entry.last_used)
    }

    /// Every unused region with its stamp.
    pub(crate) fn idle(&self) -> impl Iterator<Item = (RegionId, u64)> + '_ {
        self.entries
            .keys()
            .filter_map(|&id| Some((id, self.idle_since(id)?)))
    }

    /// Every counted region, listed or orphaned.
    pub(crate) fn ids(&self) -> Vec<RegionId> {
        self.entries.keys().copied().collect()
    }

    /// The listed region of `file` containing `offset`, by binary search.
    pub(crate) fn find(&self, file: FileId, offset: u64) -> Option<RegionId> {
        let candidate = self.last_starting_at_or_before(file, offset)?;
        self.entries[&candidate]
            .region
            .contains(offset)
            .then_some(candidate)
    }

    /// The windows bounding a new region at `offset`: the previous region (or the file
    /// start) and the next region (or the end of the file).
    pub(crate) fn neighbours(
        &self,
        file: FileId,
        offset: u64,
        file_size: u64,
    ) -> (MapWindow, MapWindow) {
        let regions = &self.entry_of(file).regions;
        let position = self.insert_position(file, offset);
        let window_of = |index: usize| self.entries[&regions[index].id].region.window();
        let left = match position {
            0 => MapWindow::new(0, 0),
            _ => window_of(position - 1),
        };
        let right = match regions.get(position) {
            Some(_) => window_of(position),
            None => MapWindow::new(saturating_i64(file_size), 0),
        };
        (left, right)
    }

    /// The listed region a new region starting at `start` would overlap from the left: only
    /// one that ended at an old, unaligned end of the file before it grew.
    pub(crate) fn overlapped_predecessor(&self, file: FileId, start: u64) -> Option<RegionId> {
        let previous = self.last_starting_at_or_before(file, start)?;
        (self.entries[&previous].region.ofs_end() > start).then_some(previous)
    }

    /// Regions of path-keyed files whose path starts with `base` (a string prefix, as smmap
    /// compares).
    pub(crate) fn regions_under(&self, base: &std::path::Path) -> Vec<RegionId> {
        let base = base.to_string_lossy();
        let under = |key: &FileKey| match key {
            FileKey::Path(path) => path.to_string_lossy().starts_with(base.as_ref()),
            FileKey::Fd(_) => false,
        };
        self.entries
            .iter()
            .filter(|(_, entry)| under(&self.entry_of(entry.file).key))
            .map(|(&id, _)| id)
            .collect()
    }

    pub(crate) fn num_regions(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Files with at least one listed region.
    pub(crate) fn num_open_files(&self) -> u64 {
        self.files
            .iter()
            .flatten()
            .filter(|f| !f.regions.is_empty())
            .count() as u64
    }

    pub(crate) fn mapped_bytes(&self) -> u64 {
        self.mapped_bytes
    }

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            hits: self.hits,
            misses: self.misses,
            evictions: self.evictions,
            regions: self.num_regions(),
            open_files: self.num_open_files(),
            mapped_bytes: self.mapped_bytes,
            peak_mapped_bytes: self.peak_mapped_bytes,
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Takes listed region `id` out of its file's list, found by binary search on its start.
    fn unlist(&mut self, file: FileId, id: RegionId) {
        let start = self.entries[&id].region.ofs_begin();
        let position = self.insert_position(file, start);
        let regions = &mut self.entry_mut(file).regions;
        match position.checked_sub(1).filter(|&at| regions[at].id == id) {
            Some(at) => {
                regions.remove(at);
            }
            // Never reached while the list is sorted without overlaps; kept for safety.
            None => regions.retain(|listed| listed.id != id),
        }
        if regions.is_empty() {
            self.idle.push(file);
        }
    }

    /// The listed region of `file` with the greatest start not after `offset`.
    fn last_starting_at_or_before(&self, file: FileId, offset: u64) -> Option<RegionId> {
        let position = self.insert_position(file, offset);
        self.entry_of(file)
            .regions
            .get(position.checked_sub(1)?)
            .map(|listed| listed.id)
    }

    /// Index of the first listed region starting after `offset`.
    fn insert_position(&self, file: FileId, offset: u64) -> usize {
        self.entry_of(file)
            .regions
            .partition_point(|listed| listed.start <= offset)
    }
}
