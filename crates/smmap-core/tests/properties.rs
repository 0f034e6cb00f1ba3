//! Property tests (proptest, shrinking to a minimal failing sequence) of manager operations:
//! whatever the configuration and the order of uses, lets-go and collections, every invariant
//! of smmap's placement rules holds after each step and every cursor reads the file's bytes.

mod common;

use common::{check_invariants, pattern, SimCursor, TempFile};
use proptest::prelude::*;
use smmap_core::{allocation_granularity, Config, Error, Manager};

#[derive(Clone, Debug)]
enum Op {
    /// A cursor asks for `size` bytes at `position` (a fraction of its file, in 1/65536).
    Use {
        cursor: usize,
        position: u16,
        size: u64,
    },
    Unuse {
        cursor: usize,
    },
    Collect,
}

const CURSORS: usize = 6;
const FILE_SIZES: [u64; 3] = [3 * 4096 + 17, 40_000, 16 * 4096];

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        6 => (0..CURSORS, any::<u16>(), 0u64..20_000)
            .prop_map(|(cursor, position, size)| Op::Use { cursor, position, size }),
        2 => (0..CURSORS).prop_map(|cursor| Op::Unuse { cursor }),
        1 => Just(Op::Collect),
    ];
    prop::collection::vec(op, 1..60)
}

fn configs() -> impl Strategy<Value = Config> {
    let g = allocation_granularity();
    (
        prop_oneof![Just(0u64), 1u64..3 * g, Just(g), Just(4 * g)],
        prop_oneof![Just(0u64), 1u64..8 * g, Just(1u64 << 30)],
        1u64..8,
        any::<bool>(),
    )
        .prop_map(
            |(window_size, max_memory_size, max_open_handles, sliding)| {
                let base = if sliding {
                    Config::sliding_default()
                } else {
                    Config::static_default()
                };
                Config {
                    window_size: if sliding { window_size } else { 0 },
                    max_memory_size,
                    max_open_handles,
                    ..base
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_sequence_of_operations_keeps_the_books_and_the_bytes(config in configs(), ops in ops()) {
        let files: Vec<TempFile> = FILE_SIZES.iter().map(|&n| TempFile::patterned(n, "prop")).collect();
        let data: Vec<Vec<u8>> = FILE_SIZES.iter().map(|&n| pattern(0..n)).collect();
        let mut manager = Manager::new(config);
        let ids: Vec<_> = files.iter().map(|f| manager.file(f.key()).unwrap()).collect();
        let mut cursors: Vec<SimCursor> = (0..CURSORS).map(|i| SimCursor::new(ids[i % ids.len()])).collect();
        for op in ops {
            match op {
                Op::Use { cursor, position, size } => {
                    let which = cursor % ids.len();
                    let len = data[which].len() as u64;
                    let offset = len * u64::from(position) / 65_536;
                    match cursors[cursor].try_use_region(&mut manager, offset, size) {
                        Ok(valid) => {
                            prop_assert!(valid);
                            let c = &cursors[cursor];
                            let want = &data[which][offset as usize..(offset + c.size) as usize];
                            prop_assert!(c.bytes(&manager) == want, "bytes at {}", offset);
                        }
                        // Cursors pin regions, so a tight handle limit may refuse, but only
                        // when every mapped region is pinned.
                        Err(Error::Limit { max_open_handles }) => {
                            prop_assert_eq!(manager.num_file_handles(), max_open_handles);
                            let pinned = cursors.iter().filter(|c| c.region.is_some()).count() as u64;
                            prop_assert!(pinned >= max_open_handles);
                        }
                        Err(other) => prop_assert!(false, "unexpected error {}", other),
                    }
                }
                Op::Unuse { cursor } => cursors[cursor].unuse_region(&mut manager),
                Op::Collect => {
                    manager.collect();
                }
            }
            let listed: Vec<_> = ids.iter().zip(&data).map(|(&f, d)| (f, d.as_slice())).collect();
            check_invariants(&manager, &listed, 0);
        }
        for cursor in &mut cursors {
            cursor.unuse_region(&mut manager);
        }
        manager.collect();
        prop_assert_eq!((manager.num_file_handles(), manager.mapped_memory_size()), (0, 0));
    }
}
