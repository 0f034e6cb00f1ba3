// The stress engine's operations: each does one thing a user does (make, move, copy or release
// a cursor; read through a SlidingWindowMapBuffer) and checks its result against the file's
// bytes and the contract. A throw other than ERR_SMMAP_LIMIT (checked to be justified) fails.
import fs = require('node:fs')
import zlib = require('node:zlib')
import smmap = require('smmap')
import files = require('./files')
import * as check from './stress-check'
import pkg = require('./smmap')

export interface StressFile {
  key: string | number
  data: Buffer
  size: number
}

export interface TrackedCursor {
  cursor: smmap.WindowCursor
  file: number
}

export interface TrackedBuffer {
  buf: smmap.SlidingWindowMapBuffer
  cursor: smmap.WindowCursor
  file: number
  /** Absolute offset of index 0, and the length the buffer must report. */
  offset: number
  length: number
}

/** A zero-copy view taken earlier, checked later: full of the file's bytes while its region is mapped, empty after. */
export interface StaleView {
  manager: smmap.StaticWindowMapManager
  region: number
  view: Buffer
  length: number
  file: number
  ofs: number
  /** Where this view was last written into (a view index), if it was. */
  writtenAt?: number
}

export interface ManagerState {
  manager: smmap.StaticWindowMapManager
  name: string
  cursors: TrackedCursor[]
  buffers: TrackedBuffer[]
  cursorCap: number
  bufferCap: number
  watched: check.Watched
  snapshot: check.Snapshot | null
}

export interface Ctx {
  rand: () => number
  files: StressFile[]
  stale: StaleView[]
  /** Views handed to asynchronous native consumers that have not finished yet. */
  pending: Set<Promise<void>>
  /** The memory those consumers read, with how many read it. */
  busy: Map<ArrayBufferLike, number>
  /** What those consumers got wrong, checked between steps. */
  asyncFailures: string[]
  asyncChecked: number
  filesReplaced: number
  filesGrown: number
  /** Bytes written into views of let-go windows, by ArrayBuffer and byte offset in it: every
   * view over that memory must read them instead of the file's. */
  writes: WeakMap<ArrayBufferLike, Map<number, number>>
  viewWrites: number
  writesChecked: number
  /** Indices of the files replaced so far: a buffer on one may find its file gone (ESTALE). */
  replaced: Set<number>
  staleErrors: number
  /** The null device, open for the run, for fs.write to read views into. */
  nullFd: number
  limitErrors: number
  bytesVerified: number
  staleViewsChecked: number
  /** Views kept of windows over one pane: through a pane's ArrayBuffer, and through the whole window's. */
  paneViews: number
  wholeViewsOverPane: number
  cursorsMade: number
  buffersMade: number
}

interface Op {
  name: string
  weight: number
  run(ctx: Ctx, m: ManagerState): void
}

const MAX_STALE = 24
/** The bytes of one pane of a window's views (see view.rs). */
const VIEW_PANE: number = pkg.binding().VIEW_PANE
/**
 * The files that grow in place (by index: a 4095-byte and a 65,636-byte one), never replaced:
 * readers of a replaced file's old copy would read a file that did not grow. The other small
 * files are replaced, never grown.
 */
const GROWING = new Set([1, 3])
/** At most this many asynchronous consumers at once (each holds up to 64 KiB of a window). */
const MAX_PENDING = 16

const READERS = [
  ['readUInt8', 1],
  ['readInt8', 1],
  ['readUInt16LE', 2],
  ['readUInt16BE', 2],
  ['readInt16LE', 2],
  ['readInt16BE', 2],
  ['readUInt32LE', 4],
  ['readUInt32BE', 4],
  ['readInt32LE', 4],
  ['readInt32BE', 4],
  ['readFloatLE', 4],
  ['readFloatBE', 4],
  ['readDoubleLE', 8],
  ['readDoubleBE', 8],
  ['readBigUInt64LE', 8],
  ['readBigUInt64BE', 8],
  ['readBigInt64LE', 8],
  ['readBigInt64BE', 8],
] as const

const int = (ctx: Ctx, lo: number, hi: number) => files.randInt(ctx.rand, lo, hi)
const pick = <T>(ctx: Ctx, items: readonly T[]): T => items[Math.floor(ctx.rand() * items.length)]

/** Mostly inside the file, often near its end, sometimes at or past it. */
function randomOffset(ctx: Ctx, size: number): number {
  const r = ctx.rand()
  if (r < 0.75) return int(ctx, 0, size - 1)
  if (r < 0.93) return Math.max(0, size - int(ctx, 1, 8192))
  return size + int(ctx, 0, 8192)
}

