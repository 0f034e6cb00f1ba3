//! A small array of numbers shared with the facade, so a cursor's miss is one native call:
//! the call returns the new region's ArrayBuffer and leaves its bounds here, and every call
//! that unmaps leaves the retired region ids here instead of the facade asking for them with
//! a call of its own (a Node-API call through napi-rs costs ~0.4 µs; a miss made four).
//!
//! Layout (f64 cells; `lib/mman.ts` names the same indices):
//! `[NEW_ID, NEW_OFS, NEW_SIZE, NEW_SLOT, RETIRED_COUNT, RETIRED_OVERFLOW, ids...]`.
//! The native side appends retired ids and raises `RETIRED_OVERFLOW` when they do not fit
//! (the rest wait for `takeRetired()`); the facade reads them and sets `RETIRED_COUNT` to 0.

use crate::pinned::PinnedArrayBuffer;

const NEW_ID: usize = 0;
const NEW_OFS: usize = 1;
const NEW_SIZE: usize = 2;
const NEW_SLOT: usize = 3;
const RETIRED_COUNT: usize = 4;
const RETIRED_OVERFLOW: usize = 5;
const RETIRED_IDS: usize = 6;
const CELLS: usize = 64;

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

    /// Appends a retired id; false when the mailbox is full (the caller keeps it).
    pub fn push_retired(&self, id: f64) -> bool {
        let count = self.get(RETIRED_COUNT) as usize;
        if RETIRED_IDS + count >= CELLS {
            self.set(RETIRED_OVERFLOW, 1.0);
            return false;
        }
        self.set(RETIRED_IDS + count, id);
        self.set(RETIRED_COUNT, (count + 1) as f64);
        true
    }

    /// The ids kept by the caller were handed over.
    pub fn clear_overflow(&self) {
        self.set(RETIRED_OVERFLOW, 0.0);
    }
}
