//! The one error type of the crate.

use std::fmt;
use std::path::PathBuf;

use crate::manager::{FileId, RegionId};

/// `Result` with this crate's [`Error`] as the default error type.
///
/// ```
/// fn ok() -> smmap_core::Result<u8> { Ok(1) }
/// assert_eq!(ok().unwrap(), 1);
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
///
/// ```
/// let e = smmap_core::Error::Limit { max_open_handles: 15 };
/// assert!(e.to_string().starts_with("maxOpenHandles (15) reached"));
/// ```
#[derive(Debug)]
pub enum Error {
    /// An OS call failed. `syscall` is one of "open", "stat", "fstat", "mmap". `path` is
    /// `Some` for path-keyed files.
    Io {
        source: std::io::Error,
        syscall: &'static str,
        path: Option<PathBuf>,
    },
    /// Bad offset/size for a region: unaligned offset, or an offset at or past the end of the
    /// file (an empty file included). The message names the offset and the file size or
    /// granularity.
    OutOfRange(String),
    /// `max_open_handles` was reached and nothing unused could be evicted.
    Limit { max_open_handles: u64 },
    /// A client count would go below 0. The count was not changed.
    ClientCount(String),
    /// The manager was closed.
    Closed,
    /// A [`RegionId`] the manager no longer (or never) knew.
    UnknownRegion(RegionId),
    /// A FileId the manager never issued.
    UnknownFile(FileId),
}

impl Error {
    /// Wraps an OS error with the call that produced it and the path it concerned.
    pub(crate) fn io(source: std::io::Error, syscall: &'static str, path: Option<PathBuf>) -> Self {
        Error::Io {
            source,
            syscall,
            path,
        }
    }
}

impl Error {
    /// For an OS refusal that a limit explains, which limit to raise (or which option to
    /// lower), so the message says what to do rather than only what failed.
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// let refused = std::io::Error::from_raw_os_error(libc::EMFILE);
    /// let error = smmap_core::Error::Io { source: refused, syscall: "open", path: None };
    /// assert!(error.hint().unwrap().contains("RLIMIT_NOFILE"));
    /// # }
    /// ```
    pub fn hint(&self) -> Option<&'static str> {
        let Error::Io {
            source, syscall, ..
        } = self
        else {
            return None;
        };
        match (exhausted(source)?, *syscall) {
            (Exhausted::ProcessFiles, _) => Some(
                "raise the process's open-file limit (RLIMIT_NOFILE, `ulimit -n`) \
                 or lower maxOpenHandles",
            ),
            (Exhausted::SystemFiles, _) => {
                Some("the system-wide file table is full: raise fs.file-max or close files")
            }
            (Exhausted::Memory, "mmap") => Some(
                "the OS refused another mapping: raise vm.max_map_count (Linux) or the \
                 address-space limit (RLIMIT_AS, `ulimit -v`), or lower windowSize and \
                 maxMemorySize",
            ),
            (Exhausted::Memory, _) => None,
        }
    }
}

/// The OS resources whose exhaustion has a limit a user can raise.
enum Exhausted {
    ProcessFiles,
    #[cfg_attr(windows, allow(dead_code))] // Windows has no system-wide file table error
    SystemFiles,
    Memory,
}

#[cfg(unix)]
fn exhausted(source: &std::io::Error) -> Option<Exhausted> {
    match source.raw_os_error()? {
        libc::EMFILE => Some(Exhausted::ProcessFiles),
        libc::ENFILE => Some(Exhausted::SystemFiles),
        libc::ENOMEM => Some(Exhausted::Memory),
        _ => None,
    }
}

#[cfg(windows)]
fn exhausted(source: &std::io::Error) -> Option<Exhausted> {
    // ERROR_TOO_MANY_OPEN_FILES; ERROR_NOT_ENOUGH_MEMORY, ERROR_OUTOFMEMORY,
    // ERROR_COMMITMENT_LIMIT.
    match source.raw_os_error()? {
        4 => Some(Exhausted::ProcessFiles),
        8 | 14 | 1455 => Some(Exhausted::Memory),
        _ => None,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                source,
                syscall,
                path: Some(path),
            } => {
                write!(f, "{syscall} '{}': {source}", path.display())?;
                self.write_hint(f)
            }
            Error::Io {
                source,
                syscall,
                path: None,
            } => {
                write!(f, "{syscall}: {source}")?;
                self.write_hint(f)
            }
            Error::OutOfRange(message) | Error::ClientCount(message) => f.write_str(message),
            Error::Limit { max_open_handles } => write!(
                f,
                "maxOpenHandles ({max_open_handles}) reached: every mapped region is in use; \
                 release a cursor or raise maxOpenHandles"
            ),
            Error::Closed => f.write_str("the manager was closed"),
            Error::UnknownRegion(id) => write!(f, "region {id} is not known to this manager"),
            Error::UnknownFile(id) => write!(f, "file {id} is not known to this manager"),
        }
    }
}

impl Error {
    fn write_hint(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.hint() {
            Some(hint) => write!(f, "; {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
