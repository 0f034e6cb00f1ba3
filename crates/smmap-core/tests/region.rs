mod common;

use common::{granularity_is_4k, pattern, TempFile, K};
use smmap_core::{align_to_mmap, allocation_granularity, file_size, Error, FileKey, Region};

/// smmap's test_util.test_region.
#[test]
fn test_region_from_smmap() {
    let file = TempFile::patterned(K, "window_test");
    let key = file.key();
    let half = K / 2;
    let rofs = align_to_mmap(4200, false) as u64;

    let rfull = Region::map(&key, 0, K, 0).unwrap();
    assert_eq!(
        (rfull.ofs_begin(), rfull.size(), rfull.ofs_end()),
        (0, K, K)
    );

    let rhalfofs = Region::map(&key, rofs, K, 0).unwrap();
    assert_eq!((rhalfofs.ofs_begin(), rhalfofs.size()), (rofs, K - rofs));

    let rhalfsize = Region::map(&key, 0, half, 0).unwrap();
    assert_eq!((rhalfsize.ofs_begin(), rhalfsize.size()), (0, half));

    for ofs in [0, K as i64 - 1, half as i64] {
        assert!(rfull.includes_ofs(ofs));
    }
    assert!(!rfull.includes_ofs(-1));
    assert!(!rfull.includes_ofs(i64::MAX));

    drop(file);
    assert_eq!(rfull.client_count(), 1);
    let window = rfull.window();
    assert_eq!(window.ofs as u64, rfull.ofs_begin());
    assert_eq!(window.ofs_end() as u64, rfull.ofs_end());
    assert!(rhalfofs.as_slice() == &pattern(rofs..K)[..]);
}

#[test]
fn includes_ofs_is_half_open() {
    let file = TempFile::patterned(10_000, "includes");
    let region = Region::map(&file.key(), 0, 100, 0).unwrap();
    let got: Vec<bool> = [-1, 0, 99, 100]
        .iter()
        .map(|&o| region.includes_ofs(o))
        .collect();
    assert_eq!(got, [false, true, true, false]);
}

#[test]
fn size_zero_maps_the_rest_and_large_sizes_clamp() {
    if !granularity_is_4k() {
        return;
    }
    let file = TempFile::patterned(10_000, "clamp");
    let key = file.key();
    let sizes = |ofs, size| {
        let r = Region::map(&key, ofs, size, 0).unwrap();
        assert!(r.as_slice() == &pattern(ofs..ofs + r.size())[..]);
        (r.ofs_begin(), r.size())
    };
    assert_eq!(sizes(0, 0), (0, 10_000));
    assert_eq!(sizes(0, u64::MAX), (0, 10_000));
    assert_eq!(sizes(4096, u64::MAX), (4096, 5904));
    assert_eq!(sizes(8192, 10_000), (8192, 1808));
    assert_eq!(sizes(4096, 0), (4096, 5904));
}

fn out_of_range_message(result: smmap_core::Result<Region>) -> String {
    match result {
        Err(Error::OutOfRange(message)) => message,
        other => panic!("expected OutOfRange, got {other:?}"),
    }
}

#[test]
fn bad_offsets_are_out_of_range_and_name_the_numbers() {
    let file = TempFile::patterned(10_000, "bad-offsets");
    let granularity = allocation_granularity();
    let message = out_of_range_message(Region::map(&file.key(), 100, 10, 0));
    assert_eq!(
        message,
        format!("offset 100 is not a multiple of the allocation granularity {granularity} (file size 10000)")
    );
    let past = align_to_mmap(12288, true) as u64;
    let message = out_of_range_message(Region::map(&file.key(), past, 10, 0));
    assert_eq!(
        message,
        format!("offset {past} is at or past the end of the file (size 10000)")
    );

    let empty = TempFile::with_bytes(&[], "empty");
    let message = out_of_range_message(Region::map(&empty.key(), 0, 10, 0));
    assert_eq!(
        message,
        "offset 0 is at or past the end of the file (size 0)"
    );
}

