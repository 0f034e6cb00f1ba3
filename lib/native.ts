// The generated napi-rs loader (`napi build --platform` writes binding.js/binding.d.ts beside
// the compiled facade in dist/). Kept behind this module so the facade names one place for
// native calls, and so the native side's error factory is registered before any call.
import binding = require('../binding')
import { nativeError } from './errors'

// Functions the binding registers as plain N-API callbacks (crates/smmap-node/src/plain_call.rs)
// rather than through `#[napi]`, so napi-rs generates no types for them.
declare module '../binding' {
  /**
   * Reads up to `length` bytes at file offset `position` through `handle` into `target` at
   * `offset`: how many (0 at or past the end), or -1 once the manager has closed the
   * descriptor (ask it for a handle again).
   */
  export function readThrough(handle: ExternalObject<'ReadHandle'>, target: Uint8Array, offset: number, length: number, position: number): number
}

binding.setErrorFactory(nativeError)

export = binding
