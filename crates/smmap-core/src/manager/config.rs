//! What a manager is configured with and what it reports.

use crate::util::is_64_bit;

const MIB: u64 = 1024 * 1024;

/// An access-pattern hint given to the OS for every new region (`madvise`).
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

/// How a [`Manager`] places windows and what it may spend. Values arrive already defaulted
/// by the caller.
///
/// ```
/// let config = smmap_core::Config { max_open_handles: 15, ..smmap_core::Config::sliding_default() };
/// assert!(config.sliding);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// `false`: smmap's `StaticWindowMapManager` (whole-file regions); `true`: its
    /// `SlidingWindowMapManager`.
    pub sliding: bool,
    /// Largest window to plan; 0 means no cap. For the sliding manager 0 maps whole gaps
    /// between neighbours (smmap degenerates to single pages there).
    pub window_size: u64,
    /// Soft budget in bytes: unused regions are evicted to stay under it, used ones never.
    pub max_memory_size: u64,
    /// Hard limit on mapped regions; `u64::MAX` means unlimited.
    pub max_open_handles: u64,
    /// `madvise` hint for each new region.
    pub advice: Advice,
    /// Prefault each new region.
    pub populate: bool,
}

impl Config {
    /// smmap's `StaticWindowMapManager()` defaults: window 0, budget 8 GiB (1 GiB on
    /// 32-bit), handles unlimited.
    ///
    /// ```
    /// let config = smmap_core::Config::static_default();
    /// assert_eq!((config.sliding, config.window_size), (false, 0));
    /// ```
    pub fn static_default() -> Self {
        Config {
            sliding: false,
            window_size: 0,
            max_memory_size: default_budget(),
            max_open_handles: u64::MAX,
            advice: Advice::Normal,
            populate: false,
        }
    }

    /// smmap's `SlidingWindowMapManager()` defaults: window 1 GiB (64 MiB on 32-bit), budget
    /// 8 GiB (1 GiB), handles unlimited.
    ///
    /// ```
    /// let config = smmap_core::Config::sliding_default();
    /// assert!(config.sliding && config.window_size >= 64 << 20);
    /// ```
    pub fn sliding_default() -> Self {
        Config {
            sliding: true,
            window_size: if is_64_bit() { 1024 * MIB } else { 64 * MIB },
            ..Config::static_default()
        }
    }
}

fn default_budget() -> u64 {
    if is_64_bit() {
        8192 * MIB
    } else {
        1024 * MIB
    }
}

/// Counters for tuning window and budget sizes.
///
/// ```
/// let manager = smmap_core::Manager::new(smmap_core::Config::sliding_default());
/// assert_eq!(manager.stats(), smmap_core::Stats::default());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// `use_region` calls served by a region already mapped.
    pub hits: u64,
    /// `use_region` calls that mapped a new region.
    pub misses: u64,
    /// Regions unmapped to stay within a budget (memory or handles), not by `collect`.
    pub evictions: u64,
    /// Mapped regions, as [`Manager::num_file_handles`].
    pub regions: u64,
    /// Files with at least one listed region, as [`Manager::num_open_files`].
    pub open_files: u64,
    /// As [`Manager::mapped_memory_size`].
    pub mapped_bytes: u64,
    /// The most `mapped_bytes` ever was.
    pub peak_mapped_bytes: u64,
}
