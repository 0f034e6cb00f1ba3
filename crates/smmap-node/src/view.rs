//! The JavaScript `ArrayBuffer`s over a mapped region, and the rule that keeps them safe: a
//! region's memory is never unmapped while V8 can still reach a view of it. When the manager
//! lets the region go, the region is handed over (`bequeath`) to a [`Bequest`] that every one
//! of its ArrayBuffers' finalizers shares, and unmapped when V8 has collected the last of them,
//! after the last Buffer over any, and after any native consumer (zlib, `fs.write`, a
//! transferred ArrayBuffer) that holds one, since those keep their ArrayBuffer alive too.
//! Detaching instead would feed such consumers an empty or freed range; only views the facade
//! never handed out, or a forced removal, are emptied (`detach`), and only buffers made here
//! are ever detached: detaching anything else (Node's pooled Buffers, say) would corrupt
//! unrelated data.
//!
//! A region gets at most one ArrayBuffer over all of it (`whole`) and one per pane of
//! [`VIEW_PANE`] bytes (`pane`), each made on first request and held by a strong reference
//! while the manager keeps the region, so it can be found again. Panes exist for V8's sake: it
//! starts a full collection whenever an ArrayBuffer of 64 MiB or more is created, whatever is
//! done about its count afterwards (see `accounting.rs`), so the facade serves what fits in one
//! pane from the pane, and a pass over windows of a GiB creates no such buffer.

use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use napi::{sys, Env, Status};
use napi_derive::napi;
use smmap_core::Region;

use crate::accounting;

/// The bytes of one pane: small enough that creating its ArrayBuffer never makes V8 collect.
#[napi]
pub const VIEW_PANE: u32 = 16 << 20;

/// Bytes of regions let go of that views still keep mapped (a manager's `retainedBytes`).
pub type Retained = Arc<AtomicU64>;

/// Where a region goes when its owner lets it go while a view may still reach it: shared by
/// the owner's [`RegionView`] and every ArrayBuffer's finalizer, it unmaps the region when the
/// last of them drops it, and takes its size off the owner's count of retained bytes then.
#[derive(Default)]
pub struct Bequest(Mutex<Option<(Region, Retained)>>);

/// A shared [`Bequest`].
pub type Heir = Arc<Bequest>;

impl Bequest {
    /// The bequeathed region while it is still mapped; holding the guard keeps it mapped.
    pub fn region(&self) -> std::sync::MutexGuard<'_, Option<(Region, Retained)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Bequest {
    /// No view can reach the region any more: unmapped now.
    fn drop(&mut self) {
        let slot = self.0.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some((region, retained)) = slot.take() {
            retained.fetch_sub(region.size(), Ordering::Relaxed);
            drop(region);
        }
    }
}

/// The ArrayBuffers JavaScript has over one region, by strong reference.
pub struct RegionView {
    env: sys::napi_env,
    whole: Option<sys::napi_ref>,
    panes: Vec<Option<sys::napi_ref>>,
    heir: Heir,
    /// Whether the facade has handed a Buffer over it to its caller. Until then only the
    /// facade's own synchronous reads touched it, so it can be detached and unmapped at once.
    pub exposed: bool,
}

impl RegionView {
    /// A view with no ArrayBuffer yet: `whole` and `pane` make them on request.
    pub fn new(env: &Env) -> Self {
        Self {
            env: env.raw(),
            whole: None,
            panes: Vec::new(),
            heir: Heir::default(),
            exposed: false,
        }
    }

    /// The ArrayBuffer over all of `region` (zero copy), made on the first call.
    pub fn whole(&mut self, region: &mut Region) -> napi::Result<sys::napi_value> {
        if self.whole.is_none() {
            let size = region.size() as usize;
            self.whole = Some(self.create(region, 0, size)?);
        }
        self.value(self.whole)
    }

    /// The ArrayBuffer over pane `index` of `region` (bytes from `index * VIEW_PANE`, at most
    /// `VIEW_PANE` of them), made on the first call.
    pub fn pane(&mut self, region: &mut Region, index: usize) -> napi::Result<sys::napi_value> {
        let size = region.size() as usize;
        let start = index.saturating_mul(VIEW_PANE as usize);
        if start >= size {
            return Err(napi::Error::new(
                Status::InvalidArg,
                format!("pane {index} is past the region's {size} bytes"),
            ));
        }
        if self.panes.len() <= index {
            self.panes.resize(index + 1, None);
        }
        if self.panes[index].is_none() {
            let len = (size - start).min(VIEW_PANE as usize);
            self.panes[index] = Some(self.create(region, start, len)?);
        }
        self.value(self.panes[index])
    }

