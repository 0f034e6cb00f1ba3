//! Which unused region goes first: the one let go of longest ago (true LRU; smmap took the
//! first one it found).
//!
//! A min-heap of `(stamp, id)` entries makes a miss with many regions O(log n) instead of a
//! scan of every region. Entries are pushed whenever a region becomes unused and never updated
//! in place: one whose region has gone, is used again or was stamped anew since is stale and
//! skipped when it reaches the top. The heap is rebuilt when stale entries outnumber live
//! regions, so it stays O(n) in size.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::ids::RegionId;
use crate::table::RegionTable;

#[derive(Default)]
pub(crate) struct EvictionQueue(BinaryHeap<Reverse<(u64, RegionId)>>);

impl EvictionQueue {
    /// Records that `id` may have become unused (admitted, or let go down to the table's
    /// hold), as a candidate stamped with its last use.
    pub(crate) fn offer(&mut self, table: &RegionTable, id: RegionId) {
        let Some(stamp) = table.idle_since(id) else {
            return;
        };
        self.0.push(Reverse((stamp, id)));
        if self.0.len() as u64 > 2 * table.num_regions() + 64 {
            self.0 = table
                .idle()
                .map(|(id, stamp)| Reverse((stamp, id)))
                .collect();
        }
    }

    /// The unused region with the oldest stamp, taken off the queue.
    pub(crate) fn least_recently_used(&mut self, table: &RegionTable) -> Option<RegionId> {
        while let Some(Reverse((stamp, id))) = self.0.pop() {
            if table.idle_since(id) == Some(stamp) {
                return Some(id);
            }
        }
        None
    }
}
