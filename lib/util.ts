// smmap's util module: alignment, window arithmetic and regions (their lists: region-list.ts).
// The arithmetic itself lives in the Rust core; these classes hold the values and validate
// arguments.
import native = require('./native')
import { checkBoolean, checkFlags, checkInteger, checkOffset, checkPathOrFd, checkSize, invalidType, type PathOrFd } from './errors'

/** The OS allocation granularity (4096 on Linux, 65536 on Windows); every region starts on a multiple of it. */
export const ALLOCATIONGRANULARITY: number = native.allocationGranularity()

/**
 * Rounds `num` down to a multiple of {@link ALLOCATIONGRANULARITY}, or up when `roundUp` is true.
 * @example alignToMmap(4097, false) // 4096
 */
export function alignToMmap(num: number, roundUp: boolean): number {
  checkInteger('num', num)
  checkBoolean('roundUp', roundUp)
  return native.alignToMmap(num, roundUp)
}

/** Whether this is a 64-bit process (it picks the default window and budget sizes). */
export function is64Bit(): boolean {
  return native.is64Bit()
}

/** Accepts a safe integer or ±Infinity (smmap's `sys.maxsize`), as window arithmetic does. @internal */
export function checkWindowNumber(name: string, value: unknown): asserts value is number {
  if (value === Infinity || value === -Infinity) return
  checkInteger(name, value)
}

/**
 * A planned (not mapped) window of a file: `[ofs, ofs + size)`, with smmap's exact arithmetic.
 * @example
 * const w = new MapWindow(5000, 100)
 * w.extendLeftTo(new MapWindow(0, 0), 12288) // w is now (0, 5100)
 */
export class MapWindow {
  /** Start offset in the file (bytes). */
  ofs: number
  /** Length in bytes. */
  size: number

  /** @throws TypeError `ERR_INVALID_ARG_TYPE` unless both are integers (or ±Infinity). */
  constructor(ofs: number, size: number) {
    checkWindowNumber('ofs', ofs)
    checkWindowNumber('size', size)
    this.ofs = ofs
    this.size = size
  }

  /** The window of a mapped region. */
  static fromRegion(region: MapRegion): MapWindow {
    if (!(region instanceof MapRegion)) throw invalidType('region', 'an instance of MapRegion', region)
    return new MapWindow(region.ofsBegin(), region.size())
  }

  /** The start offset, `ofs`. */
  ofsBegin(): number {
    return this.ofs
  }

  /** One past the last byte, `ofs + size`. */
  ofsEnd(): number {
    return this.ofs + this.size
  }

  /** Widens the window to start and end on granularity boundaries. */
  align(): void {
    this.#set(native.windowAlign(this.ofs, this.size))
  }

  /** Moves the start left to touch `window`'s end, keeping the end, up to `maxSize` in all. */
  extendLeftTo(window: MapWindow, maxSize: number): void {
    if (!(window instanceof MapWindow)) throw invalidType('window', 'an instance of MapWindow', window)
    checkWindowNumber('maxSize', maxSize)
    this.#set(native.windowExtendLeftTo(this.ofs, this.size, window.ofs, window.size, maxSize))
  }

  /** Grows the size to reach `window`'s start, up to `maxSize` in all. */
  extendRightTo(window: MapWindow, maxSize: number): void {
    if (!(window instanceof MapWindow)) throw invalidType('window', 'an instance of MapWindow', window)
    checkWindowNumber('maxSize', maxSize)
    this.#set(native.windowExtendRightTo(this.ofs, this.size, window.ofs, window.size, maxSize))
  }

  /** `MapWindow(ofs, size)`, for debugging. */
  toString(): string {
    return `MapWindow(${this.ofs}, ${this.size})`
  }

  #set([ofs, size]: number[]): void {
    this.ofs = ofs
    this.size = size
  }
}

