//! What a manager is configured with and what it reports.

use crate::os::Advice;
use crate::util::is_64_bit;

const MIB: u64 = 1024 * 1024;

/// How a [`Manager`](crate::Manager) places windows and what it may spend, every default
/// resolved ([`Config::new`] applies smmap's rules to what a host asked for).
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
            window_size: default_window(),
            ..Config::static_default()
        }
    }
}

/// What a host asks a manager for; `None` leaves a setting to smmap's default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Bytes per window. Left out: the sliding manager's default window, the static
    /// manager's 0 (whole files). Negative: the default window for either manager, as smmap.
    pub window_size: Option<i64>,
    /// Soft budget of mapped bytes; `Some(0)` also picks the default.
    pub max_memory_size: Option<u64>,
    /// Hard limit on mapped regions; `u64::MAX` or `None` for no limit.
    pub max_open_handles: Option<u64>,
    pub advice: Option<Advice>,
    pub populate: Option<bool>,
}

impl Config {
    /// Resolves `options` for smmap's sliding (`sliding`) or static manager.
    ///
    /// ```
    /// use smmap_core::{Config, Options};
    /// let config = Config::new(true, &Options { window_size: Some(-1), ..Options::default() });
    /// assert_eq!(config.window_size, Config::sliding_default().window_size);
    /// assert_eq!(Config::new(false, &Options::default()).window_size, 0);
    /// ```
    pub fn new(sliding: bool, options: &Options) -> Config {
        let defaults = if sliding {
            Config::sliding_default()
        } else {
            Config::static_default()
        };
        Config {
            sliding,
            window_size: match options.window_size {
                None => defaults.window_size,
                Some(size) if size < 0 => default_window(),
                // `i64::MAX` stands for smmap's `sys.maxsize`: no cap at all.
                Some(i64::MAX) => u64::MAX,
                Some(size) => size as u64,
            },
            max_memory_size: match options.max_memory_size {
                None | Some(0) => default_budget(),
                Some(budget) => budget,
            },
            max_open_handles: options.max_open_handles.unwrap_or(u64::MAX),
            advice: options.advice.unwrap_or_default(),
            populate: options.populate.unwrap_or(false),
        }
    }
}

fn default_window() -> u64 {
    if is_64_bit() {
        1024 * MIB
    } else {
        64 * MIB
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// `use_region` calls served by a region already mapped.
    pub hits: u64,
    /// `use_region` calls that mapped a new region.
    pub misses: u64,
    /// Regions unmapped to stay within a budget (memory or handles), not by `collect`.
    pub evictions: u64,
    /// Mapped regions, as `Manager::num_file_handles`.
    pub regions: u64,
    /// Files with at least one listed region, as `Manager::num_open_files`.
    pub open_files: u64,
    /// As `Manager::mapped_memory_size`.
    pub mapped_bytes: u64,
    /// The most `mapped_bytes` ever was.
    pub peak_mapped_bytes: u64,
}
