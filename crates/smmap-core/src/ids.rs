//! The two kinds of identifier a [`crate::Manager`] hands out.

/// Index of a file the manager knows; the same key always gets the same id.
pub type FileId = u32;

/// Identifies a region; never reused within a manager (a counter starting at 1).
pub type RegionId = u64;
