mod common;

use common::{check_invariants, granularity_is_4k, keeping, layout, pattern, Retired, TempFile};
use smmap_core::{Config, Error, FileId, Manager, RegionId};

/// One window: the allocation granularity (4096 on Linux, 65536 on Windows).
fn granule() -> u64 {
    smmap_core::allocation_granularity()
}

fn paged(max_memory_size: u64, max_open_handles: u64) -> Manager<Retired> {
    keeping(Config {
        window_size: granule(),
        max_memory_size,
        max_open_handles,
        ..Config::sliding_default()
    })
}

fn hold(manager: &mut Manager<Retired>, file: FileId, page: u64) -> RegionId {
    manager
        .use_region(file, page * granule(), granule(), 0)
        .unwrap()
        .unwrap()
}

fn touch(manager: &mut Manager<Retired>, file: FileId, page: u64) {
    let id = hold(manager, file, page);
    manager.unuse_region(id).unwrap();
}

fn starts(manager: &Manager<Retired>, file: FileId) -> Vec<u64> {
    layout(manager, file)
        .into_iter()
        .map(|(start, _, _)| start)
        .collect()
}

/// smmap evicts the first unused region it finds (pages 0 and 1 here); we evict the least
/// recently used (pages 4 and 3).
#[test]
fn eviction_is_true_lru_not_first_found() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(5 * granule(), "lru");
    let mut manager = paged(100 * granule(), u64::MAX);
    let f = manager.file(file.key()).unwrap();
    for page in [4, 3, 2, 1, 0] {
        touch(&mut manager, f, page);
    }
    assert_eq!(manager.collect_lru_region(97 * granule()), 2);
    assert_eq!(starts(&manager, f), vec![0, granule(), 2 * granule()]);
    assert_eq!(manager.stats().evictions, 2);
    assert_eq!(manager.retirement().take().len(), 2);

    // Touching page 0 makes it the most recent: pages 1 and 2 go next.
    touch(&mut manager, f, 0);
    assert_eq!(manager.collect_lru_region(99 * granule()), 2);
    assert_eq!(starts(&manager, f), vec![0]);
}

#[test]
fn eviction_is_lru_across_files() {
    let first = TempFile::patterned(2 * granule(), "lru-a");
    let second = TempFile::patterned(2 * granule(), "lru-b");
    let mut manager = paged(100 * granule(), u64::MAX);
    let a = manager.file(first.key()).unwrap();
    let b = manager.file(second.key()).unwrap();
    touch(&mut manager, a, 0);
    touch(&mut manager, b, 0);
    touch(&mut manager, a, 0); // a hit: now the most recent
    assert_eq!(manager.collect_lru_region(99 * granule()), 1);
    assert_eq!(manager.regions_of(b).len(), 0, "file b's older region went");
    assert_eq!(manager.regions_of(a).len(), 1);
}

#[test]
fn collect_lru_region_edge_cases() {
    let file = TempFile::patterned(3 * granule(), "lru-edges");
    let mut manager = paged(100 * granule(), u64::MAX);
    assert_eq!(manager.collect_lru_region(0), 0);
    assert_eq!(manager.collect_lru_region(u64::MAX), 0);
    let f = manager.file(file.key()).unwrap();
    touch(&mut manager, f, 0);
    touch(&mut manager, f, 2);
    assert_eq!(
        manager.collect_lru_region(10),
        0,
        "within budget: nothing goes"
    );
    assert_eq!(
        manager.collect_lru_region(0),
        2,
        "size 0: everything unused goes"
    );
    assert_eq!(
        manager.stats().evictions,
        0,
        "size 0 is not counted as eviction"
    );
}

/// The memory budget is soft: regions in use stay mapped over it; unused ones go first.
#[test]
fn budget_is_soft_and_evictions_are_counted() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(8 * granule(), "soft");
    let data = pattern(0..8 * granule());
    let mut manager = paged(2 * granule(), u64::MAX);
    let f = manager.file(file.key()).unwrap();
    let held: Vec<RegionId> = [0, 2, 4]
        .iter()
        .map(|&p| hold(&mut manager, f, p))
        .collect();
    assert_eq!(
        manager.mapped_memory_size(),
        3 * granule(),
        "over the budget of 2 pages"
    );
    assert_eq!(manager.stats().evictions, 0);
    assert!(layout(&manager, f).iter().all(|&(_, _, count)| count == 2));

    manager.unuse_region(held[0]).unwrap();
    let fresh = hold(&mut manager, f, 6);
    assert!(
        manager.region(held[0]).is_none(),
        "the unused region was evicted"
    );
    assert_eq!(manager.stats().evictions, 1);
    assert_eq!(
        starts(&manager, f),
        vec![2 * granule(), 4 * granule(), 6 * granule()]
    );
    check_invariants(&manager, &[(f, &data)], 0);

    for id in [held[1], held[2], fresh] {
        manager.unuse_region(id).unwrap();
    }
    assert_eq!(manager.collect(), 3);
    assert_eq!(manager.stats().evictions, 1, "collect() is not an eviction");
    assert_eq!(
        manager.stats().peak_mapped_bytes,
        3 * granule(),
        "eviction ran before mapping"
    );
}

