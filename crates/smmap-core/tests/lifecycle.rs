mod common;

use common::{
    check_invariants, granularity_is_4k, keeping, layout, pattern, Retired, SimCursor, TempFile,
};
use smmap_core::{Config, Error, FileKey, Manager};

fn sliding(window_size: u64) -> Manager<Retired> {
    keeping(Config {
        window_size,
        ..Config::sliding_default()
    })
}

#[test]
fn file_ids_are_stable_and_need_no_io() {
    let mut manager = sliding(4096);
    let a = manager
        .file(FileKey::Path("/nonexistent/a".into()))
        .unwrap();
    let b = manager.file(FileKey::Fd(1000)).unwrap();
    assert_ne!(a, b);
    assert_eq!(
        manager
            .file(FileKey::Path("/nonexistent/a".into()))
            .unwrap(),
        a
    );
    assert_eq!(manager.file_key(b), &FileKey::Fd(1000));
    assert_eq!(manager.num_open_files(), 0);
}

#[test]
fn client_count_through_the_manager() {
    let file = TempFile::patterned(10_000, "count");
    let mut manager = sliding(4096);
    let f = manager.file(file.key()).unwrap();
    let id = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    assert_eq!(manager.region(id).unwrap().client_count(), 2);

    assert!(matches!(
        manager.increment_client_count(id, -5),
        Err(Error::ClientCount(_))
    ));
    assert_eq!(
        manager.region(id).unwrap().client_count(),
        2,
        "unchanged after the error"
    );
    assert!(!manager.increment_client_count(id, 1).unwrap());
    assert!(!manager.increment_client_count(id, -2).unwrap());
    assert!(manager.increment_client_count(id, -1).unwrap(), "reached 0");
    assert!(manager.region(id).is_none());
    assert_eq!(
        (manager.num_file_handles(), manager.mapped_memory_size()),
        (0, 0)
    );
    let retired = manager.retirement().take();
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].0, id);
    assert_eq!(retired[0].1.ofs_begin(), 0);
    assert!(manager.retirement().take().is_empty());

    manager.unuse_region(id).unwrap();
    assert!(
        matches!(manager.increment_client_count(id, 1), Err(Error::UnknownRegion(x)) if x == id)
    );
    let next = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    assert!(next > id, "region ids are never reused");
}

#[test]
fn growth_makes_new_offsets_valid() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(12288, "grow");
    let mut manager = sliding(8192);
    let f = manager.file(file.key()).unwrap();
    assert_eq!(
        manager.use_region(f, 0, 10, 0).unwrap().map(|_| ()),
        Some(())
    );
    assert_eq!(manager.use_region(f, 12288, 10, 0).unwrap(), None);
    file.grow_to(16384);
    let id = manager
        .use_region(f, 12288, 10, 0)
        .unwrap()
        .expect("valid after growth");
    assert_eq!(manager.file_size(f).unwrap(), 16384);
    let data = pattern(0..16384);
    check_invariants(&manager, &[(f, &data)], 0);
    assert!(manager.region(id).unwrap().includes_ofs(12288));
}

/// The old region ended at the old, unaligned end of file; the new window's aligned start
/// overlaps it. Unused, it is retired.
#[test]
fn growth_with_an_unaligned_tail_retires_the_unused_region() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(10_000, "tail-unused");
    let mut manager = sliding(12288);
    let f = manager.file(file.key()).unwrap();
    let old = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    assert_eq!(layout(&manager, f), vec![(0, 10_000, 2)]);
    manager.unuse_region(old).unwrap();

    file.grow_to(30_000);
    let new = manager.use_region(f, 12_000, 100, 0).unwrap().unwrap();
    assert_eq!(layout(&manager, f), vec![(8192, 16384, 2)]);
    assert!(manager.region(old).is_none());
    assert_eq!(manager.retirement().take().len(), 1);
    let data = pattern(0..30_000);
    check_invariants(&manager, &[(f, &data)], 0);
    assert!(manager.region(new).unwrap().includes_ofs(12_000));
}

