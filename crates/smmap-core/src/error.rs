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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                source,
                syscall,
                path: Some(path),
            } => write!(f, "{syscall} '{}': {source}", path.display()),
            Error::Io {
                source,
                syscall,
                path: None,
            } => write!(f, "{syscall}: {source}"),
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
