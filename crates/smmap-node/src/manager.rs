//! `NativeManager`: the core `Manager`, with a retirement policy that detaches a region's
//! JavaScript view before unmapping it (`retire.rs`), and the arrays it shares with the facade.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::Ordering;

use napi::bindgen_prelude::Either;
use napi::{sys, Env};
use napi_derive::napi;
use smmap_core::{Config, Error, Exhausted, Exhaustion, FileId, Manager, Region, RegionId};

use crate::errors::{throw, throw_with};
use crate::flags::TruncationFlags;
use crate::mailbox::Mailbox;
use crate::numbers::{to_js, to_u64};
use crate::options::ManagerOptions;
use crate::release::{PageRelease, PassedBehind};
use crate::retire::Retirement;
use crate::view::{RegionView, VIEW_PANE};

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
    pub retained_bytes: f64,
}

#[napi]
pub struct NativeManager {
    pub(crate) core: Manager<Retirement>,
    /// Declared last: dropped after every region that could write to it.
    flags: TruncationFlags,
}

#[napi]
impl NativeManager {
    /// smmap's sliding (`sliding`) or static manager with `options` (defaults are the core's).
    #[napi(constructor)]
    pub fn new(env: Env, sliding: bool, options: Option<ManagerOptions>) -> napi::Result<Self> {
        let options = options.unwrap_or_default();
        let config = Config::new(sliding, &(&options).into());
        let retirement = Retirement {
            views: HashMap::new(),
            mailbox: Mailbox::create(&env)?,
            overflow: Vec::new(),
            finalizing: false,
            retained: Default::default(),
            release: PageRelease::new(config.max_memory_size),
            passed: PassedBehind::new(config.max_memory_size),
        };
        Ok(Self {
            core: Manager::with_retire(config, retirement),
            flags: TruncationFlags::default(),
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

    /// Reads up to `length` bytes at file offset `position` of `file` into the Uint8Array
    /// `target` at `offset`, without mapping them (see `Manager::read_at`); returns how many.
    #[napi(
        ts_args_type = "file: number, target: Uint8Array, offset: number, length: number, position: number"
    )]
    pub fn read_at(
        &mut self,
        env: Env,
        file: u32,
        target: napi::bindgen_prelude::Unknown,
        offset: u32,
        length: u32,
        position: f64,
    ) -> napi::Result<u32> {
        let bytes = crate::bytes::uint8_array(&env, &target)?;
        let start = (offset as usize).min(bytes.len());
        let end = start.saturating_add(length as usize).min(bytes.len());
        self.core
            .read_at(file as FileId, &mut bytes[start..end], to_u64(position))
            .map(|read| read as u32)
            .map_err(|e| throw(&env, e))
    }

    /// The file's size read now, not the one remembered.
    #[napi]
    pub fn current_file_size(&mut self, env: Env, file: u32) -> napi::Result<f64> {
        self.core
            .current_file_size(file as FileId)
            .map(to_js)
            .map_err(|e| throw(&env, e))
    }

    /// A copied cursor reads `file` too.
    #[napi]
    pub fn retain_file(&mut self, file: u32) {
        self.core.retain_file(file as FileId);
    }

    /// A cursor of `file` was garbage-collected (see `Manager::forget_file`).
    #[napi]
    pub fn forget_file(&mut self, file: u32) {
        self.core.forget_file(file as FileId);
    }

    #[napi]
    pub fn file_size(&mut self, env: Env, file: u32) -> napi::Result<f64> {
        self.core
            .file_size(file as FileId)
            .map(to_js)
            .map_err(|e| throw(&env, e))
    }

    /// The cursor's miss path, in one call: lets go of `previous` (if not -1), on a cursor's
    /// first move (`fresh`) resolves its key to the file there now (the id is left in the
    /// mailbox), then obtains the region that holds `offset`. Returns -1 when `offset` is past
    /// the end of the file, the region's id when the facade already knows the region or when
    /// it is new and larger than a pane (the facade then asks for its bounds, and for its
    /// ArrayBuffers only as it needs them), and otherwise the new region's ArrayBuffer itself,
    /// with the id and bounds left in the mailbox.
    #[napi(ts_return_type = "number | ArrayBuffer")]
    #[allow(clippy::too_many_arguments)] // one call per miss is the point
    pub fn use_region(
        &mut self,
        env: Env,
        file: u32,
        fresh: bool,
        previous: f64,
        offset: f64,
        size: f64,
        flags: i32,
    ) -> napi::Result<sys::napi_value> {
        if previous >= 0.0 {
            self.core
                .unuse_region(previous as RegionId)
                .map_err(|e| throw(&env, e))?;
        }
        let mut file = file as FileId;
        if fresh {
            file = self.core.start(file).map_err(|e| throw(&env, e))?;
            self.core
                .retirement()
                .mailbox
                .announce_file(f64::from(file));
        }
        let found = self
            .core
            .use_region(file, to_u64(offset), to_u64(size), flags);
        match found {
            Ok(Some(id)) if !self.core.retirement().views.contains_key(&id) => {
                let (mapped, view) = self.adopted(&env, id)?;
                if mapped.size() > u64::from(VIEW_PANE) {
                    return js_number(&env, id as f64);
                }
                let buffer = view.whole(mapped)?;
                let bounds = self.bounds(id).expect("the region was just obtained");
                self.core
                    .retirement()
                    .mailbox
                    .announce_region(id as f64, bounds);
                Ok(buffer)
            }
            Ok(Some(id)) => js_number(&env, id as f64),
            Ok(None) => js_number(&env, -1.0),
            Err(e) => {
                let more = self.retained_hint(&e);
                Err(throw_with(&env, e, more))
            }
        }
    }

    /// For a mapping the OS refused while windows this manager let go of are still mapped for
    /// Buffers it handed out: those are the likely cause, and only the event loop frees them.
    fn retained_hint(&mut self, err: &Error) -> Option<String> {
        if err.exhausted() != Some(Exhausted::Os(Exhaustion::Mappings)) {
            return None;
        }
        let retained = self.core.retirement().retained.load(Ordering::Relaxed);
        (retained > 0).then(|| {
            format!(
                "{:.1} MiB of windows this manager let go of are still mapped for Buffers it \
                 handed out, and Node unmaps them only when the event loop turns: let a long \
                 synchronous loop yield (await) now and then, or read through a \
                 SlidingWindowMapBuffer's methods, which hand out no Buffers",
                retained as f64 / 1048576.0
            )
        })
    }

    /// The mailbox shared with the facade (see `mailbox.rs`).
    #[napi(ts_return_type = "ArrayBuffer")]
    pub fn mailbox(&mut self) -> napi::Result<sys::napi_value> {
        self.core.retirement().mailbox.value()
    }

    #[napi]
    pub fn unuse_region(&mut self, env: Env, region: f64) -> napi::Result<()> {
        self.core
            .unuse_region(region as RegionId)
            .map_err(|e| throw(&env, e))
    }

    /// `[ofsBegin, size, slot]` of a mapped region (slot: its guard slot, whose byte is in
    /// `truncationFlags(slot / GUARD_CHUNK_SLOTS)`, or -1 if unguarded), or `null` once it is
    /// unmapped.
    #[napi]
    pub fn region_bounds(&self, region: f64) -> Option<Vec<f64>> {
        self.bounds(region as RegionId).map(Vec::from)
    }

    /// One byte per guard slot of chunk `chunk`, set to 1 when the region in that slot was
    /// found truncated.
    #[napi(ts_return_type = "ArrayBuffer")]
    pub fn truncation_flags(&mut self, env: Env, chunk: u32) -> napi::Result<sys::napi_value> {
        self.flags.value(&env, chunk as usize)
    }

    /// The ArrayBuffer over all of the region (created on first request, then the same object
    /// every time). For a region larger than a pane, V8 collects as it is created.
    #[napi(ts_return_type = "ArrayBuffer")]
    pub fn region_buffer(&mut self, env: Env, region: f64) -> napi::Result<sys::napi_value> {
        let (mapped, view) = self.adopted(&env, region as RegionId)?;
        view.whole(mapped)
    }

    /// The ArrayBuffer over pane `index` of the region: its bytes from `index * VIEW_PANE`, at
    /// most `VIEW_PANE` of them (created on first request, then the same object every time).
    #[napi(ts_return_type = "ArrayBuffer")]
    pub fn region_pane(
        &mut self,
        env: Env,
        region: f64,
        index: u32,
    ) -> napi::Result<sys::napi_value> {
        let (mapped, view) = self.adopted(&env, region as RegionId)?;
        view.pane(mapped, index as usize)
    }

    /// Prepares a region the facade takes on without an ArrayBuffer yet (one over a pane).
    #[napi]
    pub fn adopt_region(&mut self, env: Env, region: f64) -> napi::Result<()> {
        self.adopted(&env, region as RegionId).map(drop)
    }

    /// Region `id` with the facade's side of it, made if need be: its view (with no
    /// ArrayBuffer yet), and its guard pointed at its truncation flag.
    fn adopted(&mut self, env: &Env, id: RegionId) -> napi::Result<(&mut Region, &mut RegionView)> {
        let Some((mapped, retirement)) = self.core.region_mut(id) else {
            return Err(throw(env, smmap_core::Error::UnknownRegion(id)));
        };
        let view = match retirement.views.entry(id) {
            Entry::Occupied(slot) => slot.into_mut(),
            Entry::Vacant(slot) => {
                self.flags.watch(env, mapped)?;
                slot.insert(RegionView::new(env))
            }
        };
        Ok((mapped, view))
    }

    /// The facade handed a Buffer over `region` to its caller: from now on the region stays
    /// mapped while that Buffer can reach it, whatever the manager does. The facade leaves
    /// the id in the mailbox instead while there is room (see `mailbox.rs`).
    #[napi]
    pub fn expose(&mut self, region: f64) {
        self.core.retirement().expose(region as RegionId);
    }

    /// A sequential pass moved past `region`: its clean pages go back if no cursor uses it by
    /// then, with those of the other windows passed once they add up to the batch's bound
    /// (see `release.rs`). False for a region unknown.
    #[napi]
    pub fn release_pages(&mut self, region: f64) -> bool {
        let id = region as RegionId;
        let Some(size) = self.core.region(id).map(|r| r.size()) else {
            return false;
        };
        if let Some(batch) = self.core.retirement().passed.add(id, size) {
            self.core.release_pages_of(&batch);
        }
        true
    }

    #[napi]
    pub fn client_count(&self, region: f64) -> f64 {
        self.core
            .region(region as RegionId)
            .map_or(0.0, |r| r.client_count() as f64)
    }

    #[napi]
    pub fn increment_client_count(&mut self, env: Env, region: f64, by: f64) -> napi::Result<bool> {
        self.core
            .increment_client_count(region as RegionId, by as i64)
            .map_err(|e| throw(&env, e))
    }

    #[napi]
    pub fn release_region(&mut self, env: Env, region: f64) -> napi::Result<bool> {
        self.core
            .release_region(region as RegionId)
            .map_err(|e| throw(&env, e))
    }

    #[napi]
    pub fn collect(&mut self) -> u32 {
        // Unused windows go now, passed ones with them; one in use again keeps its pages.
        self.core.retirement().passed.take();
        let collected = self.core.collect() as u32;
        self.core.retirement().release.flush();
        collected
    }

    #[napi]
    pub fn force_map_handle_removal_win(&mut self, base_path: String) -> u32 {
        self.core
            .force_map_handle_removal_win(Path::new(&base_path)) as u32
    }

    #[napi]
    pub fn close(&mut self) {
        // Every window goes now.
        self.core.retirement().passed.take();
        self.core.close();
        self.core.retirement().release.flush();
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
    pub fn stats(&mut self) -> NativeStats {
        let retained = self.core.retirement().retained.load(Ordering::Relaxed);
        let s = self.core.stats();
        NativeStats {
            hits: to_js(s.hits),
            misses: to_js(s.misses),
            evictions: to_js(s.evictions),
            regions: to_js(s.regions),
            open_files: to_js(s.open_files),
            mapped_bytes: to_js(s.mapped_bytes),
            peak_mapped_bytes: to_js(s.peak_mapped_bytes),
            retained_bytes: to_js(retained),
        }
    }

    /// Ids unmapped that did not fit in the mailbox.
    #[napi]
    pub fn take_retired(&mut self) -> Vec<f64> {
        let retirement = self.core.retirement();
        retirement.mailbox.clear_overflow();
        std::mem::take(&mut retirement.overflow)
    }

    fn bounds(&self, region: RegionId) -> Option<[f64; 3]> {
        let region = self.core.region(region)?;
        let slot = region.guard().map_or(-1.0, |guard| guard.slot() as f64);
        Some([to_js(region.ofs_begin()), to_js(region.size()), slot])
    }
}

impl Drop for NativeManager {
    /// Garbage collection of a manager that was never closed: detaching is not allowed here,
    /// so each region that has a view is handed to that view's finalizer instead of being
    /// unmapped under it.
    fn drop(&mut self) {
        self.core.retirement().finalizing = true;
        self.core.close();
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
