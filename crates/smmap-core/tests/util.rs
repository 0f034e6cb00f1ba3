mod common;

use common::granularity_is_4k;
use smmap_core::{align_to_mmap, allocation_granularity, is_64_bit, MapWindow};

#[test]
fn align_to_mmap_matches_smmap() {
    if !granularity_is_4k() {
        return;
    }
    let cases: &[(i64, bool, i64)] = &[
        (0, false, 0),
        (0, true, 0),
        (1, false, 0),
        (1, true, 4096),
        (4095, false, 0),
        (4095, true, 4096),
        (4096, false, 4096),
        (4096, true, 4096),
        (4097, false, 4096),
        (4097, true, 8192),
        (8191, false, 4096),
        (8191, true, 8192),
        (8192, false, 8192),
        (8192, true, 8192),
        (-1, false, -4096),
        (-1, true, 0),
        (-4096, false, -4096),
        (-4096, true, -4096),
        (-4097, false, -8192),
        (-4097, true, -4096),
    ];
    for &(num, round_up, expected) in cases {
        assert_eq!(
            align_to_mmap(num, round_up),
            expected,
            "align_to_mmap({num}, {round_up})"
        );
    }
}

#[test]
fn align_to_mmap_never_overflows() {
    let top = align_to_mmap(i64::MAX, true);
    assert!(top >= align_to_mmap(i64::MAX, false));
    assert_eq!(
        align_to_mmap(i64::MIN, false) % allocation_granularity() as i64,
        0
    );
}

#[test]
fn test_util_from_smmap() {
    assert_eq!(is_64_bit(), usize::BITS > 32);
    assert_eq!(align_to_mmap(1, false), 0);
    assert_eq!(align_to_mmap(1, true), allocation_granularity() as i64);
}

#[test]
fn align_widens_to_granules() {
    if !granularity_is_4k() {
        return;
    }
    let cases = [
        ((0, 1), (0, 4096)),
        ((1, 1), (0, 4096)),
        ((5000, 100), (4096, 4096)),
        ((4096, 4096), (4096, 4096)),
        ((4095, 2), (0, 8192)),
        ((7812, 12288), (4096, 16384)),
    ];
    for ((ofs, size), (want_ofs, want_size)) in cases {
        let mut w = MapWindow::new(ofs, size);
        w.align();
        assert_eq!(
            w,
            MapWindow::new(want_ofs, want_size),
            "align({ofs}, {size})"
        );
    }
}

#[test]
fn extend_left_to_matches_smmap() {
    let cases = [
        ((5000, 100), (0, 0), 50, (5050, 50)),
        ((5000, 100), (0, 0), 0, (5100, 0)),
        ((5000, 100), (6000, 0), 100000, (6000, -900)),
        ((5000, 100), (0, 0), 12288, (0, 5100)),
        ((20000, 100), (0, 0), 12288, (7812, 12288)),
        ((20000, 100), (8192, 4096), 12288, (12288, 7812)),
    ];
    for ((ofs, size), (lo, ls), max, (want_ofs, want_size)) in cases {
        let mut w = MapWindow::new(ofs, size);
        w.extend_left_to(&MapWindow::new(lo, ls), max);
        assert_eq!(
            w,
            MapWindow::new(want_ofs, want_size),
            "({ofs},{size}) left to ({lo},{ls}) max {max}"
        );
    }
}

#[test]
fn extend_right_to_matches_smmap() {
    let cases = [
        ((40000, 0), (5000, 12288)),
        ((6000, 0), (5000, 1000)),
        ((4000, 0), (5000, -1000)),
    ];
    for ((ro, rs), (want_ofs, want_size)) in cases {
        let mut w = MapWindow::new(5000, 100);
        w.extend_right_to(&MapWindow::new(ro, rs), 12288);
        assert_eq!(w, MapWindow::new(want_ofs, want_size));
    }
}

#[test]
fn extend_with_infinite_max_size_does_not_overflow() {
    let mut w = MapWindow::new(i64::MAX - 10, i64::MAX);
    w.extend_left_to(&MapWindow::new(0, 0), i64::MAX);
    w.extend_right_to(&MapWindow::new(i64::MAX, i64::MAX), i64::MAX);
    w.align();
    let _ = w.ofs_end();
}

/// smmap's test_util.test_window, step by step.
#[test]
fn test_window_from_smmap() {
    let maxsize = i64::MAX;
    let wl = MapWindow::new(0, 1);
    let mut wc = MapWindow::new(1, 1);
    let mut wc2 = MapWindow::new(10, 5);
    let mut wr = MapWindow::new(8000, 50);

    assert_eq!(wl.ofs_end(), 1);
    assert_eq!(wc.ofs_end(), 2);
    assert_eq!(wr.ofs_end(), 8050);

    wc.extend_left_to(&wl, 100);
    assert_eq!(wc, MapWindow::new(1, 1));
    let mut wl2 = wl;
    wl2.extend_right_to(&wc, 100);
    wl2.extend_right_to(&wc, 100);
    assert_eq!(wl2, MapWindow::new(0, 1));

    wc2.extend_left_to(&wc, 100);
    assert_eq!(wc2.ofs, wc.ofs_end());
    assert_eq!(wc2, MapWindow::new(2, 13));

    wc.extend_right_to(&wr, 100);
    assert_eq!(wc, MapWindow::new(1, 100));
    wc.extend_right_to(&wr, 100);
    assert_eq!(wc, MapWindow::new(1, 100));

    wc.extend_right_to(&wr, maxsize);
    assert_eq!(wc.ofs_end(), wr.ofs);
    assert_eq!(wc, MapWindow::new(1, 7999));

    wr.extend_left_to(&wc2, 100);
    wr.extend_left_to(&wc2, 100);
    assert_eq!(wr.size, 100);
    assert_eq!(wr, MapWindow::new(7950, 100));

    wr.extend_left_to(&wc2, maxsize);
    assert_eq!(wr.ofs, wc2.ofs_end());
    assert_eq!(wr, MapWindow::new(15, 8035));

    wc.align();
    assert_eq!(wc.ofs, 0);
    assert_eq!(wc.size, align_to_mmap(wc.size, true));
    if granularity_is_4k() {
        assert_eq!(wc, MapWindow::new(0, 8192));
    }
}
