//! The files a manager knows: ids for keys, their sizes, which file a key names now, and
//! reading them without mapping (positional reads, read handles, descriptors for read-ahead).

use super::{Manager, Retire};
use crate::error::{Error, Result};
use crate::held::ReadHandle;
use crate::ids::FileId;
use crate::source::{file_size, FileKey, MapSource};

impl<R: Retire> Manager<R> {
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
        let started = if self.table.regions_of(file).len() == 0 && self.table.held(file).is_none() {
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

    /// What a miss of `file` maps from: the descriptor held for it, so it stays the file it
    /// was whatever happened to the path; else the key opened now, which must still be that
    /// file (`ESTALE` if the path names another one now: the one `file` was is out of reach).
    pub(super) fn source(&mut self, file: FileId, flags: i32) -> Result<MapSource> {
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

    pub(super) fn stale(&self, file: FileId) -> Error {
        let path = match self.table.key(file) {
            FileKey::Path(path) => Some(path.clone()),
            FileKey::Fd(_) => None,
        };
        Error::io(crate::os::stale(), "open", path)
    }

    /// A truncation seen by the guard since the last look means some cached size is stale:
    /// forget them all, so new cursors see files as they are now. One load when none was.
    pub(super) fn forget_sizes_after_truncation(&mut self) {
        let seen = crate::guard::truncations();
        if seen != self.truncations_seen {
            self.truncations_seen = seen;
            self.table.forget_sizes();
        }
    }
}