/** What a {@link MapRegion} delegates to: a standalone native region or a manager's region. @internal */
export interface RegionOwner {
  clientCount(): number
  incrementClientCount(by: number): boolean
  release(): void
  /** A Buffer over the region is being handed out: keep it mapped while one can reach it. */
  expose(): void
  /** A pass moved past the region: its clean pages may go back while it stays mapped. */
  passed(): void
  /** The ArrayBuffer over the whole mapped region (one object for the region's life). */
  wholeBuffer(): ArrayBuffer
  /** The ArrayBuffer over pane `index` (see `VIEW_PANE`) of the mapped region. */
  paneBuffer(index: number): ArrayBuffer
}

/**
 * The bytes of one pane: a region larger than this is viewed through ArrayBuffers of a pane
 * each where a range fits in one, because V8 starts a full collection whenever an ArrayBuffer
 * of 64 MiB or more is created. Its whole view is made only when something needs it.
 */
const PANE = native.VIEW_PANE

/** What an unmapped region's views read as (their ArrayBuffers are detached). */
const UNMAPPED = Buffer.alloc(0)

/**
 * "No whole view made yet", in `_whole` and `_wholeArrayBuffer`: a Buffer and an ArrayBuffer
 * like the real ones rather than null, so the fields keep one type and V8's optimized hot paths
 * keep building Buffers on them inline (with null there, a cursor's `buffer()` took 210 ns
 * instead of 115 in about one process of three).
 */
const NO_VIEW = Buffer.alloc(0)
/** @internal */
export const NO_ARRAY_BUFFER = new ArrayBuffer(0)

/** The truncation flag of a region nothing guards (standalone regions report no truncation). */
const NO_FLAGS = new Uint8Array(1)

/** Where a manager's region finds its truncation flag: the manager's array and its slot. @internal */
export interface TruncationFlag {
  flags: Uint8Array
  slot: number
}

/**
 * One private copy-on-write mapping of `[ofs, ofs + min(size, fileSize - ofs))` of a file,
 * with a client count (born at 1; reaching 0 unmaps it). Writing into its Buffer changes only
 * this process's copy. After it is unmapped, every Buffer over it is empty.
 * @example
 * using region = new MapRegion('/var/data/big.bin', 0, 1 << 20)
 * region.buffer().readUInt32LE(0)
 */
export class MapRegion {
  /** @internal */ _ofs!: number
  /** @internal */ _size!: number
  /**
   * @internal One past the last file offset while the region is mapped, -1 once it is not:
   * the facade's copy of the core's "mapped" fact, updated from the manager's mailbox (or by
   * `release()` of a standalone region). The hot paths test offsets against it.
   */
  _end!: number
  /** @internal The Buffer over the whole mapping once made (see `_buf`), else `NO_VIEW`. */
  _whole!: Buffer
  /** @internal `_whole`'s ArrayBuffer (`.buffer` costs ~60 ns a call), else `NO_ARRAY_BUFFER`. */
  _wholeArrayBuffer!: ArrayBuffer
  /** @internal The panes' ArrayBuffers made so far, by pane index (regions over a pane only). */
  _paneArrayBuffers!: ArrayBuffer[] | null
  /** @internal Buffers over those, by pane index. */
  _panes!: Buffer[] | null
  /** @internal */ _owner!: RegionOwner
  /** @internal Whether a Buffer over the region was handed out (see `exposed`). */
  _exposed!: boolean
  /** @internal The manager's id of the region's file (-1 for a standalone region). */
  _file!: number
  /** @internal Non-zero at `_slot` once the file was truncated under this region. */
  _flags!: Uint8Array
  /** @internal */ _slot!: number
  /**
   * @internal Which 64 KiB blocks the page cache was seen to hold (1; see `inPageCache` in
   * positional.ts), made on first need: a hint that spares asking again, never a promise (the
   * kernel may drop them).
   */
  _cached!: Uint8Array | null

  /**
   * Maps `[ofs, ofs + size)` of a file now (size 0: to the end). An fd stays the caller's.
   * @throws RangeError `ERR_OUT_OF_RANGE` for an unaligned offset or one at or past the end of
   * the file; the system error (`ENOENT`, `EBADF`, ...) when the file cannot be opened.
   */
  constructor(pathOrFd: PathOrFd, ofs: number, size: number, flags: number = 0) {
    checkPathOrFd(pathOrFd)
    checkOffset('ofs', ofs)
    checkSize('size', size)
    checkFlags(flags)
    const region = new native.NativeRegion(pathOrFd, ofs, size, flags)
    this._init(region.ofsBegin(), region.size(), region.buffer()!, new StandaloneRegion(this, region), null)
  }

