// smmap's WindowCursor: a client's window on one file. It owns the JavaScript hot path: a move
// inside its current region makes no native call and allocates nothing. Managers implement
// `CursorManager` (declared here), so this module needs the managers' module for types only.
import path = require('node:path')
import native = require('./native')
import { checkFlags, checkOffset, checkSize, invalidType, smmapError, type PathOrFd } from './errors'
import type { StaticWindowMapManager } from './manager'
import { checkWindowNumber, exposed, isMapped, isTruncated, type MapRegion, NO_ARRAY_BUFFER, regionCovers } from './util'
import { MapRegionList } from './region-list'

/** Marks the managers, so a cursor can check its argument without importing their module. @internal */
export const MANAGER = Symbol('smmap.manager')

/** What a cursor needs of its manager. @internal */
export interface CursorManager {
  readonly [MANAGER]: true
  readonly _native: native.NativeManager
  /** The window size, cached for the hot path. */
  readonly _window: number
  /** Hits served by cursors without a native call. */
  _hits: number
  /** Whether `close()` was called (so reads that need no mapping refuse too). */
  readonly _closed: boolean
  /** Forgets the regions the last native call unmapped; returns `result`. */
  _settle<T>(result: T): T
  /** The mailbox shared with the native manager (`MAILBOX_*` cells). */
  readonly _mailbox: Float64Array
  /** The MapRegion of a region id of `file` the core returned. */
  _region(id: number, file: number): MapRegion
  /** The id of the region of `file` a miss just mapped, whose ArrayBuffer the miss returned. */
  _adoptNew(buffer: ArrayBuffer, file: number): number
  /** A mapped, intact region of `file` that holds absolute offset `ofs`, or null. No native call. */
  _resident(file: number, ofs: number): MapRegion | null
  /** A cursor lets go of a region. */
  _unuse(id: number): void
}

/** A cursor's hold on its file and region, kept apart from the cursor so a finalizer can give them back. */
interface Hold {
  manager: CursorManager
  file: number
  region: number
}

const abandoned = new FinalizationRegistry<Hold>((hold) => {
  // A cursor was garbage-collected: give its region back (without release() it still holds
  // one), and its file, which the manager forgets once nothing uses it. Never throw here.
  try {
    if (hold.region >= 0) hold.manager._unuse(hold.region)
    hold.manager._native.forgetFile(hold.file)
  } catch {}
})

/**
 * The class of the Buffers `cursor.buffer()` returns: made with `new` over the region's
 * ArrayBuffer instead of `subarray()`, which looks up the species constructor on every call
 * and was ~40 ns of a ~100 ns cursor hit. Its prototype chain runs through Buffer.prototype,
 * so instances are Buffers (`Buffer.isBuffer`, `instanceof Buffer`, every method).
 */
class CursorBuffer extends Uint8Array {}
Object.setPrototypeOf(CursorBuffer.prototype, Buffer.prototype)

/**
 * A client's view of one file: a window `[ofsBegin(), ofsEnd())` inside one mapped region.
 * Moving it within its region is pure JavaScript; moving it elsewhere asks the manager.
 * @example
 * using cursor = manager.makeCursor(path)
 * if (cursor.useRegion(1_000_000, 64).isValid()) parseHeader(cursor.buffer())
 */
export class WindowCursor {
  /** @internal */ _manager: CursorManager | null = null
  /** @internal */ _key: PathOrFd | null = null
  /** @internal The core's id for this cursor's file. */
  _file = -1
  /** @internal */ _region: MapRegion | null = null
  /** @internal Absolute offset of the cursor's first byte. */
  _ofs = 0
  /** @internal */ _size = 0
  /**
   * @internal Set while a SlidingWindowMapBuffer reads through this cursor: it then stays on
   * its file even between regions, so one buffer never reads two files (`ESTALE` instead).
   */
  _pinned = false
  /** @internal The hold a finalizer gives back if the cursor is dropped without release(). */
  _hold: Hold | null = null

  /**
   * An unassociated cursor when called without arguments (smmap allows it; using it throws
   * `ERR_SMMAP_UNASSOCIATED`). Prefer `manager.makeCursor(pathOrFd)`.
   */
  constructor(manager?: StaticWindowMapManager, regions?: MapRegionList) {
    if (manager !== undefined && manager !== null && (manager as Partial<CursorManager>)[MANAGER] !== true)
      throw invalidType('manager', 'an instance of StaticWindowMapManager', manager)
    if (regions !== undefined && regions !== null && !(regions instanceof MapRegionList)) throw invalidType('regions', 'an instance of MapRegionList', regions)
    if (!manager || !regions) return
    this._manager = manager
    this._key = regions.pathOrFd()
    // A relative path names the file it names now, whatever the working directory later is.
    this._file = manager._native.file(typeof this._key === 'string' ? path.resolve(this._key) : this._key)
    this._hold = { manager, file: this._file, region: -1 }
    abandoned.register(this, this._hold, this._hold)
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
    if (manager === null) throw smmapError('ERR_SMMAP_UNASSOCIATED')
    const previous = this._drop()
    // A cursor that holds a region stays on the file that region is of (as an open fd does);
    // one that holds none reads the file at its path now, unless a buffer pinned it.
    const fresh = previous < 0 && !this._pinned
    // One native call: a region new to the facade comes back as its ArrayBuffer.
    let found: number | ArrayBuffer
    try {
      found = manager._settle(manager._native.useRegion(this._file, fresh, previous, offset, size, flags))
    } finally {
      // The key may now name another file id, whether or not the move then succeeded.
      if (fresh) {
        this._file = manager._mailbox[native.MAILBOX_NEW_FILE]
        this._hold!.file = this._file
      }
    }
    const id = typeof found === 'number' ? found : manager._adoptNew(found, this._file)
    if (id < 0) return this
    this._hold!.region = id
    this._region = manager._region(id, this._file)
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
    throw smmapError('ERR_SMMAP_TRUNCATED', `[${region._ofs}, ${region._ofs + region._size}) was mapped`)
  }