/** 0 ("as much as the window allows"), small, large, or unbounded. */
function randomSize(ctx: Ctx): number {
  const r = ctx.rand()
  if (r < 0.3) return 0
  if (r < 0.7) return int(ctx, 1, 4096)
  if (r < 0.9) return int(ctx, 1, 2 << 20)
  return r < 0.95 ? Infinity : 2 ** 40
}

/** Compares `view` (the bytes at absolute `ofs` of `file`) whole when small, else at its ends and one random spot. */
function verify(ctx: Ctx, what: string, view: Uint8Array, file: number, ofs: number): void {
  const data = ctx.files[file].data
  const n = view.length
  if (n <= 16384) {
    check.expectBytes(what, view, data.subarray(ofs, ofs + n))
    ctx.bytesVerified += n
    return
  }
  for (const at of [0, n - 4096, int(ctx, 0, n - 4096)]) {
    check.expectBytes(`${what} [${at}, +4096)`, view.subarray(at, at + 4096), data.subarray(ofs + at, ofs + at + 4096))
  }
  ctx.bytesVerified += 3 * 4096
}

function remember(ctx: Ctx, m: ManagerState, cursor: smmap.WindowCursor, view: Buffer, file: number, ofs: number): void {
  if (view.length === 0) return
  if ((cursor.region()?.size() ?? 0) > VIEW_PANE) {
    if (view.buffer.byteLength > VIEW_PANE) ctx.wholeViewsOverPane++
    else ctx.paneViews++
  }
  if (ctx.stale.length >= MAX_STALE) ctx.stale.splice(Math.floor(ctx.rand() * MAX_STALE), 1)
  ctx.stale.push({ manager: m.manager, region: check.heldRegion(cursor), view, length: view.length, file, ofs })
}

/** Runs `fn`; an ERR_SMMAP_LIMIT is counted and checked to be justified (returns false), anything else propagates. */
function allowLimit(ctx: Ctx, m: ManagerState, fn: () => void): boolean {
  try {
    fn()
    return true
  } catch (error) {
    const code = (error as { code?: string }).code
    // A buffer whose cursor lost its region to a limit error, and whose file was replaced at
    // its path meanwhile, finds its file out of reach: ESTALE, never the new file's bytes.
    // Only a replaced file can be stale, so it is justified once one was.
    if (code === 'ESTALE' && ctx.replaced.size > 0) {
      ctx.staleErrors++
      return false
    }
    if (code !== 'ERR_SMMAP_LIMIT') throw error
    ctx.limitErrors++
    check.checkLimitError(m.watched)
    return false
  }
}

/** Checks a cursor after `useRegion(offset, size)`: placed as asked, capped as documented, holding the file's bytes. */
function checkPlaced(ctx: Ctx, m: ManagerState, c: TrackedCursor, offset: number, size: number): void {
  const fileSize = ctx.files[c.file].size
  if (offset >= fileSize) {
    check.expectEqual(`isValid() after useRegion(${offset}) at or past the end (${fileSize})`, c.cursor.isValid(), false)
    return
  }
  check.expectEqual(`isValid() after useRegion(${offset}, ${size})`, c.cursor.isValid(), true)
  const region = c.cursor.region()!
  check.expectEqual('ofsBegin()', c.cursor.ofsBegin(), offset)
  if (!(region.ofsBegin() <= offset && offset < region.ofsEnd())) throw new Error(`region [${region.ofsBegin()}, ${region.ofsEnd()}) misses offset ${offset}`)
  const expected = Math.min(size || Infinity, m.manager.windowSize() || Infinity, region.ofsEnd() - offset)
  check.expectEqual(`size() after useRegion(${offset}, ${size})`, c.cursor.size(), expected)
  verify(ctx, `cursor.buffer() at ${offset}`, c.cursor.buffer(), c.file, offset)
}

function useAt(ctx: Ctx, m: ManagerState, c: TrackedCursor, offset: number, size: number): void {
  if (allowLimit(ctx, m, () => c.cursor.useRegion(offset, size))) checkPlaced(ctx, m, c, offset, size)
  else check.expectEqual('isValid() after ERR_SMMAP_LIMIT', c.cursor.isValid(), false)
}

function addCursor(ctx: Ctx, m: ManagerState, c: TrackedCursor): void {
  if (m.cursors.length >= m.cursorCap) m.cursors.splice(Math.floor(ctx.rand() * m.cursors.length), 1)[0].cursor.release()
  m.cursors.push(c)
  ctx.cursorsMade++
}