#[test]
fn missing_path_is_an_open_error_with_the_path() {
    let key = FileKey::Path("/nonexistent/smmap-core/x".into());
    match Region::map(&key, 0, 10, 0) {
        Err(Error::Io {
            source,
            syscall,
            path,
        }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            assert_eq!(syscall, "open");
            assert_eq!(
                path.unwrap(),
                std::path::PathBuf::from("/nonexistent/smmap-core/x")
            );
        }
        other => panic!("expected Io, got {other:?}"),
    }
    match file_size(&key) {
        Err(Error::Io {
            syscall: "stat", ..
        }) => {}
        other => panic!("expected stat error, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn bad_fd_is_an_fstat_ebadf_error() {
    for result in [
        Region::map(&FileKey::Fd(-1), 0, 10, 0).map(|_| ()),
        file_size(&FileKey::Fd(-1)).map(|_| ()),
    ] {
        match result {
            Err(Error::Io {
                source,
                syscall,
                path,
            }) => {
                assert_eq!(source.raw_os_error(), Some(libc::EBADF));
                assert_eq!(syscall, "fstat");
                assert!(path.is_none());
            }
            other => panic!("expected Io, got {other:?}"),
        }
    }
}

#[cfg(unix)]
#[test]
fn fd_keys_are_never_closed() {
    use std::os::unix::io::AsRawFd;
    let file = TempFile::patterned(50_000, "fd-key");
    let (handle, key) = file.open_fd();
    assert_eq!(file_size(&key).unwrap(), 50_000);
    let region = Region::map(&key, 0, 0, 0).unwrap();
    assert!(region.as_slice() == &pattern(0..50_000)[..]);
    drop(region);
    // SAFETY: F_GETFD only queries the descriptor flags.
    let flags = unsafe { libc::fcntl(handle.as_raw_fd(), libc::F_GETFD) };
    assert!(flags >= 0, "the caller's fd is still open");
}

#[cfg(target_os = "linux")]
#[test]
fn path_keys_hold_no_fd_after_mapping() {
    let file = TempFile::patterned(50_000, "no-fd");
    let count_fds = || std::fs::read_dir("/proc/self/fd").unwrap().count();
    // Tests run in parallel threads; retry until a quiet moment gives an exact comparison.
    let steady = (0..50).any(|_| {
        let before = count_fds();
        let region = Region::map(&file.key(), 0, 0, 0).unwrap();
        let during = count_fds();
        drop(region);
        during == before
    });
    assert!(steady, "mapping a path left a descriptor open");
}

#[test]
fn writes_are_copy_on_write() {
    let file = TempFile::patterned(10_000, "cow");
    let mut region = Region::map(&file.key(), 0, 0, 0).unwrap();
    let first = region.as_mut_ptr();
    // SAFETY: the region maps 10000 bytes privately and writable; index 5 is inside it.
    unsafe { *first.add(5) = !common::pattern_byte(5) };
    assert_eq!(region.as_slice()[5], !common::pattern_byte(5));
    assert!(file.bytes() == pattern(0..10_000), "the file is unchanged");
}

#[test]
fn client_count_refuses_to_go_negative() {
    let file = TempFile::patterned(10_000, "count");
    let mut region = Region::map(&file.key(), 0, 0, 0).unwrap();
    assert_eq!(region.client_count(), 1);
    assert!(!region.increment_client_count(1).unwrap());
    assert!(!region.increment_client_count(-1).unwrap());
    assert!(region.increment_client_count(-1).unwrap());
    match region.increment_client_count(-1) {
        Err(Error::ClientCount(message)) => {
            assert_eq!(message, "client count of region at 0 would become -1")
        }
        other => panic!("expected ClientCount, got {other:?}"),
    }
    assert_eq!(region.client_count(), 0);
}

#[test]
fn advise_and_populate_work() {
    let file = TempFile::patterned(100_000, "advise");
    let region = Region::map_with(&file.key(), 0, 0, 0, true).unwrap();
    for advice in [
        smmap_core::Advice::Normal,
        smmap_core::Advice::Sequential,
        smmap_core::Advice::Random,
        smmap_core::Advice::WillNeed,
    ] {
        region.advise(advice).unwrap();
    }
    assert!(region.as_slice() == &pattern(0..100_000)[..]);
}

#[cfg(target_os = "linux")]
#[test]
fn open_flags_are_passed_through() {
    let file = TempFile::patterned(10_000, "flags");
    // O_NOATIME may be refused for files we do not own (EPERM) but not as a bad argument.
    match Region::map(&file.key(), 0, 0, libc::O_NOATIME) {
        Ok(region) => assert_eq!(region.size(), 10_000),
        Err(Error::Io { source, .. }) => assert_eq!(source.raw_os_error(), Some(libc::EPERM)),
        Err(other) => panic!("unexpected {other:?}"),
    }
    // O_DIRECTORY on a regular file proves the flags reach open(2).
    match Region::map(&file.key(), 0, 0, libc::O_DIRECTORY) {
        Err(Error::Io {
            source,
            syscall: "open",
            ..
        }) => {
            assert_eq!(source.raw_os_error(), Some(libc::ENOTDIR))
        }
        other => panic!("expected ENOTDIR, got {other:?}"),
    }
}

/// Never a write to the file: open flags that would truncate or create are dropped.
#[cfg(unix)]
#[test]
fn open_flags_never_truncate_or_create() {
    let file = TempFile::patterned(2 * allocation_granularity(), "flags_truncate");
    let region = Region::map(&file.key(), 0, 0, libc::O_TRUNC | libc::O_CREAT).unwrap();
    assert_eq!(
        region.size(),
        2 * allocation_granularity(),
        "the file kept its size"
    );
    assert_eq!(region.as_slice()[..64], pattern(0..64)[..]);
    let missing = file.path().with_extension("created");
    assert!(Region::map(&FileKey::Path(missing.clone()), 0, 0, libc::O_CREAT).is_err());
    assert!(!missing.exists(), "no file was created");
}

/// A private writable mapping is charged against RAM + swap for the copies writes could make,
/// so one larger than that was refused with ENOMEM though we only read; MAP_NORESERVE maps it.
/// (Under strict overcommit, mode 2, the kernel charges it anyway: nothing to test there.)
#[cfg(target_os = "linux")]
#[test]
fn a_file_larger_than_ram_and_swap_maps_whole() {
    let mode = std::fs::read_to_string("/proc/sys/vm/overcommit_memory").unwrap();
    if mode.trim() == "2" {
        return;
    }
    // SAFETY: sysconf only reads system constants.
    let ram = unsafe {
        libc::sysconf(libc::_SC_PHYS_PAGES) as u64 * libc::sysconf(libc::_SC_PAGESIZE) as u64
    };
    let file = TempFile::with_bytes(&[7], "beyond-ram");
    let size = 4 * ram;
    file.set_len(size);
    let region = Region::map(&file.key(), 0, 0, 0).expect("a sparse file of 4x RAM maps");
    assert_eq!(region.size(), size);
    assert_eq!(region.as_slice()[0], 7);
    assert_eq!(region.as_slice()[(size - 1) as usize], 0);
}

/// On every OS, Windows included: the facade hands the result to `fs.openSync` for its
/// positional reads, which honours these flags there too.
#[test]
fn read_only_open_flags_drop_trunc_creat_and_excl() {
    let writing = libc::O_TRUNC | libc::O_CREAT | libc::O_EXCL;
    let flags = smmap_core::read_only_open_flags(writing | libc::O_APPEND);
    assert_eq!(
        flags & writing,
        0,
        "none of the flags that change the file system"
    );
    assert_eq!(
        flags & libc::O_APPEND,
        libc::O_APPEND,
        "the others are kept"
    );
}

/// Whether each page of `bytes` is resident in this process, by its `/proc/self/pagemap` entry.
#[cfg(target_os = "linux")]
fn resident_pages(bytes: &[u8]) -> Vec<bool> {
    use std::os::unix::fs::FileExt;
    let page = allocation_granularity() as usize;
    let pagemap = std::fs::File::open("/proc/self/pagemap").unwrap();
    let mut entries = vec![0u8; bytes.len().div_ceil(page) * 8];
    let at = (bytes.as_ptr() as usize / page * 8) as u64;
    pagemap.read_exact_at(&mut entries, at).unwrap();
    entries
        .chunks(8)
        .map(|e| u64::from_le_bytes(e.try_into().unwrap()) >> 63 == 1)
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn release_pages_gives_back_clean_pages_and_keeps_written_ones() {
    let page = allocation_granularity();
    let len = 8 * page;
    let f = TempFile::patterned(len, "release-pages");
    let mut region = Region::map(&f.key(), 0, len, 0).unwrap();
    let touched: u64 = region
        .as_slice()
        .iter()
        .step_by(page as usize)
        .map(|&b| b as u64)
        .sum();
    assert_eq!(
        touched,
        (0..8).map(|p| common::pattern_byte(p * page) as u64).sum()
    );
    // SAFETY: pages 2 and 5 lie inside the live, private, writable mapping.
    unsafe {
        *region.as_mut_ptr().add(2 * page as usize + 3) ^= 0xff;
        *region.as_mut_ptr().add(5 * page as usize) ^= 0xff;
    }
    assert!(
        resident_pages(region.as_slice()).iter().all(|&r| r),
        "every page read in"
    );

    region.release_pages();

    let resident = resident_pages(region.as_slice());
    let expected: Vec<bool> = (0..8).map(|p| p == 2 || p == 5).collect();
    assert_eq!(resident, expected, "only the written pages stay");
    let mut bytes = f.bytes();
    bytes[2 * page as usize + 3] ^= 0xff;
    bytes[5 * page as usize] ^= 0xff;
    assert!(
        region.as_slice() == &bytes[..],
        "the writes, and the file's bytes elsewhere"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn release_pages_together_gives_back_every_regions_clean_pages_and_keeps_written_ones() {
    let page = allocation_granularity();
    let len = 8 * page;
    let f = TempFile::patterned(4 * len, "release-pages-together");
    // Mapped one after another, as a manager maps windows: Linux usually puts them side by
    // side, so they are given back as one stretch, across the seams between them.
    let mut regions: Vec<Region> = (0..3)
        .map(|w| Region::map(&f.key(), w * len, len, 0).unwrap())
        .collect();
    let adjacent = regions
        .windows(2)
        .filter(|pair| {
            let (a, b) = (
                pair[0].as_slice().as_ptr_range(),
                pair[1].as_slice().as_ptr_range(),
            );
            a.start == b.end || b.start == a.end
        })
        .count();
    eprintln!("{adjacent} of 2 pairs of regions next to each other in memory");
    // Written: the last page of the first region, the middle of the second, the first of the
    // third: pages on both sides of each seam.
    let writes = [(0, 7), (1, 3), (2, 0)];
    for &(w, p) in &writes {
        // SAFETY: page `p` lies inside region `w`'s live, private, writable mapping.
        unsafe { *regions[w].as_mut_ptr().add((p * page) as usize + 1) ^= 0xff };
    }
    let bytes = f.bytes();
    for (w, region) in regions.iter().enumerate() {
        let touched: Vec<u8> = region
            .as_slice()
            .iter()
            .step_by(page as usize)
            .copied()
            .collect();
        let at = w * len as usize;
        let want: Vec<u8> = bytes[at..at + len as usize]
            .iter()
            .step_by(page as usize)
            .copied()
            .collect();
        assert_eq!(touched, want, "region {w}: the first byte of each page");
        assert!(resident_pages(region.as_slice()).iter().all(|&r| r));
    }

    Region::release_pages_together(&[&regions[2], &regions[0], &regions[1]]);

    let mut expected = bytes;
    for (w, region) in regions.iter().enumerate() {
        let kept: Vec<bool> = (0..8).map(|p| writes.contains(&(w, p))).collect();
        assert_eq!(
            resident_pages(region.as_slice()),
            kept,
            "region {w}: only its written page stays"
        );
        let at = w * len as usize;
        for &(_, p) in writes.iter().filter(|&&(ww, _)| ww == w) {
            expected[at + (p * page) as usize + 1] ^= 0xff;
        }
        assert!(
            region.as_slice() == &expected[at..at + len as usize],
            "region {w}: its write, and the file's bytes elsewhere"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn manager_release_pages_of_gives_back_unused_regions_and_skips_used_and_unknown_ones() {
    use common::keeping;
    use smmap_core::{Config, RegionId};

    let page = allocation_granularity();
    let window = 8 * page;
    let f = TempFile::patterned(3 * window, "release-pages-of");
    let mut manager = keeping(Config {
        window_size: window,
        ..Config::sliding_default()
    });
    let file = manager.file(f.key()).unwrap();
    let ids: Vec<RegionId> = (0..3)
        .map(|w| {
            manager
                .use_region(file, w * window, window, 0)
                .unwrap()
                .unwrap()
        })
        .collect();
    let bytes = f.bytes();
    let same_as_file = |region: &Region| {
        let at = region.ofs_begin() as usize;
        region.as_slice() == &bytes[at..at + region.size() as usize]
    };
    for &id in &ids {
        let region = manager.region(id).unwrap();
        assert!(same_as_file(region), "region {id} reads the file");
        assert!(resident_pages(region.as_slice()).iter().all(|&r| r));
    }
    // A pass left the first and the last; a cursor still uses the middle one.
    manager.unuse_region(ids[0]).unwrap();
    manager.unuse_region(ids[2]).unwrap();

    let unknown = ids.iter().max().unwrap() + 100;
    assert_eq!(
        manager.release_pages_of(&[ids[2], unknown, ids[1], ids[0]]),
        2
    );

    for (w, &id) in ids.iter().enumerate() {
        let region = manager.region(id).unwrap();
        let resident = resident_pages(region.as_slice());
        if w == 1 {
            assert!(
                resident.iter().all(|&r| r),
                "the region in use keeps its pages"
            );
        } else {
            assert!(
                resident.iter().all(|&r| !r),
                "region {w} gave its pages back"
            );
        }
        assert!(
            same_as_file(region),
            "region {w} still reads the file, faulting it in again"
        );
    }
}
