// smmap's window managers. Their rules (placement, LRU, budgets, counters) run in the Rust
// core; this module keeps one MapRegion per region the facade has seen, learning from the
// mailbox it shares with the native manager which regions each native call unmapped.
import native = require('./native')
import { invalidType, smmapError, type PathOrFd } from './errors'
import { MANAGER, WindowCursor } from './cursor'
import { checkOptions, type ManagerOptions, type ManagerStats } from './options'
import { MapRegionList } from './region-list'
import { MapRegion, type RegionOwner, regionCovers } from './util'

/**
 * Maps whole files, one region per file, reused by every cursor (smmap's static manager).
 * Honours `maxOpenHandles` (smmap's ignores it).
 * @example
 * using man = new StaticWindowMapManager()
 * using cursor = man.makeCursor('/var/data/index.bin').useRegion(0)
 * cursor.buffer().readUInt32BE(0)
 */
export class StaticWindowMapManager {
  /** Whether this class places sliding windows. @internal */
  static readonly _sliding: boolean = false
  /** @internal */ declare readonly [MANAGER]: true
  /** @internal */ readonly _native: native.NativeManager
  /** @internal The window size, cached for the cursors' hot path. */
  readonly _window: number
  /** @internal Hits served by cursors without a native call. */
  _hits = 0
  /** @internal One MapRegion object per mapped region, so `cursor.region()` is stable. */
  readonly _regions = new Map<number, MapRegion>()
  /** @internal The same MapRegions by file id, each list sorted by offset. */
  readonly _byFile = new Map<number, MapRegion[]>()
  /** @internal Whether `close()` was called. */
  _closed = false
  /** @internal One byte per guard slot, by chunk, set (by the core's SIGBUS handler) on truncation. */
  readonly _truncation: Uint8Array[] = []
  /** @internal Shared with the native manager; its cells are the binding's `MAILBOX_*`. */
  readonly _mailbox: Float64Array

  /**
   * @param options - window size, budgets, advice and prefaulting; every field is optional.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`, RangeError
   * `ERR_OUT_OF_RANGE` for a bad option.
   */
  constructor(options: ManagerOptions = {}) {
    const sliding = (new.target as typeof StaticWindowMapManager)._sliding
    this._native = new native.NativeManager(sliding, checkOptions(options))
    this._window = this._native.windowSize()
    this._mailbox = new Float64Array(this._native.mailbox())
  }

  /** A cursor on `pathOrFd` (no I/O yet). An fd stays the caller's: it is never closed. */
  makeCursor(pathOrFd: PathOrFd): WindowCursor {
    return new WindowCursor(this, new MapRegionList(pathOrFd))
  }

  /** Unmaps every region no cursor uses; returns how many. */
  collect(): number {
    return this._settle(this._native.collect())
  }

  /** Number of mapped regions (smmap's "file handles"). */
  numFileHandles(): number {
    return this._native.numFileHandles()
  }

  /** Number of files with at least one mapped region. */
  numOpenFiles(): number {
    return this._native.numOpenFiles()
  }

  /** The size of new windows in bytes; 0 for the static manager (whole files). */
  windowSize(): number {
    return this._window
  }

  /** Bytes mapped now (the sum of region sizes). */
  mappedMemorySize(): number {
    return this._native.mappedMemorySize()
  }

  /** The `maxOpenHandles` limit on mapped regions (`Infinity` when unlimited). */
  maxFileHandles(): number {
    return this._native.maxFileHandles()
  }

  /** The soft budget of mapped bytes (`maxMemorySize`, or its default). */
  maxMappedMemorySize(): number {
    return this._native.maxMappedMemorySize()
  }

  /** On Windows, unmaps every region of files under `basePath` so they can be deleted; elsewhere returns 0. */
  forceMapHandleRemovalWin(basePath: string): number {
    if (typeof basePath !== 'string') throw invalidType('basePath', 'of type string', basePath)
    if (this._native.isClosed()) throw smmapError('ERR_SMMAP_CLOSED')
    return this._settle(this._native.forceMapHandleRemovalWin(basePath))
  }

  /**
   * Hits, misses, evictions and what is mapped now, for tuning.
   * @example
   * const { hits, misses } = manager.stats()
   * if (misses > hits) console.warn('windows too small for this access pattern')
   */
  stats(): ManagerStats {
    const stats = this._native.stats()
    return { ...stats, hits: stats.hits + this._hits }
  }

  /** Unmaps everything; later cursor moves throw `ERR_SMMAP_CLOSED`. Idempotent. */
  close(): void {
    this._closed = true
    this._settle(this._native.close())
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** @internal */
  _region(id: number, file: number): MapRegion {
    let region = this._regions.get(id)
    if (region === undefined) {
      const [ofs, size, slot] = this._native.regionBounds(id)!
      // Either call also points the region's guard at its flag. A region over a pane gets its
      // views as they are needed (see MapRegion._view).
      let buffer: ArrayBuffer | null = null
      if (size > native.VIEW_PANE) this._native.adoptRegion(id)
      else buffer = this._native.regionBuffer(id)
      region = this._adopt(id, file, ofs, size, slot, buffer)
    }
    return region
  }

  /** @internal */
  _adoptNew(buffer: ArrayBuffer, file: number): number {
    const mailbox = this._mailbox
    const id = mailbox[native.MAILBOX_NEW_ID]
    this._adopt(id, file, mailbox[native.MAILBOX_NEW_OFS], mailbox[native.MAILBOX_NEW_SIZE], mailbox[native.MAILBOX_NEW_SLOT], buffer)
    return id
  }

  /** @internal */
  _resident(file: number, ofs: number): MapRegion | null {
    const list = this._byFile.get(file)
    if (list === undefined) return null
    // The last region starting at or before `ofs`, by binary search.
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (list[mid]._ofs <= ofs) lo = mid + 1
      else hi = mid
    }
    const region = lo > 0 ? list[lo - 1] : null
    return regionCovers(region, ofs) ? region : null
  }

