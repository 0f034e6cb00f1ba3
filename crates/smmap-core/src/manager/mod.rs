//! The window manager: smmap's `StaticWindowMapManager` and `SlidingWindowMapManager` as one
//! short script over the parts below it. The [`RegionTable`] keeps what is mapped and the
//! counters, the [`EvictionQueue`] picks what goes, [`plan_window`] places new windows, and
//! `MapSource` opens files. This file is the path of a cursor's move (hit, miss, placement);
//! `files` keeps the files the manager knows and reads them without mapping, and
//! `letting_go` is how regions leave. Regions the manager lets go of are handed to a
//! [`Retire`] policy at once: the default unmaps them; a host whose views must be emptied
//! first (the Node binding) supplies its own.

mod files;
mod letting_go;

use crate::config::{Config, Stats};
use crate::error::{Error, Result};
use crate::eviction::EvictionQueue;
use crate::ids::{FileId, RegionId};
use crate::os::Advice;
use crate::placement::plan_window;
use crate::region::Region;
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
        self.table.regions_of(file).collect()
    }

    /// Every region the manager counts, in no order: those in their file's list, and those a
    /// newer overlapping region pushed out of it while cursors still used them (after the
    /// file grew), which stay counted until their last cursor lets go.
    pub fn region_ids(&self) -> Vec<RegionId> {
        self.table.ids()
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
            // `obtain` checked the budget with the size it knew; an offset past that size, in a
            // file that has grown since, is checked here with the size it has now.
            self.make_room_for(request);
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
            self.table.regions_of(file).next()
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
