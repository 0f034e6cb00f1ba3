//! Everything that differs between operating systems, one file per OS (`unix.rs`,
//! `windows.rs`, with the Unix `SIGBUS` action in `sigbus.rs` and Linux's page map in
//! `pagemap.rs`), so the rest of the crate is written once. Every function here speaks
//! `std::io` and plain numbers; the crate's own types live above this layer.

#[cfg_attr(unix, path = "unix.rs")]
#[cfg_attr(windows, path = "windows.rs")]
mod imp;

#[cfg(any(target_os = "linux", target_os = "android"))]
mod pagemap;

#[cfg(unix)]
mod sigbus;

#[cfg(not(any(unix, windows)))]
compile_error!("smmap-core supports Unix and Windows");

pub use imp::{
    advise, allocation_granularity, borrow_fd, check_mappable, duplicate_fd, exhaustion,
    file_from_number, file_into_number, identity, in_page_cache, install_fault_handler,
    max_mappings, open_options, out_of_memory, populate, prefault, prepare_page_release, raw_file,
    read_at, read_file_at, read_into_page_cache, read_only_open_flags, read_raw_at, release_range,
    stale, zero_page, RawFile, MAPPINGS_MAY_OUTLIVE_USE,
};

#[cfg(windows)]
pub use imp::host_symbol;

/// An access-pattern hint for the pages of a mapping (`madvise`; ignored where the OS has
/// no such call).
///
/// ```
/// assert_eq!(smmap_core::Advice::default(), smmap_core::Advice::Normal);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Advice {
    #[default]
    Normal,
    Sequential,
    Random,
    WillNeed,
}

/// An OS resource whose exhaustion a user can fix by raising a limit or freeing some.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhaustion {
    /// This process's open-file limit (EMFILE).
    ProcessFiles,
    /// The system-wide file table (ENFILE).
    SystemFiles,
    /// Address space, mapping count or commit charge (ENOMEM/EAGAIN from a mapping call).
    Mappings,
}

/// Which file an open descriptor refers to, whatever path led to it: (device, inode) on Unix.
/// `None` where the OS gives no such number through these calls (Windows here, which also
/// refuses to replace or truncate a file while it is mapped).
pub type Identity = Option<(u64, u64)>;

/// What the fault handler is told: the faulting address. It returns true when it made the
/// access succeed (the fault was ours), false to pass the fault on.
pub type FaultHandler = fn(usize) -> bool;