/// Same, but a cursor still uses the old region: it is orphaned (out of the list, still
/// mapped and counted) until that cursor lets go.
#[test]
fn growth_with_an_unaligned_tail_orphans_the_used_region() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(10_000, "tail-used");
    let mut manager = sliding(12288);
    let f = manager.file(file.key()).unwrap();
    let mut reader = SimCursor::new(f);
    assert!(reader.use_region(&mut manager, 9000, 500));
    let old = reader.region.unwrap();

    file.grow_to(30_000);
    let mut writer = SimCursor::new(f);
    assert!(writer.use_region(&mut manager, 12_000, 100));
    assert_eq!(layout(&manager, f), vec![(8192, 16384, 2)]);
    assert_eq!(
        manager.region(old).unwrap().client_count(),
        1,
        "only the reader holds it"
    );
    assert_eq!(manager.num_file_handles(), 2);
    assert_eq!(manager.mapped_memory_size(), 10_000 + 16384);
    assert!(reader.bytes(&manager) == &pattern(9000..9500)[..]);
    let data = pattern(0..30_000);
    check_invariants(&manager, &[(f, &data)], 1);
    assert_eq!(
        manager.collect(),
        0,
        "orphans are never collected while used"
    );

    reader.unuse_region(&mut manager);
    assert!(manager.region(old).is_none());
    assert_eq!(manager.retirement().take().len(), 1);
    assert_eq!(manager.mapped_memory_size(), 16384);
    check_invariants(&manager, &[(f, &data)], 0);
}

#[test]
fn static_manager_remaps_a_grown_file() {
    let file = TempFile::patterned(10_000, "static-grow");
    let mut manager = keeping(Config::static_default());
    let f = manager.file(file.key()).unwrap();
    let old = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    file.grow_to(20_000);
    let new = manager.use_region(f, 15_000, 0, 0).unwrap().unwrap();
    assert_ne!(old, new);
    assert_eq!(layout(&manager, f), vec![(0, 20_000, 2)]);
    assert_eq!(
        manager.num_file_handles(),
        2,
        "the old region is orphaned while in use"
    );
    manager.unuse_region(old).unwrap();
    assert_eq!(manager.num_file_handles(), 1);
    let data = pattern(0..20_000);
    check_invariants(&manager, &[(f, &data)], 0);
}

#[test]
fn release_region_unmaps_even_when_used() {
    let file = TempFile::patterned(10_000, "release");
    let mut manager = sliding(4096);
    let f = manager.file(file.key()).unwrap();
    let id = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    assert!(manager.release_region(id).unwrap());
    assert!(manager.region(id).is_none());
    assert!(manager.regions_of(f).is_empty());
    assert_eq!(
        (manager.num_file_handles(), manager.mapped_memory_size()),
        (0, 0)
    );
    assert_eq!(manager.retirement().take().len(), 1);
    manager.unuse_region(id).unwrap();
    assert!(!manager.release_region(id).unwrap());
    assert_eq!(manager.stats().evictions, 0);
}

#[test]
fn close_retires_everything_and_refuses_later_use() {
    // Two windows of one granule apart (10_000 bytes, windows at 0 and 8192 on Linux).
    let g = smmap_core::allocation_granularity();
    let file = TempFile::patterned(2 * g + 1808, "close");
    let mut manager = sliding(g);
    let f = manager.file(file.key()).unwrap();
    let held = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    let other = manager.use_region(f, 2 * g, 0, 0).unwrap().unwrap();
    manager.unuse_region(other).unwrap();
    manager.close();
    assert!(manager.is_closed());
    assert_eq!(manager.retirement().take().len(), 2);
    assert_eq!(
        (
            manager.num_file_handles(),
            manager.num_open_files(),
            manager.mapped_memory_size()
        ),
        (0, 0, 0)
    );
    assert!(matches!(manager.file(file.key()), Err(Error::Closed)));
    assert!(matches!(manager.use_region(f, 0, 0, 0), Err(Error::Closed)));
    assert!(matches!(manager.file_size(f), Err(Error::Closed)));
    assert_eq!(manager.collect(), 0);
    manager.unuse_region(held).unwrap();
    manager.close();
    assert!(manager.retirement().take().is_empty());
}

#[cfg(not(windows))]
#[test]
fn force_map_handle_removal_is_a_no_op_off_windows() {
    let file = TempFile::patterned(10_000, "force");
    let mut manager = sliding(4096);
    let f = manager.file(file.key()).unwrap();
    let id = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    let base = file.path().parent().unwrap().to_path_buf();
    assert_eq!(manager.force_map_handle_removal_win(&base), 0);
    assert!(manager.region(id).is_some());
    assert!(manager.retirement().take().is_empty());
}

