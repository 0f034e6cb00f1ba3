//! POSIX: `sysconf` for the page size, `open(2)` flags, `fstat` on borrowed fds, `madvise`,
//! and the `SIGBUS` handler that lets a truncated mapping read zeros instead of killing us.

use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::OpenOptionsExt;

use memmap2::MmapMut;

use super::{Advice, Exhaustion, FaultHandler, Identity};

/// A descriptor as `mmap` takes it.
pub type RawFile = std::os::unix::io::RawFd;

/// Whether a mapping may outlive the manager's use of it. Here a live mapping blocks nothing:
/// the file can still be deleted, renamed over or truncated (the fault handler covers the
/// last), so a let-go window may stay mapped while a Buffer over it is still reachable.
pub const MAPPINGS_MAY_OUTLIVE_USE: bool = true;

/// The page size; 4096 if the OS will not say.
pub fn allocation_granularity() -> u64 {
    // SAFETY: sysconf only reads a system constant; it has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(page).ok().filter(|&p| p > 0).unwrap_or(4096)
}

/// A read-only open with the caller's extra `flags`, as [`read_only_open_flags`] makes them.
pub fn open_options(flags: i32) -> OpenOptions {
    let mut options = OpenOptions::new();
    options.read(true).custom_flags(read_only_open_flags(flags));
    options
}

/// The flags to OR into `O_RDONLY` for a file that will be mapped or read positionally: the
/// caller's, without the access mode (read-only stays read-only), without those that change
/// the file system even on a read-only open (Linux truncates on `O_TRUNC` whatever the access
/// mode, and `O_CREAT`/`O_TMPFILE` create), without `O_DIRECT` (positional reads of any
/// length must work), and with `O_NONBLOCK`, so opening a FIFO or a device never blocks.
pub fn read_only_open_flags(flags: i32) -> i32 {
    (flags & !(WRITING_FLAGS | libc::O_ACCMODE | DIRECT)) | libc::O_NONBLOCK
}

#[cfg(any(target_os = "linux", target_os = "android"))]
const DIRECT: i32 = libc::O_DIRECT;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const DIRECT: i32 = 0;

/// Refuses what cannot be mapped, as `fs` would name it: a directory is `EISDIR`; any other
/// file that is not a regular file (a FIFO, a socket, a device) is `ENODEV`, what `mmap`
/// says of files it cannot map.
pub fn check_mappable(file_type: std::fs::FileType) -> io::Result<()> {
    if file_type.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    if !file_type.is_file() {
        return Err(io::Error::from_raw_os_error(libc::ENODEV));
    }
    Ok(())
}

/// O_TMPFILE without the O_DIRECTORY bits it includes, which only make the open fail.
#[cfg(any(target_os = "linux", target_os = "android"))]
const WRITING_FLAGS: i32 =
    libc::O_TRUNC | libc::O_CREAT | libc::O_EXCL | (libc::O_TMPFILE & !libc::O_DIRECTORY);
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const WRITING_FLAGS: i32 = libc::O_TRUNC | libc::O_CREAT | libc::O_EXCL;

/// The descriptor of an open file, as `mmap` takes it.
pub fn raw_file(file: &std::fs::File) -> RawFile {
    std::os::unix::io::AsRawFd::as_raw_fd(file)
}

