//! A small array of numbers shared with the facade, so a cursor's miss is one native call:
//! the call returns the new region's ArrayBuffer and leaves its bounds here, and every call
//! that unmaps leaves the retired region ids here instead of the facade asking for them with
//! a call of its own (a Node-API call through napi-rs costs ~0.2-0.4 µs; a miss made four).
//! The other way, the facade leaves here the ids of regions it has handed a Buffer over, and
//! the native side reads them before it decides how to let any region go (`retire.rs`).
//!
//! Layout (f64 cells, indices exported to the facade as `MAILBOX_*` constants):
//! `[NEW_ID, NEW_OFS, NEW_SIZE, NEW_SLOT, RETIRED_COUNT, RETIRED_OVERFLOW, NEW_FILE,
//! retired ids..., EXPOSED_COUNT, exposed ids...]`. The native side appends retired ids and
//! raises `RETIRED_OVERFLOW` when they do not fit (the rest wait for `takeRetired()`); the
//! facade reads them and sets `RETIRED_COUNT` to 0. The facade appends exposed ids while they
//! fit (else it calls `expose()`); the native side takes them and sets `EXPOSED_COUNT` to 0.

use napi_derive::napi;

use crate::pinned::PinnedArrayBuffer;

/// The id of the region a miss just mapped.
#[napi]
pub const MAILBOX_NEW_ID: u32 = 0;
/// Its first file offset.
#[napi]
pub const MAILBOX_NEW_OFS: u32 = 1;
/// Its length.
#[napi]
pub const MAILBOX_NEW_SIZE: u32 = 2;
/// Its byte in the truncation flags, or -1.
#[napi]
pub const MAILBOX_NEW_SLOT: u32 = 3;
/// How many retired ids follow `MAILBOX_RETIRED_IDS`.
#[napi]
pub const MAILBOX_RETIRED_COUNT: u32 = 4;
/// Non-zero when more were retired than fit (`takeRetired()` has the rest).
#[napi]
pub const MAILBOX_RETIRED_OVERFLOW: u32 = 5;
/// The file id a cursor's first move resolved its key to.
#[napi]
pub const MAILBOX_NEW_FILE: u32 = 6;
/// The first retired id.
#[napi]
pub const MAILBOX_RETIRED_IDS: u32 = 7;
/// How many exposed ids follow `MAILBOX_EXPOSED_IDS`.
#[napi]
pub const MAILBOX_EXPOSED_COUNT: u32 = 64;
/// The first exposed id.
#[napi]
pub const MAILBOX_EXPOSED_IDS: u32 = 65;
/// How many exposed ids fit.
#[napi]
pub const MAILBOX_EXPOSED_CAPACITY: u32 = (CELLS - EXPOSED_IDS) as u32;

const NEW_ID: usize = MAILBOX_NEW_ID as usize;
const NEW_OFS: usize = MAILBOX_NEW_OFS as usize;
const NEW_SIZE: usize = MAILBOX_NEW_SIZE as usize;
const NEW_SLOT: usize = MAILBOX_NEW_SLOT as usize;
const RETIRED_COUNT: usize = MAILBOX_RETIRED_COUNT as usize;
const RETIRED_OVERFLOW: usize = MAILBOX_RETIRED_OVERFLOW as usize;
const NEW_FILE: usize = MAILBOX_NEW_FILE as usize;
const RETIRED_IDS: usize = MAILBOX_RETIRED_IDS as usize;
/// Retired ids end where the exposed count starts.
const RETIRED_END: usize = MAILBOX_EXPOSED_COUNT as usize;
const EXPOSED_COUNT: usize = MAILBOX_EXPOSED_COUNT as usize;
const EXPOSED_IDS: usize = MAILBOX_EXPOSED_IDS as usize;
const CELLS: usize = 96;

pub struct Mailbox {
    cells: PinnedArrayBuffer,
}

impl Mailbox {
    pub fn create(env: &napi::Env) -> napi::Result<Self> {
        let cells = PinnedArrayBuffer::create(env, CELLS * 8, "manager's mailbox")?;
        Ok(Self { cells })
    }

    /// The ArrayBuffer, for the facade's `Float64Array`.
    pub fn value(&self) -> napi::Result<napi::sys::napi_value> {
        self.cells.value()
    }

    fn get(&self, cell: usize) -> f64 {
        debug_assert!(cell < CELLS);
        // SAFETY: `cell < CELLS`, so the read stays inside the ArrayBuffer, which lives (and
        // never moves) until `self` is dropped. Unaligned access avoids assuming V8's alignment.
        unsafe { self.cells.data().cast::<f64>().add(cell).read_unaligned() }
    }

    fn set(&self, cell: usize, value: f64) {
        debug_assert!(cell < CELLS);
        // SAFETY: as in `get`; JavaScript only touches these cells between native calls on
        // the same thread, never during one.
        unsafe {
            self.cells
                .data()
                .cast::<f64>()
                .add(cell)
                .write_unaligned(value)
        }
    }

    /// Leaves a new region's id and `[ofs, size, guard slot]` for the facade.
    pub fn announce_region(&self, id: f64, bounds: [f64; 3]) {
        self.set(NEW_ID, id);
        self.set(NEW_OFS, bounds[0]);
        self.set(NEW_SIZE, bounds[1]);
        self.set(NEW_SLOT, bounds[2]);
    }

    /// Leaves the file id a cursor's first move resolved to.
    pub fn announce_file(&self, file: f64) {
        self.set(NEW_FILE, file);
    }

    /// Appends a retired id; false when the mailbox is full (the caller keeps it).
    pub fn push_retired(&self, id: f64) -> bool {
        let count = self.get(RETIRED_COUNT) as usize;
        if RETIRED_IDS + count >= RETIRED_END {
            self.set(RETIRED_OVERFLOW, 1.0);
            return false;
        }
        self.set(RETIRED_IDS + count, id);
        self.set(RETIRED_COUNT, (count + 1) as f64);
        true
    }

    /// Takes the ids of the regions the facade handed a Buffer over since the last time,
    /// emptying the list.
    pub fn take_exposed(&self) -> impl Iterator<Item = f64> + '_ {
        // The facade never writes a count past the capacity; clamped all the same, so the
        // reads below stay inside the cells whatever the cell holds.
        let count = (self.get(EXPOSED_COUNT) as usize).min(MAILBOX_EXPOSED_CAPACITY as usize);
        self.set(EXPOSED_COUNT, 0.0);
        (0..count).map(move |i| self.get(EXPOSED_IDS + i))
    }

    /// The ids kept by the caller were handed over.
    pub fn clear_overflow(&self) {
        self.set(RETIRED_OVERFLOW, 0.0);
    }
}
