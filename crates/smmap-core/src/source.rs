//! The file side of a mapping: how files are named ([`FileKey`]), opening one for mapping
//! with its size as of now ([`MapSource`]), and the mapping call itself. Path keys are opened
//! here and closed when the source drops (the mapping keeps the file); fd keys are borrowed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use memmap2::{MmapMut, MmapOptions};

use crate::error::{Error, Result};
use crate::os;

/// How a file is named: by path (opened per mapping, fd closed at once) or by a caller's fd
/// (never closed).
///
/// ```
/// use smmap_core::FileKey;
/// assert_ne!(FileKey::Path("/tmp/a".into()), FileKey::Fd(3));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileKey {
    /// Opened read-only for each new mapping and closed straight after.
    Path(PathBuf),
    /// The caller's open descriptor; it must stay open while regions are mapped from it.
    Fd(i32),
}

/// Current size of the file (stat for a path, fstat for an fd). Errors are [`Error::Io`]
/// with syscall "stat"/"fstat".
///
/// ```
/// use smmap_core::{file_size, FileKey};
/// let err = file_size(&FileKey::Path("/nonexistent/x".into())).unwrap_err();
/// assert!(matches!(err, smmap_core::Error::Io { syscall: "stat", .. }));
/// ```
pub fn file_size(key: &FileKey) -> Result<u64> {
    match key {
        FileKey::Path(path) => std::fs::metadata(path)
            .map(|meta| meta.len())
            .map_err(|e| Error::io(e, "stat", Some(path.clone()))),
        FileKey::Fd(fd) => os::borrow_fd(*fd)
            .map(|(_, size, _)| size)
            .map_err(|e| Error::io(e, "fstat", None)),
    }
}

/// Which file a key names now, and its size, without opening it: `stat` for a path, `fstat`
/// for an fd.
pub(crate) fn identify(key: &FileKey) -> Result<(os::Identity, u64)> {
    match key {
        FileKey::Path(path) => std::fs::metadata(path)
            .map(|meta| (os::identity(&meta), meta.len()))
            .map_err(|e| Error::io(e, "stat", Some(path.clone()))),
        FileKey::Fd(fd) => os::borrow_fd(*fd)
            .map(|(_, size, identity)| (identity, size))
            .map_err(|e| Error::io(e, "fstat", None)),
    }
}

/// The flags to OR into a read-only open of a file to map or read positionally: the
/// caller's, without those that would write, change the access mode or need aligned reads,
/// and (on Unix) with `O_NONBLOCK`, so a FIFO never blocks. Positional reads elsewhere in the
/// package open files with this same rule.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// let flags = smmap_core::read_only_open_flags(libc::O_NOATIME | libc::O_TRUNC | libc::O_RDWR);
/// assert_eq!(flags, libc::O_NOATIME | libc::O_NONBLOCK);
/// # }
/// ```
pub fn read_only_open_flags(flags: i32) -> i32 {
    os::read_only_open_flags(flags)
}

/// Reads up to `target.len()` bytes at `offset` of an open descriptor, without moving its
/// position (`pread`); the number read, 0 at or past the end. Errors are [`Error::Io`] with
/// syscall "read".
///
/// ```no_run
/// let mut header = [0u8; 12];
/// let read = smmap_core::read_at(3, &mut header, 0).unwrap();
/// assert!(read <= 12);
/// ```
pub fn read_at(fd: i32, target: &mut [u8], offset: u64) -> Result<usize> {
    os::read_at(fd, target, offset).map_err(|e| Error::io(e, "read", None))
}

/// Reads `[offset, offset + len)` of `file` (up to its end) so that the page cache holds it:
/// later reads and page faults of that range then need no disk. Meant for a worker thread; it
/// touches no mapping, so nothing can be unmapped under it.
pub fn read_ahead(file: &File, offset: u64, len: u64) -> Result<()> {
    const STEP: usize = 1 << 20;
    let read_error = |e| Error::io(e, "read", None);
    // Only where the page cache cannot be filled without a copy.
    let mut scratch = Vec::new();
    let end = offset.saturating_add(len);
    let mut at = offset;
    while at < end {
        let want = (end - at).min(STEP as u64) as usize;
        let read = match os::read_into_page_cache(file, at, want).map_err(read_error)? {
            Some(read) => read,
            None => {
                scratch.resize(STEP, 0);
                os::read_file_at(file, &mut scratch[..want], at).map_err(read_error)?
            }
        };
        if read == 0 {
            break;
        }
        at += read as u64;
    }
    Ok(())
}

/// Whether the page cache holds every page under `bytes`, memory of a file mapping: reading it
/// then waits for no disk. A page fault on a page it does not hold reads a whole neighbourhood
/// of the file in, far more than a small read asked for, so a caller may read such bytes with
/// a positional read instead. True where the system cannot tell (Windows).
pub fn in_page_cache(bytes: &[u8]) -> bool {
    // SAFETY: a live slice is mapped memory for the call; mincore only reports on it, and
    // answers an error (taken as true) for a range that is not one mapping.
    unsafe { os::in_page_cache(bytes.as_ptr() as usize, bytes.len()) }
}

/// Brings the pages under `bytes`, memory of a region's mapping, into memory and into the
/// page tables, so the thread that reads them next neither waits for the disk nor takes a
/// page fault (Unix; nothing on Windows). For a thread other than that reader's.
///
/// # Safety
///
/// `bytes` stays mapped for the call and belongs to a live [`Region`](crate::Region), whose
/// fault guard answers a `SIGBUS` for pages the file lost meanwhile.
pub unsafe fn populate(bytes: &[u8]) {
    // SAFETY: the caller keeps the mapping and its guard for the call.
    unsafe { os::populate(bytes.as_ptr() as usize, bytes.len()) }
}

