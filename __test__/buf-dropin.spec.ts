// The drop-in surface of SlidingWindowMapBuffer, each method against Buffer's (or fs.readSync's)
// own answer for the same bytes and arguments, on a patterned file read through small windows
// under a two-window budget, with arguments at window boundaries.
import test, { type ExecutionContext } from 'ava'
import fs = require('node:fs')
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib = require('node:zlib')
import { ALLOCATIONGRANULARITY as G, SlidingWindowMapBuffer, SlidingWindowMapManager } from 'smmap'
import files = require('./helpers/files')

const SIZE = 5 * G + 123

/** What a call did: its value, or its error's class and code. */
function outcome(fn: () => unknown): unknown {
  try {
    const value = fn()
    return Buffer.isBuffer(value) ? { bytes: value.toString('hex') } : { value }
  } catch (error) {
    return { threw: (error as Error).constructor.name, code: (error as { code?: string }).code }
  }
}

function withBuffer(
  t: { teardown(fn: () => void): void },
  windowSize = G,
): { buf: SlidingWindowMapBuffer; data: Buffer; manager: SlidingWindowMapManager; path: string } {
  const file = files.patternedFile(SIZE, 'dropin')
  const manager = new SlidingWindowMapManager({ windowSize, maxMemorySize: 2 * windowSize })
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  t.teardown(() => {
    buf.endAccess()
    manager.close()
    file.remove()
  })
  return { buf, data: file.data, manager, path: file.path }
}

const edges = [0, 1, G - 1, G, G + 1, 3 * G - 2, SIZE - 1, SIZE, SIZE + 5, -1, -G - 3, -SIZE - 9, 2.7, Number.NaN]

test("toString(encoding, start, end) equals Buffer's, for every encoding and edge", (t) => {
  const { buf, data } = withBuffer(t)
  const encodings = ['utf8', 'hex', 'base64', 'latin1', 'ascii', 'utf16le', 'base64url', undefined, 'nope'] as const
  let cases = 0
  for (const encoding of encodings) {
    for (const start of [undefined, ...edges]) {
      for (const end of [undefined, 0, G + 3, SIZE, SIZE + 1, -5]) {
        cases++
        const want = outcome(() => data.toString(encoding as BufferEncoding, start, end))
        t.deepEqual(
          outcome(() => buf.toString(encoding as BufferEncoding, start, end)),
          want,
          `${encoding} ${start} ${end}`,
        )
      }
    }
  }
  t.true(cases > 500)
})

test("read() has fs.readSync's shape: arguments, object form, results, errors and the advancing position", (t) => {
  const { buf, data, path } = withBuffer(t)
  const fd = fs.openSync(path, 'r')
  t.teardown(() => fs.closeSync(fd))
  const args: unknown[][] = [
    [0, 10, 0],
    [3, 2 * G, G - 5],
    [0, 100, SIZE - 50],
    [0, 100, SIZE],
    [0, 100, SIZE + 10],
    [5, 0, 7],
    [-1, 10, 0],
    [0, 4 * G, 0],
    [0, 10, -5],
    [0.5, 10, 0],
    ['1', 10, 0],
    [{ offset: 2, length: 20, position: G - 10 }],
    [{ position: 2 * G }],
    [{}],
  ]
  for (const a of args) {
    const mine = Buffer.alloc(3 * G, 7)
    const theirs = Buffer.alloc(3 * G, 7)
    const got = outcome(() => (buf.read as (...x: unknown[]) => number)(mine, ...a))
    const want = outcome(() => (fs.readSync as (...x: unknown[]) => number)(fd, theirs, ...a))
    t.deepEqual(got, want, JSON.stringify(a))
    files.sameBytes(t, mine, theirs, JSON.stringify(a))
  }
  // Without a position, reads continue where the last one stopped, like a file's position.
  using fresh = new SlidingWindowMapBuffer(buf.cursor()!.copy())
  const parts: Buffer[] = []
  for (let n = 1; ; n = n * 3 + 1) {
    const part = Buffer.alloc(n)
    const read = fresh.read(part, 0, n, null)
    if (read === 0) break
    parts.push(part.subarray(0, read))
  }
  files.sameBytes(t, Buffer.concat(parts), data, 'sequential reads cover the buffer once')
  t.is(buf.byteLength, buf.length)
})

