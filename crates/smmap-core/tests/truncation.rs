//! A file truncated while mapped: reads past its new end give zeros instead of SIGBUS. The
//! reading runs in a child process (this same test binary), since a failure kills it.
#![cfg(unix)]

mod common;

use common::{pattern_byte, TempFile};
use smmap_core::{allocation_granularity, Config, FileKey, Manager, Region};

#[test]
fn a_truncated_region_reads_zeros_and_says_so() {
    if !common::in_child(
        "a_truncated_region_reads_zeros_and_says_so",
        &[],
        "child: zeros read",
    ) {
        return;
    }
    let page = allocation_granularity();
    let file = TempFile::patterned(3 * page, "truncated-region");
    let region = Region::map(&file.key(), 0, 0, 0).unwrap();
    file.set_len(page);
    let bytes = region.as_slice();
    assert_eq!(
        bytes[10],
        pattern_byte(10),
        "a page still in the file keeps its bytes"
    );
    assert!(!region.is_truncated());
    assert_eq!(
        bytes[(2 * page + 5) as usize],
        0,
        "a lost page reads as zeros"
    );
    assert!(region.is_truncated());
    println!("child: zeros read");
}

#[test]
fn populate_on_another_thread_reads_zeros_for_the_pages_a_truncation_took() {
    if !common::in_child(
        "populate_on_another_thread_reads_zeros_for_the_pages_a_truncation_took",
        &[],
        "child: populated",
    ) {
        return;
    }
    let page = allocation_granularity();
    let file = TempFile::patterned(64 * page, "truncated-populate");
    let region = Region::map(&file.key(), 0, 0, 0).unwrap();
    file.set_len(page + 10);
    std::thread::scope(|scope| {
        // SAFETY: `region` outlives the scope, mapped and guarded.
        scope.spawn(|| unsafe { smmap_core::populate(region.as_slice()) });
    });
    assert!(
        region.is_truncated(),
        "the populating thread met the lost pages"
    );
    let bytes = region.as_slice();
    assert_eq!(
        bytes[(page + 9) as usize],
        pattern_byte(page + 9),
        "a kept byte"
    );
    assert_eq!(bytes[(40 * page) as usize], 0, "a lost page reads as zeros");
    println!("child: populated");
}

#[test]
fn the_manager_maps_a_truncated_region_afresh() {
    if !common::in_child(
        "the_manager_maps_a_truncated_region_afresh",
        &[],
        "child: remapped",
    ) {
        return;
    }
    let page = allocation_granularity();
    let file = TempFile::patterned(4 * page, "truncated-manager");
    let mut manager = Manager::new(Config {
        window_size: 4 * page,
        ..Config::sliding_default()
    });
    let file_id = manager
        .file(FileKey::Path(file.path().to_path_buf()))
        .unwrap();
    let id = manager.use_region(file_id, 0, 0, 0).unwrap().unwrap();
    file.set_len(2 * page);
    assert_eq!(
        manager.region(id).unwrap().as_slice()[(3 * page) as usize],
        0
    );
    manager.unuse_region(id).unwrap();
    let again = manager.use_region(file_id, page, 0, 0).unwrap().unwrap();
    assert_ne!(again, id, "the truncated region was released, not reused");
    assert_eq!(
        manager.region(again).unwrap().ofs_end(),
        2 * page,
        "mapped as the file is now, up to its new end"
    );
    assert_eq!(manager.num_file_handles(), 1);
    println!("child: remapped");
}

#[test]
fn an_offset_past_the_new_end_of_a_truncated_region_is_no_region_not_an_error() {
    if !common::in_child(
        "an_offset_past_the_new_end_of_a_truncated_region_is_no_region_not_an_error",
        &[],
        "child: past the end",
    ) {
        return;
    }
    let page = allocation_granularity();
    let file = TempFile::patterned(4 * page, "truncated-past-end");
    let mut manager = Manager::new(Config {
        window_size: 4 * page,
        ..Config::sliding_default()
    });
    let file_id = manager
        .file(FileKey::Path(file.path().to_path_buf()))
        .unwrap();
    let id = manager.use_region(file_id, 0, 0, 0).unwrap().unwrap();
    file.set_len(page);
    assert_eq!(
        manager.region(id).unwrap().as_slice()[(2 * page) as usize],
        0
    );
    manager.unuse_region(id).unwrap();
    assert_eq!(
        manager.file_size(file_id).unwrap(),
        page,
        "a truncation seen makes the cached size stale"
    );
    // The stale region still covers 2 pages in, but the file now ends at 1 page.
    assert_eq!(manager.use_region(file_id, 2 * page, 0, 0).unwrap(), None);
    assert_eq!(
        manager
            .use_region(file_id, 0, 0, 0)
            .unwrap()
            .map(|id| manager.region(id).unwrap().size()),
        Some(page)
    );
    println!("child: past the end");
}
