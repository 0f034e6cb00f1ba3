//! `NativeRegion`: a region mapped on its own (`new MapRegion(...)`), outside any manager.

use napi::bindgen_prelude::Either;
use napi::{sys, Env};
use napi_derive::napi;
use smmap_core::{Region, MAPPINGS_MAY_OUTLIVE_USE};

use crate::errors::throw;
use crate::numbers::{to_js, to_u64};
use crate::release::release_now;
use crate::view::{RegionView, Retained};

#[napi]
pub struct NativeRegion {
    /// `None` once released.
    mapped: Option<Region>,
    view: Option<RegionView>,
    ofs: u64,
    size: u64,
    /// The count a released region reports (smmap keeps the last value).
    last_count: i64,
}

#[napi]
impl NativeRegion {
    #[napi(constructor)]
    pub fn new(
        env: Env,
        path_or_fd: Either<String, u32>,
        ofs: f64,
        size: f64,
        flags: i32,
    ) -> napi::Result<Self> {
        let key = crate::file_key(&env, path_or_fd)?;
        let region =
            Region::map(&key, to_u64(ofs), to_u64(size), flags).map_err(|e| throw(&env, e))?;
        Ok(Self {
            ofs: region.ofs_begin(),
            size: region.size(),
            last_count: region.client_count(),
            mapped: Some(region),
            view: None,
        })
    }

    #[napi]
    pub fn ofs_begin(&self) -> f64 {
        to_js(self.ofs)
    }

    #[napi]
    pub fn size(&self) -> f64 {
        to_js(self.size)
    }

    #[napi]
    pub fn client_count(&self) -> f64 {
        self.mapped
            .as_ref()
            .map_or(self.last_count, Region::client_count) as f64
    }

    /// The region's ArrayBuffer, or `null` once released.
    #[napi(ts_return_type = "ArrayBuffer | null")]
    pub fn buffer(&mut self, env: Env) -> napi::Result<Option<sys::napi_value>> {
        let Some(region) = self.mapped.as_mut() else {
            return Ok(None);
        };
        self.view
            .get_or_insert_with(|| RegionView::new(&env))
            .whole(region)
            .map(Some)
    }

    /// Adds `by` to the client count; at 0 the region is released and `true` returned.
    #[napi]
    pub fn increment_client_count(&mut self, env: Env, by: f64) -> napi::Result<bool> {
        let Some(region) = self.mapped.as_mut() else {
            return Err(throw(
                &env,
                smmap_core::Error::ClientCount(format!(
                    "region at {} is already released",
                    self.ofs
                )),
            ));
        };
        let reached_zero = region
            .increment_client_count(by as i64)
            .map_err(|e| throw(&env, e))?;
        self.last_count = region.client_count();
        if reached_zero {
            self.release();
        }
        Ok(reached_zero)
    }

    /// The facade handed a Buffer over the region to its caller (see `NativeManager.expose`).
    #[napi]
    pub fn expose(&mut self) {
        if let Some(view) = self.view.as_mut() {
            view.exposed = true;
        }
    }

    /// Lets the mapping go: unmapped now if no Buffer over it was handed out (its view
    /// emptied), else when the last one is collected (see `view.rs`). On Windows always now,
    /// since a live mapping would keep the user from deleting or rewriting the file. Idempotent.
    #[napi]
    pub fn release(&mut self) {
        let (view, region) = (self.view.take(), self.mapped.take());
        match (view, region) {
            (Some(view), Some(region)) if view.exposed && MAPPINGS_MAY_OUTLIVE_USE => {
                release_now(&view.bequeath(region, Retained::default()));
            }
            (Some(view), region) => {
                view.detach();
                drop(region);
            }
            (None, region) => drop(region),
        }
    }
}

impl Drop for NativeRegion {
    /// Collected without `release()`: detaching is not allowed here and a Buffer over it may
    /// still be reachable, so the mapping goes to the view's finalizer.
    fn drop(&mut self) {
        if let (Some(view), Some(region)) = (self.view.take(), self.mapped.take()) {
            release_now(&view.bequeath(region, Retained::default()));
        }
    }
}
