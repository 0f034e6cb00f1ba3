//! One mapped piece of a file: a private copy-on-write mapping with smmap's hand-kept client
//! count, guarded against truncation while it lives.

use memmap2::MmapMut;

use crate::error::{Error, Result};
use crate::guard::Guard;
use crate::os::{self, Advice};
use crate::source::{FileKey, MapSource, Mappings};
use crate::util::{allocation_granularity, MapWindow};

/// One private copy-on-write mapping of `[ofs, ofs + min(size, file_size - ofs))` with a
/// hand-kept client count (smmap's `MapRegion`). Dropping it unmaps it.
///
/// ```no_run
/// use smmap_core::{FileKey, Region};
/// let region = Region::map(&FileKey::Path("data.bin".into()), 0, 0, 0).unwrap();
/// assert_eq!(region.client_count(), 1);
/// assert_eq!(region.as_slice().len() as u64, region.size());
/// ```
pub struct Region {
    ofs: u64,
    /// Declared before `map` so the range is unregistered before it is unmapped (and its
    /// addresses possibly reused by someone else's mapping).
    guard: Option<Guard>,
    map: MmapMut,
    client_count: i64,
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MapRegion<{}, {}>", self.ofs, self.size())
    }
}

impl Region {
    /// Maps `[ofs, ofs + size)` of the file `key` names, clamped to the end of the file;
    /// `size` 0 means the rest of the file. `ofs` must be a multiple of
    /// [`allocation_granularity`] and lie before the end of the file, else
    /// [`Error::OutOfRange`]. A path is opened read-only with `flags` OR-ed in and closed
    /// again at once; an fd is borrowed, never closed. The region is born with client count 1.
    ///
    /// ```no_run
    /// use smmap_core::{FileKey, Region};
    /// let rest = Region::map(&FileKey::Fd(3), 4096, 0, 0).unwrap();
    /// assert_eq!(rest.ofs_begin(), 4096);
    /// ```
    pub fn map(key: &FileKey, ofs: u64, size: u64, flags: i32) -> Result<Region> {
        Region::map_with(key, ofs, size, flags, false)
    }

    /// [`Region::map`], prefaulting the pages first when `populate` is set.
    ///
    /// ```no_run
    /// use smmap_core::{FileKey, Region};
    /// let region = Region::map_with(&FileKey::Path("data.bin".into()), 0, 8192, 0, true).unwrap();
    /// assert!(region.size() <= 8192);
    /// ```
    pub fn map_with(
        key: &FileKey,
        ofs: u64,
        size: u64,
        flags: i32,
        populate: bool,
    ) -> Result<Region> {
        Region::from_source(&MapSource::open(key, flags)?, ofs, size, populate)
    }

    /// [`Region::map`] on a source already open; `populate` prefaults the pages.
    pub(crate) fn from_source(
        source: &MapSource,
        ofs: u64,
        size: u64,
        populate: bool,
    ) -> Result<Region> {
        check_aligned(ofs, source.size)?;
        let len = clamped_len(ofs, size, source.size)?;
        let map = source.map(ofs, len)?;
        if populate {
            os::prefault(&map);
        }
        Mappings::added();
        Ok(Region {
            ofs,
            guard: Guard::register(map.as_ptr(), map.len()),
            map,
            client_count: 1,
        })
    }

    /// Offset of the first mapped byte in the file.
    pub fn ofs_begin(&self) -> u64 {
        self.ofs
    }

    /// The real mapped length (smaller than asked for near the end of the file).
    pub fn size(&self) -> u64 {
        self.map.len() as u64
    }

    /// One past the last mapped file offset.
    pub fn ofs_end(&self) -> u64 {
        self.ofs + self.size()
    }

    /// The window the region occupies (smmap's `MapWindow.from_region`).
    ///
    /// ```no_run
    /// # let region = smmap_core::Region::map(&smmap_core::FileKey::Fd(3), 0, 0, 0).unwrap();
    /// assert_eq!(region.window().ofs_end() as u64, region.ofs_end());
    /// ```
    pub fn window(&self) -> MapWindow {
        MapWindow::of_file_range(self.ofs, self.size())
    }

    /// Whether the file offset lies in `[ofs_begin, ofs_end)`.
    ///
    /// ```no_run
    /// # let region = smmap_core::Region::map(&smmap_core::FileKey::Fd(3), 0, 100, 0).unwrap();
    /// assert!(region.includes_ofs(0) && !region.includes_ofs(-1));
    /// ```
    pub fn includes_ofs(&self, ofs: i64) -> bool {
        u64::try_from(ofs).is_ok_and(|ofs| self.contains(ofs))
    }

    /// Whether the file offset lies in `[ofs_begin, ofs_end)`.
    pub(crate) fn contains(&self, ofs: u64) -> bool {
        self.ofs <= ofs && ofs < self.ofs_end()
    }

    /// How many holders the region has (its creator or manager, plus one per cursor using it).
    pub fn client_count(&self) -> i64 {
        self.client_count
    }

