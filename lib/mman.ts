// smmap's mman module: the window managers and the cursors that use them. The managers' rules
// (placement, LRU, budgets, counters) run in the Rust core; this module owns the cursor's hot
// path, which makes no native call while the cursor's region covers the request.
import native = require('./native')
import { checkBoolean, checkFlags, checkOffset, checkSize, codedError, invalidType, outOfRange, type PathOrFd } from './errors'
import { checkWindowNumber, isTruncated, MapRegion, MapRegionList, OWNED, regionCovers, type RegionOwner } from './util'

/** How new regions are advised to the kernel (`madvise`). */
export type Advice = 'normal' | 'sequential' | 'random' | 'willneed'

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
 * Counters for tuning window and budget sizes, from {@link StaticWindowMapManager.stats}.
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
}

const ADVICE: readonly Advice[] = ['normal', 'sequential', 'random', 'willneed']

/** A cursor's hold on a region, kept apart from the cursor so a finalizer can give it back. */
interface Lease {
  manager: StaticWindowMapManager
  region: number
}

const abandoned = new FinalizationRegistry<Lease>((lease) => {
  // A cursor was garbage-collected without release(): give its region back. Never throw here.
  if (lease.region < 0) return
  try {
    lease.manager._unuse(lease.region)
  } catch {}
})

/**
 * Cells of the mailbox each native manager shares with its facade (crates/smmap-node/src/
 * mailbox.rs has the same layout): a miss's new region, and ids of regions unmapped since the
 * facade last looked, so neither costs a native call of its own.
 */
const NEW_ID = 0
const NEW_OFS = 1
const NEW_SIZE = 2
const NEW_SLOT = 3
const RETIRED_COUNT = 4
const RETIRED_OVERFLOW = 5
const RETIRED_IDS = 6

function closedError(): Error {
  return codedError(Error, 'ERR_SMMAP_CLOSED', 'the manager is closed')
}

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
  /** @internal */ readonly _native: native.NativeManager
  /** @internal The window size, cached for the cursors' hot path. */
  readonly _window: number
  /** @internal Hits served by cursors without a native call. */
  _hits = 0
  /** @internal One MapRegion object per mapped region, so `cursor.region()` is stable. */
  readonly _regions = new Map<number, MapRegion>()
  /** @internal One byte per guard slot, set (by the core's SIGBUS handler) on truncation. */
  readonly _truncation: Uint8Array
  /** @internal Shared with the native manager; see NEW_ID and the cells after it. */
  readonly _mailbox: Float64Array

  /**
   * @param options - window size, budgets, advice and prefaulting; every field is optional.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`, RangeError
   * `ERR_OUT_OF_RANGE` for a bad option.
   */
  constructor(options: ManagerOptions = {}) {
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'of type object', options)
    const sliding = (new.target as typeof StaticWindowMapManager)._sliding
    const { windowSize = sliding ? -1 : 0, maxMemorySize = 0, maxOpenHandles = Infinity, advice = 'normal', populate = false } = options
    if (typeof windowSize !== 'number') throw invalidType('options.windowSize', 'of type number', windowSize)
    if (windowSize >= 0) checkSize('options.windowSize', windowSize)
    else if (!Number.isSafeInteger(windowSize) && windowSize !== -Infinity) throw outOfRange('options.windowSize', 'an integer', windowSize)
    checkSize('options.maxMemorySize', maxMemorySize)
    checkSize('options.maxOpenHandles', maxOpenHandles)
    if (typeof advice !== 'string') throw invalidType('options.advice', 'of type string', advice)
    if (!ADVICE.includes(advice)) throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.advice' must be one of: ${ADVICE.map((a) => `'${a}'`).join(', ')}. Received '${advice}'`)
    checkBoolean('options.populate', populate)
    this._native = new native.NativeManager(sliding, windowSize, maxMemorySize, maxOpenHandles, advice, populate)
    this._window = this._native.windowSize()
    this._truncation = new Uint8Array(this._native.truncationFlags())
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
    if (this._native.isClosed()) throw closedError()
    return this._settle(this._native.forceMapHandleRemovalWin(basePath))
  }

  /**
   * Hits, misses, evictions and what is mapped now, for tuning (API.md §3).
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
    this._settle(this._native.close())
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** The MapRegion for a region id the core returned (created on first sight). @internal */
  _region(id: number): MapRegion {
    let region = this._regions.get(id)
    if (region === undefined) {
      const [ofs, size, slot] = this._native.regionBounds(id)!
      const buffer = this._native.regionBuffer(id) // also points the region's guard at its flag
      region = this._adopt(id, ofs, size, slot, buffer)
    }
    return region
  }

  /** The id of the region a miss just mapped, whose ArrayBuffer the miss returned. @internal */
  _adoptNew(buffer: ArrayBuffer): number {
    const mailbox = this._mailbox
    const id = mailbox[NEW_ID]
    this._adopt(id, mailbox[NEW_OFS], mailbox[NEW_SIZE], mailbox[NEW_SLOT], buffer)
    return id
  }

  private _adopt(id: number, ofs: number, size: number, slot: number, buffer: ArrayBuffer): MapRegion {
    const truncation = slot >= 0 ? { flags: this._truncation, slot } : null
    const region = new MapRegion(OWNED, ofs, size, buffer, new ManagedRegion(this, id), truncation)
    this._regions.set(id, region)
    return region
  }

  /** A cursor lets go of a region. @internal */
  _unuse(id: number): void {
    this._settle(this._native.unuseRegion(id))
  }

  /** Forgets the MapRegions of regions the core unmapped (their Buffers are already empty). @internal */
  _settle<T>(result: T): T {
    const mailbox = this._mailbox
    const count = mailbox[RETIRED_COUNT]
    for (let i = 0; i < count; i++) this._regions.delete(mailbox[RETIRED_IDS + i])
    mailbox[RETIRED_COUNT] = 0
    if (mailbox[RETIRED_OVERFLOW] !== 0) for (const id of this._native.takeRetired()) this._regions.delete(id)
    return result
  }
}

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
}

