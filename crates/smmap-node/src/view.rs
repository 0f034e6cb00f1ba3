//! The one JavaScript `ArrayBuffer` each mapped region gets, and the rule that keeps it safe:
//! a region's memory is never unmapped while V8 can still reach a view of it. When the manager
//! lets the region go, the region is handed to the ArrayBuffer's finalizer (`bequeath`) and
//! unmapped when V8 collects the buffer, after the last Buffer over it, and after any native
//! consumer (zlib, `fs.write`, a transferred ArrayBuffer) that holds it, since those keep the
//! ArrayBuffer alive too. Detaching instead would feed such consumers an empty or freed range;
//! only a view the facade never handed out, or a forced removal, is emptied (`detach`), and
//! only buffers made here are ever detached: detaching anything else (Node's pooled Buffers,
//! say) would corrupt unrelated data.
//!
//! Views are created lazily, once per region, and held by a strong reference while the
//! manager keeps the region, so they can be found again.

use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use napi::{sys, Env, Status};
use smmap_core::Region;

use crate::accounting;

/// Where a region goes when its owner lets it go while a view may still reach it: the
/// ArrayBuffer's finalizer drops it, so it is unmapped only once no view can, and takes its
/// size off the owner's count of retained bytes; `None` from then on.
pub type Heir = Arc<Mutex<Option<(Region, Retained)>>>;

/// Bytes of regions let go of that views still keep mapped (a manager's `retainedBytes`).
pub type Retained = Arc<AtomicU64>;

/// A strong reference to the external ArrayBuffer over one region's bytes.
pub struct RegionView {
    env: sys::napi_env,
    reference: sys::napi_ref,
    heir: Heir,
    /// Whether the facade has handed a Buffer over it to its caller. Until then only the
    /// facade's own synchronous reads touched it, so it can be detached and unmapped at once.
    pub exposed: bool,
}

impl RegionView {
    /// Creates the ArrayBuffer over `region`'s mapped bytes (zero copy). Where the runtime
    /// refuses external buffers (Electron's V8 sandbox) the bytes are copied instead.
    pub fn create(env: &Env, region: &mut Region) -> napi::Result<Self> {
        let heir: Heir = Arc::new(Mutex::new(None));
        let size = region.size() as usize;
        let hidden = accounting::may_hide(env.raw()).then_some(size);
        let hint = Box::into_raw(Box::new(Finalizer {
            heir: heir.clone(),
            hidden,
        }));
        let mut value = ptr::null_mut();
        // SAFETY: the pointer and length describe the region's live mapping, which outlives the
        // ArrayBuffer's access to it: `detach` runs before the region is dropped, and if the
        // region outlives its manager it is handed to the `heir` the finalizer owns. `hint` is
        // a leaked Box that `finalize_view` takes back exactly once.
        let mut status = unsafe {
            sys::napi_create_external_arraybuffer(
                env.raw(),
                region.as_mut_ptr().cast(),
                region.size() as usize,
                Some(finalize_view),
                hint.cast(),
                &mut value,
            )
        };
        if status == sys::Status::napi_no_external_buffers_allowed {
            // SAFETY: the finalizer will never run for a buffer that was not created.
            drop(unsafe { Box::from_raw(hint) });
            status = copy_into_new_buffer(env, region, &mut value);
        } else if let (sys::Status::napi_ok, Some(size)) = (status, hidden) {
            // Only now: V8 counts the buffer as it creates it, and the count must never go
            // below zero.
            accounting::hide(env.raw(), size);
        }
        check(status, "could not create the region's ArrayBuffer")?;
        let mut reference = ptr::null_mut();
        // SAFETY: `value` was just created in this environment.
        check(
            unsafe { sys::napi_create_reference(env.raw(), value, 1, &mut reference) },
            "could not reference the region's ArrayBuffer",
        )?;
        Ok(Self {
            env: env.raw(),
            reference,
            heir,
            exposed: false,
        })
    }

    /// The ArrayBuffer, for the facade to wrap in Buffer views.
    pub fn value(&self) -> napi::Result<sys::napi_value> {
        let mut value = ptr::null_mut();
        // SAFETY: the reference is strong and alive until `detach`/`bequeath` consume `self`.
        check(
            unsafe { sys::napi_get_reference_value(self.env, self.reference, &mut value) },
            "the region's ArrayBuffer is gone",
        )?;
        Ok(value)
    }

    /// Empties every view of the region so it can be unmapped at once: for a view never
    /// exposed, or a forced removal. Call it before dropping the region, from a call that runs
    /// JavaScript-side (never from a finalizer).
    pub fn detach(self) {
        if let Ok(value) = self.value() {
            // SAFETY: `value` is the external ArrayBuffer created in `create`, which only this
            // module can name; V8 allows detaching it.
            unsafe { sys::napi_detach_arraybuffer(self.env, value) };
        }
        // SAFETY: the reference was created in `create` and is deleted exactly once, here.
        unsafe { sys::napi_delete_reference(self.env, self.reference) };
    }

    /// Hands `region` to the ArrayBuffer's finalizer, which unmaps it when no view can reach
    /// it, and returns where it waits, so its pages can be given back meanwhile (see
    /// `release.rs`). `retained` counts its bytes until then.
    pub fn bequeath(self, region: Region, retained: Retained) -> Heir {
        retained.fetch_add(region.size(), Ordering::Relaxed);
        if let Ok(mut heir) = self.heir.lock() {
            *heir = Some((region, retained));
        }
        // SAFETY: as in `detach`; deleting a reference is allowed during finalization.
        unsafe { sys::napi_delete_reference(self.env, self.reference) };
        self.heir
    }
}

fn copy_into_new_buffer(
    env: &Env,
    region: &Region,
    value: &mut sys::napi_value,
) -> sys::napi_status {
    let mut data = ptr::null_mut();
    let bytes = region.as_slice();
    // SAFETY: napi_create_arraybuffer returns `data` pointing at `bytes.len()` writable bytes.
    unsafe {
        let status = sys::napi_create_arraybuffer(env.raw(), bytes.len(), &mut data, value);
        if status == sys::Status::napi_ok && !bytes.is_empty() {
            ptr::copy_nonoverlapping(bytes.as_ptr(), data.cast::<u8>(), bytes.len());
        }
        status
    }
}

/// What the ArrayBuffer's finalizer is given: where a bequeathed region waits, and the bytes
/// taken out of V8's count of external memory, if any (see `accounting.rs`).
struct Finalizer {
    heir: Heir,
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
    // Dropping the bequeathed region, if any, unmaps it now that no view remains.
    let bequeathed = finalizer.heir.lock().ok().and_then(|mut slot| slot.take());
    if let Some((region, retained)) = bequeathed {
        retained.fetch_sub(region.size(), Ordering::Relaxed);
        drop(region);
    }
}

fn check(status: sys::napi_status, message: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(Status::GenericFailure, message.to_owned()))
    }
}
