//! Shared test helpers: patterned temporary files, a deterministic PRNG and the invariant
//! check every manager state must pass.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use smmap_core::{
    allocation_granularity, Config, FileId, FileKey, Manager, Region, RegionId, Retire,
};

/// smmap's `k_window_test_size`.
pub const K: u64 = 8_005_195;

/// The byte at file offset `i`: varies within and across pages so offset mistakes show.
pub fn pattern_byte(i: u64) -> u8 {
    ((i * 31 + i / 4096 * 7) % 251) as u8
}

pub fn pattern(range: std::ops::Range<u64>) -> Vec<u8> {
    range.map(pattern_byte).collect()
}

/// Most expectations are smmap's observed numbers for 4 KiB granules.
pub fn granularity_is_4k() -> bool {
    allocation_granularity() == 4096
}

/// A file in the temp dir, removed on drop.
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// A file of `len` patterned bytes.
    pub fn patterned(len: u64, tag: &str) -> TempFile {
        TempFile::with_bytes(&pattern(0..len), tag)
    }

    pub fn with_bytes(bytes: &[u8], tag: &str) -> TempFile {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("smmap-core-{tag}-{}-{unique}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, bytes).expect("write temp file");
        TempFile { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn key(&self) -> FileKey {
        FileKey::Path(self.path.clone())
    }

    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.path).expect("read temp file")
    }

    /// Appends the pattern's continuation so the whole file stays patterned.
    pub fn grow_to(&self, len: u64) {
        use std::io::Write;
        let old = std::fs::metadata(&self.path).unwrap().len();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .unwrap();
        file.write_all(&pattern(old..len)).unwrap();
    }

    /// Cuts the file to `len` bytes, or extends it with zeros (a hole), as another process
    /// truncating or resizing it would.
    pub fn set_len(&self, len: u64) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .unwrap()
            .set_len(len)
            .unwrap();
    }

    /// An fd key on a fresh read-only descriptor; keep the `File` alive while it is used.
    #[cfg(unix)]
    pub fn open_fd(&self) -> (std::fs::File, FileKey) {
        use std::os::unix::io::AsRawFd;
        let file = std::fs::File::open(&self.path).unwrap();
        let key = FileKey::Fd(file.as_raw_fd());
        (file, key)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A retirement policy that keeps what the manager lets go of (still mapped) until taken, so
/// tests can count and inspect it.
#[derive(Default)]
pub struct Retired(Vec<(RegionId, Region)>);

impl Retire for Retired {
    fn retire(&mut self, id: RegionId, region: Region, _forced: bool) {
        self.0.push((id, region));
    }
}

impl Retired {
    /// What was retired since the last call; dropping it unmaps it.
    pub fn take(&mut self) -> Vec<(RegionId, Region)> {
        std::mem::take(&mut self.0)
    }
}

/// A manager whose retired regions tests can take with `retirement().take()`.
pub fn keeping(config: Config) -> Manager<Retired> {
    Manager::with_retire(config, Retired::default())
}

/// xorshift64*: reproducible without a rand crate.
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Prng {
        Prng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-enough in `[0, bound)`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// `(start, size, client count)` of each listed region of a file.
pub fn layout<R: Retire>(manager: &Manager<R>, file: FileId) -> Vec<(u64, u64, i64)> {
    manager
        .regions_of(file)
        .into_iter()
        .map(|id| {
            let r = manager.region(id).unwrap();
            (r.ofs_begin(), r.size(), r.client_count())
        })
        .collect()
}

/// Every invariant of smmap's region lists (sorted, aligned, no overlap, true bytes) plus the counters, for files with known bytes.
/// `orphans` is how many counted regions are expected outside every list.
pub fn check_invariants<R: Retire>(manager: &Manager<R>, files: &[(FileId, &[u8])], orphans: u64) {
    let granularity = allocation_granularity();
    let mut listed = 0u64;
    let mut listed_bytes = 0u64;
    for &(file, data) in files {
        let ids = manager.regions_of(file);
        let mut previous_end = 0u64;
        for id in ids {
            let region = manager.region(id).expect("listed region is tracked");
            assert!(region.ofs_begin() >= previous_end, "sorted, no overlap");
            assert_eq!(region.ofs_begin() % granularity, 0, "aligned start");
            let end = region.ofs_end();
            assert!(
                end.is_multiple_of(granularity) || end == data.len() as u64,
                "aligned end or EOF"
            );
            let expected = &data[region.ofs_begin() as usize..end as usize];
            assert!(region.as_slice() == expected, "region bytes equal the file");
            assert!(region.client_count() >= 1);
            previous_end = end;
            listed += 1;
            listed_bytes += region.size();
        }
    }
    assert_eq!(manager.num_file_handles(), listed + orphans);
    if orphans == 0 {
        assert_eq!(manager.mapped_memory_size(), listed_bytes);
    }
    assert!(manager.num_file_handles() <= manager.config().max_open_handles);
    let stats = manager.stats();
    assert_eq!(stats.regions, manager.num_file_handles());
    assert_eq!(stats.mapped_bytes, manager.mapped_memory_size());
    assert!(stats.peak_mapped_bytes >= stats.mapped_bytes);
}

/// smmap's `WindowCursor` on top of the manager, as the binding drives it.
pub struct SimCursor {
    pub file: FileId,
    pub region: Option<smmap_core::RegionId>,
    pub ofs: u64,
    pub size: u64,
}

impl SimCursor {
    pub fn new(file: FileId) -> SimCursor {
        SimCursor {
            file,
            region: None,
            ofs: 0,
            size: 0,
        }
    }

    /// Keeps the current region if it contains `offset`, else asks the manager; false when
    /// the offset is past the end (the cursor is then invalid).
    pub fn use_region<R: Retire>(
        &mut self,
        manager: &mut Manager<R>,
        offset: u64,
        size: u64,
    ) -> bool {
        self.try_use_region(manager, offset, size).unwrap()
    }

    /// As `use_region`, passing the manager's error on.
    pub fn try_use_region<R: Retire>(
        &mut self,
        manager: &mut Manager<R>,
        offset: u64,
        size: u64,
    ) -> smmap_core::Result<bool> {
        if let Some(id) = self.region {
            let keeps = manager
                .region(id)
                .is_some_and(|r| r.includes_ofs(offset as i64));
            if !keeps {
                self.unuse_region(manager);
            }
        }
        if self.region.is_none() {
            match manager.use_region(self.file, offset, size, 0)? {
                Some(id) => self.region = Some(id),
                None => return Ok(false),
            }
        }
        let file_size = manager.file_size(self.file).unwrap();
        let window = manager.config().window_size;
        let requested = (if size == 0 { file_size } else { size }).min(if window == 0 {
            file_size
        } else {
            window
        });
        let region = manager.region(self.region.unwrap()).unwrap();
        self.ofs = offset;
        self.size = requested.min(region.ofs_end() - offset);
        Ok(true)
    }

    pub fn unuse_region<R: Retire>(&mut self, manager: &mut Manager<R>) {
        if let Some(id) = self.region.take() {
            manager.unuse_region(id).unwrap();
        }
    }

    pub fn bytes<'m, R: Retire>(&self, manager: &'m Manager<R>) -> &'m [u8] {
        let region = manager.region(self.region.unwrap()).unwrap();
        let start = (self.ofs - region.ofs_begin()) as usize;
        &region.as_slice()[start..start + self.size as usize]
    }

    pub fn includes_ofs(&self, ofs: u64) -> bool {
        self.ofs <= ofs && ofs < self.ofs + self.size
    }
}

/// Set in the child process `in_child` starts.
const CHILD: &str = "SMMAP_CORE_TEST_CHILD";

/// For tests that may kill their process or need process-wide settings: in the child, true
/// (run the test's body). Otherwise runs `test` of this test binary again in a child with `env`
/// added, asserts it passed and printed `done`, and returns false.
pub fn in_child(test: &str, env: &[(&str, &str)], done: &str) -> bool {
    if std::env::var_os(CHILD).is_some() {
        return true;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .envs(env.iter().copied())
        .output()
        .expect("the test binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && text.contains(done),
        "child failed:\n{text}"
    );
    false
}
