// smmap: sliding memory-mapped windows over files larger than memory.
// The documented classes, exported flat as in ../shared/API.md §1.
export { ALLOCATIONGRANULARITY, alignToMmap, is64Bit, MapWindow, MapRegion, MapRegionList } from './lib/util'
export { StaticWindowMapManager, SlidingWindowMapManager, WindowCursor } from './lib/mman'
export { SlidingWindowMapBuffer } from './lib/buf'
export type { Advice, ManagerOptions, ManagerStats } from './lib/mman'
export type { PathOrFd } from './lib/errors'