/// The identity of an open file, from its metadata.
pub fn identity(meta: &std::fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

/// The caller's descriptor as `mmap` takes it, the file's size and identity; refused, as
/// [`check_mappable`] says, if it is not a regular file.
pub fn borrow_fd(fd: i32) -> io::Result<(RawFile, u64, Identity)> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a whole `struct stat` into the buffer we own and touches nothing
    // else; an invalid fd makes it fail with EBADF instead of reading memory.
    if unsafe { libc::fstat(fd, stat.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fstat returned 0, so it initialised the struct.
    let stat = unsafe { stat.assume_init() };
    // `st_dev` and `st_ino` are narrower or signed on some Unixes, u64 on Linux.
    #[allow(clippy::unnecessary_cast)]
    let identity = Some((stat.st_dev as u64, stat.st_ino as u64));
    match stat.st_mode & libc::S_IFMT {
        libc::S_IFREG => Ok((fd, u64::try_from(stat.st_size).unwrap_or(0), identity)),
        libc::S_IFDIR => Err(io::Error::from_raw_os_error(libc::EISDIR)),
        _ => Err(io::Error::from_raw_os_error(libc::ENODEV)),
    }
}

/// Reads up to `target.len()` bytes at file offset `offset` of the caller's descriptor, without
/// moving its file position; returns how many (0 at or past the end).
pub fn read_at(fd: i32, target: &mut [u8], offset: u64) -> io::Result<usize> {
    let offset =
        libc::off_t::try_from(offset).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    loop {
        // SAFETY: `target` is writable for its whole length; an invalid fd fails with EBADF.
        let read = unsafe { libc::pread(fd, target.as_mut_ptr().cast(), target.len(), offset) };
        if read >= 0 {
            return Ok(read as usize);
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Reads at `offset` of a file this crate holds, without moving its position.
pub fn read_file_at(file: &std::fs::File, target: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, target, offset)
}

/// Reads at `offset` through a descriptor this crate holds, known by its number.
///
/// # Safety
///
/// `raw` is open for the whole call (its owner cannot close it meanwhile).
pub unsafe fn read_raw_at(raw: RawFile, target: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::unix::io::FromRawFd;
    // SAFETY: the caller's contract: `raw` is open; ManuallyDrop never closes it.
    let file = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(raw) });
    read_file_at(&file, target, offset)
}

/// Brings up to `len` bytes at `offset` of `file` into the page cache and waits for them,
/// without copying them anywhere: `sendfile` into /dev/null, whose splice takes the pages by
/// reference. A read into a buffer would spend a CPU on copying what nobody reads, a CPU the
/// JavaScript thread competes for on a small machine. How many bytes (0 at the end), or `None`
/// where the kernel cannot do it (then read them out instead).
#[cfg(target_os = "linux")]
pub fn read_into_page_cache(
    file: &std::fs::File,
    offset: u64,
    len: usize,
) -> io::Result<Option<usize>> {
    use std::os::unix::io::AsRawFd;
    let Ok(mut at) = libc::off_t::try_from(offset) else {
        return Ok(None);
    };
    // Opened for each call rather than kept: a descriptor held for the process's lifetime
    // would show as a leak to anyone counting them.
    let Ok(null) = OpenOptions::new().write(true).open("/dev/null") else {
        return Ok(None);
    };
    loop {
        // SAFETY: both descriptors are open for the call; `at` is a local the call updates.
        let sent = unsafe { libc::sendfile(null.as_raw_fd(), file.as_raw_fd(), &mut at, len) };
        if sent >= 0 {
            return Ok(Some(sent as usize));
        }
        let error = io::Error::last_os_error();
        match error.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => return Ok(None),
            _ => return Err(error),
        }
    }
}

/// Elsewhere there is no such call: the caller reads the bytes out.
#[cfg(not(target_os = "linux"))]
pub fn read_into_page_cache(
    _file: &std::fs::File,
    _offset: u64,
    _len: usize,
) -> io::Result<Option<usize>> {
    Ok(None)
}

/// A descriptor of its own on the caller's fd's file, for work on another thread that must not
/// depend on the caller keeping theirs open.
pub fn duplicate_fd(fd: i32) -> io::Result<std::fs::File> {
    // SAFETY: dup only reads the descriptor table; an invalid fd fails with EBADF.
    let copy = unsafe { libc::dup(fd) };
    if copy < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `copy` is a descriptor we just made and own from here on.
    Ok(unsafe { <std::fs::File as std::os::unix::io::FromRawFd>::from_raw_fd(copy) })
}

/// A file's descriptor as a number, to hand across a boundary that only takes numbers; the
/// number owns the descriptor until [`file_from_number`] takes it back.
pub fn file_into_number(file: std::fs::File) -> u64 {
    std::os::unix::io::IntoRawFd::into_raw_fd(file) as u64
}

/// Takes back a descriptor given out by [`file_into_number`].
///
/// # Safety
///
/// `number` came from `file_into_number` and is taken back once.
pub unsafe fn file_from_number(number: u64) -> std::fs::File {
    // SAFETY: the caller's contract: an owned descriptor, taken back once.
    unsafe { <std::fs::File as std::os::unix::io::FromRawFd>::from_raw_fd(number as i32) }
}

/// The error for a file that is no longer at its path (replaced since it was opened), as NFS
/// names a handle whose file is gone.
pub fn stale() -> io::Error {
    io::Error::from_raw_os_error(libc::ESTALE)
}

/// The resource an OS error says ran out, if a limit explains it. `mapping` tells whether
/// the error came from the mapping call, where ENOMEM/EAGAIN mean address space or map count.
pub fn exhaustion(error: &io::Error, mapping: bool) -> Option<Exhaustion> {
    match error.raw_os_error()? {
        libc::EMFILE => Some(Exhaustion::ProcessFiles),
        libc::ENFILE => Some(Exhaustion::SystemFiles),
        libc::ENOMEM | libc::EAGAIN if mapping => Some(Exhaustion::Mappings),
        _ => None,
    }
}

/// Passes an access-pattern hint to the kernel for the whole mapping.
pub fn advise(map: &MmapMut, advice: Advice) -> io::Result<()> {
    map.advise(match advice {
        Advice::Normal => memmap2::Advice::Normal,
        Advice::Sequential => memmap2::Advice::Sequential,
        Advice::Random => memmap2::Advice::Random,
        Advice::WillNeed => memmap2::Advice::WillNeed,
    })
}

/// How many mappings the OS allows a process (`vm.max_map_count` on Linux), if it says.
pub fn max_mappings() -> Option<usize> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let text = std::fs::read_to_string("/proc/sys/vm/max_map_count").ok()?;
        text.trim().parse().ok()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        None
    }
}