test("equals, compare, includes, indexOf(value, encoding) and lastIndexOf equal Buffer's", (t) => {
  const { buf, data } = withBuffer(t)
  const copy = Buffer.from(data)
  const other = Buffer.from(data)
  other[3 * G + 7] ^= 1
  for (const x of [copy, other, copy.subarray(1), Buffer.alloc(0), 'str' as unknown as Buffer]) {
    t.deepEqual(
      outcome(() => buf.equals(x)),
      outcome(() => data.equals(x)),
    )
  }
  const compareArgs: unknown[][] = [
    [copy],
    [other],
    [copy, 0, G, 0, G],
    [other, G, 4 * G, G, 4 * G],
    [copy, 5, 3],
    [copy, 0, SIZE + 1],
    [copy, -1],
    [copy, 0, 10, 20, 10],
    [copy, 10, 10, 0, 5],
    [other, 3 * G, SIZE, 3 * G + 8],
  ]
  for (const a of compareArgs) {
    t.deepEqual(
      outcome(() => (buf.compare as (...x: unknown[]) => number)(...a)),
      outcome(() => (data.compare as (...x: unknown[]) => number)(...a)),
      JSON.stringify(a.slice(1)),
    )
  }
  const needles: unknown[] = [
    data[G],
    data.subarray(G - 3, G + 5),
    data.subarray(2 * G - 1, 2 * G + 1),
    Buffer.from('zzzz-not-there'),
    '',
    data.subarray(SIZE - 4),
    300,
    data.subarray(0, 2),
  ]
  for (const needle of needles) {
    for (const offset of [undefined, 0, G, -G, SIZE - 2, SIZE + 4, 'hex', 'latin1', Number.NaN]) {
      const label = `${Buffer.isBuffer(needle) ? needle.toString('hex') : String(needle)} @ ${offset}`
      t.deepEqual(
        outcome(() => buf.indexOf(needle as string, offset as number)),
        outcome(() => data.indexOf(needle as string, offset as number)),
        `indexOf ${label}`,
      )
      t.deepEqual(
        outcome(() => buf.includes(needle as string, offset as number)),
        outcome(() => data.includes(needle as string, offset as number)),
        `includes ${label}`,
      )
      t.deepEqual(
        outcome(() => buf.lastIndexOf(needle as string, offset as number)),
        outcome(() => data.lastIndexOf(needle as string, offset as number)),
        `lastIndexOf ${label}`,
      )
    }
  }
  t.deepEqual(
    outcome(() => buf.indexOf(data.subarray(G, G + 3).toString('hex'), 'hex')),
    outcome(() => data.indexOf(data.subarray(G, G + 3).toString('hex'), 'hex')),
  )
})

test("readUIntLE/BE, readIntLE/BE and the lowercase aliases equal Buffer's at window edges", (t) => {
  const { buf, data } = withBuffer(t)
  for (const method of ['readUIntLE', 'readUIntBE', 'readIntLE', 'readIntBE', 'readUintLE', 'readUintBE'] as const) {
    for (const width of [1, 2, 3, 4, 5, 6, 0, 7, 2.5]) {
      for (const offset of [0, G - 3, G - 1, 2 * G - 5, SIZE - 6, SIZE - width, SIZE, -1]) {
        t.deepEqual(
          outcome(() => buf[method](offset, width)),
          outcome(() => data[method](offset, width)),
          `${method}(${offset}, ${width})`,
        )
      }
    }
  }
  for (const alias of ['readUint8', 'readUint16LE', 'readUint16BE', 'readUint32LE', 'readUint32BE', 'readBigUint64LE', 'readBigUint64BE'] as const) {
    for (const offset of [0, G - 3, 2 * G - 1, SIZE - 8])
      t.deepEqual(
        outcome(() => buf[alias](offset)),
        outcome(() => data[alias](offset)),
        `${alias}(${offset})`,
      )
  }
})

test("subarray() follows Buffer.subarray's index rules; zero copy when a window holds the range, a copy otherwise", (t) => {
  const { buf, data, manager } = withBuffer(t)
  for (const start of [undefined, ...edges]) {
    for (const end of [undefined, 0, 10, G, G + 10, SIZE, -3]) {
      t.deepEqual(
        outcome(() => buf.subarray(start, end)),
        outcome(() => data.subarray(start, end)),
        `${start} ${end}`,
      )
    }
  }
  const inWindow = buf.subarray(2 * G + 5, 2 * G + 50)
  const misses = manager.stats().misses
  const again = buf.subarray(2 * G + 5, 2 * G + 50)
  t.is(inWindow.buffer, again.buffer, 'both views of the same mapped window')
  t.is(manager.stats().misses, misses)
  const across = buf.subarray(G - 10, G + 10)
  files.sameBytes(t, across, data.subarray(G - 10, G + 10), 'a range across windows is copied')
})

