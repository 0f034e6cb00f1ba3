//! `NativeManager`: the core `Manager` plus one `RegionView` per region that JavaScript has
//! seen. Every call that can unmap drains the core's retired regions, detaches their views and
//! only then drops them, so no Buffer ever points at unmapped memory.

use std::collections::HashMap;
use std::path::Path;

use napi::bindgen_prelude::Either;
use napi::{sys, Env};
use napi_derive::napi;
use smmap_core::{Advice, Config, FileId, Manager, RegionId};

use crate::errors::throw;
use crate::flags::TruncationFlags;
use crate::mailbox::Mailbox;
use crate::numbers::{to_js, to_u64};
use crate::view::RegionView;

/// `manager.stats()`: counters for tuning window and budget sizes.
#[napi(object)]
pub struct NativeStats {
    pub hits: f64,
    pub misses: f64,
    pub evictions: f64,
    pub regions: f64,
    pub open_files: f64,
    pub mapped_bytes: f64,
    pub peak_mapped_bytes: f64,
}

#[napi]
pub struct NativeManager {
    core: Manager,
    views: HashMap<RegionId, RegionView>,
    /// Retired ids that did not fit in the mailbox, until the facade asks (`takeRetired`).
    retired: Vec<f64>,
    mailbox: Mailbox,
    /// Declared last: dropped after every region that could write to it.
    flags: TruncationFlags,
}

