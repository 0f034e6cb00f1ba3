// The copy path: SlidingWindowMapBuffer.copy()/slice() give Buffer.copy's bytes
// and count whatever mix of window and positional reads serves them. A range the cursor's
// window does not hold and longer than half a window is read positionally (no window mapped);
// a shorter one slides the window there.
import test from 'ava'
import fs = require('node:fs')
import { SlidingWindowMapBuffer, SlidingWindowMapManager } from 'smmap'
import files = require('./helpers/files')

const WINDOW = 65536
const SIZE = 16 * WINDOW + 777

/** What Buffer.copy does with the same arguments, on a target that starts as `fill`. */
function expectedCopy(data: Buffer, targetLength: number, fill: number, ...args: [number?, number?, number?]) {
  const target = Buffer.alloc(targetLength, fill)
  const count = data.copy(target, ...args)
  return { target, count }
}

for (const keyed of ['path', 'fd'] as const) {
  test(`${keyed}-keyed: random copies across windows give Buffer.copy's bytes and count`, (t) => {
    using file = files.patternedFile(SIZE, `copy-path-${keyed}`)
    using fd = files.openFd(file.path)
    using manager = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: 4 * WINDOW })
    using buf = new SlidingWindowMapBuffer(manager.makeCursor(keyed === 'path' ? file.path : fd.fd))
    const seed = files.testSeed()
    const rand = files.mulberry32(seed)
    for (let i = 0; i < 300; i++) {
      // Lengths from a few bytes to several windows, so both paths and their seams are taken.
      const sourceStart = files.randInt(rand, 0, SIZE)
      const sourceEnd = files.randInt(rand, sourceStart, Math.min(SIZE + 10, sourceStart + files.randInt(rand, 0, 5 * WINDOW)))
      const targetLength = files.randInt(rand, 0, 3 * WINDOW)
      const targetStart = files.randInt(rand, 0, targetLength)
      const expected = expectedCopy(file.data, targetLength, 0xa5, targetStart, sourceStart, sourceEnd)
      const target = Buffer.alloc(targetLength, 0xa5)
      const count = buf.copy(target, targetStart, sourceStart, sourceEnd)
      const what = `seed ${seed}, copy(${targetLength}-byte target, ${targetStart}, ${sourceStart}, ${sourceEnd})`
      t.is(count, expected.count, what)
      files.sameBytes(t, target, expected.target, what)
    }
  })
}

test('a large range outside the window is read positionally: bytes right, no window mapped, cursor stays', (t) => {
  using file = files.patternedFile(SIZE, 'copy-path-gap')
  using manager = new SlidingWindowMapManager({ windowSize: WINDOW })
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  const region = buf.cursor()!.region()
  const misses = manager.stats().misses
  const from = 5 * WINDOW + 3
  const target = Buffer.alloc(3 * WINDOW)
  t.is(buf.copy(target, 0, from), target.length)
  files.sameBytes(t, target, file.data.subarray(from, from + target.length))
  t.is(manager.stats().misses, misses, 'no window was mapped')
  t.is(buf.cursor()!.region(), region, 'the cursor kept its window')
  files.sameBytes(t, buf.slice(from, from + 2 * WINDOW), file.data.subarray(from, from + 2 * WINDOW), 'slice() takes the same path')
  t.is(manager.stats().misses, misses)
})

test('a short range outside the window slides the window there', (t) => {
  using file = files.patternedFile(SIZE, 'copy-path-short')
  using manager = new SlidingWindowMapManager({ windowSize: WINDOW })
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  const misses = manager.stats().misses
  const from = 7 * WINDOW + 100
  const target = Buffer.alloc(WINDOW / 2) // exactly half a window: not over it
  t.is(buf.copy(target, 0, from), target.length)
  files.sameBytes(t, target, file.data.subarray(from, from + target.length))
  t.is(manager.stats().misses, misses + 1, 'one window was mapped')
  t.true(buf.cursor()!.region()!.includesOfs(from))
})

test('partial overlap with the mapped window: the window serves its part, the rest is read positionally', (t) => {
  using file = files.patternedFile(SIZE, 'copy-path-overlap')
  using manager = new SlidingWindowMapManager({ windowSize: WINDOW })
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  const cursor = buf.cursor()!
  cursor.useRegion(8 * WINDOW, WINDOW)
  const region = cursor.region()!
  const misses = manager.stats().misses
  // Starts two windows before the mapped one and ends inside it.
  const before = Buffer.alloc(2 * WINDOW + 1000)
  const from = region.ofsBegin() - 2 * WINDOW
  t.is(buf.copy(before, 0, from), before.length)
  files.sameBytes(t, before, file.data.subarray(from, from + before.length), 'overlap from the left')
  // Starts inside the mapped window and ends two windows past it.
  const after = Buffer.alloc(3 * WINDOW)
  const start = region.ofsEnd() - 500
  t.is(buf.copy(after, 0, start), after.length)
  files.sameBytes(t, after, file.data.subarray(start, start + after.length), 'overlap to the right')
  t.is(manager.stats().misses, misses, 'no window was mapped for either')
  t.is(cursor.region(), region)
})

// The fds are counted in /proc/self/fd, which only Linux has.
const countingFds = files.openFdCount() >= 0 ? test : test.skip

countingFds('positional copies use the caller fd without closing it; a path key reads through the one fd the manager holds for the file', (t) => {
  using file = files.patternedFile(SIZE, 'copy-path-fds')
  using fd = files.openFd(file.path)
  using manager = new SlidingWindowMapManager({ windowSize: WINDOW })
  const target = Buffer.alloc(4 * WINDOW)
  const fdsBefore = files.openFdCount()
  const byFd = new SlidingWindowMapBuffer(manager.makeCursor(fd.fd))
  byFd.copy(target, 0, 6 * WINDOW)
  byFd.copy(target, 0, 2 * WINDOW)
  t.is(files.openFdCount(), fdsBefore, 'no fd opened for an fd key')
  byFd.endAccess()
  t.notThrows(() => fs.fstatSync(fd.fd), 'the caller fd is still open')
  const byPath = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  byPath.copy(target, 0, 6 * WINDOW)
  byPath.copy(target, 0, 2 * WINDOW)
  files.sameBytes(t, target, file.data.subarray(2 * WINDOW, 6 * WINDOW))
  t.is(files.openFdCount(), fdsBefore + 1, 'one fd for the path-keyed file, however many positional reads')
  byPath.endAccess()
  manager.collect()
  t.is(files.openFdCount(), fdsBefore, 'closed once the file has no mapped region left')
})

// Windows refuses to truncate a file while a view of it exists: it cannot shrink under a buffer.
const truncatable = process.platform === 'win32' ? test.skip : test

truncatable('a positional copy past a shrunken end throws ERR_SMMAP_TRUNCATED', (t) => {
  using file = files.patternedFile(SIZE, 'copy-path-shrunk')
  using manager = new SlidingWindowMapManager({ windowSize: WINDOW })
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  fs.truncateSync(file.path, 10 * WINDOW)
  const target = Buffer.alloc(4 * WINDOW)
  t.throws(() => buf.copy(target, 0, 9 * WINDOW), { code: 'ERR_SMMAP_TRUNCATED' })
  t.is(buf.copy(target, 0, 5 * WINDOW, 9 * WINDOW), 4 * WINDOW, 'what is still there reads')
  files.sameBytes(t, target, file.data.subarray(5 * WINDOW, 9 * WINDOW))
})
