// The stress engine's SlidingWindowMapBuffer operations: construction, at, slice, copy, the
// fixed-width readers, indexOf and chunks, each compared with what Buffer gives on the file's
// bytes.
import smmap = require('smmap')
import * as check from './stress-check'
import { allowLimit, bufferData, int, pick, READERS, remember, verify, type Ctx, type ManagerState, type Op, type TrackedBuffer } from './stress-ops'

/** A buffer that covers at least one byte, or null. */
function live(ctx: Ctx, m: ManagerState): TrackedBuffer | null {
  const open = m.buffers.filter((b) => b.length > 0)
  return open.length === 0 ? null : pick(ctx, open)
}

function expectCode(what: string, fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (error) {
    check.expectEqual(`${what} error code`, (error as { code?: string }).code, code)
    return
  }
  throw new Error(`${what} did not throw ${code}`)
}

export const bufferOps: Op[] = [
  {
    name: 'new SlidingWindowMapBuffer',
    weight: 3,
    run(ctx, m) {
      const file = int(ctx, 0, ctx.files.length - 1)
      const { key, size: fileSize } = ctx.files[file]
      const cursor = m.manager.makeCursor(key)
      const offset = ctx.rand() < 0.9 ? int(ctx, 0, fileSize - 1) : fileSize + int(ctx, 0, 100)
      const size = ctx.rand() < 0.5 ? Infinity : int(ctx, 1, 3 << 20)
      if (offset >= fileSize) {
        expectCode(
          `new SlidingWindowMapBuffer(cursor, ${offset}) past the end`,
          () => new smmap.SlidingWindowMapBuffer(cursor, offset, size),
          'ERR_OUT_OF_RANGE',
        )
        return
      }
      // Make room first: letting go of a region after the miss would leave it unused over the budget.
      if (m.buffers.length >= m.bufferCap) m.buffers.splice(Math.floor(ctx.rand() * m.buffers.length), 1)[0].buf.endAccess()
      let buf: smmap.SlidingWindowMapBuffer | null = null
      if (!allowLimit(ctx, m, () => (buf = new smmap.SlidingWindowMapBuffer(cursor, offset, size)))) return
      const length = Math.min(size, fileSize - offset)
      check.expectEqual('length of a new buffer', buf!.length, length)
      m.buffers.push({ buf: buf!, cursor, file, offset, length })
      ctx.buffersMade++
    },
  },
  {
    name: 'buffer.at',
    weight: 5,
    run(ctx, m) {
      if (m.buffers.length === 0) return
      const b = pick(ctx, m.buffers)
      if (b.length === 0) {
        expectCode('at(0) on an ended buffer', () => b.buf.at(0), 'ERR_OUT_OF_RANGE')
        return
      }
      const i = int(ctx, -b.length, b.length - 1)
      let value: number | undefined
      if (!allowLimit(ctx, m, () => (value = b.buf.at(i)))) return
      check.expectEqual(`at(${i})`, value, bufferData(ctx, b).at(i))
      ctx.bytesVerified++
    },
  },
  {
    name: 'buffer.slice',
    weight: 5,
    run(ctx, m) {
      const b = live(ctx, m)
      if (b === null) return
      const start = int(ctx, -b.length - 10, b.length + 10)
      const end = ctx.rand() < 0.1 ? undefined : start + int(ctx, -100, 256 << 10)
      let got: Buffer | undefined
      if (!allowLimit(ctx, m, () => (got = b.buf.slice(start, end)))) return
      const expected = bufferData(ctx, b).subarray(start, end)
      check.expectBytes(`slice(${start}, ${end})`, got!, expected)
      ctx.bytesVerified += expected.length
    },
  },
  {
    name: 'buffer.copy',
    weight: 4,
    run(ctx, m) {
      const b = live(ctx, m)
      if (b === null) return
      const target = Buffer.alloc(int(ctx, 0, 64 << 10), 0xa5)
      const targetStart = int(ctx, 0, target.length)
      const sourceStart = int(ctx, 0, b.length)
      const sourceEnd = sourceStart + int(ctx, 0, 128 << 10)
      const expected = Buffer.alloc(target.length, 0xa5)
      const expectedCount = bufferData(ctx, b).copy(expected, targetStart, sourceStart, sourceEnd)
      let count = -1
      if (!allowLimit(ctx, m, () => (count = b.buf.copy(target, targetStart, sourceStart, sourceEnd)))) return
      check.expectEqual(`copy(target[${target.length}], ${targetStart}, ${sourceStart}, ${sourceEnd}) count`, count, expectedCount)
      check.expectBytes('copy() target', target, expected)
      ctx.bytesVerified += count
    },
  },
  {
    name: 'buffer reader',
    weight: 5,
    run(ctx, m) {
      const b = live(ctx, m)
      if (b === null) return
      const [name, width] = pick(ctx, READERS)
      if (b.length < width) return
      const offset = int(ctx, 0, b.length - width)
      const read = (b.buf as unknown as Record<string, (o: number) => unknown>)[name]
      let got: unknown
      if (!allowLimit(ctx, m, () => (got = read.call(b.buf, offset)))) return
      const expected = (bufferData(ctx, b) as unknown as Record<string, (o: number) => unknown>)[name](offset)
      if (!Object.is(got, expected)) throw new Error(`${name}(${offset}) gave ${String(got)}, expected ${String(expected)}`)
      ctx.bytesVerified += width
    },
  },
  {
    name: 'buffer.indexOf',
    weight: 2,
    run(ctx, m) {
      const b = live(ctx, m)
      if (b === null) return
      const data = bufferData(ctx, b)
      // A needle taken from the file at `at`, searched from a little before it: found at or before `at`.
      const at = int(ctx, 0, b.length - 1)
      const needle: number | Buffer = ctx.rand() < 0.2 ? data[at] : Buffer.from(data.subarray(at, at + int(ctx, 1, 16)))
      const from = Math.max(0, at - int(ctx, 0, 8192))
      let got = -2
      if (!allowLimit(ctx, m, () => (got = b.buf.indexOf(needle, from)))) return
      check.expectEqual(`indexOf(${typeof needle === 'number' ? needle : `<${needle.length} bytes>`}, ${from})`, got, data.indexOf(needle, from))
    },
  },
  {
    name: 'buffer.chunks',
    weight: 2,
    run(ctx, m) {
      const b = live(ctx, m)
      if (b === null) return
      const chunkSize = int(ctx, 1, 256 << 10)
      let pos = 0
      const ok = allowLimit(ctx, m, () => {
        for (const chunk of b.buf.chunks(chunkSize)) {
          if (chunk.length === 0 || chunk.length > chunkSize) throw new Error(`a chunk of ${chunk.length} bytes (chunkSize ${chunkSize})`)
          verify(ctx, `chunk at ${pos}`, chunk, b.file, b.offset + pos)
          remember(ctx, m, b.cursor, chunk, b.file, b.offset + pos)
          pos += chunk.length
          if (pos >= b.length || ctx.rand() < 0.3) break
        }
      })
      if (ok && pos === 0) throw new Error('chunks() of a non-empty buffer yielded nothing')
    },
  },
  {
    name: 'buffer.endAccess',
    weight: 1,
    run(ctx, m) {
      if (m.buffers.length === 0) return
      const b = pick(ctx, m.buffers)
      b.buf.endAccess()
      b.buf.endAccess() // idempotent
      b.length = 0
      check.expectEqual('length after endAccess()', b.buf.length, 0)
      check.expectEqual('cursor isValid() after endAccess()', b.cursor.isValid(), false)
    },
  },
  {
    name: 'buffer.beginAccess',
    weight: 1,
    run(ctx, m) {
      if (m.buffers.length === 0) return
      const b = pick(ctx, m.buffers)
      const fileSize = ctx.files[b.file].size
      const offset = ctx.rand() < 0.9 ? int(ctx, 0, fileSize - 1) : fileSize
      const size = ctx.rand() < 0.5 ? Infinity : int(ctx, 1, 3 << 20)
      let begun: boolean | undefined
      if (!allowLimit(ctx, m, () => (begun = b.buf.beginAccess(undefined, offset, size)))) {
        b.length = 0 // the buffer's offset may have stayed: a length it cannot serve is not checked again
        b.buf.endAccess()
        return
      }
      check.expectEqual(`beginAccess(, ${offset}, ${size}) on a ${fileSize}-byte file`, begun, offset < fileSize)
      if (!begun) return // the length stays as it was, and so does the offset
      b.offset = offset
      b.length = Math.min(size, fileSize - offset)
      check.expectEqual('length after beginAccess()', b.buf.length, b.length)
    },
  },
]
