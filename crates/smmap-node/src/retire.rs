//! What the binding does with a region the core lets go of: detach its JavaScript view, so
//! every Buffer over it becomes empty, then unmap it, and leave its id in the mailbox for the
//! facade. The core calls this at the moment it retires a region, so by the time a core call
//! returns (or retries a refused mapping) everything it let go of is really unmapped.

use std::collections::HashMap;

use smmap_core::{Region, RegionId, Retire};

use crate::flags::TruncationFlags;
use crate::mailbox::Mailbox;
use crate::view::RegionView;

pub struct Retirement {
    /// One view per region JavaScript has seen, removed exactly when the region retires.
    pub views: HashMap<RegionId, RegionView>,
    pub mailbox: Mailbox,
    /// Retired ids that did not fit in the mailbox, until the facade asks (`takeRetired`).
    pub overflow: Vec<f64>,
    /// Set while the manager object itself is being garbage-collected: detaching is not
    /// allowed then, so each viewed region goes to its view's finalizer instead.
    pub finalizing: bool,
}

impl Retire for Retirement {
    fn retire(&mut self, id: RegionId, region: Region) {
        match self.views.remove(&id) {
            Some(view) if self.finalizing => {
                TruncationFlags::forget(&region);
                view.bequeath(region);
            }
            Some(view) => {
                view.detach();
                drop(region);
            }
            None => drop(region),
        }
        if !self.finalizing && !self.mailbox.push_retired(id as f64) {
            self.overflow.push(id as f64);
        }
    }
}
