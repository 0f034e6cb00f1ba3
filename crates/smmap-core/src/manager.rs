//! The window manager: per-file sorted region lists, client counts, a soft memory budget, a
//! hard handle limit and true-LRU eviction. One type serves both of smmap's managers
//! ([`Config::sliding`]).

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::region::{FileKey, Region};

mod book;
mod budget;
mod config;
mod obtain;
mod placement;

use book::{FileEntry, SlotMap};
use budget::IdleQueue;
pub use config::{Advice, Config, Stats};

/// Index of a per-file region list; the same key always gets the same id.
pub type FileId = u32;

/// Identifies a region; never reused within a manager (counter starting at 1).
pub type RegionId = u64;

/// Maps windows of files on demand and keeps them cached until a budget or `collect`
/// needs them gone. Regions that leave the bookkeeping wait in a retired queue
/// ([`Manager::take_retired`]) so the caller decides when they unmap. Not thread-safe (as
/// smmap); a [`FileId`] not made by this manager's [`Manager::file`] is an error
/// ([`Error::UnknownFile`]) where it is accepted and a panic in [`Manager::file_key`].
///
/// ```no_run
/// use smmap_core::{Config, FileKey, Manager};
/// let mut manager = Manager::new(Config::sliding_default());
/// let file = manager.file(FileKey::Path("big.pack".into())).unwrap();
/// if let Some(id) = manager.use_region(file, 1 << 20, 4096, 0).unwrap() {
///     let bytes = manager.region(id).unwrap().as_slice();
///     # let _ = bytes;
///     manager.unuse_region(id).unwrap();
/// }
/// ```
pub struct Manager {
    config: Config,
    files: Vec<FileEntry>,
    file_ids: HashMap<FileKey, FileId>,
    slots: SlotMap,
    idle: IdleQueue,
    retired: Vec<(RegionId, Region)>,
    next_region_id: RegionId,
    clock: u64,
    mapped_bytes: u64,
    peak_mapped_bytes: u64,
    hits: u64,
    misses: u64,
    evictions: u64,
    /// `guard::truncations()` when cached file sizes were last known good.
    truncations_seen: usize,
    closed: bool,
}

impl Manager {
    /// An empty manager; nothing is opened or mapped until used.
    ///
    /// ```
    /// let manager = smmap_core::Manager::new(smmap_core::Config::static_default());
    /// assert_eq!(manager.num_file_handles(), 0);
    /// ```
    pub fn new(config: Config) -> Self {
        Manager {
            config,
            files: Vec::new(),
            file_ids: HashMap::new(),
            slots: SlotMap::default(),
            idle: IdleQueue::default(),
            retired: Vec::new(),
            next_region_id: 1,
            clock: 0,
            mapped_bytes: 0,
            peak_mapped_bytes: 0,
            hits: 0,
            misses: 0,
            evictions: 0,
            truncations_seen: crate::guard::truncations(),
            closed: false,
        }
    }

