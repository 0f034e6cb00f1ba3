mod common;

use common::{check_invariants, keeping, pattern, Prng, SimCursor, TempFile, K};
use smmap_core::{align_to_mmap, Config, Error, FileKey};

fn configs() -> [Config; 2] {
    let limits = |config: Config| Config {
        max_memory_size: K / 3,
        max_open_handles: 15,
        ..config
    };
    [
        limits(Config {
            window_size: 0,
            ..Config::static_default()
        }),
        limits(Config {
            window_size: K / 100,
            ..Config::sliding_default()
        }),
    ]
}

/// smmap's test_mman.test_memman_operation, for both managers and both key kinds.
#[test]
fn test_memman_operation_from_smmap() {
    let file = TempFile::patterned(K, "manager_operation_test");
    let data = file.bytes();
    #[cfg(unix)]
    let (_fd_handle, fd_key) = file.open_fd();
    #[cfg(unix)]
    let keys = vec![file.key(), fd_key];
    #[cfg(not(unix))]
    let keys = vec![file.key()];
    for config in configs() {
        for key in &keys {
            run_operation(config.clone(), key.clone(), &data);
        }
    }
}

fn run_operation(config: Config, key: FileKey, data: &[u8]) {
    let window_size = config.window_size;
    let mut man = keeping(config);
    let f = man.file(key).unwrap();
    let mut c = SimCursor::new(f);
    assert_eq!((man.num_open_files(), man.mapped_memory_size()), (0, 0));

    // A first window near the start.
    let mut base_offset = 5000;
    let size = window_size / 2;
    assert!(c.use_region(&mut man, base_offset, size));
    let rr = c.region.unwrap();
    assert_eq!(man.region(rr).unwrap().client_count(), 2);
    assert_eq!((man.num_open_files(), man.num_file_handles()), (1, 1));
    assert_eq!(man.mapped_memory_size(), man.region(rr).unwrap().size());
    assert_eq!((c.ofs, man.region(rr).unwrap().ofs_begin()), (5000, 0));
    let expected_size = if window_size > 0 {
        align_to_mmap(window_size as i64, true) as u64
    } else {
        K
    };
    assert_eq!(man.region(rr).unwrap().size(), expected_size);
    let read = if size > 0 { size } else { c.size };
    assert!(c.bytes(&man) == &data[5000..(5000 + read) as usize]);

    // The same region serves the start of the file.
    let nsize = (if size > 0 { size } else { K }) - 10;
    assert!(c.use_region(&mut man, 0, nsize));
    assert_eq!(c.region, Some(rr));
    assert_eq!(man.num_file_handles(), 1);
    assert_eq!((c.size, c.ofs), (nsize, 0));
    assert!(c.bytes(&man) == &data[..nsize as usize]);

    // Overshoot the end of the file.
    base_offset = K - (if size > 0 { size } else { c.size }) + 4000;
    assert!(c.use_region(&mut man, base_offset, size));
    if window_size > 0 {
        assert_eq!(man.num_file_handles(), 2);
        assert!(c.size < size);
        assert_ne!(c.region, Some(rr));
        assert_eq!(man.region(rr).unwrap().client_count(), 1);
    } else {
        assert!(c.size < K);
    }
    let rr = c.region.unwrap();
    let region = man.region(rr).unwrap();
    assert_eq!(region.client_count(), 2);
    assert!(region.ofs_begin() < c.ofs && region.ofs_end() <= K);
    let read = if size > 0 {
        size.min(K - base_offset)
    } else {
        c.size
    };
    assert!(c.bytes(&man) == &data[base_offset as usize..(base_offset + read) as usize]);

    c.unuse_region(&mut man);
    if window_size > 0 {
        assert_eq!(man.num_file_handles(), 2);
    }

    // Random access, checking bytes and budgets on every step.
    let mut rng = Prng::new(0x5eed_0000 + window_size);
    for _ in 0..5000 {
        let base_offset = rng.below(K);
        if window_size > 0 {
            assert!(man.config().max_memory_size >= man.mapped_memory_size());
        }
        assert!(man.config().max_open_handles >= man.num_file_handles());
        let request = if size > 0 { size } else { c.size };
        assert!(c.use_region(&mut man, base_offset, request));
        let csize = c.size;
        assert!(c.bytes(&man) == &data[base_offset as usize..(base_offset + csize) as usize]);
        assert!(c.includes_ofs(base_offset));
        assert!(c.includes_ofs(base_offset + csize - 1));
        assert!(!c.includes_ofs(base_offset + csize));
    }
    check_invariants(&man, &[(f, data)], 0);

    assert!(!c.use_region(&mut man, K, size));
    assert!(man.num_file_handles() > 0);
    assert!(man.collect() > 0);
    assert_eq!(man.num_file_handles(), 0);
    assert_eq!(man.mapped_memory_size(), 0);
    assert!(!man.retirement().take().is_empty());
}

/// Random operations over several files and configurations, checking every invariant of
/// smmap's placement rules after each step.
#[test]
fn randomized_invariants() {
    let sizes = [41083u64, 81920, 12288 * 3 + 1];
    let files: Vec<TempFile> = sizes
        .iter()
        .map(|&n| TempFile::patterned(n, "random"))
        .collect();
    let data: Vec<Vec<u8>> = sizes.iter().map(|&n| pattern(0..n)).collect();
    let mut seed = 1;
    let mut limited = 0;
    for window_size in [1u64, 100, 4096, 12288, 10000, 20487, 0] {
        for (budget, handles) in [(4096u64, 2u64), (12288, 5), (409_600, 1000)] {
            seed += 1;
            let config = Config {
                window_size,
                max_memory_size: budget,
                max_open_handles: handles,
                ..Config::sliding_default()
            };
            limited += run_random_steps(config, &files, &data, seed);
        }
    }
    assert!(limited > 0, "the handle limit was exercised");
}

fn run_random_steps(config: Config, files: &[TempFile], data: &[Vec<u8>], seed: u64) -> u64 {
    let mut limited = 0;
    let mut man = keeping(config);
    let ids: Vec<_> = files.iter().map(|f| man.file(f.key()).unwrap()).collect();
    let mut cursors: Vec<SimCursor> = ids.iter().map(|&f| SimCursor::new(f)).collect();
    let mut rng = Prng::new(seed);
    for _ in 0..300 {
        let which = rng.below(cursors.len() as u64) as usize;
        let len = data[which].len() as u64;
        match rng.below(10) {
            0 => cursors[which].unuse_region(&mut man),
            1 => {
                man.collect();
            }
            _ => {
                let offset = rng.below(len);
                let size = rng.below(3 * 4096);
                // Cursors keep regions pinned, so a tight handle limit can legitimately refuse.
                match cursors[which].try_use_region(&mut man, offset, size) {
                    Ok(valid) => {
                        assert!(valid);
                        let c = &cursors[which];
                        let want = &data[which][offset as usize..(offset + c.size) as usize];
                        assert!(c.bytes(&man) == want);
                        assert_eq!(c.ofs, offset);
                    }
                    Err(Error::Limit { max_open_handles }) => {
                        assert_eq!(man.num_file_handles(), max_open_handles);
                        let pinned = cursors.iter().filter(|c| c.region.is_some()).count();
                        assert_eq!(pinned as u64, max_open_handles);
                        limited += 1;
                    }
                    Err(other) => panic!("unexpected {other}"),
                }
            }
        }
        let files: Vec<_> = ids
            .iter()
            .zip(data)
            .map(|(&f, d)| (f, d.as_slice()))
            .collect();
        check_invariants(&man, &files, 0);
    }
    limited
}