#[test]
fn stats_count_hits_misses_and_peak() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(40_960, "stats");
    let mut manager = sliding(4096);
    let f = manager.file(file.key()).unwrap();
    let a = manager.use_region(f, 0, 100, 0).unwrap().unwrap();
    let b = manager.use_region(f, 50, 10, 0).unwrap().unwrap();
    assert_eq!(a, b);
    let c = manager.use_region(f, 20_000, 10, 0).unwrap().unwrap();
    assert_eq!(manager.use_region(f, 40_960, 1, 0).unwrap(), None);
    for id in [a, b, c] {
        manager.unuse_region(id).unwrap();
    }
    manager.collect();
    let stats = manager.stats();
    assert_eq!((stats.hits, stats.misses, stats.evictions), (1, 2, 0));
    assert_eq!(
        (stats.regions, stats.open_files, stats.mapped_bytes),
        (0, 0, 0)
    );
    // (0, 4096) and (12288, 8192): alignment can add a granule to the window.
    assert_eq!(stats.peak_mapped_bytes, 4096 + 8192);
}

#[cfg(unix)]
#[test]
fn fd_keys_work_in_the_manager() {
    let file = TempFile::patterned(50_000, "fd-manager");
    let (_handle, key) = file.open_fd();
    let mut manager = sliding(8192);
    let f = manager.file(key).unwrap();
    let mut cursor = SimCursor::new(f);
    assert!(cursor.use_region(&mut manager, 30_000, 5000));
    assert!(cursor.bytes(&manager) == &pattern(30_000..30_000 + cursor.size)[..]);
}

#[test]
fn advice_and_populate_apply_to_new_regions() {
    let file = TempFile::patterned(100_000, "advice");
    let config = Config {
        window_size: 16384,
        advice: smmap_core::Advice::Random,
        populate: true,
        ..Config::sliding_default()
    };
    let mut manager = keeping(config);
    let f = manager.file(file.key()).unwrap();
    let mut cursor = SimCursor::new(f);
    assert!(cursor.use_region(&mut manager, 50_000, 1000));
    assert!(cursor.bytes(&manager) == &pattern(50_000..51_000)[..]);
}

#[test]
fn a_file_id_from_elsewhere_is_an_error_not_a_panic() {
    let mut manager = sliding(4096);
    assert!(matches!(
        manager.use_region(7, 0, 1, 0),
        Err(Error::UnknownFile(7))
    ));
    assert!(matches!(manager.file_size(7), Err(Error::UnknownFile(7))));
    assert_eq!(manager.num_file_handles(), 0);
}

/// A file's regions are mapped from one descriptor held while it has regions, so a reader
/// goes on reading the file it started on, as an open fd does: a deleted or replaced file
/// stays readable through new windows, and a cursor started after the replacement gets the new
/// file under a new id, never the old file's windows.
#[cfg(unix)]
#[test]
fn a_replaced_file_is_new_to_new_readers_and_unchanged_for_old_ones() {
    let page = smmap_core::allocation_granularity();
    let file = TempFile::patterned(8 * page, "identity");
    let old = file.bytes();
    let mut manager = keeping(Config {
        window_size: page,
        ..Config::sliding_default()
    });
    let f = manager.file(file.key()).unwrap();
    let f = manager.start(f).unwrap();
    let first = manager.use_region(f, 0, 1, 0).unwrap().unwrap();

    // Replace the file at its path: write the new one beside it and rename it over.
    let fresh: Vec<u8> = (0..5 * page).map(|i| (i % 7) as u8 + 1).collect();
    let beside = file.path().with_extension("new");
    std::fs::write(&beside, &fresh).unwrap();
    std::fs::rename(&beside, file.path()).unwrap();

    // The old reader maps more of the old file, from the held descriptor.
    let later = manager.use_region(f, 6 * page, 1, 0).unwrap().unwrap();
    let region = manager.region(later).unwrap();
    let at = (6 * page - region.ofs_begin()) as usize;
    assert_eq!(region.as_slice()[at], old[6 * page as usize]);

    // A reader that starts now gets the new file, under another id, and none of the old
    // file's windows.
    let key = manager.file(file.key()).unwrap();
    let g = manager.start(key).unwrap();
    assert_ne!(g, f);
    let now = manager.use_region(g, 0, 1, 0).unwrap().unwrap();
    assert_ne!(now, first);
    assert_eq!(manager.region(now).unwrap().as_slice()[0], fresh[0]);
    assert_eq!(manager.file_size(g).unwrap(), 5 * page);

    // Once the old file has no region left its descriptor goes, and it is out of reach.
    for id in [first, later] {
        manager.unuse_region(id).unwrap();
    }
    manager.unuse_region(now).unwrap();
    manager.collect();
    match manager.use_region(f, 0, 1, 0) {
        Err(Error::Io { source, .. }) => assert_eq!(source.raw_os_error(), Some(libc::ESTALE)),
        other => panic!("expected ESTALE, got {other:?}"),
    }
}

