//! What the binding does with a region the core lets go of. Without a JavaScript view, or
//! with one the facade never handed out, it is unmapped at once (its view emptied first).
//! Once a Buffer over it was handed out, that Buffer (and native code holding it) may still
//! read it, so the region goes to the view's finalizer, which unmaps it when V8 collects the
//! last view (see `view.rs`), and its pages are given back meanwhile (see `release.rs`); only a
//! forced removal empties such views and unmaps at once, and so does every removal on Windows,
//! where a live mapping would keep the user from deleting or rewriting the file. Either way its
//! id goes into the mailbox, so the facade stops using it. The core calls this at the moment it
//! retires a region, so by the time a core call returns (or retries a refused mapping) every
//! region no view reaches is really unmapped.

use std::collections::HashMap;

use smmap_core::{Region, RegionId, Retire, MAPPINGS_MAY_OUTLIVE_USE};

use crate::flags::TruncationFlags;
use crate::mailbox::Mailbox;
use crate::release::{PageRelease, PassedBehind};
use crate::view::{RegionView, Retained};

pub struct Retirement {
    /// One view per region JavaScript has seen, removed exactly when the region retires.
    pub views: HashMap<RegionId, RegionView>,
    pub mailbox: Mailbox,
    /// Retired ids that did not fit in the mailbox, until the facade asks (`takeRetired`).
    pub overflow: Vec<f64>,
    /// Set while the manager object itself is being garbage-collected: detaching is not
    /// allowed then, so even a forced removal leaves viewed regions to their finalizers.
    pub finalizing: bool,
    /// Bytes of let-go regions that views still keep mapped.
    pub retained: Retained,
    /// Let-go regions whose pages are yet to be given back.
    pub release: PageRelease,
    /// Regions a pass moved past whose pages are yet to be given back.
    pub passed: PassedBehind,
}

impl Retirement {
    /// Marks the view of `id` exposed: the facade handed a Buffer over its region.
    pub fn expose(&mut self, id: RegionId) {
        mark_exposed(&mut self.views, id);
    }

    /// Applies the exposures the facade left in the mailbox since the last call. Every
    /// decision on how a region goes reads `exposed`, so each is preceded by this.
    fn take_exposures(&mut self) {
        for id in self.mailbox.take_exposed() {
            mark_exposed(&mut self.views, id as RegionId);
        }
    }
}

fn mark_exposed(views: &mut HashMap<RegionId, RegionView>, id: RegionId) {
    if let Some(view) = views.get_mut(&id) {
        view.exposed = true;
    }
}

impl Retire for Retirement {
    fn retire(&mut self, id: RegionId, region: Region, forced: bool) {
        self.take_exposures();
        match self.views.remove(&id) {
            Some(view)
                if (forced || !view.exposed || !MAPPINGS_MAY_OUTLIVE_USE) && !self.finalizing =>
            {
                view.detach();
                drop(region);
            }
            Some(view) => {
                // The manager's flag bytes may go before the view does.
                TruncationFlags::forget(&region);
                let size = region.size();
                let heir = view.bequeath(region, self.retained.clone());
                self.release.add(heir, size);
            }
            None => drop(region),
        }
        if !self.finalizing && !self.mailbox.push_retired(id as f64) {
            self.overflow.push(id as f64);
        }
    }
}
