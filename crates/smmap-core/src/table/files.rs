//! The file side of the region table: one entry per file a reader names, with its key, which
//! file it is, the descriptor held while it has regions, its size as last read and the list of
//! its regions (which `mod.rs` keeps sorted). An entry lives while readers or regions use it,
//! so the table does not grow with every path ever named; its id is then given back for reuse.

use std::fs::File;

use super::RegionTable;
use crate::held::{HeldDescriptor, ReadHandle};
use crate::ids::{FileId, RegionId};
use crate::os::Identity;
use crate::source::FileKey;

/// One file: its key, its size as last read, its listed regions sorted by start offset, which
/// file it is (once first opened) and, for a path key, the descriptor held while it has
/// regions, so its misses and positional reads reach that same file whatever happens to the
/// path.
pub(super) struct FileEntry {
    pub(super) key: FileKey,
    pub(super) size: Option<u64>,
    /// The listed regions, sorted by start offset, each with its start: a miss searches this
    /// list several times, and reading the start here spares a lookup of each probed region.
    pub(super) regions: Vec<Listed>,
    pub(super) identity: Identity,
    pub(super) held: Option<HeldDescriptor>,
    /// Readers (cursors) that may still use this id; with none and nothing mapped, the entry
    /// goes, so the table does not grow with every path ever named.
    pub(super) readers: u32,
    /// Regions of this file pushed out of its list but still counted (see `Entry::listed`).
    pub(super) orphans: u32,
}

/// A region in its file's list.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Listed {
    pub(super) start: u64,
    pub(super) id: RegionId,
}

impl FileEntry {
    pub(super) fn new(key: FileKey, identity: Identity) -> Self {
        FileEntry {
            key,
            size: None,
            regions: Vec::new(),
            identity,
            held: None,
            readers: 1,
            orphans: 0,
        }
    }

    /// Nothing uses or maps the file any more.
    pub(super) fn unused(&self) -> bool {
        self.readers == 0 && self.regions.is_empty() && self.orphans == 0
    }
}

impl RegionTable {
    /// The id of `key`'s file, made on first sight, for one more reader; the same key gets the
    /// same id while anything uses it.
    pub(crate) fn file(&mut self, key: FileKey) -> FileId {
        if let Some(&id) = self.file_ids.get(&key) {
            self.entry_mut(id).readers += 1;
            return id;
        }
        let id = self.add_entry(FileEntry::new(key.clone(), None));
        self.file_ids.insert(key, id);
        id
    }

    /// A new entry for `file`'s key, for the file with `identity` now at its path, taking one
    /// reader over from `file`: from now on the key names it, while `file` keeps naming the
    /// one it was.
    pub(crate) fn fork(&mut self, file: FileId, identity: Identity) -> FileId {
        let key = self.entry_of(file).key.clone();
        let id = self.add_entry(FileEntry::new(key.clone(), identity));
        self.file_ids.insert(key, id);
        self.forget_reader(file);
        id
    }

    /// One more reader of `file` (a copy of a cursor).
    pub(crate) fn add_reader(&mut self, file: FileId) {
        self.entry_mut(file).readers += 1;
    }

    /// A reader of `file` is gone; the entry goes with the last one once nothing is mapped.
    pub(crate) fn forget_reader(&mut self, file: FileId) {
        let entry = self.entry_mut(file);
        entry.readers = entry.readers.saturating_sub(1);
        self.drop_if_unused(file);
    }

