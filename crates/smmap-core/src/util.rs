//! smmap's window arithmetic (`smmap.util`), exactly: `i64` everywhere so that the negative
//! and shrinking results Python produces stay representable. `i64::MAX` plays the part of
//! Python's `sys.maxsize` ("no limit"); sums saturate there instead of overflowing.

use std::sync::OnceLock;

/// The granularity mapping offsets must be multiples of, as the OS reports it: the page size
/// on Unix, the allocation granularity (65536) on Windows.
///
/// ```
/// let g = smmap_core::allocation_granularity();
/// assert!(g.is_power_of_two());
/// ```
pub fn allocation_granularity() -> u64 {
    static GRANULARITY: OnceLock<u64> = OnceLock::new();
    *GRANULARITY.get_or_init(crate::os::allocation_granularity)
}

/// Rounds `num` down to a multiple of the granularity (floor semantics, also for negative
/// numbers); with `round_up`, an unaligned `num` is rounded up instead.
///
/// ```
/// use smmap_core::{align_to_mmap, allocation_granularity};
/// let g = allocation_granularity() as i64;
/// assert_eq!(align_to_mmap(1, false), 0);
/// assert_eq!(align_to_mmap(1, true), g);
/// assert_eq!(align_to_mmap(-1, false), -g);
/// ```
pub fn align_to_mmap(num: i64, round_up: bool) -> i64 {
    let granularity = allocation_granularity() as i64;
    let floored = num.div_euclid(granularity) * granularity;
    if round_up && floored != num {
        floored.saturating_add(granularity)
    } else {
        floored
    }
}

/// Whether the native word is wider than 32 bits (picks the default window and budget).
///
/// ```
/// assert_eq!(smmap_core::is_64_bit(), usize::BITS > 32);
/// ```
pub fn is_64_bit() -> bool {
    usize::BITS > 32
}

/// A planned, not yet mapped, window of a file: `[ofs, ofs + size)`. No validation, as in
/// smmap, so planning can produce negative sizes that callers must clamp.
///
/// ```
/// use smmap_core::MapWindow;
/// let mut w = MapWindow::new(20000, 100);
/// w.extend_left_to(&MapWindow::new(0, 0), 12288);
/// assert_eq!(w, MapWindow::new(7812, 12288));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapWindow {
    /// Offset into the file; may go negative while planning.
    pub ofs: i64,
    /// Length in bytes; may go negative while planning.
    pub size: i64,
}

impl MapWindow {
    /// A window at `ofs` of `size` bytes, stored as given.
    ///
    /// ```
    /// assert_eq!(smmap_core::MapWindow::new(3, 7).ofs_end(), 10);
    /// ```
    pub fn new(ofs: i64, size: i64) -> Self {
        MapWindow { ofs, size }
    }

    /// The window `[ofs, ofs + size)` of file offsets, saturating at `i64::MAX`.
    ///
    /// ```
    /// assert_eq!(smmap_core::MapWindow::of_file_range(10, u64::MAX).size, i64::MAX);
    /// ```
    pub fn of_file_range(ofs: u64, size: u64) -> Self {
        MapWindow::new(saturating_i64(ofs), saturating_i64(size))
    }

    /// One past the last byte.
    ///
    /// ```
    /// assert_eq!(smmap_core::MapWindow::new(8000, 50).ofs_end(), 8050);
    /// ```
    pub fn ofs_end(&self) -> i64 {
        self.ofs.saturating_add(self.size)
    }

    /// Widens the window to granule boundaries: start rounded down, size rounded up.
    ///
    /// ```
    /// use smmap_core::{allocation_granularity, MapWindow};
    /// let g = allocation_granularity() as i64;
    /// let mut w = MapWindow::new(1, 1);
    /// w.align();
    /// assert_eq!(w, MapWindow::new(0, g));
    /// ```
    pub fn align(&mut self) {
        let aligned_ofs = align_to_mmap(self.ofs, false);
        self.size = self.size.saturating_add(self.ofs - aligned_ofs);
        self.ofs = aligned_ofs;
        self.size = align_to_mmap(self.size, true);
    }

    /// Moves the start left until it touches `window`'s end, keeping the end fixed and the
    /// total size at most `max_size` (a window already larger than `max_size` shrinks from
    /// the left, as in smmap).
    ///
    /// ```
    /// use smmap_core::MapWindow;
    /// let mut w = MapWindow::new(5000, 100);
    /// w.extend_left_to(&MapWindow::new(0, 0), 50);
    /// assert_eq!(w, MapWindow::new(5050, 50));
    /// ```
    pub fn extend_left_to(&mut self, window: &MapWindow, max_size: i64) {
        let mut gap = self.ofs.saturating_sub(window.ofs_end());
        let total = gap.saturating_add(self.size);
        gap = gap.saturating_sub(total.saturating_sub(total.min(max_size)));
        self.ofs = self.ofs.saturating_sub(gap);
        self.size = self.size.saturating_add(gap);
    }

    /// Grows (or shrinks) the size so the end touches `window`'s start, capped at
    /// `max_size`; the start stays fixed.
    ///
    /// ```
    /// use smmap_core::MapWindow;
    /// let mut w = MapWindow::new(5000, 100);
    /// w.extend_right_to(&MapWindow::new(40000, 0), 12288);
    /// assert_eq!(w, MapWindow::new(5000, 12288));
    /// ```
    pub fn extend_right_to(&mut self, window: &MapWindow, max_size: i64) {
        let gap = window.ofs.saturating_sub(self.ofs_end());
        self.size = self.size.saturating_add(gap).min(max_size);
    }
}

/// File offsets never reach `i64::MAX`; saturate rather than wrap if one ever claims to.
pub(crate) fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