  private _adopt(id: number, file: number, ofs: number, size: number, slot: number, buffer: ArrayBuffer | null): MapRegion {
    const truncation = slot >= 0 ? this._truncationFlag(slot) : null
    const region = MapRegion._managed(ofs, size, buffer, new ManagedRegion(this, id), truncation)
    region._file = file
    this._regions.set(id, region)
    const list = this._byFile.get(file) ?? []
    this._byFile.set(file, list)
    let at = list.length
    while (at > 0 && list[at - 1]._ofs > ofs) at--
    list.splice(at, 0, region)
    return region
  }

  /** Where the truncation flag of guard slot `slot` is, fetching its chunk on first sight. */
  private _truncationFlag(slot: number): { flags: Uint8Array; slot: number } {
    const chunk = Math.floor(slot / native.GUARD_CHUNK_SLOTS)
    this._truncation[chunk] ??= new Uint8Array(this._native.truncationFlags(chunk))
    return { flags: this._truncation[chunk], slot: slot % native.GUARD_CHUNK_SLOTS }
  }

  /**
   * Region `id` was handed out as a Buffer: noted in the mailbox, which the native manager
   * reads before it lets any region go, so a miss that hands out its window makes no call
   * of its own; with the mailbox full, told at once.
   * @internal
   */
  _expose(id: number): void {
    const mailbox = this._mailbox
    const count = mailbox[native.MAILBOX_EXPOSED_COUNT]
    if (count < native.MAILBOX_EXPOSED_CAPACITY) {
      mailbox[native.MAILBOX_EXPOSED_IDS + count] = id
      mailbox[native.MAILBOX_EXPOSED_COUNT] = count + 1
    } else {
      this._native.expose(id)
    }
  }

  /** @internal */
  _unuse(id: number): void {
    this._settle(this._native.unuseRegion(id))
  }

  /** @internal Marks the MapRegions of regions the core unmapped as unmapped, and forgets them. */
  _settle<T>(result: T): T {
    const mailbox = this._mailbox
    const count = mailbox[native.MAILBOX_RETIRED_COUNT]
    for (let i = 0; i < count; i++) this._forget(mailbox[native.MAILBOX_RETIRED_IDS + i])
    mailbox[native.MAILBOX_RETIRED_COUNT] = 0
    if (mailbox[native.MAILBOX_RETIRED_OVERFLOW] !== 0) for (const id of this._native.takeRetired()) this._forget(id)
    return result
  }

  private _forget(id: number): void {
    const region = this._regions.get(id)
    if (region === undefined) return
    region._end = -1
    this._regions.delete(id)
    const list = this._byFile.get(region._file)
    if (list === undefined) return
    list.splice(list.indexOf(region), 1)
    if (list.length === 0) this._byFile.delete(region._file)
  }
}
Object.defineProperty(StaticWindowMapManager.prototype, MANAGER, { value: true })

/**
 * Maps windows of `windowSize` bytes (default 1 GiB on 64-bit) on demand, placed as smmap
 * places them, and unmaps the least recently used unused ones to stay within `maxMemorySize`
 * and `maxOpenHandles`; the manager to use for files larger than memory.
 * @example
 * using man = new SlidingWindowMapManager({ windowSize: 64 << 20, maxMemorySize: 256 << 20 })
 * using cursor = man.makeCursor('/var/data/pack.bin')
 * cursor.useRegion(5_000_000_000, 4096).buffer() // 4 KiB at a 5 GB offset, zero copy
 */
export class SlidingWindowMapManager extends StaticWindowMapManager {
  /** @internal */
  static override readonly _sliding: boolean = true
}

/** A manager's region seen from its MapRegion object. */
class ManagedRegion implements RegionOwner {
  constructor(
    private readonly manager: StaticWindowMapManager,
    private readonly id: number,
  ) {}

  clientCount(): number {
    return this.manager._native.clientCount(this.id)
  }

  incrementClientCount(by: number): boolean {
    return this.manager._settle(this.manager._native.incrementClientCount(this.id, by))
  }

  release(): void {
    this.manager._settle(this.manager._native.releaseRegion(this.id))
  }

  expose(): void {
    this.manager._expose(this.id)
  }

  passed(): void {
    this.manager._native.releasePages(this.id)
  }

  wholeBuffer(): ArrayBuffer {
    return this.manager._native.regionBuffer(this.id)
  }

  paneBuffer(index: number): ArrayBuffer {
    return this.manager._native.regionPane(this.id, index)
  }
}
