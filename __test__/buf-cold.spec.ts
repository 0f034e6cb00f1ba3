// Small copies from a file the page cache does not hold. A page fault there reads the whole
// neighbourhood in (1 MiB on Linux's defaults) to serve a few KiB, so a buffer reads a small
// range that is far from the access before with one pread when the cache lacks its pages, and
// from its window otherwise. Linux only: the file is dropped from the cache with
// posix_fadvise (through Python, as the bench does) and what is cached is read with fincore.
import test from 'ava'
import path = require('node:path')
import { SlidingWindowMapBuffer, SlidingWindowMapManager } from 'smmap'
import files = require('./helpers/files')
import { mappingsOf } from './helpers/smaps'

const root = path.dirname(require.resolve('smmap/package.json'))
const cache = require(path.join(root, 'benchmark', 'cache.js'))
const control = cache.coldControl()
const SIZE = 64 * 1024 * 1024 + 4321
const MiB = 1024 * 1024
// Skipped where the cache cannot be dropped (off Linux, no Python) or read back (no fincore).
const coldTest = control.skipped || !control.verified ? test.skip : test

// A file the cache dropped, or why none can be made here (a temp dir in memory keeps it).
function coldFile(prefix: string): { file: ReturnType<typeof files.patternedFile> } | { skip: string } {
  const file = files.patternedFile(SIZE, prefix)
  const left = control.evict(file.path)
  if (left > 0) {
    file[Symbol.dispose]()
    return { skip: `the page cache kept ${left} bytes of the file (a tmpfs temp dir?)` }
  }
  return { file }
}

coldTest('far 4 KiB copies of a cold file read what they ask for, not a MiB around each, and read it right', (t) => {
  const cold = coldFile('cold-copies')
  if ('skip' in cold) return t.pass(`not run: ${cold.skip}`)
  using file = cold.file
  using manager = new SlidingWindowMapManager() // one window over the whole file
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  const rand = files.mulberry32(files.testSeed())
  const target = Buffer.alloc(4096)
  const reads = 40
  let wrong = 0
  for (let i = 0; i < reads; i++) {
    // Spread over the file, 1.5 MiB apart at least, some across a 64 KiB block boundary.
    const ofs = Math.floor(((i + rand() * 0.3) * (SIZE - 4096)) / reads)
    buf.copy(target, 0, ofs, ofs + 4096)
    if (!target.equals(file.data.subarray(ofs, ofs + 4096))) wrong++
    const slice = buf.slice(SIZE - 100 - i, SIZE - i)
    if (i === 0 && !slice.equals(file.data.subarray(SIZE - 100, SIZE))) wrong++
  }
  t.is(wrong, 0, 'every copy equals the file')
  const cached = cache.resident(file.path)
  // A page fault per read would have brought in about 40 MiB; a pread, its pages and the
  // kernel's own read-ahead for it.
  t.true(cached < 4 * MiB, `${(cached / MiB).toFixed(1)} MiB cached after ${reads} reads of 4 KiB`)
  t.is(manager.stats().misses, 1, 'no other window was mapped')
  const [window] = mappingsOf(file.path)
  t.true(window.rss < MiB, `${(window.rss / MiB).toFixed(1)} MiB of the window mapped in: the reads did not fault`)
})

coldTest('a streak of nearby copies still reads a cold file through its window', (t) => {
  const cold = coldFile('cold-streak')
  if ('skip' in cold) return t.pass(`not run: ${cold.skip}`)
  using file = cold.file
  using manager = new SlidingWindowMapManager()
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  const start = 10 * MiB + 7
  for (let ofs = start; ofs < start + MiB; ofs += 512) {
    files.sameBytes(t, buf.slice(ofs, ofs + 512), file.data.subarray(ofs, ofs + 512), `at ${ofs}`)
  }
  // Through the window: its pages were faulted in, the MiB read at least.
  const [window] = mappingsOf(file.path)
  t.true(window.rss >= MiB, `${(window.rss / MiB).toFixed(1)} MiB of the window mapped in`)
})
