//! Windows: the allocation granularity from `GetSystemInfo`, files opened with full sharing,
//! and borrowed CRT descriptors. Windows refuses to truncate a file while a view of it exists,
//! so there is no fault to survive and no handler to install.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::{FromRawHandle, RawHandle};

use memmap2::MmapMut;

use super::{Advice, Exhaustion, FaultHandler, Identity};

/// A handle as `CreateFileMapping` takes it.
pub type RawFile = RawHandle;

/// Whether a mapping may outlive the manager's use of it. Not here: while a view of a file
/// exists, Windows refuses to delete it, rename over it or truncate it, so a let-go window
/// kept alive by an unreachable-but-uncollected Buffer would block the user's own file
/// operations for an unbounded time. Let-go windows are unmapped at once instead.
pub const MAPPINGS_MAY_OUTLIVE_USE: bool = false;

/// The allocation granularity mapping offsets must be multiples of (65536 so far).
pub fn allocation_granularity() -> u64 {
    use windows_sys::Win32::System::SystemInformation::{GetSystemInfo, SYSTEM_INFO};
    let mut info = std::mem::MaybeUninit::<SYSTEM_INFO>::zeroed();
    // SAFETY: GetSystemInfo fills the struct we own and cannot fail.
    unsafe { GetSystemInfo(info.as_mut_ptr()) };
    // SAFETY: the struct was zeroed (a valid SYSTEM_INFO) and then filled by the OS.
    let granularity = unsafe { info.assume_init() }.dwAllocationGranularity;
    Some(u64::from(granularity))
        .filter(|g| g.is_power_of_two())
        .unwrap_or(65536)
}

/// A read-only open that lets other processes read, write, rename and delete the file, as
/// POSIX does; Windows itself refuses truncation and deletion while a view exists
/// (`forceMapHandleRemovalWin` lifts that). Caller flags do not apply to `CreateFileW`.
/// `FILE_FLAG_BACKUP_SEMANTICS` lets a directory open too (as libuv opens it), so that it is
/// refused as `EISDIR` by [`check_mappable`] rather than as an access error by the open.
pub fn open_options(_flags: i32) -> OpenOptions {
    use windows_sys::Win32::Storage::FileSystem::{
        FILE_FLAG_BACKUP_SEMANTICS, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE,
    };
    let mut options = OpenOptions::new();
    options
        .read(true)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS);
    options
}

/// The flags to OR into `O_RDONLY` for positional reads, in the CRT's numbering that Node's
/// `fs.constants` uses here: the caller's, without the access mode and without those that
/// would truncate or create the file (`CreateFileW` here takes none of them).
pub fn read_only_open_flags(flags: i32) -> i32 {
    flags & !(libc::O_TRUNC | libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_RDWR)
}

/// Refuses what cannot be mapped: a directory is `EISDIR`, given as ERROR_INVALID_FUNCTION,
/// the error reading a directory handle gives and the one every libuv translates to EISDIR;
/// other kinds are left to the mapping call.
pub fn check_mappable(file_type: std::fs::FileType) -> io::Result<()> {
    if file_type.is_dir() {
        return Err(io::Error::from_raw_os_error(1));
    }
    Ok(())
}

/// The handle of an open file, as `CreateFileMapping` takes it.
pub fn raw_file(file: &File) -> RawFile {
    std::os::windows::io::AsRawHandle::as_raw_handle(file)
}

/// No identity is taken on Windows, which refuses to replace a file while it is mapped.
pub fn identity(_meta: &std::fs::Metadata) -> Identity {
    None
}

/// The OS handle behind a CRT descriptor, the file's size and identity. Node's descriptors live in the
/// C runtime linked into node.exe, not in the one this library links (an fd from `fs.openSync`
/// means nothing to ours), so the handle is asked of the host's libuv, which node.exe exports
/// for addons; this library's own C runtime answers only in a host without it.
pub fn borrow_fd(fd: i32) -> io::Result<(RawFile, u64, Identity)> {
    type GetOsfHandle = unsafe extern "C" fn(i32) -> RawHandle;
    static HOST: std::sync::OnceLock<Option<GetOsfHandle>> = std::sync::OnceLock::new();
    let host = *HOST.get_or_init(|| {
        host_symbol(c"uv_get_osfhandle").map(|f| {
            // SAFETY: libuv declares `uv_os_fd_t uv_get_osfhandle(int fd)`, and uv_os_fd_t is
            // a HANDLE on Windows: the exported address has exactly this type.
            unsafe { std::mem::transmute::<unsafe extern "system" fn() -> isize, GetOsfHandle>(f) }
        })
    });
    let handle = match host {
        // SAFETY: both only look the fd up in their table and return INVALID_HANDLE_VALUE (-1)
        // for one they do not know (libuv makes the C runtime's invalid-parameter check return
        // instead of aborting).
        Some(get) => unsafe { get(fd) },
        None => (unsafe { libc::get_osfhandle(fd) }) as RawHandle,
    };
    // -1: no such descriptor; -2: one with no handle (a console without one).
    if handle as isize == -1 || handle as isize == -2 {
        // ERROR_INVALID_HANDLE, which libuv (and so `fs`) names EBADF.
        return Err(io::Error::from_raw_os_error(6));
    }
    // SAFETY: the handle is open (the runtime just returned it) and ManuallyDrop guarantees we
    // never close what belongs to the caller's fd.
    let file = std::mem::ManuallyDrop::new(unsafe { File::from_raw_handle(handle) });
    let meta = file.metadata()?;
    check_mappable(meta.file_type())?;
    Ok((handle, meta.len(), None))
}