/**
 * The class of the Buffers `cursor.buffer()` returns: made with `new` over the region's
 * ArrayBuffer instead of `subarray()`, which looks up the species constructor on every call
 * and was ~40 ns of a ~100 ns cursor hit. Its prototype chain runs through Buffer.prototype,
 * so instances are Buffers (`Buffer.isBuffer`, `instanceof Buffer`, every method).
 */
class CursorBuffer extends Uint8Array {}
Object.setPrototypeOf(CursorBuffer.prototype, Buffer.prototype)

function unassociatedError(): Error {
  return codedError(Error, 'ERR_SMMAP_UNASSOCIATED', 'the cursor has no manager or file; use manager.makeCursor(pathOrFd)')
}

function invalidCursorError(): Error {
  return codedError(Error, 'ERR_SMMAP_INVALID_CURSOR', 'the cursor has no region; call useRegion() with an offset inside the file')
}

/**
 * A client's view of one file: a window `[ofsBegin(), ofsEnd())` inside one mapped region.
 * Moving it within its region is pure JavaScript; moving it elsewhere asks the manager.
 * @example
 * using cursor = manager.makeCursor(path)
 * if (cursor.useRegion(1_000_000, 64).isValid()) parseHeader(cursor.buffer())
 */
export class WindowCursor {
  /** @internal */ _manager: StaticWindowMapManager | null = null
  /** @internal */ _key: PathOrFd | null = null
  /** @internal The core's id for this cursor's file. */
  _file = -1
  /** @internal */ _region: MapRegion | null = null
  /** @internal Absolute offset of the cursor's first byte. */
  _ofs = 0
  /** @internal */ _size = 0
  /** @internal The hold a finalizer gives back if the cursor is dropped without release(). */
  _lease: Lease | null = null

  /**
   * An unassociated cursor when called without arguments (smmap allows it; using it throws
   * `ERR_SMMAP_UNASSOCIATED`). Prefer `manager.makeCursor(pathOrFd)`.
   */
  constructor(manager?: StaticWindowMapManager, regions?: MapRegionList) {
    if (manager !== undefined && manager !== null && !(manager instanceof StaticWindowMapManager)) throw invalidType('manager', 'an instance of StaticWindowMapManager', manager)
    if (regions !== undefined && regions !== null && !(regions instanceof MapRegionList)) throw invalidType('regions', 'an instance of MapRegionList', regions)
    if (!manager || !regions) return
    this._manager = manager
    this._key = regions.pathOrFd()
    this._file = manager._native.file(this._key)
    this._lease = { manager, region: -1 }
    abandoned.register(this, this._lease, this._lease)
  }

  /**
   * Points the cursor at `[offset, offset + size)` (size 0: as much as the window allows) and
   * returns it. At or past the end of the file the cursor becomes invalid; nothing is thrown.
   */
  useRegion(offset: number = 0, size: number = 0, flags: number = 0): this {
    checkOffset('offset', offset)
    checkSize('size', size)
    checkFlags(flags)
    const region = this._region
    if (region !== null && isTruncated(region)) this._truncated(region)
    if (regionCovers(region, offset)) {
      this._place(region!, offset, size)
      this._manager!._hits++
      return this
    }
    return this._move(offset, size, flags)
  }

  /** The miss path: the manager finds or maps the region holding `offset`. */
  private _move(offset: number, size: number, flags: number): this {
    const manager = this._manager
    if (manager === null) throw unassociatedError()
    const previous = this._drop()
    // One native call: a region new to the facade comes back as its ArrayBuffer.
    const found = manager._settle(manager._native.useRegion(this._file, previous, offset, size, flags))
    const id = typeof found === 'number' ? found : manager._adoptNew(found)
    if (id < 0) return this
    this._lease!.region = id
    this._region = manager._region(id)
    this._place(this._region, offset, size)
    return this
  }

  /** The cursor's extent: as asked (0 = unbounded), capped by the window size and the region's end. */
  private _place(region: MapRegion, offset: number, size: number): void {
    this._ofs = offset
    this._size = Math.min(size || Infinity, this._manager!._window || Infinity, region._ofs + region._size - offset)
  }