/// A file open for mapping, with the size it had when opened: the one size a miss plans with.
pub(crate) struct MapSource {
    /// A path key's descriptor, opened here: the caller may keep it (`into_held`).
    opened: Option<File>,
    raw: os::RawFile,
    pub(crate) size: u64,
    pub(crate) identity: os::Identity,
    path: Option<PathBuf>,
}

impl MapSource {
    /// Opens a key for mapping: a path read-only with `flags` OR-ed in (those that would write
    /// dropped), an fd as it is. Either way the size and identity are read from the open
    /// descriptor.
    pub(crate) fn open(key: &FileKey, flags: i32) -> Result<MapSource> {
        match key {
            FileKey::Path(path) => {
                let file = os::open_options(flags)
                    .open(path)
                    .map_err(|e| Error::io(e, "open", Some(path.clone())))?;
                Self::of_file(file, path)
            }
            FileKey::Fd(fd) => {
                let (raw, size, identity) =
                    os::borrow_fd(*fd).map_err(|e| Error::io(e, "fstat", None))?;
                Ok(MapSource {
                    opened: None,
                    raw,
                    size,
                    identity,
                    path: None,
                })
            }
        }
    }

    /// A descriptor this crate holds for `path` (see [`MapSource::into_held`]), with the size
    /// the file has now.
    pub(crate) fn held(file: &File, path: &Path) -> Result<MapSource> {
        let size = file
            .metadata()
            .map_err(|e| Error::io(e, "fstat", Some(path.to_path_buf())))?
            .len();
        Ok(MapSource {
            opened: None,
            raw: os::raw_file(file),
            size,
            identity: None,
            path: Some(path.to_path_buf()),
        })
    }

    fn of_file(file: File, path: &Path) -> Result<MapSource> {
        let meta = file
            .metadata()
            .map_err(|e| Error::io(e, "fstat", Some(path.to_path_buf())))?;
        os::check_mappable(meta.file_type())
            .map_err(|e| Error::io(e, "open", Some(path.to_path_buf())))?;
        Ok(MapSource {
            raw: os::raw_file(&file),
            opened: Some(file),
            size: meta.len(),
            identity: os::identity(&meta),
            path: Some(path.to_path_buf()),
        })
    }

    /// The descriptor this source opened, for the caller to hold on to (`None` for an fd key
    /// or a source made from a held descriptor).
    pub(crate) fn into_held(self) -> Option<File> {
        self.opened
    }

    /// Maps `[ofs, ofs + len)` private copy-on-write, unless this process already has as many
    /// mappings as it may ([`Mappings`]).
    pub(crate) fn map(&self, ofs: u64, len: u64) -> Result<MmapMut> {
        let mapping_error = |e| Error::io(e, "mmap", self.path.clone());
        let len = usize::try_from(len).map_err(|_| mapping_error(too_long(len)))?;
        #[cfg(feature = "fault-injection")]
        if let Some(injected) = crate::fault::mmap_attempt() {
            return Err(mapping_error(injected));
        }
        if Mappings::at_limit() {
            return Err(mapping_error(os::out_of_memory()));
        }
        let mut options = MmapOptions::new();
        // MAP_NORESERVE: a private writable mapping is charged against RAM + swap for the copies
        // writes would make, so one larger than that was refused though we only read it.
        options.offset(ofs).len(len).no_reserve_swap();
        // SAFETY: the mapping is private copy-on-write, so our writes never reach the file;
        // the descriptor is open (ours, or the caller's, validated by fstat just before) for
        // the duration of the call. memmap2's remaining hazard, another process truncating
        // the file under the mapping, is what `crate::guard` handles.
        unsafe { options.map_copy(self.raw) }.map_err(mapping_error)
    }
}

/// The mappings this crate has made and not yet unmapped, process-wide, kept below the OS's
/// limit (`vm.max_map_count`, 65530 by default). At the limit the OS refuses every new mapping
/// of the process, the allocator's too, and an allocation failure aborts: so a share of the
/// limit is left for the rest of the process, and reaching ours is a refused mapping like any
/// other (collect-and-retry, then `ENOMEM` naming `vm.max_map_count`).
pub(crate) struct Mappings;

static LIVE: AtomicUsize = AtomicUsize::new(0);

impl Mappings {
    /// A region was mapped.
    pub(crate) fn added() {
        LIVE.fetch_add(1, Ordering::Relaxed);
    }

    /// A region was unmapped.
    pub(crate) fn removed() {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }

    /// How many regions are mapped now.
    pub(crate) fn live() -> usize {
        LIVE.load(Ordering::Relaxed)
    }

    fn at_limit() -> bool {
        static ALLOWED: OnceLock<usize> = OnceLock::new();
        let allowed = *ALLOWED.get_or_init(|| match os::max_mappings() {
            // An eighth for the allocator, the runtime and everything else the process maps.
            Some(limit) => limit - limit / 8,
            None => usize::MAX,
        });
        Self::live() >= allowed
    }
}

fn too_long(len: u64) -> std::io::Error {
    let message = format!("a mapping of {len} bytes does not fit the address space");
    std::io::Error::new(std::io::ErrorKind::OutOfMemory, message)
}
