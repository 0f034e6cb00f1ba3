//! The OS side of a mapping: turning a [`FileKey`] into something `mmap` accepts, and
//! asking the OS for sizes. Path keys are opened here and closed when the source drops;
//! fd keys are only ever borrowed.

use std::fs::File;
use std::path::PathBuf;

use memmap2::{MmapMut, MmapOptions};

use crate::error::{Error, Result};
use crate::region::FileKey;

/// An open file ready to be mapped, with the size it had when opened.
pub(crate) struct MapSource {
    handle: Handle,
    pub(crate) size: u64,
    path: Option<PathBuf>,
}

enum Handle {
    /// Opened by us for one mapping; dropping it closes the fd, the mapping keeps the file.
    Owned(File),
    /// The caller's fd: never closed by us.
    #[cfg(unix)]
    Borrowed(std::os::unix::io::RawFd),
    #[cfg(windows)]
    Borrowed(std::os::windows::io::RawHandle),
}

/// The current size of the file a key names: `stat` for a path, `fstat` for an fd.
pub(crate) fn stat(key: &FileKey) -> Result<u64> {
    match key {
        FileKey::Path(path) => std::fs::metadata(path)
            .map(|meta| meta.len())
            .map_err(|e| Error::io(e, "stat", Some(path.clone()))),
        FileKey::Fd(fd) => fstat_fd(*fd),
    }
}

/// Opens a key for mapping: a path read-only with `flags` OR-ed in (ignored on Windows), an
/// fd as it is. Either way the size is read from the open descriptor.
pub(crate) fn open(key: &FileKey, flags: i32) -> Result<MapSource> {
    match key {
        FileKey::Path(path) => open_path(path, flags),
        FileKey::Fd(fd) => borrow_fd(*fd),
    }
}

fn open_path(path: &PathBuf, flags: i32) -> Result<MapSource> {
    let file = open_options(flags)
        .open(path)
        .map_err(|e| Error::io(e, "open", Some(path.clone())))?;
    let size = file
        .metadata()
        .map_err(|e| Error::io(e, "fstat", Some(path.clone())))?
        .len();
    Ok(MapSource {
        handle: Handle::Owned(file),
        size,
        path: Some(path.clone()),
    })
}

#[cfg(unix)]
fn open_options(flags: i32) -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    // std strips the access-mode bits from custom flags, so read-only stays read-only. But
    // O_TRUNC truncates even a read-only open on Linux, and O_CREAT/O_TMPFILE create files:
    // a mapping never writes, so the flags that would are dropped.
    options.read(true).custom_flags(read_only_open_flags(flags));
    options
}

/// `flags` without the open flags that would change the file system even on a read-only
/// open; the binding's positional reads open files with the same rule.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// let flags = smmap_core::read_only_open_flags(libc::O_NOATIME | libc::O_TRUNC);
/// assert_eq!(flags, libc::O_NOATIME);
/// # }
/// ```
#[cfg(unix)]
pub fn read_only_open_flags(flags: i32) -> i32 {
    flags & !WRITING_FLAGS
}

/// Windows takes no open flags from callers: nothing to drop.
#[cfg(not(unix))]
pub fn read_only_open_flags(flags: i32) -> i32 {
    flags
}

/// Open flags that change the file system even when a file is opened read-only (O_TMPFILE
/// without the O_DIRECTORY bits it includes, which only make the open fail).
#[cfg(any(target_os = "linux", target_os = "android"))]
const WRITING_FLAGS: i32 =
    libc::O_TRUNC | libc::O_CREAT | libc::O_EXCL | (libc::O_TMPFILE & !libc::O_DIRECTORY);
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
const WRITING_FLAGS: i32 = libc::O_TRUNC | libc::O_CREAT | libc::O_EXCL;

#[cfg(windows)]
fn open_options(_flags: i32) -> std::fs::OpenOptions {
    use std::os::windows::fs::OpenOptionsExt;
    use windows_sys::Win32::Storage::FileSystem::{
        FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE,
    };
    let mut options = std::fs::OpenOptions::new();
    // As on POSIX, other processes may read, write, rename and delete a file we map; Windows
    // itself refuses to truncate or delete it while a view exists (forceMapHandleRemovalWin).
    options
        .read(true)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE);
    options
}

