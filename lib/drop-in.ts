// The shapes parsers are written against, on SlidingWindowMapBuffer: fs.readSync's read(), Buffer's
// toString/equals/compare/includes/lastIndexOf and variable-width readers, zero-copy subarray()
// and leases, a Readable stream and an AsyncBuffer for columnar readers. Each gives the result
// and the errors Buffer or fs gives for the same bytes and arguments, across windows. The class
// (lib/buf.ts) delegates to these functions; everything here goes through its methods.
import { Readable } from 'node:stream'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Pass, SlidingWindowMapBuffer } from './buf'
import native = require('./native')
import { checkSize, codedError, invalidType, outOfRange, smmapError } from './errors'
import { exposed } from './util'

/** Bytes compared or searched at a time, so a whole file is never copied at once. */
const BLOCK = 1 << 20

/** The current read position of each buffer, for `read()` without a position (as a file has one). */
const readPositions = new WeakMap<SlidingWindowMapBuffer, number>()

/** `fs.readSync`'s checks of an integer argument. */
function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value)
  return value
}

/** `fs.readSync(fd, target, offset?, length?, position?)` and `(fd, target, { offset, length, position })`. */
export function read(buf: SlidingWindowMapBuffer, target: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): number {
  if (!ArrayBuffer.isView(target)) throw invalidType('buffer', 'an instance of Buffer, TypedArray, or DataView', target)
  let offset: unknown = offsetOrOptions
  if (typeof offsetOrOptions === 'object' && offsetOrOptions !== null) {
    ;({ offset, length, position } = offsetOrOptions as { offset?: unknown; length?: unknown; position?: unknown })
  }
  const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength)
  const at = offset === undefined ? 0 : checkInt('offset', offset, 0, bytes.length)
  const count = length === undefined ? bytes.length - at : checkInt('length', length, 0, bytes.length - at)
  let from: number
  const advance = position === undefined || position === null || position === -1 || position === -1n
  if (advance) from = readPositions.get(buf) ?? 0
  else if (typeof position === 'bigint') from = Number(position)
  else from = checkInt('position', position, 0, Number.MAX_SAFE_INTEGER)
  if (from < 0 || !Number.isSafeInteger(from)) throw outOfRange('position', `>= 0 && <= ${Number.MAX_SAFE_INTEGER}`, position)
  const copied = count === 0 || from >= buf.length ? 0 : buf.copy(bytes, at, from, from + count)
  if (advance) readPositions.set(buf, from + copied)
  return copied
}