#[test]
fn handle_limit_is_honoured_by_the_sliding_manager() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(5 * granule(), "limit");
    let data = pattern(0..5 * granule());
    let mut manager = paged(100 * granule(), 2);
    let f = manager.file(file.key()).unwrap();
    let first = hold(&mut manager, f, 0);
    let _second = hold(&mut manager, f, 2);
    let before = (manager.stats(), layout(&manager, f));

    let err = manager
        .use_region(f, 4 * granule(), granule(), 0)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Limit {
            max_open_handles: 2
        }
    ));
    assert_eq!(
        err.to_string(),
        "maxOpenHandles (2) reached: every mapped region is in use; release a cursor or raise maxOpenHandles"
    );
    assert_eq!(
        (manager.stats(), layout(&manager, f)),
        before,
        "nothing changed"
    );

    manager.unuse_region(first).unwrap();
    let third = hold(&mut manager, f, 4);
    assert_eq!(
        layout(&manager, f),
        vec![(2 * granule(), granule(), 2), (4 * granule(), granule(), 2)]
    );
    assert_eq!(
        manager.stats().evictions,
        1,
        "the retry's collect counts as eviction"
    );
    assert!(manager.region(third).is_some());
    check_invariants(&manager, &[(f, &data)], 0);
}

#[test]
fn handle_limit_is_honoured_by_the_static_manager() {
    let a_file = TempFile::patterned(3 * granule(), "static-limit-a");
    let b_file = TempFile::patterned(3 * granule(), "static-limit-b");
    let config = Config {
        max_open_handles: 1,
        ..Config::static_default()
    };
    let mut manager = keeping(config);
    let a = manager.file(a_file.key()).unwrap();
    let b = manager.file(b_file.key()).unwrap();
    let held = manager.use_region(a, 0, 0, 0).unwrap().unwrap();
    assert!(matches!(
        manager.use_region(b, 0, 0, 0),
        Err(Error::Limit {
            max_open_handles: 1
        })
    ));
    assert_eq!(manager.num_file_handles(), 1);
    manager.unuse_region(held).unwrap();
    let id = manager.use_region(b, 100, 0, 0).unwrap().unwrap();
    assert_eq!(
        manager.region(id).unwrap().as_slice(),
        &pattern(0..3 * granule())[..]
    );
    assert!(manager.regions_of(a).is_empty());
}

/// The static manager checks the budget before it looks, with the file size it knows; a miss
/// past that size in a file that grew since must still make room, or every unused region
/// would stay mapped beside the new whole-file one.
#[test]
fn the_static_manager_keeps_its_budget_when_a_file_grew_past_its_known_size() {
    let grown_file = TempFile::patterned(2 * granule(), "static-grow-budget-a");
    let other_file = TempFile::patterned(3 * granule(), "static-grow-budget-b");
    let mut manager = keeping(Config {
        max_memory_size: 5 * granule(),
        ..Config::static_default()
    });
    let grown = manager.file(grown_file.key()).unwrap();
    let other = manager.file(other_file.key()).unwrap();
    let first = manager.use_region(grown, 0, 0, 0).unwrap().unwrap();
    manager.unuse_region(first).unwrap();
    let unused = manager.use_region(other, 0, 0, 0).unwrap().unwrap();
    manager.unuse_region(unused).unwrap();
    assert_eq!(manager.mapped_memory_size(), 5 * granule());

    grown_file.grow_to(4 * granule());
    let id = manager
        .use_region(grown, 3 * granule(), 0, 0)
        .unwrap()
        .expect("an offset inside the grown file");
    assert_eq!(manager.region(id).unwrap().size(), 4 * granule());
    // 5 granules mapped and 4 to come, for a budget of 5: both unused regions go, the least
    // recently used (the grown file's old one) first.
    assert!(manager.region(first).is_none());
    assert!(
        manager.region(unused).is_none(),
        "the other file's unused region made room"
    );
    assert_eq!(manager.mapped_memory_size(), 4 * granule());
    assert_eq!(manager.stats().evictions, 2);
    let data = pattern(0..4 * granule());
    check_invariants(&manager, &[(grown, &data)], 0);
}

