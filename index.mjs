// ESM entry. It adds no code of its own: it loads the CommonJS build (dist/index.js) and
// re-exports its names, so `import` and `require` hand out the very same classes and the same
// native manager state (no dual-package hazard: `instanceof` and shared caches work across
// both). scripts/pack-check.mjs fails if a name of dist/index.js is missing here.
import smmap from './dist/index.js'

export const {
  ALLOCATIONGRANULARITY,
  alignToMmap,
  is64Bit,
  MapWindow,
  MapRegion,
  MapRegionList,
  StaticWindowMapManager,
  SlidingWindowMapManager,
  WindowCursor,
  SlidingWindowMapBuffer,
} = smmap

export default smmap
