// A manager's options: their types and the checks that run before anything native is made.
// Defaults are the Rust core's; this module only rejects what is not a valid setting.
import native = require('./native')
import { checkBoolean, checkSize, codedError, invalidType, outOfRange } from './errors'

/** How new regions are advised to the kernel (`madvise`). */
export type Advice = `${native.Advice}`

/** The advice names, as the native side defines them. */
const ADVICE: readonly string[] = native.adviceNames()

export interface ManagerOptions {
  /**
   * Bytes per window. Left out: sliding 1 GiB on 64-bit (64 MiB on 32-bit), static 0 (whole
   * files). Negative: smmap's 1 GiB (64 MiB) for either manager.
   */
  windowSize?: number
  /** Soft budget of mapped bytes; 0 picks the default (8 GiB on 64-bit, 1 GiB on 32-bit). */
  maxMemorySize?: number
  /** Hard limit on mapped regions; default `Infinity`. */
  maxOpenHandles?: number
  /** `madvise` applied to each new region; default `'normal'`. */
  advice?: Advice
  /** Prefault each new region; default false. */
  populate?: boolean
}

/**
 * Counters for tuning window and budget sizes, from `manager.stats()`.
 * @example
 * const { hits, misses, peakMappedBytes } = manager.stats()
 */
export interface ManagerStats {
  /** `useRegion` calls served by a region already mapped (including the cursor's own). */
  hits: number
  /** `useRegion` calls that mapped a new region. */
  misses: number
  /** Regions unmapped to stay within a budget (not those freed by `collect()`). */
  evictions: number
  /** Regions mapped now (as `numFileHandles()`). */
  regions: number
  /** Files with at least one mapped region (as `numOpenFiles()`). */
  openFiles: number
  /** Bytes mapped now (as `mappedMemorySize()`). */
  mappedBytes: number
  /** The most bytes mapped at once since the manager was made. */
  peakMappedBytes: number
  /**
   * Bytes of regions the manager has let go of that Buffers (or native code holding them)
   * still keep mapped; they are unmapped when those Buffers are garbage-collected.
   */
  retainedBytes: number
}

/** Checks `options` and returns them as the native manager takes them (fields left out stay out). @internal */
export function checkOptions(options: unknown): native.ManagerOptions {
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'of type object', options)
  const { windowSize, maxMemorySize, maxOpenHandles, advice, populate } = options as ManagerOptions
  if (windowSize !== undefined) {
    if (typeof windowSize !== 'number') throw invalidType('options.windowSize', 'of type number', windowSize)
    if (windowSize >= 0) checkSize('options.windowSize', windowSize)
    else if (!Number.isSafeInteger(windowSize) && windowSize !== -Infinity) throw outOfRange('options.windowSize', 'an integer', windowSize)
  }
  if (maxMemorySize !== undefined) checkSize('options.maxMemorySize', maxMemorySize)
  if (maxOpenHandles !== undefined) checkSize('options.maxOpenHandles', maxOpenHandles)
  if (advice !== undefined) {
    if (typeof advice !== 'string') throw invalidType('options.advice', 'of type string', advice)
    if (!ADVICE.includes(advice))
      throw codedError(
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        `The property 'options.advice' must be one of: ${ADVICE.map((a) => `'${a}'`).join(', ')}. Received '${advice}'`,
      )
  }
  if (populate !== undefined) checkBoolean('options.populate', populate)
  return { windowSize, maxMemorySize, maxOpenHandles, advice: advice as native.Advice | undefined, populate }
}