    /// Creates an ArrayBuffer over `[start, start + len)` of `region`'s mapped bytes (zero
    /// copy) and a strong reference to it. Where the runtime refuses external buffers
    /// (Electron's V8 sandbox) the bytes are copied instead.
    fn create(&self, region: &mut Region, start: usize, len: usize) -> napi::Result<sys::napi_ref> {
        let hidden = accounting::may_hide(self.env).then_some(len);
        let hint = Box::into_raw(Box::new(Finalizer {
            _heir: self.heir.clone(),
            hidden,
        }));
        let mut value = ptr::null_mut();
        // SAFETY: `start + len` is within the region (callers), so the pointer and length
        // describe part of its live mapping, which outlives the ArrayBuffer's access to it:
        // `detach` runs before the region is dropped, and if the region outlives its manager
        // it goes to the `Bequest` this buffer's finalizer shares. `hint` is a leaked Box that
        // `finalize_view` takes back exactly once.
        let mut status = unsafe {
            sys::napi_create_external_arraybuffer(
                self.env,
                region.as_mut_ptr().add(start).cast(),
                len,
                Some(finalize_view),
                hint.cast(),
                &mut value,
            )
        };
        if status == sys::Status::napi_no_external_buffers_allowed {
            // SAFETY: the finalizer will never run for a buffer that was not created.
            drop(unsafe { Box::from_raw(hint) });
            status =
                copy_into_new_buffer(self.env, &region.as_slice()[start..start + len], &mut value);
        } else if let (sys::Status::napi_ok, Some(len)) = (status, hidden) {
            // Only now: V8 counts the buffer as it creates it, and the count must never go
            // below zero.
            accounting::hide(self.env, len);
        }
        check(status, "could not create the region's ArrayBuffer")?;
        let mut reference = ptr::null_mut();
        // SAFETY: `value` was just created in this environment.
        check(
            unsafe { sys::napi_create_reference(self.env, value, 1, &mut reference) },
            "could not reference the region's ArrayBuffer",
        )?;
        Ok(reference)
    }

    fn value(&self, reference: Option<sys::napi_ref>) -> napi::Result<sys::napi_value> {
        let reference = reference.expect("the ArrayBuffer was just made");
        let mut value = ptr::null_mut();
        // SAFETY: the reference is strong and alive until `detach`/`bequeath` consume `self`.
        check(
            unsafe { sys::napi_get_reference_value(self.env, reference, &mut value) },
            "the region's ArrayBuffer is gone",
        )?;
        Ok(value)
    }

    fn references(&self) -> impl Iterator<Item = sys::napi_ref> + '_ {
        self.whole
            .iter()
            .chain(self.panes.iter().flatten())
            .copied()
    }

    /// Empties every view of the region so it can be unmapped at once: for views never
    /// exposed, or a forced removal. Call it before dropping the region, from a call that runs
    /// JavaScript-side (never from a finalizer).
    pub fn detach(self) {
        for reference in self.references() {
            if let Ok(value) = self.value(Some(reference)) {
                // SAFETY: `value` is an external ArrayBuffer created in `create`, which only
                // this module can name; V8 allows detaching it.
                unsafe { sys::napi_detach_arraybuffer(self.env, value) };
            }
            // SAFETY: the reference was created in `create` and is deleted exactly once, here.
            unsafe { sys::napi_delete_reference(self.env, reference) };
        }
    }

    /// Hands `region` to the finalizers of its ArrayBuffers, the last of which unmaps it when
    /// no view can reach it, and returns where it waits, so its pages can be given back
    /// meanwhile (see `release.rs`). `retained` counts its bytes until then. A region no
    /// ArrayBuffer was made for is unmapped as soon as the returned `Heir` is dropped.
    pub fn bequeath(self, region: Region, retained: Retained) -> Heir {
        retained.fetch_add(region.size(), Ordering::Relaxed);
        *self.heir.region() = Some((region, retained));
        for reference in self.references() {
            // SAFETY: as in `detach`; deleting a reference is allowed during finalization.
            unsafe { sys::napi_delete_reference(self.env, reference) };
        }
        self.heir
    }
}

fn copy_into_new_buffer(
    env: sys::napi_env,
    bytes: &[u8],
    value: &mut sys::napi_value,
) -> sys::napi_status {
    let mut data = ptr::null_mut();
    // SAFETY: napi_create_arraybuffer returns `data` pointing at `bytes.len()` writable bytes.
    unsafe {
        let status = sys::napi_create_arraybuffer(env, bytes.len(), &mut data, value);
        if status == sys::Status::napi_ok && !bytes.is_empty() {
            ptr::copy_nonoverlapping(bytes.as_ptr(), data.cast::<u8>(), bytes.len());
        }
        status
    }
}

/// What an ArrayBuffer's finalizer is given: its share of the region's [`Bequest`], and the
/// bytes taken out of V8's count of external memory, if any (see `accounting.rs`).
struct Finalizer {
    /// Dropped with the finalizer: the last share unmaps a bequeathed region.
    _heir: Heir,
    hidden: Option<usize>,
}

unsafe extern "C" fn finalize_view(
    env: sys::napi_env,
    _data: *mut std::ffi::c_void,
    hint: *mut std::ffi::c_void,
) {
    // SAFETY: `hint` is the Box leaked in `create` for this buffer; V8 calls this once.
    let finalizer = unsafe { Box::from_raw(hint.cast::<Finalizer>()) };
    if let Some(size) = finalizer.hidden {
        accounting::restore(env, size);
    }
    // Dropping it drops this buffer's share of the region, which unmaps a bequeathed region
    // once no other view shares it.
    drop(finalizer);
}

fn check(status: sys::napi_status, message: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(Status::GenericFailure, message.to_owned()))
    }
}