#[napi]
impl NativeManager {
    /// `windowSize < 0` and `maxMemorySize == 0` pick smmap's defaults; the facade has
    /// validated every other value.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        sliding: bool,
        window_size: f64,
        max_memory_size: f64,
        max_open_handles: f64,
        advice: String,
        populate: bool,
    ) -> napi::Result<Self> {
        // smmap's defaults for a negative window size and a zero budget are the same for both
        // managers (1 GiB and 8 GiB on 64-bit); only the window a caller leaves out differs,
        // and the facade passes that explicitly.
        let defaults = Config::sliding_default();
        let config = Config {
            sliding,
            window_size: if window_size < 0.0 {
                defaults.window_size
            } else {
                to_u64(window_size)
            },
            max_memory_size: if max_memory_size == 0.0 {
                defaults.max_memory_size
            } else {
                to_u64(max_memory_size)
            },
            max_open_handles: to_u64(max_open_handles),
            advice: parse_advice(&advice)?,
            populate,
        };
        Ok(Self {
            core: Manager::new(config),
            views: HashMap::new(),
            retired: Vec::new(),
            mailbox: Mailbox::create(&env)?,
            flags: TruncationFlags::create(&env)?,
        })
    }

    #[napi]
    pub fn window_size(&self) -> f64 {
        to_js(self.core.config().window_size)
    }

    #[napi]
    pub fn max_mapped_memory_size(&self) -> f64 {
        to_js(self.core.config().max_memory_size)
    }

    #[napi]
    pub fn max_file_handles(&self) -> f64 {
        to_js(self.core.config().max_open_handles)
    }

    /// The file id for a path or fd (no I/O; the same key always gives the same id).
    #[napi]
    pub fn file(&mut self, env: Env, path_or_fd: Either<String, u32>) -> napi::Result<u32> {
        let key = crate::file_key(&env, path_or_fd)?;
        self.core.file(key).map_err(|e| throw(&env, e))
    }

    #[napi]
    pub fn file_size(&mut self, env: Env, file: u32) -> napi::Result<f64> {
        self.core
            .file_size(file as FileId)
            .map(to_js)
            .map_err(|e| throw(&env, e))
    }

    /// The cursor's miss path, in one call: lets go of `previous` (if not -1), then obtains the
    /// region that holds `offset`. Returns -1 when `offset` is past the end of the file, the
    /// region's id when the facade already has its ArrayBuffer, and otherwise the new
    /// ArrayBuffer itself, with the id and bounds left in the mailbox.
    #[napi(ts_return_type = "number | ArrayBuffer")]
    pub fn use_region(
        &mut self,
        env: Env,
        file: u32,
        previous: f64,
        offset: f64,
        size: f64,
        flags: i32,
    ) -> napi::Result<sys::napi_value> {
        let released = match previous >= 0.0 {
            true => self.core.unuse_region(previous as RegionId),
            false => Ok(()),
        };
        let result = released.and_then(|()| {
            self.core
                .use_region(file as FileId, to_u64(offset), to_u64(size), flags)
        });
        self.settle();
        match result {
            Ok(Some(id)) if !self.views.contains_key(&id) => {
                let buffer = self.region_buffer(env, id as f64)?;
                let bounds = self.bounds(id).expect("the region was just obtained");
                self.mailbox.announce_region(id as f64, bounds);
                Ok(buffer)
            }
            Ok(Some(id)) => js_number(&env, id as f64),
            Ok(None) => js_number(&env, -1.0),
            Err(e) => Err(throw(&env, e)),
        }
    }

    /// The mailbox shared with the facade (see `mailbox.rs`).
    #[napi(ts_return_type = "ArrayBuffer")]
    pub fn mailbox(&self) -> napi::Result<sys::napi_value> {
        self.mailbox.value()
    }

    #[napi]
    pub fn unuse_region(&mut self, env: Env, region: f64) -> napi::Result<()> {
        let result = self.core.unuse_region(region as RegionId);
        self.settle();
        result.map_err(|e| throw(&env, e))
    }

    /// `[ofsBegin, size, slot]` of a mapped region (slot: its byte in `truncationFlags()`,
    /// or -1 if unguarded), or `null` once it is unmapped.
    #[napi]
    pub fn region_bounds(&self, region: f64) -> Option<Vec<f64>> {
        self.bounds(region as RegionId).map(Vec::from)
    }

    /// One byte per guard slot, set to 1 when the region in that slot was found truncated.
    #[napi(ts_return_type = "ArrayBuffer")]
    pub fn truncation_flags(&self) -> napi::Result<sys::napi_value> {
        self.flags.value()
    }

    /// The region's ArrayBuffer (created on first request, then the same object every time).
    #[napi(ts_return_type = "ArrayBuffer")]
    pub fn region_buffer(&mut self, env: Env, region: f64) -> napi::Result<sys::napi_value> {
        let id = region as RegionId;
        if !self.views.contains_key(&id) {
            let Some(mapped) = self.core.region_mut(id) else {
                return Err(throw(&env, smmap_core::Error::UnknownRegion(id)));
            };
            let view = RegionView::create(&env, mapped)?;
            self.flags.watch(mapped);
            self.views.insert(id, view);
        }
        self.views[&id].value()
    }

    #[napi]
    pub fn client_count(&self, region: f64) -> f64 {
        self.core
            .region(region as RegionId)
            .map_or(0.0, |r| r.client_count() as f64)
    }

    #[napi]
    pub fn increment_client_count(&mut self, env: Env, region: f64, by: f64) -> napi::Result<bool> {
        let result = self
            .core
            .increment_client_count(region as RegionId, by as i64);
        self.settle();
        result.map_err(|e| throw(&env, e))
    }

    #[napi]
    pub fn release_region(&mut self, env: Env, region: f64) -> napi::Result<bool> {
        let result = self.core.release_region(region as RegionId);
        self.settle();
        result.map_err(|e| throw(&env, e))
    }

    /// Ids of a file's regions in ascending offset order.
    #[napi]
    pub fn regions_of(&self, file: u32) -> Vec<f64> {
        self.core
            .regions_of(file as FileId)
            .into_iter()
            .map(|id| id as f64)
            .collect()
    }

    /// `[id, ofsBegin, size, clientCount]` of every region of `file`, in offset order, in one
    /// flat array: lets the stress test check the whole bookkeeping after every step cheaply.
    #[napi]
    pub fn region_table(&self, file: u32) -> Vec<f64> {
        let ids = self.core.regions_of(file as FileId);
        let mut table = Vec::with_capacity(4 * ids.len());
        for id in ids {
            if let Some(region) = self.core.region(id) {
                table.extend([
                    id as f64,
                    to_js(region.ofs_begin()),
                    to_js(region.size()),
                    region.client_count() as f64,
                ]);
            }
        }
        table
    }

    #[napi]
    pub fn collect(&mut self) -> u32 {
        let freed = self.core.collect();
        self.settle();
        freed as u32
    }

    #[napi]
    pub fn force_map_handle_removal_win(&mut self, base_path: String) -> u32 {
        let released = self
            .core
            .force_map_handle_removal_win(Path::new(&base_path));
        self.settle();
        released as u32
    }

    #[napi]
    pub fn close(&mut self) {
        self.core.close();
        self.settle();
    }

    #[napi]
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    #[napi]
    pub fn num_file_handles(&self) -> f64 {
        to_js(self.core.num_file_handles())
    }

    #[napi]
    pub fn num_open_files(&self) -> f64 {
        to_js(self.core.num_open_files())
    }

    #[napi]
    pub fn mapped_memory_size(&self) -> f64 {
        to_js(self.core.mapped_memory_size())
    }

    #[napi]
    pub fn stats(&self) -> NativeStats {
        let s = self.core.stats();
        NativeStats {
            hits: to_js(s.hits),
            misses: to_js(s.misses),
            evictions: to_js(s.evictions),
            regions: to_js(s.regions),
            open_files: to_js(s.open_files),
            mapped_bytes: to_js(s.mapped_bytes),
            peak_mapped_bytes: to_js(s.peak_mapped_bytes),
        }
    }

    /// Ids unmapped that did not fit in the mailbox.
    #[napi]
    pub fn take_retired(&mut self) -> Vec<f64> {
        self.mailbox.clear_overflow();
        std::mem::take(&mut self.retired)
    }

    fn bounds(&self, region: RegionId) -> Option<[f64; 3]> {
        let region = self.core.region(region)?;
        let slot = region.guard().map_or(-1.0, |guard| guard.slot() as f64);
        Some([to_js(region.ofs_begin()), to_js(region.size()), slot])
    }

    /// Detaches the views of every region the core let go of, then unmaps them.
    fn settle(&mut self) {
        for (id, region) in self.core.take_retired() {
            if let Some(view) = self.views.remove(&id) {
                view.detach();
            }
            drop(region);
            if !self.mailbox.push_retired(id as f64) {
                self.retired.push(id as f64);
            }
        }
    }
}