test('a lease keeps its window in use until released; a zlib job on it reads the file while other windows are evicted', async (t) => {
  const { buf, data, manager } = withBuffer(t)
  const lease = buf.lease(3 * G + 1, 4 * G - 1)
  const inUse = manager.numFileHandles()
  const deflated = new Promise<Buffer>((resolve, reject) => zlib.deflate(lease.buffer, (error, out) => (error ? reject(error) : resolve(out))))
  for (let i = 0; i < 4; i++) buf.readUInt32LE(i * G) // windows come and go under the two-window budget
  manager.collect()
  t.true(manager.numFileHandles() >= 1, 'the leased window is in use, so collect() leaves it')
  files.sameBytes(t, zlib.inflateSync(await deflated), data.subarray(3 * G + 1, 4 * G - 1))
  files.sameBytes(t, lease.buffer, data.subarray(3 * G + 1, 4 * G - 1))
  lease.release()
  lease.release()
  t.is(manager.collect() >= 0, true)
  t.true(inUse >= 1)
  using copied = buf.lease(G - 5, G + 5)
  files.sameBytes(t, copied.buffer, data.subarray(G - 5, G + 5), 'a range no window holds is a copy')
})

test('createReadStream(): end inclusive, every byte through pipeline() into a consumer that holds every chunk, backpressure and signal', async (t) => {
  const { buf, data } = withBuffer(t)
  for (const [start, end, highWaterMark] of [
    [0, undefined, undefined],
    [7, 3 * G + 2, 1000],
    [G, G, 1],
    [SIZE - 3, SIZE + 100, 16],
  ] as const) {
    const held: Buffer[] = []
    const sink = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _encoding, callback) {
        held.push(chunk)
        setImmediate(callback) // slower than the stream: backpressure
      },
    })
    await pipeline(buf.createReadStream({ start, end, highWaterMark }), sink)
    const last = Math.min(end ?? Infinity, SIZE - 1)
    files.sameBytes(t, Buffer.concat(held), data.subarray(start, last + 1), `${start}..${end}`)
    if (highWaterMark !== undefined) t.true(held.every((chunk) => chunk.length <= highWaterMark))
  }
  const controller = new AbortController()
  const stream = buf.createReadStream({ highWaterMark: 100, signal: controller.signal })
  controller.abort()
  await t.throwsAsync(pipeline(stream, new Writable({ write: (_c, _e, cb) => cb() })), { name: 'AbortError' })
  t.throws(() => buf.createReadStream({ start: 10, end: 5 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => buf.createReadStream({ start: -1 }), { code: 'ERR_OUT_OF_RANGE' })
})

test('toAsyncBuffer(): byteLength and slices of exactly [start, end), owned by the caller', async (t) => {
  const { buf, data } = withBuffer(t)
  const source = buf.toAsyncBuffer()
  t.is(source.byteLength, SIZE)
  for (const [start, end] of [
    [0, 10],
    [G - 7, 3 * G + 9],
    [SIZE - 5, undefined],
    [-20, -10],
    [10, 5],
  ] as const) {
    const slice = await source.slice(start, end)
    t.true(slice instanceof ArrayBuffer)
    files.sameBytes(
      t,
      new Uint8Array(slice),
      new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length).slice(start, end)),
      `${start} ${end}`,
    )
  }
})

test('for await and chunksAsync() cover the buffer in order, reading ahead off the JavaScript thread', async (t) => {
  const { buf, data } = withBuffer(t)
  const parts: Buffer[] = []
  for await (const chunk of buf) parts.push(chunk)
  files.sameBytes(t, Buffer.concat(parts), data, 'for await')
  const small: Buffer[] = []
  for await (const chunk of buf.chunksAsync(1000)) {
    t.true(chunk.length <= 1000)
    small.push(chunk)
  }
  files.sameBytes(t, Buffer.concat(small), data, 'chunksAsync(1000)')
  t.throws(() => buf.chunksAsync(0), { code: 'ERR_OUT_OF_RANGE' })
})

/**
 * Runs `scan` over a 6 MiB buffer (64 KiB chunks, each passed to `take`) and asserts that it
 * read every byte while the event loop got a turn after each full MiB. The turns are counted
 * by a chain of immediates, which moves only when the loop gets a turn: no clock involved.
 */
async function assertTurnsDuring(
  t: ExecutionContext,
  prefix: string,
  scan: (buf: SlidingWindowMapBuffer, take: (chunk: Buffer) => void) => Promise<void>,
): Promise<void> {
  const file = files.patternedFile(6 * 1024 * 1024 + 17, prefix)
  const manager = new SlidingWindowMapManager()
  try {
    const buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
    let turns = 0
    let running = true
    const tick = () => {
      turns++
      if (running) setImmediate(tick)
    }
    setImmediate(tick)
    const parts: Buffer[] = []
    let turnsAtFirstChunk = -1
    await scan(buf, (chunk) => {
      if (turnsAtFirstChunk < 0) turnsAtFirstChunk = turns
      parts.push(Buffer.from(chunk))
    })
    running = false
    files.sameBytes(t, Buffer.concat(parts), file.data)
    // 6 MiB in 64 KiB chunks: a turn after each full MiB, so at least 6 beyond the first chunk.
    t.true(turns - turnsAtFirstChunk >= 6, `${turns - turnsAtFirstChunk} turns of the event loop during the scan`)
    buf.endAccess()
  } finally {
    manager.close()
    file.remove()
  }
}

