//! Sliding memory-mapped windows over large files: the pure-Rust core of the `smmap` npm
//! package, a port of Python's `smmap`.
//!
//! A [`Manager`] keeps, per file, a sorted list of [`Region`]s (private copy-on-write
//! mappings). Cursors in the binding ask it for the region covering an offset
//! ([`Manager::use_region`]) and let go of it later ([`Manager::unuse_region`]); regions no
//! cursor uses are unmapped least-recently-used first when the memory budget or the handle
//! limit requires it.
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
//! assert_eq!(manager.collect(), 1);
//! drop(manager.take_retired()); // unmaps
//! std::fs::remove_file(&path).unwrap();
//! ```

pub mod error;
pub mod guard;
pub mod manager;
pub mod region;
pub mod util;

mod fault;
mod source;

pub use error::{Error, Result};
pub use manager::{Advice, Config, FileId, Manager, RegionId, Stats};
pub use region::{file_size, FileKey, Region};
pub use source::read_only_open_flags;
pub use util::{align_to_mmap, allocation_granularity, is_64_bit, MapWindow};
