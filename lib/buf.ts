// smmap's buf module: a buffer-like view of a whole file (or a range of it) that slides its
// cursor's window as it is read. Indices are relative to the buffer's `offset`. Reads inside
// the cursor's current region use the region's Buffer directly: no native call, no allocation.
// This file is longer than the others for that reason: the reads and the walk over windows
// behind them use the class's private fields directly, which only its own methods can; what
// needs no private state (the fs- and Buffer-shaped surface, leases, streams) is in drop-in.ts.
import { checkFlags, checkOffset, checkSize, codedError, invalidType, outOfRange, smmapError } from './errors'
import { WindowCursor } from './cursor'
import * as dropIn from './drop-in'
import { PositionalReads, SMALL_COPY } from './positional'
import { exposed, isMapped, isTruncated, regionCovers, type MapRegion } from './util'

/** Bytes per chunk that `chunks()` yields by default (as `fs.createReadStream`'s highWaterMark). */
const DEFAULT_CHUNK = 64 * 1024

/** Buffer's fixed-width readers, by name and width in bytes. */
// biome-ignore format: a table reads better in rows
const READERS = {
  readUInt8: 1, readInt8: 1,
  readUInt16LE: 2, readUInt16BE: 2, readInt16LE: 2, readInt16BE: 2,
  readUInt32LE: 4, readUInt32BE: 4, readInt32LE: 4, readInt32BE: 4,
  readFloatLE: 4, readFloatBE: 4, readDoubleLE: 8, readDoubleBE: 8,
  readBigUInt64LE: 8, readBigUInt64BE: 8, readBigInt64LE: 8, readBigInt64BE: 8,
} as const

type ReaderName = keyof typeof READERS
type Reader<N extends ReaderName> = (offset?: number) => ReturnType<Buffer[N]>

/**
 * `result`, unless reading it crossed bytes a truncation took from the file (the guard turned
 * them into zeros as they were read): then the zeros are not the file's content, so throw.
 */
function intact<T>(region: MapRegion, result: T, absolute: number): T {
  if (isTruncated(region)) throw smmapError('ERR_SMMAP_TRUNCATED', `a read at offset ${absolute} crossed bytes lost to it`)
  return result
}

/** Node's coercion of a Buffer.copy/slice position: undefined → default, NaN → 0, truncated. */
function position(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value)
  return Math.trunc(value) || 0 // NaN and -0 become 0
}

