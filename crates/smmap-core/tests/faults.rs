//! The OS refusing a mapping, injected with `SMMAP_TEST_FAIL_MMAP` (see `src/fault.rs`):
//! unused regions are collected and the mapping retried once; a second refusal is an error
//! that names the limit, and the manager's books stay exact either way. Each test runs in a
//! child process because the variable is read once per process.

#![cfg(all(unix, feature = "fault-injection"))]

mod common;

use common::{check_invariants, keeping, layout, TempFile};
use smmap_core::{allocation_granularity, Config, Error, FileKey, Manager};

/// Runs `test` in a child with mapping attempts failing as `plan` says; true in the child.
fn in_child(test: &str, plan: &str, done: &str) -> bool {
    common::in_child(test, &[("SMMAP_TEST_FAIL_MMAP", plan)], done)
}

fn one_page_windows(max_open_handles: u64) -> Manager {
    Manager::new(Config {
        window_size: allocation_granularity(),
        max_open_handles,
        ..Config::sliding_default()
    })
}

#[test]
fn a_refused_mapping_is_retried_after_collecting_unused_regions() {
    if !in_child(
        "a_refused_mapping_is_retried_after_collecting_unused_regions",
        "3",
        "child: retried",
    ) {
        return;
    }
    let page = allocation_granularity();
    let file = TempFile::patterned(4 * page, "fault-retry");
    let data = file.bytes();
    let mut manager = one_page_windows(16);
    let id = manager.file(file.key()).unwrap();
    for page_no in 0..2 {
        let region = manager
            .use_region(id, page_no * page, 1, 0)
            .unwrap()
            .unwrap();
        manager.unuse_region(region).unwrap();
    }
    assert_eq!(manager.num_file_handles(), 2);

    // The third mapping is refused; both unused regions go and the retry succeeds.
    let region = manager.use_region(id, 3 * page + 5, 1, 0).unwrap().unwrap();
    let listed = layout(&manager, id);
    assert_eq!(listed.len(), 1, "only the new region is left: {listed:?}");
    assert!(manager
        .region(region)
        .unwrap()
        .includes_ofs((3 * page + 5) as i64));
    let start = manager.region(region).unwrap().ofs_begin() as usize;
    let bytes = manager.region(region).unwrap().as_slice();
    assert_eq!(
        bytes[3 * page as usize + 5 - start],
        data[3 * page as usize + 5]
    );
    // Regions unmapped to make room count as evictions, as when the handle limit is hit.
    assert_eq!(manager.stats().evictions, 2);
    check_invariants(&manager, &[(id, &data)], 0);
    println!("child: retried");
}

#[test]
fn a_second_refusal_names_the_limit_and_keeps_the_books_exact() {
    if !in_child(
        "a_second_refusal_names_the_limit_and_keeps_the_books_exact",
        "2..",
        "child: refused",
    ) {
        return;
    }
    let page = allocation_granularity();
    let file = TempFile::patterned(4 * page, "fault-refused");
    let data = file.bytes();
    let mut manager = one_page_windows(16);
    let id = manager
        .file(FileKey::Path(file.path().to_path_buf()))
        .unwrap();
    let held = manager.use_region(id, 0, 1, 0).unwrap().unwrap();
    let before = (
        manager.num_file_handles(),
        manager.mapped_memory_size(),
        manager.stats(),
    );

    let error = manager.use_region(id, 2 * page, 1, 0).unwrap_err();
    let Error::Io {
        ref source,
        syscall,
        ..
    } = error
    else {
        panic!("expected an OS error, got {error:?}");
    };
    assert_eq!(syscall, "mmap");
    assert_eq!(source.raw_os_error(), Some(libc::ENOMEM));
    assert!(error.to_string().contains("vm.max_map_count"), "{error}");

    // The held region survived the collection, and nothing else is counted.
    let after = (
        manager.num_file_handles(),
        manager.mapped_memory_size(),
        manager.stats(),
    );
    assert_eq!((after.0, after.1), (before.0, before.1));
    assert_eq!(
        after.2.misses, before.2.misses,
        "a refused mapping is no miss"
    );
    assert_eq!(manager.region(held).unwrap().as_slice()[7], data[7]);
    check_invariants(&manager, &[(id, &data)], 0);

    // Whatever is already mapped still serves.
    let again = manager.use_region(id, 10, 1, 0).unwrap().unwrap();
    assert_eq!(again, held);
    println!("child: refused");
}

/// The retry comes after the collected regions are really unmapped: with at most two mappings
/// allowed at once (as `vm.max_map_count` allows a fixed number), a third window fits only
/// once the two unused ones are gone.
#[test]
fn the_retry_runs_after_the_collected_regions_are_unmapped() {
    if !common::in_child(
        "the_retry_runs_after_the_collected_regions_are_unmapped",
        &[("SMMAP_TEST_MAX_MAPPINGS", "2")],
        "child: mapped after unmapping",
    ) {
        return;
    }
    let page = allocation_granularity();
    let file = TempFile::patterned(4 * page, "fault-unmapped");
    let data = file.bytes();
    let mut manager = one_page_windows(16);
    let id = manager.file(file.key()).unwrap();
    for page_no in 0..2 {
        let region = manager
            .use_region(id, page_no * page, 1, 0)
            .unwrap()
            .unwrap();
        manager.unuse_region(region).unwrap();
    }
    let region = manager.use_region(id, 3 * page, 1, 0).unwrap().unwrap();
    let region = manager.region(region).unwrap();
    let at = (3 * page - region.ofs_begin()) as usize;
    assert_eq!(region.as_slice()[at], data[3 * page as usize]);
    assert_eq!(manager.stats().evictions, 2);
    check_invariants(&manager, &[(id, &data)], 0);
    println!("child: mapped after unmapping");
}

/// A failure that freeing memory cannot fix (mapping a directory) unmaps nothing else and
/// counts no eviction.
#[test]
fn a_directory_leaves_other_files_windows_mapped() {
    let page = allocation_granularity();
    let file = TempFile::patterned(4 * page, "fault-dir");
    let data = file.bytes();
    let mut manager = keeping(Config {
        window_size: page,
        ..Config::sliding_default()
    });
    let id = manager.file(file.key()).unwrap();
    for page_no in 0..3 {
        let region = manager
            .use_region(id, page_no * page, 1, 0)
            .unwrap()
            .unwrap();
        manager.unuse_region(region).unwrap();
    }
    let directory = manager.file(FileKey::Path(std::env::temp_dir())).unwrap();
    assert!(matches!(
        manager.use_region(directory, 0, 0, 0),
        Err(Error::Io { .. })
    ));
    assert_eq!(
        layout(&manager, id).len(),
        3,
        "the other file's windows stay"
    );
    assert_eq!(manager.stats().evictions, 0);
    assert!(
        manager.retirement().take().is_empty(),
        "nothing was unmapped"
    );
    check_invariants(&manager, &[(id, &data)], 0);
}
