//! The miss path of `use_region`: find the region covering an offset or map a new one, for
//! the static (whole-file) and the sliding manager, with smmap's collect-and-retry.

use super::placement::plan_window;
use super::{FileId, Manager, RegionId};
use crate::error::{Error, Result};
use crate::region::Region;
use crate::util::{to_i64, MapWindow};

impl Manager {
    /// The region of `file` containing `offset`, and whether it was already mapped. When
    /// mapping fails for want of a resource (handle limit, EMFILE, ENOMEM, ...) every unused region
    /// is retired and the whole lookup is tried once more, re-planned from scratch, because
    /// neighbours may have gone; a second failure is returned.
    pub(super) fn obtain(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<(RegionId, bool)> {
        match self.try_obtain(file, offset, size, flags) {
            // Nothing to map there (the file shrank): freeing regions would not help.
            Err(error @ Error::OutOfRange(_)) => Err(error),
            Ok(found) => Ok(found),
            Err(_) => {
                self.retire_all_unused(true);
                self.try_obtain(file, offset, size, flags)
            }
        }
    }

    fn try_obtain(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<(RegionId, bool)> {
        if self.config.sliding {
            self.obtain_sliding(file, offset, size, flags)
        } else {
            self.obtain_static(file, offset, size, flags)
        }
    }

    /// One whole-file region per file. smmap checks the budget before looking, so it may
    /// evict this very file's unused region and map it again.
    fn obtain_static(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<(RegionId, bool)> {
        self.make_room_for(size);
        let current = self.entry(file).regions.first().copied();
        if let Some(id) = current.filter(|id| self.slots[id].region.includes_ofs(to_i64(offset))) {
            return Ok((id, true));
        }
        let region = self.map_new(file, 0, 0, flags)?;
        self.ensure_covers(file, &region, offset)?;
        // The file grew past the old whole-file region: the new one supersedes it.
        if let Some(stale) = current {
            self.displace(stale);
        }
        Ok((self.admit(file, region), false))
    }

    /// smmap's sliding placement: reuse a region containing `offset`, else plan a window
    /// between the neighbours and map it.
    fn obtain_sliding(
        &mut self,
        file: FileId,
        offset: u64,
        size: u64,
        flags: i32,
    ) -> Result<(RegionId, bool)> {
        if let Some(id) = self.find_region(file, offset) {
            return Ok((id, true));
        }
        let window_size = self.config.window_size;
        // With no window cap the request itself is the best estimate of what gets mapped.
        self.make_room_for(if window_size == 0 { size } else { window_size });
        let window = self.plan_new_window(file, offset, size)?;
        let region = self.map_new(file, window.ofs as u64, window.size as u64, flags)?;
        self.ensure_covers(file, &region, offset)?;
        // A predecessor that ended at an old, unaligned end of file overlaps the new region.
        if let Some(previous) = self.overlapped_predecessor(file, region.ofs_begin()) {
            self.displace(previous);
        }
        Ok((self.admit(file, region), false))
    }

    /// The window for a new region at `offset`. A window size of 0 means no cap: the
    /// window fills the whole gap between the neighbours (smmap would plan single pages).
    fn plan_new_window(&mut self, file: FileId, offset: u64, size: u64) -> Result<MapWindow> {
        let file_size = self.file_size(file)?;
        if offset >= file_size {
            return Err(past_end(offset, file_size));
        }
        let (left, right) = self.neighbours(file, offset, file_size);
        let cap = match self.config.window_size {
            0 => i64::MAX,
            window_size => to_i64(window_size),
        };
        let window = plan_window(to_i64(offset), to_i64(size), &left, &right, cap);
        if window.ofs < 0 || window.size <= 0 {
            return Err(Error::OutOfRange(format!(
                "no window can be placed at offset {offset} (file size {file_size})"
            )));
        }
        Ok(window)
    }

    /// Maps a region of `file` if the handle limit allows one more, with the configured
    /// advice applied.
    fn map_new(&self, file: FileId, ofs: u64, size: u64, flags: i32) -> Result<Region> {
        if self.num_file_handles() >= self.config.max_open_handles {
            return Err(Error::Limit {
                max_open_handles: self.config.max_open_handles,
            });
        }
        let key = &self.entry(file).key;
        let region = Region::map_with(key, ofs, size, flags, self.config.populate)?;
        if self.config.advice != super::Advice::Normal {
            // The advice is only a hint: a refusal must not fail the mapping.
            let _ = region.advise(self.config.advice);
        }
        Ok(region)
    }

    /// A new region misses `offset` only if the file shrank since its size was cached: forget
    /// the size so the next call reads it again.
    fn ensure_covers(&mut self, file: FileId, region: &Region, offset: u64) -> Result<()> {
        if region.includes_ofs(to_i64(offset)) {
            return Ok(());
        }
        self.entry_mut(file).size = None;
        Err(past_end(offset, region.ofs_end()))
    }
}

fn past_end(offset: u64, file_size: u64) -> Error {
    Error::OutOfRange(format!(
        "offset {offset} is at or past the end of the file (size {file_size})"
    ))
}
