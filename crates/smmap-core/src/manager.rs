//! The window manager: smmap's `StaticWindowMapManager` and `SlidingWindowMapManager` as one
//! short script over the parts below it. The [`RegionTable`] keeps what is mapped and the
//! counters, the [`EvictionQueue`] picks what goes, [`plan_window`] places new windows, and
//! [`MapSource`] opens files. Regions the manager lets go of are handed to a [`Retire`]
//! policy at once: the default unmaps them; a host whose views must be emptied first (the
//! Node binding) supplies its own.

use crate::config::{Config, Stats};
use crate::error::{Error, Result};
use crate::eviction::EvictionQueue;
use crate::held::ReadHandle;
use crate::ids::{FileId, RegionId};
use crate::os::Advice;
use crate::placement::plan_window;
use crate::region::Region;
use crate::source::{file_size, FileKey, MapSource};
use crate::table::RegionTable;
use crate::util::{saturating_i64, MapWindow};

/// What happens to a region the manager lets go of (evicted, collected, released, closed).
pub trait Retire {
    /// `region` is out of the manager's books; dropping it unmaps it. `forced` when the caller
    /// needs the mapping itself gone now (Windows' `force_map_handle_removal_win`, so the file
    /// can be deleted), not only out of the cache.
    fn retire(&mut self, id: RegionId, region: Region, forced: bool);
}

/// The default policy: unmap at once.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unmap;

impl Retire for Unmap {
    fn retire(&mut self, _id: RegionId, region: Region, _forced: bool) {
        drop(region);
    }
}

/// Maps windows of files on demand and keeps them cached until a budget or `collect` needs
/// them gone. Not thread-safe (as smmap). A [`FileId`] not made by this manager's
/// [`Manager::file`] is an error ([`Error::UnknownFile`]) where it is accepted and a panic in
/// [`Manager::file_key`].
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
pub struct Manager<R: Retire = Unmap> {
    config: Config,
    table: RegionTable,
    eviction: EvictionQueue,
    retire: R,
    /// `guard::truncations()` when cached file sizes were last known good.
    truncations_seen: usize,
    closed: bool,
}

impl Manager {
    /// An empty manager that unmaps what it lets go of; nothing is opened or mapped until used.
    ///
    /// ```
    /// let manager = smmap_core::Manager::new(smmap_core::Config::static_default());
    /// assert_eq!(manager.num_file_handles(), 0);
    /// ```
    pub fn new(config: Config) -> Self {
        Manager::with_retire(config, Unmap)
    }
}

impl<R: Retire> Manager<R> {
    /// An empty manager that hands what it lets go of to `retire`.
    pub fn with_retire(config: Config, retire: R) -> Self {
        Manager {
            config,
            table: RegionTable::default(),
            eviction: EvictionQueue::default(),
            retire,
            truncations_seen: crate::guard::truncations(),
            closed: false,
        }
    }

    /// The retirement policy the manager was made with.
    pub fn retirement(&mut self) -> &mut R {
        &mut self.retire
    }

    /// The configuration the manager was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The file id of `key` for one more reader (smmap's `make_cursor` half): no I/O, and the
    /// same key returns the same id while the file is in use (see [`Manager::forget_file`]).
    /// `Err(Closed)` after [`Manager::close`].
    ///
    /// ```
    /// use smmap_core::{Config, FileKey, Manager};
    /// let mut manager = Manager::new(Config::static_default());
    /// let a = manager.file(FileKey::Path("/nonexistent".into())).unwrap();
    /// assert_eq!(manager.file(FileKey::Path("/nonexistent".into())).unwrap(), a);
    /// ```
    pub fn file(&mut self, key: FileKey) -> Result<FileId> {
        self.ensure_open()?;
        Ok(self.table.file(key))
    }

    /// A copy of a reader of `file` (a copied cursor) uses it too. A no-op for an id the
    /// manager does not know.
    pub fn retain_file(&mut self, file: FileId) {
        if self.table.has_file(file) {
            self.table.add_reader(file);
        }
    }

