//! Where smmap's sliding manager puts a new window (reference §2.3), as pure arithmetic.

use crate::util::MapWindow;

/// Plans the window for a request `[offset, offset + size)` between the end of `left` (the
/// previous region or the file start) and the start of `right` (the next region or the end
/// of the file): grow left up to `cap` bytes in total, then right, align to granules, and
/// clamp to `right`.
pub(super) fn plan_window(
    offset: i64,
    size: i64,
    left: &MapWindow,
    right: &MapWindow,
    cap: i64,
) -> MapWindow {
    let mut window = MapWindow::new(offset, size);
    window.extend_left_to(left, cap);
    window.extend_right_to(right, cap);
    window.align();
    if window.ofs_end() > right.ofs {
        window.size = right.ofs - window.ofs;
    }
    window
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::allocation_granularity;

    #[test]
    fn small_request_far_from_neighbours_ends_just_past_it() {
        if allocation_granularity() != 4096 {
            return;
        }
        let window = plan_window(
            20000,
            100,
            &MapWindow::new(0, 0),
            &MapWindow::new(41083, 0),
            12288,
        );
        assert_eq!(window, MapWindow::new(4096, 16384));
    }

    #[test]
    fn window_is_clamped_to_the_end_of_the_file() {
        if allocation_granularity() != 4096 {
            return;
        }
        let window = plan_window(
            30000,
            12288,
            &MapWindow::new(4096, 16384),
            &MapWindow::new(41083, 0),
            12288,
        );
        assert_eq!(window, MapWindow::new(28672, 12411));
    }
}