  /** A MapRegion over a region a manager has already mapped (no mapping happens here). @internal */
  static _managed(ofs: number, size: number, buffer: ArrayBuffer | null, owner: RegionOwner, truncation: TruncationFlag | null): MapRegion {
    const region = Object.create(MapRegion.prototype) as MapRegion
    region._init(ofs, size, buffer, owner, truncation)
    return region
  }

  private _init(ofs: number, size: number, buffer: ArrayBuffer | null, owner: RegionOwner, truncation: TruncationFlag | null): void {
    this._ofs = ofs
    this._size = size
    this._end = ofs + size
    this._wholeArrayBuffer = buffer ?? NO_ARRAY_BUFFER
    this._whole = buffer === null ? NO_VIEW : Buffer.from(buffer)
    this._paneArrayBuffers = null
    this._panes = null
    this._owner = owner
    this._exposed = false
    this._file = -1
    this._flags = truncation?.flags ?? NO_FLAGS
    this._slot = truncation?.slot ?? 0
    this._cached = null
  }

  /**
   * @internal The whole mapping as one Buffer, made on first use (V8 collects as a view of 64
   * MiB or more is made); length 0 once unmapped (its ArrayBuffer is detached).
   */
  get _buf(): Buffer {
    const whole = this._whole
    return whole !== NO_VIEW ? whole : this._makeWhole()
  }

  /** @internal `_buf`'s ArrayBuffer. */
  get _arrayBuffer(): ArrayBuffer {
    const whole = this._wholeArrayBuffer
    return whole !== NO_ARRAY_BUFFER ? whole : (this._makeWhole().buffer as ArrayBuffer)
  }

  private _makeWhole(): Buffer {
    if (this._end < 0) return UNMAPPED
    const buffer = this._owner.wholeBuffer()
    this._wholeArrayBuffer = buffer
    this._whole = Buffer.from(buffer)
    return this._whole
  }

  /**
   * @internal The pane that holds all of `[at, at + length)` (offsets in the region, within
   * it), or -1 where the whole mapping's view serves the range: that view exists already, the
   * region is no larger than a pane, or the range crosses a pane's end.
   */
  _paneOf(at: number, length: number): number {
    if (this._whole !== NO_VIEW || this._size <= PANE || this._end < 0) return -1
    const index = Math.floor(at / PANE)
    return at + length > (index + 1) * PANE ? -1 : index
  }

  /** @internal Pane `index`'s ArrayBuffer, its byte 0 at region offset `index * VIEW_PANE`. */
  _paneArrayBuffer(index: number): ArrayBuffer {
    this._paneArrayBuffers ??= []
    this._paneArrayBuffers[index] ??= this._owner.paneBuffer(index)
    return this._paneArrayBuffers[index]
  }

  /**
   * @internal A zero-copy Buffer over `[at, at + length)` (offsets in the region, within it):
   * a pane's where one holds the range (`_paneOf`), so no view of 64 MiB or more is made for
   * it; else the whole mapping's.
   */
  _view(at: number, length: number): Buffer {
    const index = this._paneOf(at, length)
    if (index < 0) return this._buf.subarray(at, at + length)
    this._panes ??= []
    this._panes[index] ??= Buffer.from(this._paneArrayBuffer(index))
    const from = index * PANE
    return this._panes[index].subarray(at - from, at - from + length)
  }

  /** @internal How many bytes from `at` (an offset in the region) `_view` can serve from one pane. */
  _paneRoom(at: number): number {
    if (this._whole !== NO_VIEW || this._size <= PANE) return this._size - at
    return Math.min(this._size - at, PANE - (at % PANE))
  }