/**
 * A file (or `[offset, offset + size)` of it) read like a Buffer through a sliding window.
 * @example
 * using manager = new SlidingWindowMapManager({ windowSize: 64 << 20 })
 * using buf = new SlidingWindowMapBuffer(manager.makeCursor('/var/data/pack.bin'))
 * const version = buf.readUInt32BE(4)
 * const header = buf.slice(0, 12)          // a copy, across windows if need be
 * for (const chunk of buf.chunks()) hash.update(chunk)
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below declares the readers the loop at the end of this file defines on the prototype
export class SlidingWindowMapBuffer {
  #cursor: WindowCursor | null = null
  /** Absolute offset of index 0. */
  #offset = 0
  #length = 0
  #flags = 0
  /** Holds a value that straddles two windows while it is read. */
  readonly #straddle = Buffer.alloc(8)
  /** Where in the Buffer `#readAside` returned its bytes start. */
  #asideAt = 0
  /** The mapped region `#readAside` returned, to check after the read (null: a copy). */
  #asideRegion: MapRegion | null = null
  /** Reads that go through no window (pread), and when mapping one pays instead. */
  readonly #positional = new PositionalReads()

  constructor(cursor?: WindowCursor | null, offset: number = 0, size: number = Infinity, flags: number = 0) {
    if (cursor === undefined || cursor === null) return
    if (!this.beginAccess(cursor, offset, size, flags)) {
      throw codedError(
        RangeError,
        'ERR_OUT_OF_RANGE',
        `cannot begin access at offset ${offset}: the cursor is not associated with a file or the offset is at or past its end`,
      )
    }
  }

  /** Number of bytes the buffer covers. */
  get length(): number {
    return this.#length
  }

  /** The same as `length`, as Buffer and ArrayBuffer name it. */
  get byteLength(): number {
    return this.#length
  }

  /** The cursor in use, or `null`. */
  cursor(): WindowCursor | null {
    return this.#cursor
  }

  /**
   * Starts (or restarts) access to `[offset, offset + size)` of the cursor's file, clamped to the
   * file's end. Returns false, leaving the length as it was, when the cursor has no file or the
   * offset is at or past the end. A new cursor replaces the old one, whose region is let go.
   */
  beginAccess(cursor?: WindowCursor | null, offset: number = 0, size: number = Infinity, flags: number = 0): boolean {
    if (cursor !== undefined && cursor !== null && !(cursor instanceof WindowCursor)) throw invalidType('cursor', 'an instance of WindowCursor', cursor)
    checkOffset('offset', offset)
    checkSize('size', size)
    checkFlags(flags)
    if (cursor && cursor !== this.#cursor) {
      this.#cursor?.unuseRegion()
      this.#cursor = cursor
    }
    this.#positional.forgetHandle()
    const current = this.#cursor
    if (current === null || !current.isAssociated()) return false
    // A new access starts on the file at the path now, as a new buffer would, and stays on it.
    current.unuseRegion()
    current._pinned = false
    if (!current.useRegion(offset, size === Infinity ? 0 : size, flags).isValid()) return false
    current._pinned = true
    this.#offset = offset
    // The file as it is now: a buffer made after the file grew or shrank has its new length.
    this.#length = Math.min(size, current._manager!._native.currentFileSize(current._file) - offset)
    this.#flags = flags
    return true
  }

  /** Lets go of the cursor's region; the length becomes 0. Idempotent. */
  endAccess(): void {
    this.#length = 0
    this.#positional.forgetHandle()
    if (this.#cursor === null) return
    this.#cursor.unuseRegion()
    this.#cursor._pinned = false
  }

  [Symbol.dispose](): void {
    this.endAccess()
  }

  /** The byte at `index` (negative counts from the end). */
  at(index: number): number {
    if (typeof index !== 'number') throw invalidType('index', 'of type number', index)
    const i = index < 0 ? index + this.#length : index
    if (!Number.isInteger(i) || i < 0 || i >= this.#length) throw outOfRange('index', `an integer >= ${-this.#length} and < ${this.#length}`, index)
    const absolute = this.#offset + i
    const region = this.#cursor!._region
    if (regionCovers(region, absolute)) return intact(region!, region!._buf[absolute - region!._ofs], absolute)
    return this.#afterAside(this.#readAside(i, 1)[this.#asideAt], absolute)
  }

  /** A copy of `[start, end)`, clamped like `Buffer.prototype.slice`, across any number of windows. */
  slice(start?: number, end?: number): Buffer {
    const length = this.#length
    let from = position('start', start, 0)
    let to = position('end', end, length)
    from = from < 0 ? Math.max(from + length, 0) : Math.min(from, length)
    to = to < 0 ? Math.max(to + length, 0) : Math.min(to, length)
    const out = Buffer.allocUnsafe(Math.max(to - from, 0))
    this.#copyRange(out, 0, from, from + out.length)
    return out
  }

  /** `Buffer.prototype.copy` across windows: copies into `target`, returns the bytes copied. */
  copy(target: Uint8Array, targetStart?: number, sourceStart?: number, sourceEnd?: number): number {
    if (!(target instanceof Uint8Array)) throw invalidType('target', 'an instance of Buffer or Uint8Array', target)
    const length = this.#length
    const to = position('targetStart', targetStart, 0)
    const from = position('sourceStart', sourceStart, 0)
    let end = position('sourceEnd', sourceEnd, length)
    if (to < 0) throw outOfRange('targetStart', '>= 0', to)
    if (from < 0 || from > length) throw outOfRange('sourceStart', `>= 0 && <= ${length}`, from)
    if (end < 0) throw outOfRange('sourceEnd', '>= 0', end)
    end = Math.min(end, length)
    const count = Math.min(end - from, target.length - to)
    if (count <= 0) return 0
    this.#copyRange(target, to, from, from + count)
    return count
  }

  /**
   * The first index of `value` (a byte, a string or bytes) at or after `byteOffset`, or -1.
   * Needles that straddle windows are found.
   */
  indexOf(value: number | string | Uint8Array, byteOffset: number | BufferEncoding = 0, encoding: BufferEncoding = 'utf8'): number {
    if (typeof byteOffset === 'string') {
      encoding = byteOffset as BufferEncoding
      byteOffset = 0
    }
    const needle = typeof value === 'number' ? Buffer.of(value & 0xff) : typeof value === 'string' ? Buffer.from(value, encoding) : value
    if (!(needle instanceof Uint8Array)) throw invalidType('value', 'one of type number or string or an instance of Buffer or Uint8Array', value)
    const length = this.#length
    let from = position('byteOffset', byteOffset, 0)
    from = from < 0 ? Math.max(from + length, 0) : from
    if (needle.length === 0) return Math.min(from, length)
    for (let pos = from; pos + needle.length <= length; ) {
      const absolute = this.#offset + pos
      const region = this.#regionAt(absolute)
      const at = absolute - region._ofs
      const windowEnd = Math.min(region._size, at + (length - pos))
      const found = intact(region, region._buf.subarray(0, windowEnd).indexOf(needle, at), absolute)
      if (found >= 0) return pos + (found - at)
      const next = pos + (windowEnd - at)
      if (next >= length) return -1
      // A needle may straddle this window's end: search the seam, copied across it.
      const seamStart = Math.max(next - needle.length + 1, pos)
      const seam = this.slice(seamStart, Math.min(next + needle.length - 1, length))
      const inSeam = seam.indexOf(needle)
      if (inSeam >= 0) return seamStart + inSeam
      pos = next
    }
    return -1
  }

  /** Whether `value` (a byte, a string or bytes) occurs at or after `byteOffset`, as `Buffer.includes`. */
  includes(value: number | string | Uint8Array, byteOffset: number | BufferEncoding = 0, encoding: BufferEncoding = 'utf8'): boolean {
    return this.indexOf(value, byteOffset, encoding) !== -1
  }

  /** The last index of `value` at or before `byteOffset`, or -1, as `Buffer.lastIndexOf`, across windows. */
  lastIndexOf(value: number | string | Uint8Array, byteOffset?: number | BufferEncoding, encoding?: BufferEncoding): number {
    return dropIn.lastIndexOf(this, value, byteOffset, encoding)
  }

  /**
   * `fs.readSync`'s shape: copies up to `length` bytes (default: what fits after `offset`) from
   * index `position` into `target` at `offset`; returns how many (0 at or past the end).
   * `position` `null` or left out reads at the buffer's read position and advances it.
   * @example const n = buf.read(header, 0, 12, 0)
   */
  read(target: NodeJS.ArrayBufferView, offset?: number, length?: number, position?: number | bigint | null): number
  read(target: NodeJS.ArrayBufferView, options?: { offset?: number; length?: number; position?: number | bigint | null }): number
  read(target: NodeJS.ArrayBufferView, offsetOrOptions?: unknown, length?: unknown, position?: unknown): number {
    return dropIn.read(this, target, offsetOrOptions, length, position)
  }

  /** The bytes `[start, end)` decoded, as `Buffer.toString` (its index rules and encodings). */
  toString(encoding?: BufferEncoding, start?: number, end?: number): string {
    return dropIn.decode(this, encoding, start, end)
  }

  /** Whether `other` holds the same bytes, as `Buffer.equals`. */
  equals(other: Uint8Array): boolean {
    return dropIn.equals(this, other)
  }

  /** `Buffer.compare`'s order of `[sourceStart, sourceEnd)` against `target[targetStart, targetEnd)`. */
  compare(target: Uint8Array, targetStart?: number, targetEnd?: number, sourceStart?: number, sourceEnd?: number): number {
    return dropIn.compare(this, target, targetStart, targetEnd, sourceStart, sourceEnd)
  }

  /** As `Buffer.readUIntLE`: an unsigned integer of 1 to 6 bytes at `offset`, across windows. */
  readUIntLE(offset: number, byteLength: number): number {
    return dropIn.readVariable(this, 'readUIntLE', offset, byteLength)
  }

  /** As `Buffer.readUIntBE`. */
  readUIntBE(offset: number, byteLength: number): number {
    return dropIn.readVariable(this, 'readUIntBE', offset, byteLength)
  }

  /** As `Buffer.readIntLE`. */
  readIntLE(offset: number, byteLength: number): number {
    return dropIn.readVariable(this, 'readIntLE', offset, byteLength)
  }

  /** As `Buffer.readIntBE`. */
  readIntBE(offset: number, byteLength: number): number {
    return dropIn.readVariable(this, 'readIntBE', offset, byteLength)
  }

  /**
   * `[start, end)` with `Buffer.subarray`'s index rules: zero copy when one window can hold the
   * range (a window is placed there as a cursor would; the Buffer keeps its bytes as long as it
   * is reachable), otherwise a copy.
   */
  subarray(start?: number, end?: number): Buffer {
    return dropIn.lease(this, start, end, false).buffer
  }

  /**
   * `[start, end)` handed out for asynchronous use: its `buffer` stays valid and its window
   * mapped and counted as in use until `release()` (idempotent; `using` calls it). A range no
   * window can hold gets a copy.
   * @example
   * using lease = buf.lease(ofs, ofs + size)
   * await zlib.inflate(lease.buffer)
   */
  lease(start?: number, end?: number): dropIn.Lease {
    return dropIn.lease(this, start, end, true)
  }

  /**
   * A `stream.Readable` of the bytes `[start, end]` (`end` inclusive, as `fs.createReadStream`),
   * in chunks of `highWaterMark` bytes, aborted by `signal`. Chunks keep their bytes however
   * long a consumer holds them, so `pipeline()` never loses data whatever the budget.
   */
  createReadStream(options?: dropIn.ReadStreamOptions): import('node:stream').Readable {
    return dropIn.createReadStream(this, options)
  }

  /**
   * Brings `[start, end)` (default: the whole buffer) into memory off the JavaScript thread, and
   * into the windows mapped there, so later synchronous reads of it wait for neither the disk
   * nor a page fault. Rejects with `ERR_SMMAP_CLOSED` if the manager closes first; closing or
   * collecting meanwhile is safe.
   */
  prefetch(start?: number, end?: number): Promise<void> {
    return dropIn.prefetch(this, start, end)
  }

  /**
   * Zero-copy chunks in order, as `chunks()`, while the next stretch is read ahead off the
   * JavaScript thread, so a scan of a cold file does not stall the event loop.
   * @example for await (const chunk of buf.chunksAsync(1 << 20)) hash.update(chunk)
   */
  chunksAsync(chunkSize: number = DEFAULT_CHUNK): AsyncGenerator<Buffer, void, undefined> {
    dropIn.checkChunkSize(chunkSize)
    return dropIn.chunksAsync(this, chunkSize)
  }

  /** `for await (const chunk of buf)`: `chunksAsync()` with the default chunk size. */
  [Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    return this.chunksAsync()
  }

  /** `{ byteLength, slice(start, end?) }`: the random-access source Parquet and Arrow readers accept. */
  toAsyncBuffer(): dropIn.AsyncBuffer {
    return dropIn.toAsyncBuffer(this)
  }

  /**
   * Zero-copy Buffers covering the buffer in order, each at most `chunkSize` bytes (a chunk may
   * end early at a window's end). A chunk keeps the file's bytes as long as it is reachable,
   * also after its window is let go of to keep the budget (its memory is then returned when
   * the chunk is garbage-collected), so a consumer may hold chunks as long as it likes.
   */
  chunks(chunkSize: number = DEFAULT_CHUNK): Generator<Buffer, void, undefined> {
    checkSize('chunkSize', chunkSize)
    if (chunkSize === 0) throw outOfRange('chunkSize', '> 0', chunkSize)
    return this._chunks(0, this.#length, chunkSize)
  }

  /**
   * Zero-copy chunks of `[from, to)` (buffer indices, already within bounds), as `chunks()`
   * yields them; a generator, so its body runs only on the first `next()`. @internal
   */
  *_chunks(from: number, to: number, chunkSize: number, pass: Pass = this._pass(from, to)): Generator<Buffer, void, undefined> {
    for (let pos = from; pos < Math.min(to, this.#length); ) {
      const absolute = this.#offset + pos
      const region = this.#regionAt(absolute)
      if (region !== pass.behind) {
        if (pass.dropBehind && pass.behind !== null) pass.behind._owner.passed()
        pass.behind = region
      }
      const at = absolute - region._ofs
      const size = Math.min(chunkSize, Math.min(to, this.#length) - pos, region._size - at)
      yield exposed(region)._view(at, size)
      pos += size
    }
  }

  /**
   * A sequential pass over `[from, to)`, which `_chunks` may serve in several calls. A pass over
   * more than the budget sees each window evicted before it could come back to it, so the
   * windows behind it give their pages back as it leaves them: it keeps about one window
   * resident instead of the whole budget (they stay mapped and cached). @internal
   */
  _pass(from: number, to: number): Pass {
    const budget = this.#cursor?._manager?._native.maxMappedMemorySize() ?? Number.POSITIVE_INFINITY
    return { dropBehind: to - from > budget, behind: null }
  }

  /** The file offset of index 0. @internal */
  get _start(): number {
    return this.#offset
  }

  /** The region holding absolute offset `absolute`, sliding the cursor there if need be. */
  #regionAt(absolute: number): MapRegion {
    const cursor = this.#cursor!
    const region = cursor._region
    if (regionCovers(region, absolute)) return region!
    // Ask for the rest of the buffer so the new window extends forward (reads mostly do).
    const moved = cursor.useRegion(absolute, this.#offset + this.#length - absolute, this.#flags)
    if (!moved.isValid()) {
      throw smmapError('ERR_SMMAP_TRUNCATED', `offset ${absolute} is past its end, now ${cursor.fileSize()} bytes`)
    }
    return cursor._region!
  }

  /**
   * A small read (`width` <= 8 bytes at buffer index `index`) that the cursor's window does not
   * hold whole. Another window of the file mapped already serves it without a call. Else it
   * maps a window there only when the reads before it were near (`PositionalReads.near`):
   * evidence that the next reads will land there too. Otherwise it reads positionally, so
   * random access over a file far larger than the budget costs one pread instead of a map, a
   * page fault and an unmap for every read. Returns the Buffer holding the bytes at
   * `#asideAt`: the resident region's, or the straddle buffer.
   */
  #readAside(index: number, width: number): Buffer {
    const absolute = this.#offset + index
    const cursor = this.#cursor!
    const region = cursor._region
    const near = this.#positional.near(absolute)
    // Another window of the file that is mapped already holds it: read it there, no call.
    const resident = cursor._manager!._resident(cursor._file, absolute)
    if (resident !== null && absolute + width <= resident._ofs + resident._size) {
      this.#asideAt = absolute - resident._ofs
      this.#asideRegion = resident
      return resident._buf
    }
    this.#asideAt = 0
    this.#asideRegion = null
    if (near || regionCovers(region, absolute)) {
      this.#copyOut(this.#straddle, 0, index, index + width)
    } else {
      this.#positional.read(cursor, this.#straddle, 0, absolute, width)
    }
    return this.#straddle
  }

  /** `#copyOut`, or one pread for a small range a window holds but the page cache does not (see SMALL_COPY). */
  #copyRange(target: Uint8Array, targetStart: number, from: number, to: number): void {
    if (to > from && to - from <= SMALL_COPY && this.#positional.readCold(this.#cursor!, target, targetStart, this.#offset + from, to - from)) return
    this.#copyOut(target, targetStart, from, to)
  }

  /**
   * `value`, read from what `#readAside` returned, once checked against truncation if that was
   * a mapped region, which is then forgotten: holding it would keep its memory reachable.
   */
  #afterAside<T>(value: T, absolute: number): T {
    const region = this.#asideRegion
    if (region === null) return value
    this.#asideRegion = null
    return intact(region, value, absolute)
  }

  /**
   * Copies `[from, to)` (buffer indices, already within bounds) into `target` at `targetStart`
   * (the copy path). The part the cursor's window holds is copied from it. A part it
   * does not hold is read with pread when it is longer than half a window: mapping it would
   * cost an mmap, a page fault per page and an munmap to copy each byte once, and would evict
   * windows that may still be wanted. A shorter part slides the window there, as reads do.
   * The static manager (window size 0) maps whole files and never reads positionally.
   */
  #copyOut(target: Uint8Array, targetStart: number, from: number, to: number): void {
    for (let pos = from, out = targetStart; pos < to; ) {
      const cursor = this.#cursor!
      const absolute = this.#offset + pos
      let region = cursor._region
      if (!regionCovers(region, absolute)) {
        // Up to where the cursor's window starts, if it starts inside the rest of the range.
        const ahead = region !== null && isMapped(region) && region._ofs > absolute
        const gap = Math.min(to, ahead ? region!._ofs - this.#offset : to) - pos
        const window = cursor._manager!._window
        if (window !== 0 && gap > window / 2) {
          this.#positional.read(cursor, target, out, absolute, gap)
          pos += gap
          out += gap
          continue
        }
        region = this.#regionAt(absolute)
      }
      const at = absolute - region!._ofs
      const count = Math.min(to - pos, region!._size - at)
      intact(region!, region!._buf.copy(target, out, at, at + count), absolute)
      pos += count
      out += count
    }
  }

  /** Builds the reader `name`: Buffer's own method on the current window, or on a straddle copy. @internal */
  static _reader<N extends ReaderName>(name: N): Reader<N> {
    const width = READERS[name]
    const read = Buffer.prototype[name] as (this: Buffer, offset: number) => ReturnType<Buffer[N]>
    return function (this: SlidingWindowMapBuffer, offset: number = 0) {
      if (typeof offset !== 'number') throw invalidType('offset', 'of type number', offset)
      if (!Number.isInteger(offset) || offset < 0 || offset > this.#length - width) {
        throw outOfRange('offset', `>= 0 and <= ${this.#length - width}`, offset)
      }
      const absolute = this.#offset + offset
      const region = this.#cursor!._region
      if (regionCovers(region, absolute)) {
        const at = absolute - region!._ofs
        if (at + width <= region!._size) return intact(region!, read.call(region!._buf, at), absolute)
      }
      return this.#afterAside(read.call(this.#readAside(offset, width), this.#asideAt), absolute)
    }
  }
}

/** A sequential pass (see `_pass`): whether it gives back the windows it leaves, and the window it is in. @internal */
export interface Pass {
  readonly dropBehind: boolean
  behind: MapRegion | null
}

export interface SlidingWindowMapBuffer {
  /** As `Buffer`'s, at an index relative to the buffer's start; a value across two windows is read whole. */
  readUInt8: Reader<'readUInt8'>
  readInt8: Reader<'readInt8'>
  readUInt16LE: Reader<'readUInt16LE'>
  readUInt16BE: Reader<'readUInt16BE'>
  readInt16LE: Reader<'readInt16LE'>
  readInt16BE: Reader<'readInt16BE'>
  readUInt32LE: Reader<'readUInt32LE'>
  readUInt32BE: Reader<'readUInt32BE'>
  readInt32LE: Reader<'readInt32LE'>
  readInt32BE: Reader<'readInt32BE'>
  readFloatLE: Reader<'readFloatLE'>
  readFloatBE: Reader<'readFloatBE'>
  readDoubleLE: Reader<'readDoubleLE'>
  readDoubleBE: Reader<'readDoubleBE'>
  readBigUInt64LE: Reader<'readBigUInt64LE'>
  readBigUInt64BE: Reader<'readBigUInt64BE'>
  readBigInt64LE: Reader<'readBigInt64LE'>
  readBigInt64BE: Reader<'readBigInt64BE'>
  /** Buffer's lowercase aliases, the same functions. */
  readUint8: Reader<'readUInt8'>
  readUint16LE: Reader<'readUInt16LE'>
  readUint16BE: Reader<'readUInt16BE'>
  readUint32LE: Reader<'readUInt32LE'>
  readUint32BE: Reader<'readUInt32BE'>
  readBigUint64LE: Reader<'readBigUInt64LE'>
  readBigUint64BE: Reader<'readBigUInt64BE'>
  readUintLE(offset: number, byteLength: number): number
  readUintBE(offset: number, byteLength: number): number
}

for (const name of Object.keys(READERS) as ReaderName[]) {
  const reader = SlidingWindowMapBuffer._reader(name)
  Object.defineProperty(SlidingWindowMapBuffer.prototype, name, { value: reader, writable: true, configurable: true })
  // Buffer's lowercase aliases (readUint32LE, readBigUint64LE, ...) are the same functions.
  const alias = name.replace('UInt', 'Uint')
  if (alias !== name) Object.defineProperty(SlidingWindowMapBuffer.prototype, alias, { value: reader, writable: true, configurable: true })
}
for (const name of ['readUIntLE', 'readUIntBE'] as const) {
  Object.defineProperty(SlidingWindowMapBuffer.prototype, name.replace('UInt', 'Uint'), {
    value: SlidingWindowMapBuffer.prototype[name],
    writable: true,
    configurable: true,
  })
}