/// The error a mapping refused for want of mappings or memory reports.
pub fn out_of_memory() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOMEM)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub use super::pagemap::prepare_page_release;

/// Gives the resident pages of `[start, start + len)` back while keeping them mapped; later
/// reads fault the file's bytes in again. Only a hint to keep memory low: a refusal leaves
/// pages resident.
///
/// # Safety
///
/// The range is page-aligned and every page of it belongs to a private file mapping of this
/// process that stays mapped for the whole call.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub unsafe fn release_range(start: usize, len: usize) {
    // SAFETY: the caller's contract is pagemap's.
    unsafe { super::pagemap::release_range(start, len, allocation_granularity() as usize) };
}

/// Nothing to ready: this OS's `MADV_DONTNEED` needs no pagemap (see `release_range`).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn prepare_page_release() -> bool {
    true
}

/// Gives the resident pages of `[start, start + len)` back (`MADV_DONTNEED`). Here (macOS,
/// the BSDs) the advice only lowers the pages' priority and keeps their contents, written
/// ones included, so it needs no pagemap. Only a hint: a refusal leaves the pages resident.
///
/// # Safety
///
/// The range is page-aligned and every page of it belongs to a live mapping of this process.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub unsafe fn release_range(start: usize, len: usize) {
    // SAFETY: live mappings (contract), and here DONTNEED discards no contents.
    let _ = unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTNEED) };
}