test('for await gives the event loop a turn at least every MiB, even when nothing waits for the disk', (t) =>
  assertTurnsDuring(t, 'dropin-turns', async (buf, take) => {
    for await (const chunk of buf.chunksAsync(64 * 1024)) take(chunk)
  }))

test('createReadStream() into a synchronous consumer gives the event loop a turn at least every MiB', (t) =>
  assertTurnsDuring(t, 'dropin-stream-turns', async (buf, take) => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        take(chunk)
        done()
      },
    })
    await pipeline(buf.createReadStream({ highWaterMark: 64 * 1024 }), sink)
  }))

// Serial: it counts this process's open descriptors, which concurrent tests change.
test.serial(
  'prefetch() resolves with the range in memory, rejects ERR_SMMAP_CLOSED when the manager closes first, and collect/close meanwhile is safe',
  async (t) => {
    const { buf, data, manager } = withBuffer(t)
    const fds = files.openFdCount()
    for (let i = 0; i < 20; i++) await buf.prefetch()
    await buf.prefetch(2 * G, 3 * G + 7)
    t.is(files.openFdCount(), fds, 'each read-ahead closes the descriptor it worked on')
    t.is(buf.readUInt32LE(3 * G), data.readUInt32LE(3 * G))
    const running = buf.prefetch(0, SIZE)
    manager.collect()
    const closing = buf.prefetch(G, 4 * G)
    manager.close()
    await t.throwsAsync(closing, { code: 'ERR_SMMAP_CLOSED' })
    await t.throwsAsync(running, { code: 'ERR_SMMAP_CLOSED' })
    await t.throwsAsync(buf.prefetch(), { code: 'ERR_SMMAP_CLOSED' })
  },
)

/** This process's resident file-backed pages (bytes), from /proc/self/status. */
function residentFileBytes(): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').match(/^RssFile:\s+(\d+) kB$/m)
  if (!line) throw new Error('no RssFile in /proc/self/status')
  return Number(line[1]) * 1024
}

// Linux: the page tables' share of a file shows in RssFile. Serial: it reads this process's RSS.
const linuxSerial = process.platform === 'linux' ? test.serial : test.skip

linuxSerial('prefetch() brings the range into the window mapped there, not only into the page cache', async (t) => {
  const MiB = 1024 * 1024
  const file = files.patternedFile(64 * MiB + 5, 'dropin-prefetch-window')
  const manager = new SlidingWindowMapManager()
  try {
    const buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
    t.is(buf.readUInt8(0), file.data[0])
    const before = residentFileBytes()
    await buf.prefetch(MiB + 7, 33 * MiB)
    const grown = residentFileBytes() - before
    // The file was just written, so it is cached: only mapping it in can grow RssFile this much.
    t.true(grown >= 31 * MiB, `RssFile grew ${grown} bytes`)
    t.is(buf.readUInt32LE(20 * MiB), file.data.readUInt32LE(20 * MiB))
    // Its access ending while the windows are worked on ends nothing early.
    const pending = buf.prefetch(40 * MiB, 64 * MiB)
    setImmediate(() => buf.endAccess())
    await t.notThrowsAsync(pending)
  } finally {
    manager.close()
    file.remove()
  }
})

linuxSerial("for await brings its first stretch into the window before the caller's first touch, as it does every later one", async (t) => {
  const MiB = 1024 * 1024
  const file = files.patternedFile(24 * MiB + 5, 'dropin-first-stretch')
  const manager = new SlidingWindowMapManager()
  try {
    const buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
    const before = residentFileBytes()
    const chunks = buf.chunksAsync(64 * 1024)
    const first = await chunks.next()
    const grown = residentFileBytes() - before
    // Nothing was read yet, and the file was just written (cached): only the pool's work on the
    // iterator's first read-ahead stretch (8 MiB) can have mapped these pages in. The buffer
    // mapped its first window when it was made, so the pool has a window to bring them into.
    t.true(grown >= 8 * MiB, `RssFile grew ${grown} bytes before the first chunk was read`)
    const parts = [first.value as Buffer]
    for await (const chunk of chunks) parts.push(chunk)
    files.sameBytes(t, Buffer.concat(parts), file.data, 'every chunk')
  } finally {
    manager.close()
    file.remove()
  }
})