/** `Buffer.prototype.toString`'s index rules, over any number of windows. */
export function decode(buf: SlidingWindowMapBuffer, encoding?: BufferEncoding, start?: number, end?: number): string {
  const length = buf.length
  let from = start === undefined ? 0 : Math.trunc(Number(start)) || 0
  if (from <= 0) from = 0
  else if (from >= length) return ''
  let to = end === undefined || Number(end) > length ? length : Math.trunc(Number(end)) || 0
  if (to <= from) return ''
  if (to > length) to = length
  // As Buffer does, the encoding is checked only once there is something to decode.
  if (encoding !== undefined && !Buffer.isEncoding(encoding)) {
    throw codedError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${String(encoding)}`)
  }
  return buf.slice(from, to).toString(encoding)
}

/** The bytes of `other`, which Buffer's comparisons require to be a Uint8Array. */
function bytesOf(name: string, other: unknown): Uint8Array {
  if (!(other instanceof Uint8Array)) throw invalidType(name, 'an instance of Buffer or Uint8Array', other)
  return other
}

/** Compares `[from, to)` of the buffer with `other[otherFrom, otherTo)` as Buffer.compare does. */
function compareRange(buf: SlidingWindowMapBuffer, from: number, to: number, other: Uint8Array, otherFrom: number, otherTo: number): number {
  const block = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(to - from, 0)))
  for (let pos = from, at = otherFrom; pos < to && at < otherTo; ) {
    const n = Math.min(block.length, to - pos, otherTo - at)
    buf.copy(block, 0, pos, pos + n)
    const order = Buffer.compare(block.subarray(0, n), other.subarray(at, at + n))
    if (order !== 0) return order
    pos += n
    at += n
  }
  const left = to - from
  const right = otherTo - otherFrom
  return left === right ? 0 : left < right ? -1 : 1
}

/** `Buffer.prototype.equals`. */
export function equals(buf: SlidingWindowMapBuffer, other: unknown): boolean {
  const bytes = bytesOf('otherBuffer', other)
  return bytes.length === buf.length && compareRange(buf, 0, buf.length, bytes, 0, bytes.length) === 0
}

/** A compare() bound: undefined is the default, anything else an integer in `[0, max]`. */
function bound(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback
  return checkInt(name, value, 0, max)
}

/** `Buffer.prototype.compare(target, targetStart, targetEnd, sourceStart, sourceEnd)`. */
export function compare(
  buf: SlidingWindowMapBuffer,
  target: unknown,
  targetStart?: unknown,
  targetEnd?: unknown,
  sourceStart?: unknown,
  sourceEnd?: unknown,
): number {
  const other = bytesOf('target', target)
  const tStart = bound('targetStart', targetStart, 0, other.length)
  const tEnd = bound('targetEnd', targetEnd, other.length, other.length)
  const sStart = bound('sourceStart', sourceStart, 0, buf.length)
  const sEnd = bound('sourceEnd', sourceEnd, buf.length, buf.length)
  if (sStart >= sEnd) return tStart >= tEnd ? 0 : -1
  if (tStart >= tEnd) return 1
  return compareRange(buf, sStart, sEnd, other, tStart, tEnd)
}

/** The needle Buffer.indexOf/lastIndexOf search for. */
function needleOf(value: unknown, encoding: BufferEncoding | undefined): Uint8Array {
  if (typeof value === 'number') return Buffer.of(value & 0xff)
  if (typeof value === 'string') return Buffer.from(value, encoding)
  if (value instanceof Uint8Array) return value
  throw invalidType('value', 'one of type number or string or an instance of Buffer or Uint8Array', value)
}

/** `Buffer.prototype.lastIndexOf(value, byteOffset?, encoding?)` (also `(value, encoding)`). */
export function lastIndexOf(buf: SlidingWindowMapBuffer, value: unknown, byteOffset?: unknown, encoding?: BufferEncoding): number {
  if (typeof byteOffset === 'string') {
    encoding = byteOffset as BufferEncoding
    byteOffset = undefined
  }
  const needle = needleOf(value, encoding)
  const length = buf.length
  let from = byteOffset === undefined ? length : Number(byteOffset)
  if (Number.isNaN(from)) from = length
  from = Math.trunc(from)
  if (from < 0) from += length
  if (from < 0) return -1
  if (needle.length === 0) return Math.min(from, length)
  // Search backwards block by block; each block reaches a needle's length past its end, so a
  // match across two blocks is found in the earlier one.
  let end = Math.min(from + needle.length, length)
  while (end >= needle.length) {
    const start = Math.max(end - BLOCK, 0)
    const block = buf.slice(start, end)
    const found = block.lastIndexOf(needle, Math.min(from - start, block.length - needle.length))
    if (found >= 0) return start + found
    if (start === 0) return -1
    end = start + needle.length - 1
  }
  return -1
}

/** The checks Buffer makes of readUIntLE & co's arguments. */
function checkVariable(buf: SlidingWindowMapBuffer, offset: unknown, byteLength: unknown): [number, number] {
  if (typeof byteLength !== 'number') throw invalidType('byteLength', 'of type number', byteLength)
  if (!Number.isInteger(byteLength) || byteLength < 1 || byteLength > 6) throw outOfRange('byteLength', '>= 1 and <= 6', byteLength)
  if (typeof offset !== 'number') throw invalidType('offset', 'of type number', offset)
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length - byteLength) {
    if (buf.length - byteLength < 0) throw codedError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', 'Attempt to access memory outside buffer bounds')
    throw outOfRange('offset', `>= 0 and <= ${buf.length - byteLength}`, offset)
  }
  return [offset, byteLength]
}

const variableScratch = Buffer.alloc(8)

/** One of Buffer's variable-width readers (`readUIntLE` & co), on 1 to 6 bytes across windows. */
export function readVariable(
  buf: SlidingWindowMapBuffer,
  method: 'readUIntLE' | 'readUIntBE' | 'readIntLE' | 'readIntBE',
  offset: unknown,
  byteLength: unknown,
): number {
  const [at, width] = checkVariable(buf, offset, byteLength)
  buf.copy(variableScratch, 0, at, at + width)
  return variableScratch[method](0, width)
}

/** `Buffer.prototype.subarray`'s index rules: negative from the end, clamped, NaN as 0. */
export function range(length: number, start: unknown, end: unknown): [number, number] {
  const index = (value: unknown, fallback: number) => {
    if (value === undefined) return fallback
    const n = Math.trunc(Number(value)) || 0
    return n < 0 ? Math.max(n + length, 0) : Math.min(n, length)
  }
  const from = index(start, 0)
  return [from, Math.max(index(end, length), from)]
}

/** A lease's Buffer and its release: zero copy while a window of the buffer's file holds the range. */
export interface Lease {
  readonly buffer: Buffer
  release(): void
  [Symbol.dispose](): void
}

/**
 * `[from, to)` zero-copy when one window can hold it (a window is placed there as a cursor
 * would), else a copy. With `hold`, the window stays in use (counted for the budget) until
 * the lease is released; without, it may be let go of at once (its Buffer keeps the bytes).
 */
export function lease(buf: SlidingWindowMapBuffer, start: unknown, end: unknown, hold: boolean): Lease {
  const [from, to] = range(buf.length, start, end)
  const cursor = buf.cursor()
  const window = cursor?._manager?._window ?? 0
  if (cursor !== null && to > from && (window === 0 || to - from <= window)) {
    const own = cursor.copy()
    const absolute = buf._start + from
    if (own.useRegion(absolute, to - from).isValid() && own.ofsEnd() >= buf._start + to) {
      const bytes = own.buffer().subarray(0, to - from)
      if (!hold) own.release()
      return { buffer: bytes, release: () => own.release(), [Symbol.dispose]: () => own.release() }
    }
    own.release()
  }
  const copy = buf.slice(from, to)
  return { buffer: copy, release: () => {}, [Symbol.dispose]: () => {} }
}

/** `fs.createReadStream`'s options, and `signal`. */
export interface ReadStreamOptions {
  /** First buffer index to read (default 0). */
  start?: number
  /** Last buffer index to read, inclusive as in `fs.createReadStream` (default: the end). */
  end?: number
  /** Bytes per chunk (default 64 KiB). */
  highWaterMark?: number
  /** Aborts the stream (it is destroyed with an `AbortError`). */
  signal?: AbortSignal
}

/**
 * Where a let-go window's Buffers are emptied (Windows), chunks handed to code that runs later
 * are copies: a stream or an async loop cannot say when its consumer is done with a chunk.
 */
const CHUNKS_ARE_VIEWS: boolean = native.mappingsOutliveUse()

/**
 * Bytes the asynchronous iterator and streams hand out between turns of the event loop.
 * Awaits alone do not give timers and I/O a turn: a read-ahead that is already done resolves
 * as a microtask, so without a turn a fast consumer would hold the loop for whole stretches
 * of the file.
 */
const TURN = 1 << 20

/** The chunks of `[from, to)` as asynchronous consumers may keep them (see CHUNKS_ARE_VIEWS). */
function* heldChunks(buf: SlidingWindowMapBuffer, from: number, to: number, chunkSize: number, pass?: Pass): Generator<Buffer, void, undefined> {
  for (const chunk of buf._chunks(from, to, chunkSize, pass)) yield CHUNKS_ARE_VIEWS ? chunk : Buffer.from(chunk)
}

/** A Readable of `[start, end]`; its chunks keep their bytes however long a consumer holds them. */
export function createReadStream(buf: SlidingWindowMapBuffer, options: ReadStreamOptions = {}): Readable {
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'of type object', options)
  const { start = 0, end = Infinity, highWaterMark = 64 * 1024, signal } = options
  checkInt('start', start, 0, Number.MAX_SAFE_INTEGER)
  if (end !== Infinity) checkInt('end', end, 0, Number.MAX_SAFE_INTEGER)
  if (start > end) throw outOfRange('start', `<= "end" (here: ${end})`, start)
  checkInt('highWaterMark', highWaterMark, 1, Number.MAX_SAFE_INTEGER)
  const chunks = heldChunks(buf, Math.min(start, buf.length), Math.min(end + 1, buf.length), highWaterMark)
  let sinceTurn = 0
  return new Readable({
    highWaterMark,
    signal,
    read() {
      const produce = () => {
        if (this.destroyed) return
        try {
          const next = chunks.next()
          if (!next.done) sinceTurn += next.value.length
          this.push(next.done ? null : next.value)
        } catch (error) {
          this.destroy(error as Error)
        }
      }
      // A synchronous consumer would otherwise pull the whole range without the event loop
      // getting a turn (see TURN).
      if (sinceTurn < TURN) return produce()
      sinceTurn = 0
      setImmediate(produce)
    },
  })
}

/** The random-access source columnar readers (Parquet, Arrow) accept. */
export interface AsyncBuffer {
  readonly byteLength: number
  /** A copy of `[start, end)` (ArrayBuffer.prototype.slice's index rules), owned by the caller. */
  slice(start: number, end?: number): Promise<ArrayBuffer>
}

export function toAsyncBuffer(buf: SlidingWindowMapBuffer): AsyncBuffer {
  return {
    byteLength: buf.length,
    slice: async (start: number, end?: number) => {
      const [from, to] = range(buf.length, start, end)
      const out = new ArrayBuffer(to - from)
      if (to > from) buf.copy(new Uint8Array(out), 0, from, to)
      return out
    },
  }
}

/**
 * Brings `[start, end)` into the page cache on libuv's thread pool, then the part of it that
 * mapped windows hold into their page tables (`populateResident`), so later synchronous reads
 * of it wait for neither the disk nor a fault. Rejects with ERR_SMMAP_CLOSED if the manager
 * closes first.
 */
export async function prefetch(buf: SlidingWindowMapBuffer, start?: unknown, end?: unknown): Promise<void> {
  const [from, to] = range(buf.length, start, end)
  const cursor = buf.cursor()
  const manager = cursor?._manager
  if (!cursor || !manager) return
  if (manager._closed) throw smmapError('ERR_SMMAP_CLOSED')
  if (to > from) {
    await native.readAhead(manager._native.reader(cursor._file), buf._start + from, to - from)
    if (manager._closed) throw smmapError('ERR_SMMAP_CLOSED')
    await populateResident(buf, from, to)
  }
  if (manager._closed) throw smmapError('ERR_SMMAP_CLOSED')
}

/**
 * Brings the pages of `[from, to)` (buffer indices within bounds) that mapped windows of the
 * file hold, window after window from `from`, into those windows' page tables and reads each
 * once, on the pool: the JavaScript thread's first touch of them then costs nothing. Else it
 * pays a page fault, and in a virtual machine a trap to the hypervisor for every page the
 * disk has just filled (about 6 µs a page where this was measured): the JavaScript thread of
 * a cold 1 GiB `for await` scan was busy 54 ms without this and 24 ms with it (`npm run bench`,
 * W6). Each task holds a view of its window, which keeps the mapping alive whatever the
 * manager does where views outlive their windows (`CHUNKS_ARE_VIEWS`; the window is marked
 * exposed, so the manager lets it go to its views rather than unmapping it). Pages no window
 * holds are left to their first reader.
 */
async function populateResident(buf: SlidingWindowMapBuffer, from: number, to: number): Promise<void> {
  const cursor = buf.cursor()
  const manager = cursor?._manager
  if (!CHUNKS_ARE_VIEWS || !cursor || !manager) return
  // The cursor may be released while a window is worked on: its manager and file stay known.
  const file = cursor._file
  for (let absolute = buf._start + from; absolute < buf._start + to; ) {
    const region = manager._resident(file, absolute)
    if (region === null) return
    const at = absolute - region._ofs
    // A piece at a time that one pane holds, so no view larger than a pane is made for it.
    const length = Math.min(region._paneRoom(at), buf._start + to - absolute)
    await native.populateView(exposed(region)._view(at, length))
    absolute += length
  }
}

/** How far ahead the asynchronous iterator reads, at least. */
const AHEAD = 8 << 20

/**
 * The buffer's chunks, in order, while the next stretch of the file is read into the page cache
 * and into its window off the JavaScript thread: the caller's work on one stretch overlaps the
 * disk's on the next, and touching a chunk's pages waits for neither the disk nor a fault.
 */
export async function* chunksAsync(buf: SlidingWindowMapBuffer, chunkSize: number): AsyncGenerator<Buffer, void, undefined> {
  const step = Math.max(chunkSize, AHEAD)
  // One pass over the whole buffer, served a stretch at a time.
  const pass = buf._pass(0, buf.length)
  let ready = prefetch(buf, 0, step)
  for (let pos = 0; pos < buf.length; pos += step) {
    await ready
    ready = prefetch(buf, pos + step, pos + 2 * step)
    ready.catch(() => {}) // awaited on the next step; a close meanwhile ends the loop there
    let sinceTurn = 0
    for (const chunk of heldChunks(buf, pos, Math.min(pos + step, buf.length), chunkSize, pass)) {
      yield chunk
      sinceTurn += chunk.length
      if (sinceTurn >= TURN) {
        sinceTurn = 0
        await nextTurn()
      }
    }
  }
  await ready
}

/** `chunksAsync()`'s argument check, done at once rather than on the first `next()`. */
export function checkChunkSize(chunkSize: number): void {
  checkSize('chunkSize', chunkSize)
  if (chunkSize === 0) throw outOfRange('chunkSize', '> 0', chunkSize)
}