  /**
   * The whole mapping as a zero-copy Buffer (index 0 is file offset `ofsBegin()`). It keeps
   * the file's bytes as long as it is reachable, even after the region is let go of.
   */
  buffer(): Buffer {
    return exposed(this)._buf
  }

  /** Same as {@link MapRegion.buffer}, as in smmap. */
  map(): Buffer {
    return exposed(this)._buf
  }

  /** Absolute file offset of the region's first byte. */
  ofsBegin(): number {
    return this._ofs
  }

  /** Absolute file offset one past the region's last byte. */
  ofsEnd(): number {
    return this._ofs + this._size
  }

  /** The mapped length (which may be less than asked for, near the end of the file). */
  size(): number {
    return this._size
  }

  /** Whether `ofs` lies in `[ofsBegin(), ofsEnd())`. */
  includesOfs(ofs: number): boolean {
    checkWindowNumber('ofs', ofs)
    return this._ofs <= ofs && ofs < this._ofs + this._size
  }

  /** How many holders the region has (1 for its creator or its manager's list, +1 per cursor). */
  clientCount(): number {
    return this._owner.clientCount()
  }

  /** Adds `by` (may be negative); returns true when the count reached 0 and the region was unmapped. */
  incrementClientCount(by: number = 1): boolean {
    checkInteger('by', by)
    return this._owner.incrementClientCount(by)
  }

  /** Unmaps the region now (every Buffer over it becomes empty). Idempotent. */
  release(): void {
    this._owner.release()
  }

  /** `release()`, for `using`. */
  [Symbol.dispose](): void {
    this.release()
  }

  /** `MapRegion<ofs, size>`, for debugging. */
  toString(): string {
    return `MapRegion<${this._ofs}, ${this._size}>`
  }
}

/** A standalone region seen from its MapRegion: releasing it also marks the MapRegion unmapped. */
class StandaloneRegion implements RegionOwner {
  constructor(
    private readonly region: MapRegion,
    private readonly mapped: native.NativeRegion,
  ) {}

  clientCount(): number {
    return this.mapped.clientCount()
  }

  incrementClientCount(by: number): boolean {
    const reachedZero = this.mapped.incrementClientCount(by)
    if (reachedZero) this.region._end = -1
    return reachedZero
  }

  release(): void {
    this.mapped.release()
    this.region._end = -1
  }

  expose(): void {
    this.mapped.expose()
  }

  /** Passes move over a manager's windows only, never over a standalone region. */
  passed(): void {}

  /** Made with the region (see the MapRegion constructor), so never asked for. */
  wholeBuffer(): ArrayBuffer {
    return this.mapped.buffer()!
  }

  /** A standalone region's whole view exists from the start, so `_view` never asks for panes. */
  paneBuffer(): ArrayBuffer {
    throw new Error('a standalone region is viewed whole')
  }
}

/**
 * `region`, once its owner knows a Buffer over it is about to leave the facade. Until then
 * only the facade's own synchronous reads used its memory, so letting the region go can unmap
 * it at once; afterwards it stays mapped (its pages given back) until V8 collects the last
 * view, so a Buffer handed to zlib, a stream or `fs.write` never reads unmapped memory. One
 * native call per region, on its first hand-out. @internal
 */
export function exposed(region: MapRegion): MapRegion {
  if (!region._exposed) {
    region._exposed = true
    region._owner.expose()
  }
  return region
}

/**
 * Whether `region` is mapped, intact and holds absolute offset `ofs`: the one test of the
 * cursors' and buffers' hot paths (an unmapped region's `_end` is -1; a truncated one has
 * its flag set). @internal
 */
export function regionCovers(region: MapRegion | null, ofs: number): boolean {
  return region !== null && ofs >= region._ofs && ofs < region._end && region._flags[region._slot] === 0
}

/** Whether `region` is still mapped. @internal */
export function isMapped(region: MapRegion): boolean {
  return region._end >= 0
}

/** Whether the file was truncated under `region` (its lost bytes now read as zeros). @internal */
export function isTruncated(region: MapRegion): boolean {
  return region._flags[region._slot] !== 0
}
