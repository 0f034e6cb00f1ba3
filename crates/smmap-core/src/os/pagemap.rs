//! Linux: giving a let-go window's pages back without losing what was written into it.
//!
//! Windows are private copy-on-write mappings, and every Buffer over one is the caller's to
//! write into. `MADV_DONTNEED` on a private mapping discards the process's copies of written
//! pages along with the clean ones, so a Buffer a consumer changed and still holds would read
//! the file's bytes again: a wrong byte. `/proc/self/pagemap` tells the two kinds apart (a
//! written page is anonymous memory, a clean one is the page cache's), so only runs of clean
//! pages are given back. Where pagemap cannot be read, nothing is given back: more memory,
//! never a lost write.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::OnceLock;

/// pagemap entry bits: the page is in memory, swapped out, or a page-cache (file) page.
const PRESENT: u64 = 1 << 63;
const SWAPPED: u64 = 1 << 62;
const FILE_PAGE: u64 = 1 << 61;

/// Entries read per `pread` (8 KiB of entries, 4 MiB of a mapping with 4 KiB pages).
const BATCH: usize = 1024;

static PAGEMAP: OnceLock<File> = OnceLock::new();

/// Opens this process's pagemap once, for the life of the process; false when it cannot be
/// read, and pages will be kept. Opening it at load keeps the one descriptor it costs out of
/// counts taken later, and a failure (no /proc, descriptors exhausted) is tried again later.
pub fn prepare_page_release() -> bool {
    page_map().is_some()
}

fn page_map() -> Option<&'static File> {
    if let Some(file) = PAGEMAP.get() {
        return Some(file);
    }
    let file = File::open("/proc/self/pagemap").ok()?;
    Some(PAGEMAP.get_or_init(|| file))
}

/// Whether the page a pagemap entry describes holds a write of this process: an anonymous
/// page in memory, or any page swapped out (only anonymous pages are; a page being migrated
/// also shows as swapped and is kept, which only costs memory).
fn written(entry: u64) -> bool {
    entry & SWAPPED != 0 || (entry & PRESENT != 0 && entry & FILE_PAGE == 0)
}

/// Gives back the resident pages of `[start, start + len)`, page-aligned memory of live
/// private file mappings, that hold no write of this process (`MADV_DONTNEED`, run by run);
/// written pages stay as they are. A later read of a given-back page faults the file's bytes
/// in again, so views that still reach the mapping read what they read before. A run is cut
/// to its first and last resident page, and a range with none costs no advice at all. Only
/// a hint to keep memory low: any failure keeps pages.
///
/// A write made from another thread between the pagemap read and the advice would be lost;
/// windows are let go of on the JavaScript thread, and only native code that was handed a
/// window's Buffer as the target of a write while that window is let go of could race it.
///
/// # Safety
///
/// Every page of the range belongs to a private file mapping of this process that stays
/// mapped for the whole call.
pub unsafe fn release_range(start: usize, len: usize, page: usize) {
    let Some(pagemap) = page_map() else {
        return;
    };
    let first_page = start / page;
    let pages = len / page;
    let mut entries = [0u64; BATCH];
    // The open run of unwritten pages: its first and last resident page.
    let mut run: Option<(usize, usize)> = None;
    let mut index = 0;
    while index < pages {
        let count = (pages - index).min(BATCH);
        let bytes = as_bytes(&mut entries[..count]);
        if pagemap
            .read_exact_at(bytes, ((first_page + index) * 8) as u64)
            .is_err()
        {
            break;
        }
        for (k, &entry) in entries[..count].iter().enumerate() {
            let at = index + k;
            if written(entry) {
                if let Some((first, last)) = run.take() {
                    // SAFETY: pages of the range (contract), none of them written.
                    unsafe { give_back(start, page, first, last) };
                }
            } else if entry & PRESENT != 0 {
                run = Some((run.map_or(at, |(first, _)| first), at));
            }
        }
        index += count;
    }
    if let Some((first, last)) = run {
        // SAFETY: as above.
        unsafe { give_back(start, page, first, last) };
    }
}

/// `MADV_DONTNEED` on pages `first..=last` of the range that starts at `start`.
///
/// # Safety
///
/// The pages lie in a live private file mapping of this process and pagemap showed none of
/// them written by it.
unsafe fn give_back(start: usize, page: usize, first: usize, last: usize) {
    // SAFETY: by the contract DONTNEED drops only clean copies of the file's pages, which the
    // next read faults in again unchanged.
    let _ = unsafe {
        libc::madvise(
            (start + first * page) as *mut libc::c_void,
            (last + 1 - first) * page,
            libc::MADV_DONTNEED,
        )
    };
}

fn as_bytes(entries: &mut [u64]) -> &mut [u8] {
    let len = std::mem::size_of_val(entries);
    // SAFETY: a u64 slice is `len` initialised bytes with no padding, any byte pattern is a
    // valid u64, and the returned slice borrows `entries` mutably for its whole life.
    unsafe { std::slice::from_raw_parts_mut(entries.as_mut_ptr().cast::<u8>(), len) }
}
