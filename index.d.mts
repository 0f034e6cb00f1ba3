// Types of the ESM entry (index.mjs): the CommonJS declarations re-exported, as index.mjs
// re-exports the CommonJS module itself.
import * as smmap from './dist/index.js'

export * from './dist/index.js'
export default smmap