impl Drop for NativeManager {
    /// Garbage collection of a manager that was never closed: detaching is not allowed here,
    /// so each region that has a view is handed to that view's finalizer instead of being
    /// unmapped under it.
    fn drop(&mut self) {
        self.core.close();
        for (id, region) in self.core.take_retired() {
            TruncationFlags::forget(&region);
            match self.views.remove(&id) {
                Some(view) => view.bequeath(region),
                None => drop(region),
            }
        }
    }
}

fn js_number(env: &Env, value: f64) -> napi::Result<sys::napi_value> {
    let mut out = std::ptr::null_mut();
    // SAFETY: `env` is the live environment of the current call and `out` a local slot.
    match unsafe { sys::napi_create_double(env.raw(), value, &mut out) } {
        sys::Status::napi_ok => Ok(out),
        _ => Err(napi::Error::from_reason("could not create a number")),
    }
}

fn parse_advice(advice: &str) -> napi::Result<Advice> {
    match advice {
        "normal" => Ok(Advice::Normal),
        "sequential" => Ok(Advice::Sequential),
        "random" => Ok(Advice::Random),
        "willneed" => Ok(Advice::WillNeed),
        other => Err(napi::Error::from_reason(format!(
            "unknown advice {other:?}"
        ))),
    }
}