#[cfg(not(any(unix, windows)))]
fn open_options(_flags: i32) -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    options
}

#[cfg(unix)]
fn borrow_fd(fd: i32) -> Result<MapSource> {
    let size = fstat_fd(fd)?;
    Ok(MapSource {
        handle: Handle::Borrowed(fd),
        size,
        path: None,
    })
}

#[cfg(windows)]
fn borrow_fd(fd: i32) -> Result<MapSource> {
    let handle = os_handle(fd)?;
    let size = handle_size(handle)?;
    Ok(MapSource {
        handle: Handle::Borrowed(handle),
        size,
        path: None,
    })
}

#[cfg(unix)]
fn fstat_fd(fd: i32) -> Result<u64> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a whole `struct stat` into the buffer we own and touches nothing
    // else; an invalid fd makes it fail with EBADF instead of reading memory.
    let rc = unsafe { libc::fstat(fd, stat.as_mut_ptr()) };
    if rc != 0 {
        return Err(Error::io(std::io::Error::last_os_error(), "fstat", None));
    }
    // SAFETY: fstat returned 0, so it initialised the struct.
    let stat = unsafe { stat.assume_init() };
    Ok(u64::try_from(stat.st_size).unwrap_or(0))
}

#[cfg(windows)]
fn fstat_fd(fd: i32) -> Result<u64> {
    handle_size(os_handle(fd)?)
}

#[cfg(windows)]
fn os_handle(fd: i32) -> Result<std::os::windows::io::RawHandle> {
    // SAFETY: get_osfhandle only looks the fd up in the CRT's table; unknown fds give -1.
    let handle = unsafe { libc::get_osfhandle(fd) };
    if handle == -1 {
        let ebadf = std::io::Error::from_raw_os_error(libc::EBADF);
        return Err(Error::io(ebadf, "fstat", None));
    }
    Ok(handle as std::os::windows::io::RawHandle)
}

#[cfg(windows)]
fn handle_size(handle: std::os::windows::io::RawHandle) -> Result<u64> {
    use std::os::windows::io::FromRawHandle;
    // SAFETY: the handle is open (the CRT just returned it) and ManuallyDrop guarantees we
    // never close what belongs to the caller's fd.
    let file = std::mem::ManuallyDrop::new(unsafe { File::from_raw_handle(handle) });
    file.metadata()
        .map(|meta| meta.len())
        .map_err(|e| Error::io(e, "fstat", None))
}

impl MapSource {
    /// Maps `[ofs, ofs + len)` private copy-on-write (never MAP_POPULATE: see
    /// `Region::map_with`).
    pub(crate) fn map(&self, ofs: u64, len: u64) -> Result<MmapMut> {
        let len = usize::try_from(len).map_err(|_| self.too_long(len))?;
        let mut options = MmapOptions::new();
        options.offset(ofs).len(len);
        self.map_with(&options)
            .map_err(|e| Error::io(e, "mmap", self.path.clone()))
    }

    fn map_with(&self, options: &MmapOptions) -> std::io::Result<MmapMut> {
        if let Some(injected) = crate::fault::mmap_attempt() {
            return Err(injected);
        }
        match &self.handle {
            // SAFETY: the mapping is private copy-on-write, so our writes never reach the
            // file; memmap2's remaining hazard (another process truncating the file under
            // the mapping) is the binding's to handle, as documented for the package.
            Handle::Owned(file) => unsafe { options.map_copy(file) },
            // SAFETY: as above; the descriptor was validated by fstat just before and is
            // only borrowed for the duration of the mmap call.
            Handle::Borrowed(raw) => unsafe { options.map_copy(*raw) },
        }
    }

    fn too_long(&self, len: u64) -> Error {
        let message = format!("a mapping of {len} bytes does not fit the address space");
        Error::io(
            std::io::Error::new(std::io::ErrorKind::OutOfMemory, message),
            "mmap",
            self.path.clone(),
        )
    }
}