    /// A reader of `file` (a cursor) is gone. With no reader left and nothing mapped, the file
    /// is forgotten, so naming ever new paths does not grow the manager for ever; its id may
    /// then be given to another file. A no-op for an id the manager does not know (any more).
    pub fn forget_file(&mut self, file: FileId) {
        if self.table.has_file(file) {
            self.table.forget_reader(file);
        }
    }

    /// Every file the manager knows now, with its key: one key may name several files, the
    /// one at its path now and older ones still mapped or read (see [`Manager::start`]).
    pub fn files(&self) -> Vec<(FileId, &FileKey)> {
        self.table.files()
    }

    /// Files the manager knows now.
    pub fn num_files(&self) -> usize {
        self.table.num_files()
    }

    /// The key a file id stands for. Panics for an id this manager never returned.
    pub fn file_key(&self, file: FileId) -> &FileKey {
        self.table.key(file)
    }

    /// The file's size as last read (by this call or a miss), read from the OS if never.
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
        if let Some(size) = self.table.cached_size(file) {
            return Ok(size);
        }
        let size = file_size(self.table.key(file))?;
        self.table.remember_size(file, size);
        Ok(size)
    }

    /// The file's size read from the OS now (and remembered), for a reader that must start
    /// from the file as it is, not as it was when last looked at.
    pub fn current_file_size(&mut self, file: FileId) -> Result<u64> {
        self.ensure_file(file)?;
        let size = match (self.table.held(file), self.table.key(file)) {
            (Some(held), FileKey::Path(path)) => MapSource::held(held, path)?.size,
            (_, key) => file_size(key)?,
        };
        self.table.remember_size(file, size);
        Ok(size)
    }

    /// A cursor's move: the id of a region of `file` containing `offset`, with its client
    /// count raised by 1, or `Ok(None)` when `offset` is at or past the end of the file
    /// (nothing mapped). `size` 0 means as much as possible; the request is clamped to the
    /// window size. A mapped region holding `offset` is reused (a hit) even if shorter than
    /// asked; otherwise a new one is placed as smmap does and mapped (a miss), evicting unused
    /// regions least-recently-used first when a budget requires it. A region found truncated
    /// (see [`crate::guard`]) is let go of and the offset mapped afresh.
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
        let result = self.obtain(file, offset, size, flags);
        self.table.release_idle_descriptors();
        result
    }

    /// A cursor starts reading `file` (its first move): the file its key names now. For a key
    /// whose file was replaced at its path (or whose fd now names another file) while regions
    /// of the old one are still mapped, that is a new file id, so the new reader never sees the
    /// old file's cached windows, nor the old readers the new file.
    ///
    /// ```no_run
    /// # let mut manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
    /// let file = manager.file(smmap_core::FileKey::Path("data.bin".into())).unwrap();
    /// let file = manager.start(file).unwrap();
    /// let region = manager.use_region(file, 0, 0, 0).unwrap();
    /// ```
    pub fn start(&mut self, file: FileId) -> Result<FileId> {
        self.ensure_file(file)?;
        let known = self.table.identity(file);
        if known.is_none() {
            return Ok(file);
        }
        let (identity, size) = crate::source::identify(self.table.key(file))?;
        if identity.is_none() || identity == known {
            return Ok(file);
        }
        // Another file is at the key now. The first miss opens it (with the caller's flags).
        let started = if self.table.regions_of(file).is_empty() && self.table.held(file).is_none() {
            // Nothing of the old file is mapped or held: this entry can name the new file.
            self.table.set_identity(file, identity);
            file
        } else {
            self.table.fork(file, identity)
        };
        self.table.remember_size(started, size);
        self.table.release_idle_descriptors();
        Ok(started)
    }

    /// Reads up to `target.len()` bytes at `offset` of `file` without mapping them: from the
    /// descriptor held for it, the caller's fd, or (a path whose regions all went) the path
    /// opened again, which must still name the same file (`ESTALE` otherwise). The number
    /// read; 0 at or past the end.
    pub fn read_at(&mut self, file: FileId, target: &mut [u8], offset: u64) -> Result<usize> {
        self.ensure_file(file)?;
        let read_error = |e| Error::io(e, "read", None);
        if let Some(held) = self.table.held(file) {
            return crate::os::read_file_at(held, target, offset).map_err(read_error);
        }
        if let FileKey::Fd(fd) = self.table.key(file) {
            return crate::source::read_at(*fd, target, offset);
        }
        let source = self.source(file, 0)?;
        let Some(opened) = source.into_held() else {
            return Ok(0);
        };
        crate::os::read_file_at(&opened, target, offset).map_err(read_error)
    }

    /// A handle reading `file` through the descriptor held for it without a call into the
    /// manager, for as long as that descriptor stays held (a path key while it has regions);
    /// `None` when none is held, where [`Manager::read_at`] serves.
    pub fn read_handle(&mut self, file: FileId) -> Result<Option<ReadHandle>> {
        self.ensure_file(file)?;
        Ok(self.table.read_handle(file))
    }

    /// A descriptor of its own on `file`, for reading it on another thread ([`crate::read_ahead`]):
    /// a copy of the one held for it, of the caller's fd, or the path opened again (which must
    /// still name that file, else `ESTALE`).
    pub fn reader(&mut self, file: FileId) -> Result<std::fs::File> {
        self.ensure_file(file)?;
        let copy_error = |e| Error::io(e, "dup", None);
        if let Some(held) = self.table.held(file) {
            return held.try_clone().map_err(copy_error);
        }
        if let FileKey::Fd(fd) = self.table.key(file) {
            return crate::os::duplicate_fd(*fd).map_err(copy_error);
        }
        let source = self.source(file, 0)?;
        source.into_held().ok_or_else(|| self.stale(file))
    }

    fn obtain(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<Option<RegionId>> {
        self.ensure_file(file)?;
        self.forget_sizes_after_truncation();
        if !self.config.sliding {
            // smmap's static manager checks the budget before it looks (so it may evict this
            // very file's unused region and map it again), for offsets inside the file as far
            // as it knows; whether an offset is past the end is decided by the miss below.
            let known_size = self.file_size(file)?;
            if offset < known_size {
                self.make_room_for(self.clamp_request(size, known_size));
            }
        }
        if let Some(id) = self.mapped_region(file, offset) {
            self.table.record_use(id, true)?;
            return Ok(Some(id));
        }
        let Some(id) = self.map_region(file, offset, size, flags)? else {
            return Ok(None);
        };
        self.table.record_use(id, false)?;
        Ok(Some(id))
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
        if self.table.contains(region) {
            self.add_clients(region, -1, true)?;
        }
        self.table.release_idle_descriptors();
        Ok(())
    }

    /// A managed region, if the manager still counts it.
    pub fn region(&self, region: RegionId) -> Option<&Region> {
        self.table.region(region)
    }

    /// Mutable access to a managed region (for [`Region::as_mut_ptr`]), with the retirement
    /// policy, which a host may need beside it.
    pub fn region_mut(&mut self, region: RegionId) -> Option<(&mut Region, &mut R)> {
        Some((self.table.region_mut(region)?, &mut self.retire))
    }

    /// Region ids of a file in ascending offset order (smmap's `MapRegionList`).
    pub fn regions_of(&self, file: FileId) -> Vec<RegionId> {
        self.table.regions_of(file).to_vec()
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
        if !self.table.contains(region) {
            return Err(Error::UnknownRegion(region));
        }
        let result = self.add_clients(region, n, false);
        self.table.release_idle_descriptors();
        result
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
        let released = self.retire(region, false);
        self.table.release_idle_descriptors();
        Ok(released)
    }

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

    /// Whether [`Manager::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Mapped regions the manager still counts (listed ones plus orphans still in use).
    pub fn num_file_handles(&self) -> u64 {
        self.table.num_regions()
    }

    /// Files with at least one region in their list.
    pub fn num_open_files(&self) -> u64 {
        self.table.num_open_files()
    }

    /// Sum of the counted regions' real sizes (not page-rounded).
    pub fn mapped_memory_size(&self) -> u64 {
        self.table.mapped_bytes()
    }

    /// Hits, misses, evictions and the current and peak footprint.
    pub fn stats(&self) -> Stats {
        self.table.stats()
    }

    /// The listed region holding `offset`, unless its file was truncated under it: then its
    /// lost pages read as zeros, so it is let go of (cursors still on it find it gone) and
    /// the offset is mapped afresh from the file as it is now.
    fn mapped_region(&mut self, file: FileId, offset: u64) -> Option<RegionId> {
        let id = self.table.find(file, offset)?;
        if self.table.region(id)?.is_truncated() {
            self.retire(id, false);
            return None;
        }
        Some(id)
    }

    /// A miss. When the OS or the handle limit refuses for want of a resource, every unused
    /// region is unmapped (the retirement policy has run by the time `retire_all_unused`
    /// returns) and the whole miss is tried once more, planned afresh since neighbours may
    /// have gone. Other failures (a directory, a permission) are returned as they are:
    /// freeing memory cannot fix them.
    fn map_region(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<Option<RegionId>> {
        match self.try_map_region(file, offset, size, flags) {
            Err(error) if error.exhausted().is_some() => {
                self.retire_all_unused(true);
                self.table.release_idle_descriptors_but(Some(file));
                self.try_map_region(file, offset, size, flags)
            }
            result => result,
        }
    }

    /// Opens the file first, so the one decision "past the end" is made with its size as of
    /// now, then places, maps and admits the new region.
    fn try_map_region(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<Option<RegionId>> {
        let source = self.source(file, flags)?;
        self.table.remember_size(file, source.size);
        if offset >= source.size {
            return Ok(None);
        }
        let request = self.clamp_request(size, source.size);
        let window = if self.config.sliding {
            // With no window cap the request itself is the best estimate of what gets mapped.
            let cap = match self.config.window_size {
                0 => request,
                window_size => window_size,
            };
            self.make_room_for(cap);
            self.plan(file, offset, request, source.size)?
        } else {
            MapWindow::new(0, 0)
        };
        if self.table.num_regions() >= self.config.max_open_handles {
            return Err(Error::Limit {
                max_open_handles: self.config.max_open_handles,
            });
        }
        let region = Region::from_source(
            &source,
            window.ofs as u64,
            window.size as u64,
            self.config.populate,
        )?;
        if self.config.advice != Advice::Normal {
            // The advice is only a hint: a refusal must not fail the mapping.
            let _ = region.advise(self.config.advice);
        }
        if let Some(stale) = self.superseded(file, &region) {
            self.displace(stale);
        }
        let id = self.table.admit(file, region);
        self.eviction.offer(&self.table, id);
        if let Some(descriptor) = source.into_held() {
            self.table.hold(file, descriptor);
        }
        Ok(Some(id))
    }

    /// What a miss of `file` maps from: the descriptor held for it, so it stays the file it
    /// was whatever happened to the path; else the key opened now, which must still be that
    /// file (`ESTALE` if the path names another one now: the one `file` was is out of reach).
    fn source(&mut self, file: FileId, flags: i32) -> Result<MapSource> {
        let key = self.table.key(file);
        if let (Some(held), FileKey::Path(path)) = (self.table.held(file), key) {
            return MapSource::held(held, path);
        }
        let source = MapSource::open(key, flags)?;
        match self.table.identity(file) {
            Some(known) if source.identity.is_some_and(|now| now != known) => Err(self.stale(file)),
            Some(_) => Ok(source),
            None => {
                self.table.set_identity(file, source.identity);
                Ok(source)
            }
        }
    }

    fn stale(&self, file: FileId) -> Error {
        let path = match self.table.key(file) {
            FileKey::Path(path) => Some(path.clone()),
            FileKey::Fd(_) => None,
        };
        Error::io(crate::os::stale(), "open", path)
    }

    /// The window for a new region at `offset` of a file of `file_size` bytes, between its
    /// neighbours. A window size of 0 means no cap: the window fills the whole gap (smmap
    /// would plan single pages).
    fn plan(&self, file: FileId, offset: u64, size: u64, file_size: u64) -> Result<MapWindow> {
        let (left, right) = self.table.neighbours(file, offset, file_size);
        let cap = match self.config.window_size {
            0 => i64::MAX,
            window_size => saturating_i64(window_size),
        };
        let window = plan_window(
            saturating_i64(offset),
            saturating_i64(size),
            &left,
            &right,
            cap,
        );
        if window.ofs < 0 || window.size <= 0 {
            return Err(Error::OutOfRange(format!(
                "no window can be placed at offset {offset} (file size {file_size})"
            )));
        }
        Ok(window)
    }

    /// The listed region a new one replaces: the static manager's old whole-file region (the
    /// file grew past it), or a sliding predecessor that ended at an old, unaligned end of
    /// the file and so overlaps the new region.
    fn superseded(&self, file: FileId, region: &Region) -> Option<RegionId> {
        if self.config.sliding {
            self.table.overlapped_predecessor(file, region.ofs_begin())
        } else {
            self.table.regions_of(file).first().copied()
        }
    }

    /// Makes room for a region that supersedes `id`: an unused region is retired; a used
    /// one becomes an orphan that unmaps when its last cursor lets go.
    fn displace(&mut self, id: RegionId) {
        let used = self.table.region(id).is_some_and(|r| r.client_count() > 1);
        if used {
            self.table.orphan(id);
        } else {
            self.retire(id, false);
        }
    }

    /// smmap's cursor clamp: `min(size or file_size, window_size or file_size)`.
    fn clamp_request(&self, size: u64, file_size: u64) -> u64 {
        let requested = if size == 0 { file_size } else { size };
        let window = match self.config.window_size {
            0 => file_size,
            window => window,
        };
        requested.min(window)
    }

    /// smmap's memory pre-check before planning a region of about `size` bytes.
    fn make_room_for(&mut self, size: u64) {
        if self.table.mapped_bytes().saturating_add(size) > self.config.max_memory_size {
            self.evict_lru(size, true);
        }
    }

    /// Retires unused regions, least recently used first, while `size == 0` or mapping
    /// `size` more bytes would exceed the memory budget.
    fn evict_lru(&mut self, size: u64, count_as_evictions: bool) -> usize {
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
    fn retire_all_unused(&mut self, count_as_evictions: bool) -> usize {
        let victims: Vec<RegionId> = self.table.idle().map(|(id, _)| id).collect();
        for &victim in &victims {
            self.drop_hold(victim, count_as_evictions);
        }
        victims.len()
    }

    /// The manager lets go of an unused region: its count drops from 1 to 0 and it retires.
    fn drop_hold(&mut self, id: RegionId, evicted: bool) {
        let _ = self.table.add_clients(id, -1, false);
        self.retire(id, evicted);
    }

    /// Changes a region's client count by `n`: at 0 it retires, at the manager's hold alone
    /// it becomes an eviction candidate.
    fn add_clients(&mut self, id: RegionId, n: i64, stamp: bool) -> Result<bool> {
        let reached_zero = self.table.add_clients(id, n, stamp)?;
        if reached_zero {
            self.retire(id, false);
        } else {
            self.eviction.offer(&self.table, id);
        }
        Ok(reached_zero)
    }

    /// Takes `id` out of the books and hands it to the retirement policy; false if unknown.
    fn retire(&mut self, id: RegionId, evicted: bool) -> bool {
        match self.table.retire(id, evicted) {
            Some(region) => {
                self.retire.retire(id, region, false);
                true
            }
            None => false,
        }
    }

    /// A truncation seen by the guard since the last look means some cached size is stale:
    /// forget them all, so new cursors see files as they are now. One load when none was.
    fn forget_sizes_after_truncation(&mut self) {
        let seen = crate::guard::truncations();
        if seen != self.truncations_seen {
            self.truncations_seen = seen;
            self.table.forget_sizes();
        }
    }

    fn ensure_open(&self) -> Result<()> {
        match self.closed {
            true => Err(Error::Closed),
            false => Ok(()),
        }
    }

    /// Public entry points taking a [`FileId`] check it here, so a host passing ids through
    /// (the Node binding) gets an error rather than a panic.
    fn ensure_file(&self, file: FileId) -> Result<()> {
        self.ensure_open()?;
        match self.table.has_file(file) {
            true => Ok(()),
            false => Err(Error::UnknownFile(file)),
        }
    }
}