/// A file no reader uses and nothing of which is mapped is forgotten, so naming ever new paths
/// does not grow the manager for ever; a file still mapped or read is kept.
#[test]
fn files_no_reader_uses_are_forgotten() {
    let file = TempFile::patterned(4 * 4096, "forget");
    let mut manager = keeping(Config::sliding_default());
    let ids: Vec<_> = (0..1000)
        .map(|i| {
            manager
                .file(FileKey::Path(format!("/nonexistent/{i}").into()))
                .unwrap()
        })
        .collect();
    let kept = manager.file(file.key()).unwrap();
    let region = manager.use_region(kept, 0, 1, 0).unwrap().unwrap();
    assert_eq!(manager.num_files(), 1001);
    for id in ids {
        manager.forget_file(id);
    }
    manager.forget_file(kept);
    assert_eq!(
        manager.num_files(),
        1,
        "the mapped file stays while its region is mapped"
    );
    manager.unuse_region(region).unwrap();
    manager.collect();
    assert_eq!(manager.num_files(), 0, "and goes with its last region");
    let again = manager.file(file.key()).unwrap();
    assert!(
        manager.use_region(again, 0, 1, 0).unwrap().is_some(),
        "a forgotten file can be named again"
    );
}

#[test]
fn read_handles_read_the_held_file_until_its_descriptor_goes() {
    let g = smmap_core::allocation_granularity();
    let len = 3 * g + 777;
    let file = TempFile::patterned(len, "read-handle");
    let mut manager = sliding(g);
    let f = manager.file(file.key()).unwrap();
    // Nothing held yet: no handle, and read_at opens the path itself.
    assert!(manager.read_handle(f).unwrap().is_none());
    let held = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    let handle = manager
        .read_handle(f)
        .unwrap()
        .expect("a descriptor is held");
    let again = manager.read_handle(f).unwrap().unwrap();
    // Across the window boundary the region ends at, and the tail, exactly as in the file.
    for (offset, count) in [(g - 3, 8u64), (2 * g + 5, 4096), (len - 10, 10)] {
        let mut bytes = vec![0u8; count as usize];
        assert_eq!(
            handle.read_at(&mut bytes, offset).unwrap().unwrap(),
            count as usize
        );
        assert_eq!(bytes, pattern(offset..offset + count));
    }
    let mut past = [0u8; 4];
    assert_eq!(again.read_at(&mut past, len).unwrap().unwrap(), 0);
    // The path replaced: the handle still reads the file the manager holds.
    #[cfg(unix)]
    {
        let replacement = file.path().with_extension("new");
        std::fs::write(&replacement, vec![0xeeu8; len as usize]).unwrap();
        std::fs::rename(&replacement, file.path()).unwrap();
        let mut bytes = [0u8; 16];
        handle.read_at(&mut bytes, g).unwrap().unwrap();
        assert_eq!(&bytes[..], &pattern(g..g + 16)[..]);
    }
    // Its last region let go of and collected: the descriptor closes, and every handle says so.
    manager.unuse_region(held).unwrap();
    assert_eq!(manager.collect(), 1);
    assert_eq!(manager.num_open_files(), 0);
    assert!(manager.read_handle(f).unwrap().is_none());
    let mut bytes = [0u8; 4];
    assert!(handle.read_at(&mut bytes, 0).is_none());
    assert!(again.read_at(&mut bytes, 0).is_none());
    manager.close();
    assert!(matches!(manager.read_handle(f), Err(Error::Closed)));
}

#[test]
fn close_empties_every_read_handle() {
    let file = TempFile::patterned(50_000, "read-handle-close");
    let mut manager = sliding(smmap_core::allocation_granularity());
    let f = manager.file(file.key()).unwrap();
    let region = manager.use_region(f, 0, 0, 0).unwrap().unwrap();
    let handle = manager.read_handle(f).unwrap().unwrap();
    manager.close();
    let mut bytes = [0u8; 4];
    assert!(handle.read_at(&mut bytes, 0).is_none());
    manager.unuse_region(region).unwrap();
}