    /// Every file the table knows, with its key.
    pub(crate) fn files(&self) -> Vec<(FileId, &FileKey)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(id, entry)| Some((id as FileId, &entry.as_ref()?.key)))
            .collect()
    }

    /// Files the table knows (tests read it to check the table does not grow for ever).
    pub(crate) fn num_files(&self) -> usize {
        self.files.iter().filter(|f| f.is_some()).count()
    }

    fn add_entry(&mut self, entry: FileEntry) -> FileId {
        if let Some(id) = self.free_files.pop() {
            self.files[id as usize] = Some(entry);
            return id;
        }
        let id = FileId::try_from(self.files.len()).expect("fewer than 2^32 files");
        self.files.push(Some(entry));
        id
    }

    fn drop_if_unused(&mut self, file: FileId) {
        let Some(entry) = self.files[file as usize].as_ref() else {
            return;
        };
        if !entry.unused() {
            return;
        }
        if self.file_ids.get(&entry.key) == Some(&file) {
            let key = entry.key.clone();
            self.file_ids.remove(&key);
        }
        self.files[file as usize] = None;
        self.free_files.push(file);
    }

    /// Which file `file` is, once known.
    pub(crate) fn identity(&self, file: FileId) -> Identity {
        self.entry_of(file).identity
    }

    pub(crate) fn set_identity(&mut self, file: FileId, identity: Identity) {
        self.entry_mut(file).identity = identity;
    }

    /// The descriptor held for `file`, if any.
    pub(crate) fn held(&self, file: FileId) -> Option<&File> {
        self.entry_of(file).held.as_ref().map(HeldDescriptor::file)
    }

    /// Holds `descriptor` for `file` while it has regions.
    pub(crate) fn hold(&mut self, file: FileId, descriptor: File) {
        self.entry_mut(file).held = Some(HeldDescriptor::new(descriptor));
    }

    /// A handle reading through the descriptor held for `file`, if one is held.
    pub(crate) fn read_handle(&mut self, file: FileId) -> Option<ReadHandle> {
        self.entry_mut(file)
            .held
            .as_mut()
            .map(HeldDescriptor::read_handle)
    }

    /// Closes the descriptors of files whose last listed region went since the last call.
    pub(crate) fn release_idle_descriptors(&mut self) {
        self.release_idle_descriptors_but(None);
    }

    /// As [`RegionTable::release_idle_descriptors`], keeping `kept`'s, which a retry is about
    /// to map from (closing it would lose the file it names if its path was replaced).
    pub(crate) fn release_idle_descriptors_but(&mut self, kept: Option<FileId>) {
        for file in std::mem::take(&mut self.idle) {
            if Some(file) == kept {
                self.idle.push(file);
                continue;
            }
            let Some(entry) = self.files[file as usize].as_mut() else {
                continue;
            };
            // Orphans are regions of this file still in use: their readers may read on.
            if entry.regions.is_empty() && entry.orphans == 0 {
                entry.held = None;
            }
            self.drop_if_unused(file);
        }
    }

    /// Closes every held descriptor.
    pub(crate) fn release_descriptors(&mut self) {
        for entry in self.files.iter_mut().flatten() {
            entry.held = None;
        }
        self.idle.clear();
    }

    pub(crate) fn has_file(&self, file: FileId) -> bool {
        self.files.get(file as usize).is_some_and(Option::is_some)
    }

    /// Panics for an id the table never issued (callers check with `has_file`).
    pub(crate) fn key(&self, file: FileId) -> &FileKey {
        &self.entry_of(file).key
    }

    /// The file's size as last read, if it was.
    pub(crate) fn cached_size(&self, file: FileId) -> Option<u64> {
        self.entry_of(file).size
    }

    pub(crate) fn remember_size(&mut self, file: FileId, size: u64) {
        self.entry_mut(file).size = Some(size);
    }

    /// Forgets every cached size, so each is read again when next needed.
    pub(crate) fn forget_sizes(&mut self) {
        for file in self.files.iter_mut().flatten() {
            file.size = None;
        }
    }

    /// `file`'s entry; panics for an id the table never issued or gave back.
    pub(super) fn entry_of(&self, file: FileId) -> &FileEntry {
        self.files
            .get(file as usize)
            .and_then(Option::as_ref)
            .unwrap_or_else(|| panic!("file id {file} was not made by this manager"))
    }

    /// `file`'s entry, to change; panics as [`RegionTable::entry_of`] does.
    pub(super) fn entry_mut(&mut self, file: FileId) -> &mut FileEntry {
        self.files
            .get_mut(file as usize)
            .and_then(Option::as_mut)
            .unwrap_or_else(|| panic!("file id {file} was not made by this manager"))
    }
}