  /**
   * The file was truncated under the cursor's region (the lost bytes read as zeros): let go of
   * it and say so. The next move maps the file as it is now.
   */
  private _truncated(region: MapRegion): never {
    this.unuseRegion()
    throw codedError(Error, 'ERR_SMMAP_TRUNCATED', `the file was truncated while [${region._ofs}, ${region._ofs + region._size}) of it was mapped; bytes past its new end read as zeros`)
  }

  /** Forgets the current region without telling the manager; returns its id (-1 if none). */
  private _drop(): number {
    const id = this._lease?.region ?? -1
    this._region = null
    if (this._lease) this._lease.region = -1
    return id
  }

  /** Lets go of the current region (it stays mapped until collected or evicted). Idempotent. */
  unuseRegion(): void {
    const id = this._drop()
    if (id >= 0) this._manager!._unuse(id)
  }

  /** Gives back everything this cursor holds. Idempotent; the cursor can be used again. */
  release(): void {
    this.unuseRegion()
  }

  /** `release()`, for `using`. */
  [Symbol.dispose](): void {
    this.release()
  }

  /** Makes this cursor an independent copy of `rhs` (same file and region; moves on its own). */
  assign(rhs: WindowCursor): this {
    if (!(rhs instanceof WindowCursor)) throw invalidType('rhs', 'an instance of WindowCursor', rhs)
    if (rhs === this) return this
    this.release()
    if (this._lease) abandoned.unregister(this._lease)
    this._lease = rhs._manager ? { manager: rhs._manager, region: -1 } : null
    if (this._lease) abandoned.register(this, this._lease, this._lease)
    this._manager = rhs._manager
    this._key = rhs._key
    this._file = rhs._file
    this._ofs = rhs._ofs
    this._size = rhs._size
    const region = rhs.region()
    if (region !== null) {
      region.incrementClientCount(1)
      this._region = region
      this._lease!.region = rhs._lease!.region
    }
    return this
  }

  /** An independent cursor on the same file and region. */
  copy(): WindowCursor {
    return new WindowCursor().assign(this)
  }

  /** The cursor's bytes `[ofsBegin(), ofsEnd())`, zero copy. */
  buffer(): Buffer {
    const region = this._validRegion()
    return new CursorBuffer(region._arrayBuffer, this._ofs - region._ofs, this._size) as unknown as Buffer
  }

  /** The whole region's bytes (index 0 is `region().ofsBegin()`), zero copy. */
  map(): Buffer {
    return this._validRegion()._buf
  }

  /** Whether the cursor has a region (its last `useRegion` landed inside the file). */
  isValid(): boolean {
    return this._region !== null && this._region._buf.length !== 0
  }

  /** Whether the cursor has a manager and a file. */
  isAssociated(): boolean {
    return this._manager !== null
  }

  /** Absolute file offset of the cursor's first byte. @throws `ERR_SMMAP_INVALID_CURSOR` without a region. */
  ofsBegin(): number {
    this._validRegion()
    return this._ofs
  }

  /** Absolute file offset one past the cursor's last byte. @throws `ERR_SMMAP_INVALID_CURSOR` without a region. */
  ofsEnd(): number {
    this._validRegion()
    return this._ofs + this._size
  }

  /** The cursor's size; without a region, the last size it had (0 if never used). */
  size(): number {
    return this._size
  }

  /** The region the cursor uses (the same object each time), or `null`. */
  region(): MapRegion | null {
    return this.isValid() ? this._region : null
  }

  /** Whether `ofs` lies in the cursor's window `[ofsBegin(), ofsEnd())`. */
  includesOfs(ofs: number): boolean {
    checkWindowNumber('ofs', ofs) // as MapRegion.includesOfs, and before the cursor's state
    this._validRegion()
    return this._ofs <= ofs && ofs < this._ofs + this._size
  }

  /** The file's size (cached; re-read when an offset past it is used). */
  fileSize(): number {
    if (this._manager === null) throw unassociatedError()
    return this._manager._native.fileSize(this._file)
  }

  /** The path or fd the cursor reads. @throws `ERR_SMMAP_UNASSOCIATED` when unassociated. */
  pathOrFd(): PathOrFd {
    if (this._key === null) throw unassociatedError()
    return this._key
  }

  /** The path the cursor reads. @throws TypeError `ERR_SMMAP_NOT_A_PATH` for an fd cursor. */
  path(): string {
    const key = this.pathOrFd()
    if (typeof key !== 'string') throw codedError(TypeError, 'ERR_SMMAP_NOT_A_PATH', 'the cursor was made from a file descriptor, not a path')
    return key
  }

  /** The fd the cursor reads. @throws TypeError `ERR_SMMAP_NOT_AN_FD` for a path cursor. */
  fd(): number {
    const key = this.pathOrFd()
    if (typeof key !== 'number') throw codedError(TypeError, 'ERR_SMMAP_NOT_AN_FD', 'the cursor was made from a path, not a file descriptor')
    return key
  }

  private _validRegion(): MapRegion {
    if (!this.isValid()) throw invalidCursorError()
    if (isTruncated(this._region!)) this._truncated(this._region!)
    return this._region!
  }
}

