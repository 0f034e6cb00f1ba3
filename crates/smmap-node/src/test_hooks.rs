//! Native methods only the tests use, to check the manager's books after every step of the
//! stress test. Built with the `test-hooks` feature only, so no shipped binary (nor its
//! generated types) has them.

use napi_derive::napi;
use smmap_core::{FileId, RegionId};

use crate::manager::NativeManager;
use crate::numbers::to_js;

#[napi]
impl NativeManager {
    /// Every file the manager knows, as `"<id>\t<path>"`, or `"<id>\tfd:<fd>"` for an fd key.
    #[napi]
    pub fn file_entries(&self) -> Vec<String> {
        self.core
            .files()
            .into_iter()
            .map(|(id, key)| match key {
                smmap_core::FileKey::Path(path) => format!("{id}\t{}", path.display()),
                smmap_core::FileKey::Fd(fd) => format!("{id}\tfd:{fd}"),
            })
            .collect()
    }

    /// How many files the manager knows now.
    #[napi]
    pub fn num_files(&self) -> u32 {
        self.core.num_files() as u32
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

    /// Ids of every region the manager counts, listed or not (see the core's `region_ids`).
    #[napi]
    pub fn region_ids(&self) -> Vec<f64> {
        self.core
            .region_ids()
            .into_iter()
            .map(|id| id as f64)
            .collect()
    }

    /// `[id, ofsBegin, size, clientCount]` of every region of `file`, in offset order, in one
    /// flat array.
    #[napi]
    pub fn region_table(&self, file: u32) -> Vec<f64> {
        let ids: Vec<RegionId> = self.core.regions_of(file as FileId);
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
}
