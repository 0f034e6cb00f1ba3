// Small reads far from the buffer's window are served with positional reads (no window is
// mapped for a lone random probe); a second read near the first maps a window.
import test from 'ava'
import fs = require('node:fs')
import { SlidingWindowMapBuffer, SlidingWindowMapManager } from 'smmap'
import files = require('./helpers/files')

const SIZE = 4 * 1024 * 1024 + 333

// The fds are counted in /proc/self/fd, which only Linux has.
const countingFds = files.openFdCount() >= 0 ? test : test.skip

countingFds('random far reads are right, map nothing new, and use the one fd the manager holds for the file', (t) => {
  using file = files.patternedFile(SIZE, 'positional')
  using manager = new SlidingWindowMapManager({ windowSize: 65536, maxMemorySize: 4 * 65536 })
  const fdsBefore = files.openFdCount()
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  const misses = manager.stats().misses
  const rand = files.mulberry32(files.testSeed())
  let wrong = 0
  for (let i = 0; i < 2000; i++) {
    // every probe at least 1 MiB from the previous one: never "near"
    const ofs = ((i % 2) * 2 + 1) * 1024 * 1024 + Math.floor(rand() * 1024 * 1024) - 8
    if (i % 3 === 0 ? buf.at(ofs) !== file.data[ofs] : buf.readUInt32LE(ofs) !== file.data.readUInt32LE(ofs)) wrong++
  }
  t.is(wrong, 0)
  t.is(manager.stats().misses, misses, 'no window was mapped for far probes')
  t.is(files.openFdCount(), fdsBefore + 1, 'one fd for the file while it has a mapped region')
  buf.endAccess()
  manager.collect()
  t.is(files.openFdCount(), fdsBefore, 'closed once the file has no mapped region left')
})

test('a third read near the previous far reads maps a window, and later reads there are hits', (t) => {
  using file = files.patternedFile(SIZE, 'positional-near')
  using manager = new SlidingWindowMapManager({ windowSize: 65536 })
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  const far = 3 * 1024 * 1024 + 12345
  t.is(buf.readDoubleLE(far), file.data.readDoubleLE(far))
  const before = manager.stats()
  t.is(buf.readUInt16BE(far + 100), file.data.readUInt16BE(far + 100))
  t.is(manager.stats().misses, before.misses, 'one nearby read is still read positionally: random probes pair up by chance')
  t.is(buf.readUInt32LE(far + 200), file.data.readUInt32LE(far + 200))
  t.is(manager.stats().misses, before.misses + 1, 'the third read in a row nearby mapped a window')
  t.true(
    buf
      .cursor()!
      .region()!
      .includesOfs(far + 200),
  )
  const hits = manager.stats().hits
  t.is(buf.readUInt8(far + 300), file.data[far + 300])
  t.is(manager.stats().misses, before.misses + 1, 'a later read there needs no new window')
  t.is(manager.stats().hits, hits, 'and no native call')
})

test('far reads follow the buffer to the file its latest beginAccess names, and survive its window being let go of', (t) => {
  using first = files.patternedFile(SIZE, 'positional-first')
  // The same pattern shifted by 5 bytes: every 4-byte value differs from the first file's.
  using second = files.tempFile(files.pattern(SIZE, 5), 'positional-second')
  using manager = new SlidingWindowMapManager({ windowSize: 65536, maxMemorySize: 2 * 65536 })
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(first.path))
  const probes = [SIZE - 4, 1024 * 1024 + 65535, 2 * 1024 * 1024 + 3, 3 * 1024 * 1024 - 2]
  const read = (data: Buffer) => probes.every((ofs) => buf.readUInt32LE(ofs) === data.readUInt32LE(ofs))
  t.true(read(first.data), 'the first file')
  t.true(buf.beginAccess(manager.makeCursor(second.path)))
  t.true(read(second.data), 'the second file, through its own descriptor')
  // Access restarted on the first file; its cursor's region is then collected out from under
  // the buffer (endAccess, collect), which closes the descriptor reads went through.
  t.true(buf.beginAccess(manager.makeCursor(first.path)))
  t.true(read(first.data), 'the first file again')
  buf.endAccess()
  manager.collect()
  t.is(manager.numOpenFiles(), 0, 'no descriptor held')
  t.true(buf.beginAccess(buf.cursor()!, 0))
  t.true(read(first.data), 'after its descriptor was closed and the file opened again')
})

test('fd-keyed buffers read positionally through the caller fd and never close it', (t) => {
  using file = files.patternedFile(SIZE, 'positional-fd')
  using fd = files.openFd(file.path)
  using manager = new SlidingWindowMapManager({ windowSize: 65536 })
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(fd.fd))
  for (const ofs of [SIZE - 8, 1024 * 1024 + 1, 2 * 1024 * 1024 + 7]) t.is(buf.readBigUInt64BE(ofs), file.data.readBigUInt64BE(ofs))
  buf.endAccess()
  manager.close()
  t.notThrows(() => require('node:fs').fstatSync(fd.fd))
})

test('positional reads open the file as mappings do: access-mode and O_DIRECT flags do not break far reads', (t) => {
  using file = files.patternedFile(SIZE, 'positional-flags')
  const { O_WRONLY, O_RDWR, O_DIRECT } = fs.constants
  for (const [name, flags] of [
    ['O_WRONLY', O_WRONLY],
    ['O_RDWR', O_RDWR],
    ['O_DIRECT', O_DIRECT ?? 0],
  ] as const) {
    using manager = new SlidingWindowMapManager({ windowSize: 65536 })
    using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path), 0, Infinity, flags)
    t.is(buf.readUInt32LE(3 * 1024 * 1024 + 7), file.data.readUInt32LE(3 * 1024 * 1024 + 7), `${name}: a far read`)
    files.sameBytes(t, buf.slice(SIZE - 300_000), file.data.subarray(SIZE - 300_000), `${name}: a large copy read positionally`)
  }
  t.is(fs.statSync(file.path).size, SIZE, 'the file is unchanged')
})
