//! `read_ahead`, what `prefetch()` and the asynchronous iterator run off the JavaScript thread,
//! leaves exactly the asked range in the page cache, up to the file's end, on a file that was
//! not there; `populate`, what the iterator runs next, brings a region's pages in itself.
//! Linux only: it drops the file from the cache with posix_fadvise and reads the cache's state
//! back with mincore.
#![cfg(target_os = "linux")]

mod common;

use std::fs::File;
use std::os::unix::io::AsRawFd;

use common::TempFile;

const PAGE: u64 = 4096;

/// How many of the pages covering `[offset, offset + len)` the page cache holds.
fn cached_pages(file: &File, offset: u64, len: u64) -> (usize, usize) {
    let start = offset / PAGE * PAGE;
    let end = (offset + len).div_ceil(PAGE) * PAGE;
    // SAFETY: a read-only mapping of a file this test owns and nobody truncates meanwhile.
    let map = unsafe {
        memmap2::MmapOptions::new()
            .offset(start)
            .len((end - start) as usize)
            .map(file)
            .unwrap()
    };
    let pages = ((end - start) / PAGE) as usize;
    let mut state = vec![0u8; pages];
    // SAFETY: `map` covers `pages` pages and `state` has a byte for each.
    let rc = unsafe { libc::mincore(map.as_ptr() as *mut _, map.len(), state.as_mut_ptr()) };
    assert_eq!(rc, 0, "mincore: {}", std::io::Error::last_os_error());
    (state.iter().filter(|&&s| s & 1 != 0).count(), pages)
}

/// A patterned file of `len` bytes written and then dropped from the page cache, open for
/// reading; `None` (with a message) where the cache keeps it anyway (a tmpfs temp dir).
fn dropped_file(len: u64, prefix: &str) -> Option<(TempFile, File)> {
    let temp = TempFile::patterned(len, prefix);
    let file = File::open(temp.path()).unwrap();
    file.sync_all().unwrap();
    // SAFETY: an open descriptor; DONTNEED only drops clean cached pages.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    let (left, _) = cached_pages(&file, 0, len);
    if left != 0 {
        eprintln!("skipped: the page cache kept {left} pages of the file (a tmpfs temp dir?)");
        return None;
    }
    Some((temp, file))
}

#[test]
fn read_ahead_leaves_the_range_in_the_page_cache() {
    let len = 8 * 1024 * 1024 + 123;
    let Some((_temp, file)) = dropped_file(len, "read-ahead") else {
        return;
    };
    let (offset, count) = (1024 * 1024 + 5, 3 * 1024 * 1024);
    smmap_core::read_ahead(&file, offset, count).unwrap();
    let (cached, pages) = cached_pages(&file, offset, count);
    assert_eq!(cached, pages, "every page of the range is cached");
    // Past the end: it stops there, and the tail is cached.
    smmap_core::read_ahead(&file, len - 100, 1024 * 1024).unwrap();
    let (cached, pages) = cached_pages(&file, len - 100, 100);
    assert_eq!(cached, pages, "the tail is cached");
    smmap_core::read_ahead(&file, len + 4096, 4096).unwrap();
}

#[test]
fn populate_brings_a_regions_pages_in() {
    let len = 4 * 1024 * 1024 + 77;
    let Some((temp, _file)) = dropped_file(len, "populate") else {
        return;
    };
    let region = smmap_core::Region::map(&temp.key(), 0, 0, 0).unwrap();
    let bytes = region.as_slice();
    let (from, to) = (1024 * 1024 + 9, 3 * 1024 * 1024);
    // SAFETY: `region` lives, mapped and guarded, for the call.
    unsafe { smmap_core::populate(&bytes[from..to]) };
    assert!(
        smmap_core::in_page_cache(&bytes[from..to]),
        "every page of the range is in"
    );
    assert_eq!(
        bytes[from],
        common::pattern_byte(from as u64),
        "the bytes are the file's"
    );
}