function checkSameAs(copy: smmap.WindowCursor, original: smmap.WindowCursor): void {
  check.expectEqual('copy isValid()', copy.isValid(), original.isValid())
  check.expectEqual('copy region()', copy.region(), original.region())
  check.expectEqual('copy size()', copy.size(), original.size())
  if (original.isValid()) check.expectEqual('copy ofsBegin()', copy.ofsBegin(), original.ofsBegin())
}

/** The bytes a buffer covers, as a Buffer over the file's data. */
function bufferData(ctx: Ctx, b: TrackedBuffer): Buffer {
  return ctx.files[b.file].data.subarray(b.offset, b.offset + b.length)
}

const cursorOps: Op[] = [
  {
    name: 'makeCursor',
    weight: 6,
    run(ctx, m) {
      const file = int(ctx, 0, ctx.files.length - 1)
      addCursor(ctx, m, { cursor: m.manager.makeCursor(ctx.files[file].key), file })
    },
  },
  {
    name: 'useRegion',
    weight: 20,
    run(ctx, m) {
      if (m.cursors.length === 0) return
      const c = pick(ctx, m.cursors)
      useAt(ctx, m, c, randomOffset(ctx, ctx.files[c.file].size), randomSize(ctx))
    },
  },
  {
    name: 'move',
    weight: 12,
    run(ctx, m) {
      const valid = m.cursors.filter((c) => c.cursor.isValid())
      if (valid.length === 0) return
      const c = pick(ctx, valid)
      // Scan on from the window's end, or step back a little: the moves of a sequential reader.
      const offset = ctx.rand() < 0.7 ? c.cursor.ofsEnd() : Math.max(0, c.cursor.ofsBegin() - int(ctx, 1, 1 << 20))
      useAt(ctx, m, c, offset, pick(ctx, [0, 4096, 65536, int(ctx, 1, 1 << 20)]))
    },
  },
  {
    name: 'copy',
    weight: 4,
    run(ctx, m) {
      if (m.cursors.length === 0) return
      const c = pick(ctx, m.cursors)
      const copy = c.cursor.copy()
      checkSameAs(copy, c.cursor)
      addCursor(ctx, m, { cursor: copy, file: c.file })
    },
  },
  {
    name: 'assign',
    weight: 3,
    run(ctx, m) {
      if (m.cursors.length < 2) return
      const a = pick(ctx, m.cursors)
      const b = pick(ctx, m.cursors)
      a.cursor.assign(b.cursor)
      a.file = b.file
      checkSameAs(a.cursor, b.cursor)
    },
  },
  {
    name: 'unuseRegion',
    weight: 6,
    run(ctx, m) {
      if (m.cursors.length === 0) return
      const c = pick(ctx, m.cursors)
      c.cursor.unuseRegion()
      check.expectEqual('isValid() after unuseRegion()', c.cursor.isValid(), false)
    },
  },
  {
    name: 'release',
    weight: 4,
    run(ctx, m) {
      if (m.cursors.length === 0) return
      const c = pick(ctx, m.cursors)
      c.cursor.release()
      c.cursor.release() // idempotent
      check.expectEqual('isValid() after release()', c.cursor.isValid(), false)
    },
  },
  {
    name: 'collect',
    weight: 1,
    run(ctx, m) {
      const before = m.manager.numFileHandles()
      const freed = m.manager.collect()
      check.expectEqual('collect() result', freed, before - m.manager.numFileHandles())
      check.expectEqual('a second collect()', m.manager.collect(), 0)
    },
  },
  {
    // A view handed to the thread pool (zlib) and to fs.write while the engine goes on
    // evicting, collecting and closing: the consumers must see the file's bytes. Not on
    // Windows, where a let-go window is unmapped at once and asynchronous use needs a lease
    // (README, "Guarantees").
    name: 'hand to async consumers',
    weight: 3,
    run(ctx, m) {
      if (!files.windowsOutliveUse) return
      const valid = m.cursors.filter((c) => c.cursor.isValid())
      if (valid.length === 0 || ctx.pending.size >= MAX_PENDING) return
      const c = pick(ctx, valid)
      const view = c.cursor.buffer().subarray(0, 64 * 1024)
      const ofs = c.cursor.ofsBegin()
      const expected = Buffer.from(ctx.files[c.file].data.subarray(ofs, ofs + view.length))
      const deflated = new Promise<void>((resolve) => {
        zlib.deflate(view, (error, out) => {
          if (error) ctx.asyncFailures.push(`zlib.deflate of a view at ${ofs}: ${error.message}`)
          else if (!zlib.inflateSync(out).equals(expected)) ctx.asyncFailures.push(`zlib.deflate of a view at ${ofs} read other bytes`)
          ctx.asyncChecked++
          resolve()
        })
      })
      const written = new Promise<void>((resolve) => {
        fs.write(ctx.nullFd, view, 0, view.length, null, (error) => {
          if (error) ctx.asyncFailures.push(`fs.write of a view at ${ofs}: ${error.message}`)
          ctx.asyncChecked++
          resolve()
        })
      })
      ctx.busy.set(view.buffer, (ctx.busy.get(view.buffer) ?? 0) + 2)
      for (const job of [deflated, written]) {
        ctx.pending.add(job)
        job.then(() => {
          ctx.pending.delete(job)
          const readers = ctx.busy.get(view.buffer)! - 1
          if (readers === 0) ctx.busy.delete(view.buffer)
          else ctx.busy.set(view.buffer, readers)
        })
      }
    },
  },
  {
    // A consumer that keeps a chunk and transforms it in place, before or after its window is
    // let go of: the write stays, in that view and in every other view of the same memory.
    // Only into memory no cursor or buffer reads any more: a let-go window, or an unused one
    // that collect() then lets go of at once; and none an asynchronous consumer in flight reads.
    name: 'write into a view, then let its window go',
    weight: 2,
    run(ctx, m) {
      const own = ctx.stale.filter((v) => v.manager === m.manager)
      if (!files.windowsOutliveUse || own.length === 0) return
      const v = pick(ctx, own)
      const mapped = check.isMapped(v.manager, v.region)
      if ((mapped && !check.isIdle(v.manager, v.region)) || ctx.busy.has(v.view.buffer)) return
      const at = int(ctx, 0, v.length - 1)
      const value = v.view[at] ^ int(ctx, 1, 255)
      v.view[at] = value
      let written = ctx.writes.get(v.view.buffer)
      if (written === undefined) {
        written = new Map()
        ctx.writes.set(v.view.buffer, written)
      }
      written.set(v.view.byteOffset + at, value)
      v.writtenAt = at
      ctx.viewWrites++
      if (mapped) m.manager.collect()
    },
  },
  {
    // Another process replaces a file at its path (an identical copy renamed over it): readers
    // that started on the old file keep reading it, new ones get the new file under a new id,
    // and both read the same bytes, which every check of the engine goes on verifying.
    name: 'replace a file',
    weight: 1,
    run(ctx) {
      if (process.platform === 'win32') return // Windows refuses to replace a mapped file
      // Files under 1 MiB: rewriting the big ones a few thousand times would only cost time.
      const paths = ctx.files.map((f, i) => [f.key, i] as const).filter(([key, i]) => typeof key === 'string' && ctx.files[i].size < 1 << 20 && !GROWING.has(i))
      const [key, f] = pick(ctx, paths) as readonly [string, number]
      fs.writeFileSync(`${key}.new`, ctx.files[f].data)
      fs.renameSync(`${key}.new`, key)
      ctx.filesReplaced++
      ctx.replaced.add(f)
    },
  },
  {
    // Another process appends to a file in place: the same file at the same path, longer. What
    // readers read stays true (the pattern depends on the offset only), buffers made afterwards
    // have the new length, and misses past the old end map the new bytes, which every check of
    // the engine goes on verifying against the grown contents.
    name: 'grow a file',
    weight: 1,
    run(ctx) {
      if (process.platform === 'win32') return // as for 'replace a file'
      const small = [...GROWING].filter((i) => ctx.files[i].size < 1 << 20)
      if (small.length === 0) return
      const file = ctx.files[pick(ctx, small)]
      const grown = files.pattern(file.size + int(ctx, 1, 65536))
      fs.appendFileSync(file.key as string, grown.subarray(file.size))
      file.data = grown
      file.size = grown.length
      ctx.filesGrown++
    },
  },
  {
    name: 'read cursor',
    weight: 10,
    run(ctx, m) {
      const valid = m.cursors.filter((c) => c.cursor.isValid())
      if (valid.length === 0) return
      const c = pick(ctx, valid)
      const view = c.cursor.buffer()
      verify(ctx, 'cursor.buffer()', view, c.file, c.cursor.ofsBegin())
      const whole = c.cursor.map()
      const regionOfs = c.cursor.region()!.ofsBegin()
      verify(ctx, 'cursor.map()', whole, c.file, regionOfs)
      if (ctx.rand() < 0.5) remember(ctx, m, c.cursor, view, c.file, c.cursor.ofsBegin())
      else remember(ctx, m, c.cursor, whole, c.file, regionOfs)
    },
  },
]

export { cursorOps, randomOffset, verify, remember, allowLimit, bufferData, int, pick, READERS }
export type { Op }