/// Whether the page cache holds every page under `[address, address + len)`, memory of a
/// live file mapping, so that reading it waits for no disk (mincore, which touches nothing).
/// True when it cannot tell: the caller then reads the mapping as it would have anyway.
///
/// # Safety
///
/// The range is mapped memory for the whole call.
pub unsafe fn in_page_cache(address: usize, len: usize) -> bool {
    if len == 0 {
        return true;
    }
    let page = allocation_granularity() as usize;
    let start = address & !(page - 1);
    let pages = (address + len - start).div_ceil(page);
    let mut state = [0u8; 64];
    let mut more = Vec::new();
    let state: &mut [u8] = if pages <= state.len() {
        &mut state[..pages]
    } else {
        more.resize(pages, 0);
        &mut more
    };
    // SAFETY: mincore reads no memory and fails (taken as true) on a range that is not all
    // mapped; `state` has a byte for each of the `pages` pages it reports on.
    let rc = unsafe { libc::mincore(start as *mut _, pages * page, state.as_mut_ptr().cast()) };
    rc != 0 || state.iter().all(|s| s & 1 != 0)
}

/// Brings the pages under `[address, address + len)`, memory of a file mapping, all the way
/// in on the calling thread, so that the thread reading them next pays for none of it: maps
/// the page-cache pages into the page tables (Linux 5.14+ `MADV_POPULATE_READ`, which also
/// reads from the disk what the cache lacks), then reads one byte of each page. The read
/// matters in a virtual machine: a page the disk has just filled costs its first reader a
/// trap to the hypervisor (about 6 µs a page on the VM this was measured on), whichever thread
/// that is. A failed advice costs speed only.
///
/// # Safety
///
/// The range is one live mapping for the whole call, and a `SIGBUS` for its pages past the
/// end of a file that shrank is answered (the fault guard registers every region).
pub unsafe fn populate(address: usize, len: usize) {
    if len == 0 {
        return;
    }
    let page = allocation_granularity() as usize;
    let end = address + len;
    #[cfg(target_os = "linux")]
    {
        let start = address & !(page - 1);
        // SAFETY: by the contract the pages are one live mapping; the advice only maps them,
        // and a page it cannot read in is an error returned, never a signal.
        let _ = unsafe {
            libc::madvise(
                start as *mut _,
                end.div_ceil(page) * page - start,
                libc::MADV_POPULATE_READ,
            )
        };
    }
    let mut at = address;
    while at < end {
        // SAFETY: `at` lies in the live mapping (contract); a page lost to truncation faults
        // into the guard, which maps zeros there and returns, so the read completes.
        let _ = unsafe { std::ptr::read_volatile(at as *const u8) };
        at = (at & !(page - 1)) + page;
    }
}

/// Prefaults for reading. Never MAP_POPULATE: on a private writable mapping it prefaults
/// for writing, copying every page into anonymous memory (5x slower than no prefault, and
/// the copies count against RSS). Linux 5.14+ has MADV_POPULATE_READ, which maps the
/// page-cache pages; elsewhere read-ahead is the best hint. Failure costs speed only.
pub fn prefault(map: &MmapMut) {
    #[cfg(target_os = "linux")]
    if map.advise(memmap2::Advice::PopulateRead).is_ok() {
        return;
    }
    let _ = map.advise(memmap2::Advice::WillNeed);
}

/// Installs `handler` for `SIGBUS`, chained to the action in place before; called again, it
/// installs it anew if other code replaced it since (Node's `process.on('SIGBUS')` and `off`
/// do). A fault the handler does not claim goes where it would have gone without us.
pub fn install_fault_handler(handler: FaultHandler) -> bool {
    super::sigbus::install(handler)
}

/// Replaces the page holding `address` with a private zero page, keeping the range mapped so
/// a faulting read retries and succeeds. Async-signal-safe (one `mmap` call).
///
/// # Safety
///
/// The page must belong to a mapping the caller owns and that nothing else will unmap
/// meanwhile.
pub unsafe fn zero_page(address: usize, page_size: usize) -> bool {
    let page = address & !(page_size - 1);
    // SAFETY: the caller owns the mapping holding `page`; MAP_FIXED replaces only that page.
    let zeroed = unsafe {
        libc::mmap(
            page as *mut libc::c_void,
            page_size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            -1,
            0,
        )
    };
    zeroed != libc::MAP_FAILED
}
