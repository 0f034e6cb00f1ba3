//! Where smmap's sliding manager puts a new window, as pure arithmetic: grow left towards
//! the previous region, then right, align to granules, clamp to the next region or the end.

use crate::util::MapWindow;

/// Plans the window for a request `[offset, offset + size)` between the end of `left` (the
/// previous region or the file start) and the start of `right` (the next region or the end
/// of the file): grow left up to `cap` bytes in total, then right, align to granules, and
/// clamp to `right`.
pub(crate) fn plan_window(
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

/// Properties of the planner over every request the manager can make: a gap between an
/// aligned left neighbour end and the next region (or the end of the file), an offset in that
/// gap, and a request no larger than the cap (the manager clamps requests to the window size).
#[cfg(test)]
mod properties {
    use super::*;
    use crate::util::allocation_granularity;
    use proptest::prelude::*;

    /// `(offset, size, left, right, cap)` as the manager would pass them.
    fn requests() -> impl Strategy<Value = (i64, i64, MapWindow, MapWindow, i64)> {
        let g = allocation_granularity() as i64;
        (
            0i64..64,
            0i64..64,
            1i64..200_000,
            0i64..4,
            any::<bool>(),
            0i64..16,
        )
            .prop_flat_map(
                move |(left_pages, gap_pages, gap_tail, right_kind, uncapped, cap_pages)| {
                    let left = MapWindow::new(0, left_pages * g);
                    let gap_start = left.ofs_end();
                    // The right side is a region (aligned start) or the end of the file (any).
                    let gap = if right_kind == 0 {
                        gap_pages * g + g
                    } else {
                        gap_pages * g + gap_tail
                    };
                    let right =
                        MapWindow::new(gap_start + gap, if right_kind == 0 { g } else { 0 });
                    let cap = if uncapped {
                        i64::MAX
                    } else {
                        1 + cap_pages * g + gap_tail % g
                    };
                    (gap_start..right.ofs, 1i64..=cap.min(4 * g * 64))
                        .prop_map(move |(offset, size)| (offset, size, left, right, cap))
                },
            )
    }

    proptest! {
        #[test]
        fn the_window_is_aligned_covers_the_offset_and_stays_between_neighbours(
            (offset, size, left, right, cap) in requests()
        ) {
            let g = allocation_granularity() as i64;
            let w = plan_window(offset, size, &left, &right, cap);
            prop_assert_eq!(w.ofs % g, 0, "start on a granule: {:?}", w);
            prop_assert!(w.ofs >= left.ofs_end(), "no overlap on the left: {:?}", w);
            prop_assert!(w.ofs_end() <= right.ofs, "no overlap on the right: {:?}", w);
            prop_assert!(w.ofs <= offset && offset < w.ofs_end(), "covers {}: {:?}", offset, w);
            prop_assert!(w.size <= cap.saturating_add(2 * g), "at most the cap plus alignment: {:?}", w);
        }

        #[test]
        fn a_gap_no_wider_than_the_cap_is_filled_whole(
            (offset, size, left, right, cap) in requests()
        ) {
            // Widen the cap to the gap and keep the request inside it: a request running past
            // the gap counts against the cap and shortens the left extension, as in smmap.
            let gap = right.ofs - left.ofs_end();
            let cap = if cap < gap { gap + cap % 3 } else { cap };
            let size = 1 + (size - 1) % (right.ofs - offset);
            let w = plan_window(offset, size, &left, &right, cap);
            prop_assert_eq!(w, MapWindow::new(left.ofs_end(), right.ofs - left.ofs_end()));
        }
    }
}
