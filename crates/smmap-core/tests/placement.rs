mod common;

use common::{check_invariants, granularity_is_4k, layout, pattern, TempFile};
use smmap_core::{Config, FileId, Manager, RegionId};

fn sliding(window_size: u64) -> Manager {
    Manager::new(Config {
        window_size,
        ..Config::sliding_default()
    })
}

fn window(manager: &Manager, id: RegionId) -> (u64, u64) {
    let r = manager.region(id).unwrap();
    (r.ofs_begin(), r.size())
}

fn use_at(manager: &mut Manager, file: FileId, offset: u64, size: u64) -> RegionId {
    manager
        .use_region(file, offset, size, 0)
        .unwrap()
        .expect("offset inside the file")
}

/// smmap's worked placement table (81920-byte file, window 3 pages).
#[test]
fn placement_table_of_the_reference() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(81920, "table");
    let data = pattern(0..81920);
    let mut manager = sliding(12288);
    let f = manager.file(file.key()).unwrap();

    // ((offset, size) asked, (start, size) of the region used, whether it was a hit)
    type Step = ((u64, u64), (u64, u64), bool);
    let steps: [Step; 6] = [
        ((0, 4096), (0, 12288), false),
        ((32768, 4096), (24576, 12288), false),
        ((20480, 10), (12288, 12288), false),
        ((16384, 1), (12288, 12288), true),
        ((77829, 1), (65536, 16384), false),
        ((61440, 12288), (61440, 4096), false),
    ];
    let mut hits = 0;
    for ((offset, size), expected, hit) in steps {
        let before = manager.stats();
        let id = use_at(&mut manager, f, offset, size);
        assert_eq!(
            window(&manager, id),
            expected,
            "use_region({offset}, {size})"
        );
        let after = manager.stats();
        assert_eq!(after.hits - before.hits, hit as u64);
        assert_eq!(after.misses - before.misses, !hit as u64);
        hits += hit as u64;
        manager.unuse_region(id).unwrap();
        check_invariants(&manager, &[(f, &data)], 0);
    }
    assert_eq!(manager.stats().hits, hits);
    assert_eq!(
        layout(&manager, f),
        vec![
            (0, 12288, 1),
            (12288, 12288, 1),
            (24576, 12288, 1),
            (61440, 4096, 1),
            (65536, 16384, 1)
        ]
    );
}

#[test]
fn first_use_holds_a_client_count() {
    let file = TempFile::patterned(81920, "count");
    let mut manager = sliding(12288);
    let f = manager.file(file.key()).unwrap();
    let id = use_at(&mut manager, f, 0, 4096);
    assert_eq!(manager.region(id).unwrap().client_count(), 2);
}

/// More observed smmap placements on a 41083-byte file.
#[test]
fn placement_examples_on_a_41083_byte_file() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(41083, "41083");
    let data = pattern(0..41083);
    let mut manager = sliding(12288);
    let f = manager.file(file.key()).unwrap();

    let a = use_at(&mut manager, f, 20000, 100);
    assert_eq!(window(&manager, a), (4096, 16384));
    let b = use_at(&mut manager, f, 0, 10);
    assert_eq!(window(&manager, b), (0, 4096));
    let c = use_at(&mut manager, f, 30000, 100000);
    assert_eq!(window(&manager, c), (28672, 12411));
    assert_eq!(manager.mapped_memory_size(), 16384 + 4096 + 12411);
    check_invariants(&manager, &[(f, &data)], 0);

    let mut unaligned = sliding(10000);
    let g = unaligned.file(file.key()).unwrap();
    let d = use_at(&mut unaligned, g, 0, 0);
    assert_eq!(window(&unaligned, d), (0, 12288));
}

#[test]
fn window_size_one_maps_single_pages() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(41083, "ws1");
    let mut manager = sliding(1);
    let f = manager.file(file.key()).unwrap();
    for offset in [0, 5000, 40000, 41082] {
        let id = use_at(&mut manager, f, offset, 0);
        let (start, size) = window(&manager, id);
        assert_eq!(start, offset / 4096 * 4096);
        assert!(size <= 4096);
    }
}

/// Our documented choice: a sliding window size of 0 means no cap, so whole gaps map.
#[test]
fn sliding_window_size_zero_maps_whole_gaps() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(41083, "ws0");
    let mut manager = sliding(0);
    let f = manager.file(file.key()).unwrap();
    let id = use_at(&mut manager, f, 20000, 100);
    assert_eq!(window(&manager, id), (0, 41083));
    let mut again = sliding(0);
    let g = again.file(file.key()).unwrap();
    let first = use_at(&mut again, g, 8192, 10);
    assert_eq!(window(&again, first), (0, 41083));
}

#[test]
fn offset_past_the_end_maps_nothing() {
    let file = TempFile::patterned(10_000, "past-end");
    let mut manager = sliding(12288);
    let f = manager.file(file.key()).unwrap();
    assert_eq!(manager.use_region(f, 10_000, 10, 0).unwrap(), None);
    assert_eq!(manager.use_region(f, 20_000, 5, 0).unwrap(), None);
    assert_eq!(manager.num_file_handles(), 0);
    let empty = TempFile::with_bytes(&[], "empty-file");
    let e = manager.file(empty.key()).unwrap();
    assert_eq!(manager.use_region(e, 0, 0, 0).unwrap(), None);
    assert_eq!(manager.file_size(e).unwrap(), 0);
    assert_eq!(manager.stats().misses + manager.stats().hits, 0);
}
