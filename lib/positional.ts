// A buffer's reads that do not go through a window: one pread on the descriptor the manager
// holds for the file, and the locality evidence that decides when mapping a window there pays
// instead. The buffer owns one of these; its hot path (a read its cursor's window holds) never
// comes here.
import native = require('./native')
import { smmapError } from './errors'
import type { WindowCursor } from './cursor'
import { type MapRegion, regionCovers } from './util'

/**
 * Two small reads this close together (bytes) are taken as locality: the second maps a window.
 * Parsers read a header and then its fields, well within this; random probes rarely are.
 */
const NEAR = 64 * 1024

/**
 * How many reads in a row must land near the previous one before a window is mapped there. One
 * is not enough: over a large file, random probes land near the last one often enough
 * (1 in 8,000 over 1 GiB) that mapping a 64 MiB window for each such pair, then faulting its
 * pages in and unmapping it, cost more than every pread together. A parser reading a header
 * and its fields makes the streak at once.
 */
const NEAR_STREAK = 2

/**
 * Copies of at most this many bytes that are not `NEAR` the access before are read from a
 * window only where the page cache holds their pages; elsewhere with one pread. A page fault
 * on a page the cache does not hold reads the neighbourhood in (1 MiB on Linux's defaults) to
 * serve 4 KiB: a cold random reader waited 10 times longer than `fs.readSync` (bench: cold4k).
 */
export const SMALL_COPY = 64 * 1024

export class PositionalReads {
  /** Where the last small read outside the cursor's window was (absolute). */
  #lastAside = -Infinity
  /** How many small reads in a row landed `NEAR` the one before. */
  #nearStreak = 0
  /**
   * The handle preads go through without a manager call: undefined until asked for, null
   * where the manager holds no descriptor for the file (an fd key: `readAt` serves).
   */
  #reader: native.ExternalObject<'ReadHandle'> | null | undefined = undefined

  /** The buffer begins or ends an access: the handle is asked for again on the next pread. */
  forgetHandle(): void {
    this.#reader = undefined
  }

  /** Records an access at `absolute`; whether it makes a streak of `NEAR` ones (locality). */
  near(absolute: number): boolean {
    this.#nearStreak = Math.abs(absolute - this.#lastAside) < NEAR ? this.#nearStreak + 1 : 0
    this.#lastAside = absolute
    return this.#nearStreak >= NEAR_STREAK
  }

  /**
   * Reads `count` bytes (at most `SMALL_COPY`) at absolute offset `absolute` with a pread if a
   * mapped window holds them whole but the page cache does not, and they are not part of a
   * streak of nearby accesses (those pay for the neighbourhood a fault reads in: they read it
   * next). Returns whether it did.
   */
  readCold(cursor: WindowCursor, target: Uint8Array, targetStart: number, absolute: number, count: number): boolean {
    if (this.near(absolute)) return false
    const region = regionCovers(cursor._region, absolute) ? cursor._region! : cursor._manager!._resident(cursor._file, absolute)
    if (region === null || absolute + count > region._ofs + region._size) return false
    if (inPageCache(region, absolute - region._ofs, count)) return false
    this.read(cursor, target, targetStart, absolute, count)
    return true
  }

  /**
   * Reads `count` bytes at absolute offset `absolute` into `target` at `targetStart` without
   * mapping them: one native pread on the descriptor the manager holds for the file the
   * cursor reads (the caller's fd for an fd key), so these bytes come from the same file as the
   * mapped ones, whatever happened to its path. Too few bytes means the file shrank.
   */
  read(cursor: WindowCursor, target: Uint8Array, targetStart: number, absolute: number, count: number): void {
    const manager = cursor._manager!
    // A pread needs no mapping, but a closed manager's buffers read nothing.
    if (manager._closed) throw smmapError('ERR_SMMAP_CLOSED')
    // One pread returns at most about 2 GiB on Linux, so large ranges take several.
    for (let done = 0; done < count; ) {
      const read = this.#pread(cursor, target, targetStart + done, count - done, absolute + done)
      if (read === 0) {
        throw smmapError('ERR_SMMAP_TRUNCATED', `offset ${absolute + done} is past its end, now ${manager._native.currentFileSize(cursor._file)} bytes`)
      }
      done += read
    }
  }

  /**
   * One pread of up to `count` bytes at absolute offset `absolute`: through the read handle
   * while the manager holds the file's descriptor (no manager call), else through the manager.
   */
  #pread(cursor: WindowCursor, target: Uint8Array, targetStart: number, count: number, absolute: number): number {
    const manager = cursor._manager!
    if (this.#reader === undefined) this.#reader = manager._native.readHandle(cursor._file)
    if (this.#reader !== null) {
      const read = native.readThrough(this.#reader, target, targetStart, count, absolute)
      if (read >= 0) return read
      // The descriptor went (the cursor's region was let go of): ask again next time.
      this.#reader = undefined
    }
    return manager._native.readAt(cursor._file, target, targetStart, count, absolute)
  }
}

/** The unit in which `MapRegion._cached` records what the page cache holds. @internal */
const CACHED_BLOCK = 64 * 1024

/**
 * Whether the page cache holds every page of `[at, at + count)` of `region` (offsets in the
 * region), so that reading it there waits for no disk. Blocks once seen cached are not asked
 * about again: a window read over and over costs one system call per block. @internal
 */
function inPageCache(region: MapRegion, at: number, count: number): boolean {
  const first = Math.floor(at / CACHED_BLOCK)
  const last = Math.floor((at + count - 1) / CACHED_BLOCK)
  let cached = region._cached
  if (cached !== null) {
    let all = true
    for (let block = first; block <= last && all; block++) all = cached[block] === 1
    if (all) return true
  }
  const from = first * CACHED_BLOCK
  const to = Math.min((last + 1) * CACHED_BLOCK, region._size)
  if (!native.inPageCache(region._arrayBuffer, from, to - from)) return false
  cached ??= region._cached = new Uint8Array(Math.ceil(region._size / CACHED_BLOCK))
  cached.fill(1, first, last + 1)
  return true
}