#[test]
fn zero_handles_refuses_the_first_use() {
    let file = TempFile::patterned(granule(), "zero-handles");
    for base in [Config::static_default(), Config::sliding_default()] {
        let mut manager = keeping(Config {
            max_open_handles: 0,
            ..base
        });
        let f = manager.file(file.key()).unwrap();
        assert!(matches!(
            manager.use_region(f, 0, 0, 0),
            Err(Error::Limit {
                max_open_handles: 0
            })
        ));
        assert_eq!(manager.num_file_handles(), 0);
    }
}

/// A failing call (limit, then a vanished file) leaves the bookkeeping true and the next
/// valid call works.
#[test]
fn errors_leave_the_counters_true() {
    if !granularity_is_4k() {
        return;
    }
    let kept = TempFile::patterned(4 * granule(), "kept");
    let doomed = TempFile::patterned(4 * granule(), "doomed");
    let mut manager = paged(100 * granule(), 1);
    let k = manager.file(kept.key()).unwrap();
    let d = manager.file(doomed.key()).unwrap();

    let held = hold(&mut manager, k, 0);
    assert!(matches!(
        manager.use_region(d, 0, 0, 0),
        Err(Error::Limit { .. })
    ));
    manager.unuse_region(held).unwrap();

    touch(&mut manager, d, 0);
    // Without regions the file's descriptor goes too, so the next miss opens the path again.
    assert_eq!(
        manager.collect(),
        1,
        "the limit of one handle left only file d's region"
    );
    let doomed_path = doomed.path().to_path_buf();
    drop(doomed);
    match manager.use_region(d, 2 * granule(), granule(), 0) {
        Err(Error::Io {
            source,
            syscall: "open",
            path,
        }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            assert_eq!(path, Some(doomed_path));
        }
        other => panic!("expected ENOENT, got {other:?}"),
    }
    let data = pattern(0..4 * granule());
    check_invariants(&manager, &[(k, &data)], 0);
    assert_eq!(manager.num_file_handles(), 0);
    let id = hold(&mut manager, k, 3);
    assert_eq!(
        manager.region(id).unwrap().as_slice(),
        &data[3 * granule() as usize..]
    );
    check_invariants(&manager, &[(k, &data)], 0);
    let missing = manager
        .file(smmap_core::FileKey::Path("/nonexistent/smmap".into()))
        .unwrap();
    assert!(matches!(
        manager.use_region(missing, 0, 0, 0),
        Err(Error::Io {
            syscall: "open",
            ..
        })
    ));
    check_invariants(&manager, &[(k, &data)], 0);
}

/// The eviction queue is pruned lazily: many reuses of regions that are never evicted leave
/// stale entries behind, and after it is rebuilt eviction must still be true LRU, including
/// regions let go through `increment_client_count` rather than `unuse_region`.
#[test]
fn lru_order_survives_many_reuses_and_count_changes() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(40 * granule(), "lru-reuse");
    let mut manager = paged(1000 * granule(), u64::MAX);
    let f = manager.file(file.key()).unwrap();
    for page in 0..40 {
        touch(&mut manager, f, page);
    }
    // Thousands of hits and let-gos, far more than the regions: the queue must be rebuilt.
    for round in 0..5000u64 {
        touch(&mut manager, f, round % 40);
    }
    // Now pages 0..40 were last used in order 0, 1, ..., 39; make page 5 the most recent
    // through a raised and lowered client count, and keep page 7 in use.
    let five = hold(&mut manager, f, 5);
    manager.increment_client_count(five, 1).unwrap();
    manager.increment_client_count(five, -2).unwrap();
    let seven = hold(&mut manager, f, 7);
    assert_eq!(manager.collect_lru_region(970 * granule()), 10);
    let expected: Vec<u64> = (0..40)
        .filter(|page| ![0, 1, 2, 3, 4, 6, 8, 9, 10, 11].contains(page))
        .map(|page| page * granule())
        .collect();
    assert_eq!(starts(&manager, f), expected);
    assert_eq!(manager.stats().misses, 40);
    manager.unuse_region(seven).unwrap();
    check_invariants(&manager, &[(f, &file.bytes())], 0);
}
