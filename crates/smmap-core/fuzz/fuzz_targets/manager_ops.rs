//! Feeds the manager arbitrary configurations and sequences of uses, lets-go and
//! collections over three patterned files, checking after every step the same invariants the
//! tests check (sorted, non-overlapping, aligned regions; exact counters; bytes equal the
//! file). A panic or an abort is a finding.
#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::sync::OnceLock;

use common::{check_invariants, pattern, SimCursor};
use libfuzzer_sys::fuzz_target;
use smmap_core::{allocation_granularity, Config, Error, FileKey, Manager};

const FILE_SIZES: [u64; 3] = [3 * 4096 + 17, 40_000, 16 * 4096];
const CURSORS: usize = 6;

/// The files live for the whole fuzzing process (re-creating them per input would dominate).
/// Statics are never dropped, so they get fixed names in the temp dir: each run rewrites the
/// same three small files instead of leaving new ones behind.
fn files() -> &'static [(FuzzFile, Vec<u8>)] {
    static FILES: OnceLock<Vec<(FuzzFile, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        FILE_SIZES
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let data = pattern(0..n);
                let path = std::env::temp_dir().join(format!("smmap-core-fuzz-{i}.bin"));
                std::fs::write(&path, &data).expect("write fuzz file");
                (FuzzFile(path), data)
            })
            .collect()
    })
}

struct FuzzFile(std::path::PathBuf);

impl FuzzFile {
    fn key(&self) -> FileKey {
        FileKey::Path(self.0.clone())
    }
}

/// Reads little-endian numbers off the input; runs dry as zeros.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (&first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        first
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }
}

fn config(input: &mut Input) -> Config {
    let g = allocation_granularity();
    let flags = input.byte();
    let base = if flags & 1 == 0 {
        Config::sliding_default()
    } else {
        Config::static_default()
    };
    Config {
        window_size: if flags & 1 == 0 {
            u64::from(input.u16()) % (4 * g)
        } else {
            0
        },
        max_memory_size: u64::from(input.u16()) * 8,
        max_open_handles: 1 + u64::from(input.byte() % 8),
        ..base
    }
}

fuzz_target!(|bytes: &[u8]| {
    let files = files();
    let mut input = Input(bytes);
    let mut manager = Manager::new(config(&mut input));
    let ids: Vec<_> = files
        .iter()
        .map(|(f, _)| manager.file(f.key()).unwrap())
        .collect();
    let mut cursors: Vec<SimCursor> = (0..CURSORS)
        .map(|i| SimCursor::new(ids[i % ids.len()]))
        .collect();
    while !input.0.is_empty() {
        let op = input.byte();
        let cursor = usize::from(op >> 2) % CURSORS;
        match op & 3 {
            0 | 1 => {
                let data = &files[cursor % ids.len()].1;
                let offset = data.len() as u64 * u64::from(input.u16()) / 65_536;
                let size = u64::from(input.u16());
                match cursors[cursor].try_use_region(&mut manager, offset, size) {
                    Ok(valid) => {
                        assert!(valid);
                        let c = &cursors[cursor];
                        assert!(
                            c.bytes(&manager) == &data[offset as usize..(offset + c.size) as usize]
                        );
                    }
                    Err(Error::Limit { max_open_handles }) => {
                        assert_eq!(manager.num_file_handles(), max_open_handles);
                    }
                    Err(other) => panic!("unexpected error {other}"),
                }
            }
            2 => cursors[cursor].unuse_region(&mut manager),
            _ => {
                manager.collect();
            }
        }
        let listed: Vec<_> = ids
            .iter()
            .zip(files)
            .map(|(&id, (_, d))| (id, d.as_slice()))
            .collect();
        check_invariants(&manager, &listed, 0);
    }
});