    /// Adds `n` (may be negative) to the client count. A result below 0 is refused with
    /// [`Error::ClientCount`] and leaves the count unchanged. `Ok(true)` means the count is
    /// now 0: the holder must drop the region, which unmaps it.
    ///
    /// ```no_run
    /// # let mut region = smmap_core::Region::map(&smmap_core::FileKey::Fd(3), 0, 0, 0).unwrap();
    /// assert_eq!(region.increment_client_count(1).unwrap(), false);
    /// assert_eq!(region.increment_client_count(-2).unwrap(), true);
    /// assert!(region.increment_client_count(-1).is_err());
    /// ```
    pub fn increment_client_count(&mut self, n: i64) -> Result<bool> {
        let count = self.client_count.saturating_add(n);
        if count < 0 {
            return Err(Error::ClientCount(format!(
                "client count of region at {} would become {count}",
                self.ofs
            )));
        }
        self.client_count = count;
        Ok(count == 0)
    }

    /// Pointer to the first mapped byte; valid while the region lives (the mapping never
    /// moves). Writes land in this process's private copy only.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.map.as_mut_ptr()
    }

    /// The mapped bytes; index 0 is file offset [`Region::ofs_begin`].
    pub fn as_slice(&self) -> &[u8] {
        &self.map
    }

    /// Whether the file was truncated under this region and a read past its new end was
    /// turned into zeros (see [`crate::guard`]).
    pub fn is_truncated(&self) -> bool {
        self.guard.as_ref().is_some_and(Guard::is_truncated)
    }

    /// The region's guard, if it has one (the table was not full); hosts use its slot to
    /// learn of truncation without a call.
    pub fn guard(&self) -> Option<&Guard> {
        self.guard.as_ref()
    }

    /// Gives the clean resident pages back to the OS while keeping the range mapped: a region
    /// that must outlive its manager's interest (a view still reaches it) costs address space
    /// and the pages written into it only (those keep the writes), and later reads of the rest
    /// fault the file's bytes in again.
    pub fn release_pages(&self) {
        Region::release_pages_together(&[self]);
    }

    /// [`Region::release_pages`] for several regions at once. Regions that sit next to each
    /// other in memory (the OS tends to place consecutive mappings so) are given back together:
    /// one page-map read and one `madvise` per stretch instead of per region, where each call
    /// costs a system call and, in a process with threads on other CPUs (Node's), an interrupt
    /// to each of those CPUs to flush its TLB.
    pub fn release_pages_together(regions: &[&Region]) {
        let mut extents: Vec<(usize, usize)> = regions.iter().map(|r| r.pages()).collect();
        extents.sort_unstable();
        let mut stretch: Option<(usize, usize)> = None;
        for (start, end) in extents {
            stretch = match stretch {
                Some((from, to)) if to == start => Some((from, end)),
                Some((from, to)) => {
                    // SAFETY: whole pages of the given regions' live mappings, which the
                    // borrows keep mapped for the whole call.
                    unsafe { os::release_range(from, to - from) };
                    Some((start, end))
                }
                None => Some((start, end)),
            };
        }
        if let Some((from, to)) = stretch {
            // SAFETY: as above.
            unsafe { os::release_range(from, to - from) };
        }
    }

    /// The page-aligned range of addresses the mapping occupies: it starts at the page holding
    /// its first byte and ends with the page holding its last (the mapping covers both whole).
    fn pages(&self) -> (usize, usize) {
        let page = allocation_granularity() as usize;
        let first = self.map.as_ptr() as usize;
        let end = first + self.map.len().max(1);
        (first & !(page - 1), end.div_ceil(page) * page)
    }

    /// Passes an access-pattern hint to the OS (`madvise`); a no-op where unsupported.
    ///
    /// ```no_run
    /// # let region = smmap_core::Region::map(&smmap_core::FileKey::Fd(3), 0, 0, 0).unwrap();
    /// region.advise(smmap_core::Advice::Random).unwrap();
    /// ```
    pub fn advise(&self, advice: Advice) -> Result<()> {
        os::advise(&self.map, advice).map_err(|e| Error::io(e, "madvise", None))
    }
}

impl Drop for Region {
    /// The mapping itself is unmapped by its `MmapMut` field, right after.
    fn drop(&mut self) {
        Mappings::removed();
    }
}

/// The file size goes into the message too: callers usually got the offset from it.
fn check_aligned(ofs: u64, file_size: u64) -> Result<()> {
    let granularity = allocation_granularity();
    if ofs.is_multiple_of(granularity) {
        return Ok(());
    }
    Err(Error::OutOfRange(format!(
        "offset {ofs} is not a multiple of the allocation granularity {granularity} (file size {file_size})"
    )))
}

/// The length smmap maps: the request, or the rest of the file when the request is 0 or
/// longer than what is left. An offset at or past the end has nothing to map.
fn clamped_len(ofs: u64, size: u64, file_size: u64) -> Result<u64> {
    if ofs >= file_size {
        return Err(Error::OutOfRange(format!(
            "offset {ofs} is at or past the end of the file (size {file_size})"
        )));
    }
    let rest = file_size - ofs;
    Ok(if size == 0 { rest } else { size.min(rest) })
}
