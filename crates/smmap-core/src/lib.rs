//! Sliding memory-mapped windows over large files: the pure-Rust core of the `smmap` npm
//! package, a port of Python's `smmap`.
//!
//! A [`Manager`] keeps, per file, a sorted list of [`Region`]s (private copy-on-write
//! mappings). Cursors in the binding ask it for the region covering an offset
//! ([`Manager::use_region`]) and let go of it later ([`Manager::unuse_region`]); regions no
//! cursor uses are unmapped least-recently-used first when the memory budget or the handle
//! limit requires it.
//!
//! The modules form layers that only point down: `ids`, `os` (one file per OS) and `error`;
//! `util` (window arithmetic) and `guard` (truncation survival); `source` (opening and
//! mapping files) and `held` (the descriptor held on a file); `region`; `table` and
//! `eviction` (the books); `placement` and `config`; and `manager`, the script that runs them.
//!
//! ```
//! use smmap_core::{Config, FileKey, Manager};
//!
//! let path = std::env::temp_dir().join(format!("smmap-core-doc-lib-{}", std::process::id()));
//! std::fs::write(&path, vec![7u8; 10_000]).unwrap();
//!
//! let mut manager = Manager::new(Config::sliding_default());
//! let file = manager.file(FileKey::Path(path.clone())).unwrap();
//! let id = manager.use_region(file, 100, 50, 0).unwrap().expect("offset inside the file");
//! assert_eq!(manager.region(id).unwrap().as_slice()[100], 7);
//! manager.unuse_region(id).unwrap();
//! assert_eq!(manager.collect(), 1); // unmapped
//! std::fs::remove_file(&path).unwrap();
//! ```

mod config;
mod error;
mod eviction;
#[cfg(feature = "fault-injection")]
mod fault;
pub mod guard;
mod held;
mod ids;
mod manager;
mod os;
mod placement;
mod region;
mod source;
mod table;
mod util;

pub use config::{Config, Options, Stats};
pub use error::{Error, Exhausted, Result};
pub use held::ReadHandle;
pub use ids::{FileId, RegionId};
pub use manager::{Manager, Retire, Unmap};
/// For the binding: functions node.exe exports (libuv's), looked up in the host executable.
#[cfg(windows)]
#[doc(hidden)]
pub use os::host_symbol;
pub use os::{
    file_from_number, file_into_number, prepare_page_release, Advice, Exhaustion,
    MAPPINGS_MAY_OUTLIVE_USE,
};
pub use region::Region;
pub use source::{
    file_size, in_page_cache, populate, read_ahead, read_at, read_only_open_flags, FileKey,
};
pub use util::{align_to_mmap, allocation_granularity, is_64_bit, MapWindow};
