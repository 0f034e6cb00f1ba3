// smmap: sliding memory-mapped windows over files larger than memory, exported flat.
export { ALLOCATIONGRANULARITY, alignToMmap, is64Bit, MapWindow, MapRegion } from './lib/util'
export { MapRegionList } from './lib/region-list'
export { StaticWindowMapManager, SlidingWindowMapManager } from './lib/manager'
export { WindowCursor } from './lib/cursor'
export { SlidingWindowMapBuffer } from './lib/buf'
export type { Advice, ManagerOptions, ManagerStats } from './lib/options'
export type { PathOrFd } from './lib/errors'