  /** Forgets the current region without telling the manager; returns its id (-1 if none). */
  private _drop(): number {
    const id = this._hold?.region ?? -1
    this._region = null
    if (this._hold) this._hold.region = -1
    return id
  }

  /** Lets go of the current region (it stays mapped until collected or evicted). Idempotent. */
  unuseRegion(): void {
    const id = this._drop()
    if (id >= 0) this._manager!._unuse(id)
  }

  /**
   * Gives back everything this cursor holds. Idempotent; the cursor can be used again, and then
   * reads the file at its path then.
   */
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
    if (this._hold) {
      abandoned.unregister(this._hold)
      this._hold.manager._native.forgetFile(this._hold.file)
    }
    if (rhs._manager) rhs._manager._native.retainFile(rhs._file)
    this._hold = rhs._manager ? { manager: rhs._manager, file: rhs._file, region: -1 } : null
    if (this._hold) abandoned.register(this, this._hold, this._hold)
    this._manager = rhs._manager
    this._key = rhs._key
    this._file = rhs._file
    this._ofs = rhs._ofs
    this._size = rhs._size
    const region = rhs.region()
    if (region !== null) {
      region.incrementClientCount(1)
      this._region = region
      this._hold!.region = rhs._hold!.region
    }
    return this
  }

  /** An independent cursor on the same file and region. */
  copy(): WindowCursor {
    return new WindowCursor().assign(this)
  }

  /**
   * The cursor's bytes `[ofsBegin(), ofsEnd())`, zero copy. The Buffer keeps the file's bytes
   * as long as it is reachable, also after the cursor moves on and its window is let go of.
   */
  buffer(): Buffer {
    const region = exposed(this._validRegion())
    const whole = region._wholeArrayBuffer
    if (whole === NO_ARRAY_BUFFER) return this._paneBuffer(region)
    return new CursorBuffer(whole, this._ofs - region._ofs, this._size) as unknown as Buffer
  }

  /**
   * `buffer()` over a window larger than a pane whose whole view was not made: from the pane
   * that holds the range (see MapRegion._view). A method of its own, so `buffer()` stays small
   * enough for V8 to inline into a caller's loop (with this inside, a view cost 190 ns, not 115).
   */
  private _paneBuffer(region: MapRegion): Buffer {
    const at = this._ofs - region._ofs
    const pane = region._paneOf(at, this._size)
    if (pane < 0) return new CursorBuffer(region._arrayBuffer, at, this._size) as unknown as Buffer
    return new CursorBuffer(region._paneArrayBuffer(pane), at - pane * native.VIEW_PANE, this._size) as unknown as Buffer
  }

  /** The whole region's bytes (index 0 is `region().ofsBegin()`), zero copy. */
  map(): Buffer {
    return exposed(this._validRegion())._buf
  }

  /** Whether the cursor has a region (its last `useRegion` landed inside the file). */
  isValid(): boolean {
    return this._region !== null && isMapped(this._region)
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
    if (this._manager === null) throw smmapError('ERR_SMMAP_UNASSOCIATED')
    return this._manager._native.fileSize(this._file)
  }

  /** The path or fd the cursor reads. @throws `ERR_SMMAP_UNASSOCIATED` when unassociated. */
  pathOrFd(): PathOrFd {
    if (this._key === null) throw smmapError('ERR_SMMAP_UNASSOCIATED')
    return this._key
  }

  /** The path the cursor reads. @throws TypeError `ERR_SMMAP_NOT_A_PATH` for an fd cursor. */
  path(): string {
    const key = this.pathOrFd()
    if (typeof key !== 'string') throw smmapError('ERR_SMMAP_NOT_A_PATH')
    return key
  }

  /** The fd the cursor reads. @throws TypeError `ERR_SMMAP_NOT_AN_FD` for a path cursor. */
  fd(): number {
    const key = this.pathOrFd()
    if (typeof key !== 'number') throw smmapError('ERR_SMMAP_NOT_AN_FD')
    return key
  }

  private _validRegion(): MapRegion {
    if (!this.isValid()) throw smmapError('ERR_SMMAP_INVALID_CURSOR')
    if (isTruncated(this._region!)) this._truncated(this._region!)
    return this._region!
  }
}
