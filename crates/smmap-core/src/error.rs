//! The one error type of the crate.

use std::fmt;
use std::path::PathBuf;

use crate::ids::{FileId, RegionId};
use crate::os::{self, Exhaustion};

/// `Result` with this crate's [`Error`] as the default error type.
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
    /// A [`FileId`] the manager never issued.
    UnknownFile(FileId),
}

/// A resource whose exhaustion freeing unused regions may cure: the only failures for which
/// a manager collects its unused regions and tries again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    /// An OS limit (files, address space, mapping count).
    Os(Exhaustion),
    /// The manager's own `max_open_handles`.
    Handles,
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

    /// Which resource ran out, when that is what failed. A directory, a missing file or a
    /// permission error is not exhaustion: freeing memory cannot fix it.
    ///
    /// ```
    /// use smmap_core::{Error, Exhausted};
    /// assert_eq!(Error::Limit { max_open_handles: 1 }.exhausted(), Some(Exhausted::Handles));
    /// assert_eq!(Error::Closed.exhausted(), None);
    /// ```
    pub fn exhausted(&self) -> Option<Exhausted> {
        match self {
            Error::Io {
                source, syscall, ..
            } => os::exhaustion(source, *syscall == "mmap").map(Exhausted::Os),
            Error::Limit { .. } => Some(Exhausted::Handles),
            _ => None,
        }
    }

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
        match self.exhausted()? {
            Exhausted::Os(Exhaustion::ProcessFiles) => Some(
                "raise the process's open-file limit (RLIMIT_NOFILE, `ulimit -n`) \
                 or lower maxOpenHandles",
            ),
            Exhausted::Os(Exhaustion::SystemFiles) => {
                Some("the system-wide file table is full: raise fs.file-max or close files")
            }
            Exhausted::Os(Exhaustion::Mappings) => Some(
                "the OS refused another mapping: raise vm.max_map_count (Linux) or the \
                 address-space limit (RLIMIT_AS, `ulimit -v`), or lower windowSize and \
                 maxMemorySize",
            ),
            Exhausted::Handles => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                source,
                syscall,
                path,
            } => {
                match path {
                    Some(path) => write!(f, "{syscall} '{}': {source}", path.display())?,
                    None => write!(f, "{syscall}: {source}")?,
                }
                match self.hint() {
                    Some(hint) => write!(f, "; {hint}"),
                    None => Ok(()),
                }
            }
            Error::OutOfRange(message) | Error::ClientCount(message) => f.write_str(message),
            Error::Limit { max_open_handles } => write!(
                f,
                "maxOpenHandles ({max_open_handles}) reached: every mapped region is in use; \
                 release a cursor or raise maxOpenHandles"
            ),
            Error::Closed => f.write_str("the manager is closed"),
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