    /// The configuration the manager was made with.
    ///
    /// ```
    /// let manager = smmap_core::Manager::new(smmap_core::Config::static_default());
    /// assert!(!manager.config().sliding);
    /// ```
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The region list of a file (smmap's `make_cursor` half): no I/O, and the same key
    /// returns the same id every time. `Err(Closed)` after [`Manager::close`].
    ///
    /// ```
    /// use smmap_core::{Config, FileKey, Manager};
    /// let mut manager = Manager::new(Config::static_default());
    /// let a = manager.file(FileKey::Path("/nonexistent".into())).unwrap();
    /// assert_eq!(manager.file(FileKey::Path("/nonexistent".into())).unwrap(), a);
    /// ```
    pub fn file(&mut self, key: FileKey) -> Result<FileId> {
        self.ensure_open()?;
        if let Some(&id) = self.file_ids.get(&key) {
            return Ok(id);
        }
        let id = FileId::try_from(self.files.len()).expect("fewer than 2^32 files");
        self.files.push(FileEntry::new(key.clone()));
        self.file_ids.insert(key, id);
        Ok(id)
    }

    /// The key a file id stands for. Panics for an id this manager never returned.
    ///
    /// ```
    /// use smmap_core::{Config, FileKey, Manager};
    /// let mut manager = Manager::new(Config::static_default());
    /// let file = manager.file(FileKey::Fd(3)).unwrap();
    /// assert_eq!(manager.file_key(file), &FileKey::Fd(3));
    /// ```
    pub fn file_key(&self, file: FileId) -> &FileKey {
        &self.entry(file).key
    }

    /// The file's size, read once (stat/fstat) and cached; [`Manager::use_region`] re-reads
    /// it when asked for an offset past it.
    ///
    /// ```
    /// use smmap_core::{Config, FileKey, Manager};
    /// let mut manager = Manager::new(Config::static_default());
    /// let file = manager.file(FileKey::Path("/nonexistent".into())).unwrap();
    /// assert!(manager.file_size(file).is_err());
    /// ```
    pub fn file_size(&mut self, file: FileId) -> Result<u64> {
        self.ensure_file(file)?;
        self.forget_sizes_after_truncation();
        match self.entry(file).size {
            Some(size) => Ok(size),
            None => self.refresh_file_size(file),
        }
    }

    /// A truncation seen by the guard since the last look means some cached size is stale:
    /// forget them all, so new cursors see files as they are now. One load when none was.
    fn forget_sizes_after_truncation(&mut self) {
        let seen = crate::guard::truncations();
        if seen != self.truncations_seen {
            self.truncations_seen = seen;
            for entry in &mut self.files {
                entry.size = None;
            }
        }
    }

    /// A cursor's miss path: the id of a region of `file` containing `offset`, with its
    /// client count raised by 1, or `Ok(None)` when `offset` is at or past the end of the
    /// file (nothing mapped). `size` 0 means as much as possible; the request is clamped to
    /// the window size. An existing region is reused (a hit) even if shorter than asked;
    /// otherwise a new one is placed as smmap does and mapped (a miss), evicting unused
    /// regions least-recently-used first when a budget requires it. A region found truncated
    /// (see [`crate::guard`]) is released and the offset mapped afresh.
    ///
    /// ```no_run
    /// use smmap_core::{Config, FileKey, Manager};
    /// let mut manager = Manager::new(Config::sliding_default());
    /// let file = manager.file(FileKey::Path("data.bin".into())).unwrap();
    /// let id = manager.use_region(file, 0, 0, 0).unwrap().unwrap();
    /// assert_eq!(manager.region(id).unwrap().client_count(), 2);
    /// ```
    pub fn use_region(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<Option<RegionId>> {
        self.ensure_file(file)?;
        let Some(file_size) = self.size_covering(file, offset)? else {
            return Ok(None);
        };
        let size = self.clamp_request(size, file_size);
        let Some((mut id, mut reused)) = self.obtain_unless_past_end(file, offset, size, flags)?
        else {
            return Ok(None);
        };
        if reused && self.slots[&id].region.is_truncated() {
            // Its lost pages now read as zeros: map the file as it is now instead. Cursors
            // still on it find their views emptied. The truncation may have put `offset`
            // past the end, which is no error either.
            self.release_region(id)?;
            let Some(found) = self.obtain_unless_past_end(file, offset, size, flags)? else {
                return Ok(None);
            };
            (id, reused) = found;
        }
        self.count_use(id, reused)?;
        Ok(Some(id))
    }

    /// [`Manager::obtain`], with an offset that the file shrank below (since its size was
    /// cached) reported as `None`, as `use_region` reports any offset past the end.
    fn obtain_unless_past_end(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<Option<(RegionId, bool)>> {
        match self.obtain(file, offset, size, flags) {
            Err(Error::OutOfRange(_)) if self.refresh_file_size(file)? <= offset => Ok(None),
            found => found.map(Some),
        }
    }

    /// A cursor lets go of a region: client count -1, stamped as used now (LRU recency is
    /// when a region was last let go). Reaching 0 retires it. An unknown (already retired)
    /// id is a no-op.
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert!(manager.unuse_region(42).is_ok());
    /// ```
    pub fn unuse_region(&mut self, region: RegionId) -> Result<()> {
        let stamp = self.tick();
        let Some(slot) = self.slots.get_mut(&region) else {
            return Ok(());
        };
        slot.last_used = stamp;
        if slot.region.increment_client_count(-1)? {
            self.retire(region);
        } else {
            self.mark_idle(region);
        }
        Ok(())
    }

    /// A managed region, if the manager still tracks it.
    ///
    /// ```
    /// let manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert!(manager.region(1).is_none());
    /// ```
    pub fn region(&self, region: RegionId) -> Option<&Region> {
        self.slots.get(&region).map(|slot| &slot.region)
    }

    /// Mutable access to a managed region (for [`Region::as_mut_ptr`]).
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert!(manager.region_mut(1).is_none());
    /// ```
    pub fn region_mut(&mut self, region: RegionId) -> Option<&mut Region> {
        self.slots.get_mut(&region).map(|slot| &mut slot.region)
    }

    /// Region ids of a file in ascending offset order (smmap's `MapRegionList`).
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// let file = manager.file(smmap_core::FileKey::Fd(3)).unwrap();
    /// assert!(manager.regions_of(file).is_empty());
    /// ```
    pub fn regions_of(&self, file: FileId) -> Vec<RegionId> {
        self.files
            .get(file as usize)
            .map(|entry| entry.regions.clone())
            .unwrap_or_default()
    }

    /// [`Region::increment_client_count`] on a managed region; reaching 0 takes it out of
    /// its list and retires it. Unknown id: [`Error::UnknownRegion`].
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert!(manager.increment_client_count(7, 1).is_err());
    /// ```
    pub fn increment_client_count(&mut self, region: RegionId, n: i64) -> Result<bool> {
        self.ensure_open()?;
        let slot = self
            .slots
            .get_mut(&region)
            .ok_or(Error::UnknownRegion(region))?;
        let reached_zero = slot.region.increment_client_count(n)?;
        if reached_zero {
            self.retire(region);
        } else {
            self.mark_idle(region);
        }
        Ok(reached_zero)
    }

    /// Unmaps one region now whatever its count (smmap's `MapRegion.release()`): out of its
    /// list, counters updated, retired. Cursors that used it find it gone and their later
    /// unuse is a no-op. `Ok(false)` for an unknown id.
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert_eq!(manager.release_region(9).unwrap(), false);
    /// ```
    pub fn release_region(&mut self, region: RegionId) -> Result<bool> {
        if !self.slots.contains_key(&region) {
            return Ok(false);
        }
        self.retire(region);
        Ok(true)
    }

    /// Retires every region no cursor uses and returns how many. Not counted as evictions;
    /// idempotent; 0 after close.
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert_eq!(manager.collect(), 0);
    /// ```
    pub fn collect(&mut self) -> usize {
        self.retire_all_unused(false)
    }

    /// Off Windows: 0, nothing unmapped. On Windows: releases every region (used or not) of
    /// path-keyed files whose path starts with `base_path`, so the files can be deleted.
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert_eq!(manager.force_map_handle_removal_win(std::path::Path::new("/")), 0);
    /// ```
    pub fn force_map_handle_removal_win(&mut self, base_path: &std::path::Path) -> usize {
        self.release_under(base_path)
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
        let ids: Vec<RegionId> = self.slots.keys().copied().collect();
        for id in ids {
            self.retire(id);
        }
        self.closed = true;
    }

    /// Whether [`Manager::close`] was called.
    ///
    /// ```
    /// assert!(!smmap_core::Manager::new(smmap_core::Config::sliding_default()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Regions that left the bookkeeping since the last call (counters already updated),
    /// still mapped. Dropping them unmaps them; drain after every mutating call.
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert!(manager.take_retired().is_empty());
    /// ```
    pub fn take_retired(&mut self) -> Vec<(RegionId, Region)> {
        std::mem::take(&mut self.retired)
    }

    /// Mapped regions the manager still counts (listed ones plus orphans still in use).
    ///
    /// ```
    /// assert_eq!(smmap_core::Manager::new(smmap_core::Config::sliding_default()).num_file_handles(), 0);
    /// ```
    pub fn num_file_handles(&self) -> u64 {
        self.slots.len() as u64
    }

    /// Files with at least one region in their list.
    ///
    /// ```
    /// assert_eq!(smmap_core::Manager::new(smmap_core::Config::sliding_default()).num_open_files(), 0);
    /// ```
    pub fn num_open_files(&self) -> u64 {
        self.files.iter().filter(|f| !f.regions.is_empty()).count() as u64
    }

    /// Sum of the counted regions' real sizes (not page-rounded).
    ///
    /// ```
    /// assert_eq!(smmap_core::Manager::new(smmap_core::Config::sliding_default()).mapped_memory_size(), 0);
    /// ```
    pub fn mapped_memory_size(&self) -> u64 {
        self.mapped_bytes
    }

    /// Hits, misses, evictions and the current and peak footprint.
    ///
    /// ```
    /// assert_eq!(smmap_core::Manager::new(smmap_core::Config::sliding_default()).stats().hits, 0);
    /// ```
    pub fn stats(&self) -> Stats {
        Stats {
            hits: self.hits,
            misses: self.misses,
            evictions: self.evictions,
            regions: self.num_file_handles(),
            open_files: self.num_open_files(),
            mapped_bytes: self.mapped_bytes,
            peak_mapped_bytes: self.peak_mapped_bytes,
        }
    }

    /// smmap's `_collect_lru_region(size)` with true LRU: while `size == 0` or
    /// `mapped + size > max_memory_size`, retire the unused region (client count 1) used
    /// longest ago; stop when none is left. Returns how many went; they count as evictions
    /// only when `size > 0`.
    ///
    /// ```
    /// let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// assert_eq!(manager.collect_lru_region(u64::MAX), 0);
    /// ```
    pub fn collect_lru_region(&mut self, size: u64) -> usize {
        self.evict_lru(size, size > 0)
    }

    fn ensure_open(&self) -> Result<()> {
        if self.closed {
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Public entry points taking a [`FileId`] check it here, so a host passing ids through
    /// (the Node binding) gets an error rather than the internal panic.
    fn ensure_file(&self, file: FileId) -> Result<()> {
        self.ensure_open()?;
        match (file as usize) < self.files.len() {
            true => Ok(()),
            false => Err(Error::UnknownFile(file)),
        }
    }

    fn entry(&self, file: FileId) -> &FileEntry {
        self.files
            .get(file as usize)
            .unwrap_or_else(|| panic!("file id {file} was not made by this manager"))
    }

    fn entry_mut(&mut self, file: FileId) -> &mut FileEntry {
        self.files
            .get_mut(file as usize)
            .unwrap_or_else(|| panic!("file id {file} was not made by this manager"))
    }

    /// A manager-wide, ever-increasing use stamp for LRU.
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}