/// Reads up to `target.len()` bytes at file offset `offset` of the caller's descriptor.
pub fn read_at(fd: i32, target: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    let (handle, _, _) = borrow_fd(fd)?;
    // SAFETY: the handle is open (just looked up) and ManuallyDrop never closes the caller's.
    let file = std::mem::ManuallyDrop::new(unsafe { File::from_raw_handle(handle) });
    file.seek_read(target, offset)
}

/// Reads at `offset` of a file this crate holds.
pub fn read_file_at(file: &File, target: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, target, offset)
}

/// Reads at `offset` through a handle this crate holds, known by its value.
///
/// # Safety
///
/// `raw` is open for the whole call (its owner cannot close it meanwhile).
pub unsafe fn read_raw_at(raw: RawFile, target: &mut [u8], offset: u64) -> io::Result<usize> {
    // SAFETY: the caller's contract: `raw` is open; ManuallyDrop never closes it.
    let file = std::mem::ManuallyDrop::new(unsafe { File::from_raw_handle(raw) });
    read_file_at(&file, target, offset)
}

/// Whether the cache holds every page of a mapped range: unknown here, so true (the caller
/// reads the mapping as it would have anyway).
///
/// # Safety
///
/// None needed here; the Unix version's contract is kept for one signature.
pub unsafe fn in_page_cache(_address: usize, _len: usize) -> bool {
    true
}

/// Nothing: the first reader of a page brings it in here.
///
/// # Safety
///
/// None needed here; the Unix version's contract is kept for one signature.
pub unsafe fn populate(_address: usize, _len: usize) {}

/// Windows has no call that brings file pages into the cache without copying them out: the
/// caller reads the bytes out.
pub fn read_into_page_cache(_file: &File, _offset: u64, _len: usize) -> io::Result<Option<usize>> {
    Ok(None)
}

/// A handle of its own on the caller's fd's file, for work on another thread.
pub fn duplicate_fd(fd: i32) -> io::Result<File> {
    let (handle, _, _) = borrow_fd(fd)?;
    // SAFETY: the handle is open (just looked up) and ManuallyDrop never closes the caller's.
    let file = std::mem::ManuallyDrop::new(unsafe { File::from_raw_handle(handle) });
    file.try_clone()
}

/// A file's handle as a number, to hand across a boundary that only takes numbers.
pub fn file_into_number(file: File) -> u64 {
    std::os::windows::io::IntoRawHandle::into_raw_handle(file) as usize as u64
}

/// Takes back a handle given out by [`file_into_number`].
///
/// # Safety
///
/// `number` came from `file_into_number` and is taken back once.
pub unsafe fn file_from_number(number: u64) -> File {
    // SAFETY: the caller's contract: an owned handle, taken back once.
    unsafe { File::from_raw_handle(number as usize as RawHandle) }
}

/// Never reached (no identities are taken here); ERROR_FILE_INVALID.
pub fn stale() -> io::Error {
    io::Error::from_raw_os_error(1006)
}

/// A function the host executable exports (node.exe exports libuv's and Node-API's), or `None`
/// in a host without it.
pub fn host_symbol(name: &std::ffi::CStr) -> Option<unsafe extern "system" fn() -> isize> {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
    // SAFETY: GetModuleHandleW(NULL) names the executable without taking a reference (it is
    // never unloaded); GetProcAddress only reads its export table, with a NUL-terminated name.
    unsafe {
        let exe = GetModuleHandleW(std::ptr::null());
        if exe.is_null() {
            return None;
        }
        GetProcAddress(exe, name.as_ptr().cast())
    }
}

/// ERROR_TOO_MANY_OPEN_FILES; from a mapping call, ERROR_NOT_ENOUGH_MEMORY,
/// ERROR_OUTOFMEMORY and ERROR_COMMITMENT_LIMIT. Windows has no system-wide file table error.
pub fn exhaustion(error: &io::Error, mapping: bool) -> Option<Exhaustion> {
    match error.raw_os_error()? {
        4 => Some(Exhaustion::ProcessFiles),
        8 | 14 | 1455 if mapping => Some(Exhaustion::Mappings),
        _ => None,
    }
}

/// The error a refused mapping reports (ERROR_NOT_ENOUGH_MEMORY).
pub fn out_of_memory() -> io::Error {
    io::Error::from_raw_os_error(8)
}

/// Windows has no per-process count of mappings below its address space.
pub fn max_mappings() -> Option<usize> {
    None
}

/// Windows has no `madvise`: hints are accepted and ignored.
pub fn advise(_map: &MmapMut, _advice: Advice) -> io::Result<()> {
    Ok(())
}

/// Windows keeps a view's pages in the working set until it is unmapped; nothing to do.
///
/// # Safety
///
/// None needed here; the contract is the Unix one (live mappings of this process).
pub unsafe fn release_range(_start: usize, _len: usize) {}

/// Nothing to ready: pages are never given back early here.
pub fn prepare_page_release() -> bool {
    true
}

/// No prefaulting hint is used on Windows.
pub fn prefault(_map: &MmapMut) {}

/// Nothing to install: a mapped file cannot be truncated here.
pub fn install_fault_handler(_handler: FaultHandler) -> bool {
    false
}

/// Never called: there is no fault handler.
///
/// # Safety
///
/// None; present so the guard compiles the same on every OS.
pub unsafe fn zero_page(_address: usize, _page_size: usize) -> bool {
    false
}
