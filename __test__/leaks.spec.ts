// Leaks are bounded. A SlidingWindowMapBuffer dropped without endAccess() gives back, once
// garbage-collected, its cursor's region, and with the file's last region the one descriptor
// the manager held for it. (Cursors alone: safety.spec.ts.) Needs --expose-gc (ava's
// nodeArguments).
import test from 'ava'

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { ALLOCATIONGRANULARITY: G, SlidingWindowMapBuffer, SlidingWindowMapManager } = pkg.smmap
type Manager = InstanceType<typeof SlidingWindowMapManager>

/** Makes `count` buffers that each map a window and read far away (a pread on the file's held fd), then drops them. */
function readAndDrop(man: Manager, path: string, count: number, expected: Buffer): void {
  for (let i = 0; i < count; i++) {
    const buf = new SlidingWindowMapBuffer(man.makeCursor(path))
    if (buf.readUInt32LE(200 * G + i) !== expected.readUInt32LE(200 * G + i)) throw new Error('wrong bytes')
  }
}

// The fds are counted in /proc/self/fd, which only Linux has.
const countingFds = files.openFdCount() >= 0 ? test.serial : test.serial.skip

countingFds("buffers garbage-collected without endAccess() give back their regions, and the file's fd goes with them", async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc
  t.is(typeof gc, 'function', 'run with --expose-gc')
  const f = files.patternedFile(256 * G, 'leaks')
  const man = new SlidingWindowMapManager({ windowSize: G })
  try {
    const before = files.openFdCount()
    readAndDrop(man, f.path, 8, f.data)
    t.is(files.openFdCount(), before + 1, 'the eight buffers read through the one fd held for the file')
    let rounds = 0
    let collected = 0 // the one region all eight buffers' cursors shared, once none holds it
    while ((files.openFdCount() !== before || collected === 0) && rounds < 50) {
      gc!()
      await new Promise((resolve) => setImmediate(resolve))
      collected += man.collect()
      rounds++
    }
    t.log(`given back after ${rounds} gc rounds`)
    t.is(files.openFdCount(), before, "the file's fd is closed with its last region")
    t.is(collected, 1, 'the region the buffers held became unused')
    t.is(man.numFileHandles(), 0)
  } finally {
    man.close()
    f.remove()
  }
})

test.serial("cursors on 100,000 distinct paths, once collected, leave the manager's file table as it was", async (t) => {
  const man = new SlidingWindowMapManager()
  try {
    const table = () => (man as unknown as { _native: { numFiles(): number } })._native.numFiles()
    const before = table()
    let cursors: unknown[] | null = Array.from({ length: 100_000 }, (_, i) => man.makeCursor(`/nonexistent/smmap-leaks/${i}`))
    t.is(table(), before + 100_000, 'the cursors named their files')
    cursors = null
    for (let round = 0; round < 50 && table() !== before; round++) await files.collectGarbage()
    t.is(table(), before, 'every file no cursor uses is forgotten')
  } finally {
    man.close()
  }
})
