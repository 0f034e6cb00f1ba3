// A sequential pass over more than the budget would see every window evicted before it could
// come back to it, so chunks() (and the stream and `for await` built on it) gives back the pages
// of the windows it leaves, in batches of up to a quarter of the budget: the process keeps the
// window it is in and at most that batch of the file resident instead of the whole budget,
// while the windows stay mapped and cached. A pass within the budget keeps everything resident
// for the next pass.
// Residency is read back from /proc/self/smaps, which only Linux has.
import test from 'ava'
import pkg = require('./helpers/smmap')
import files = require('./helpers/files')
import { mappingsOf } from './helpers/smaps'

const { ALLOCATIONGRANULARITY: G, SlidingWindowMapBuffer, SlidingWindowMapManager } = pkg.smmap
const { patternedFile, scope } = files
const WINDOW = 4 * G
const withSmaps = process.platform === 'linux' ? test : test.skip

/** A pass through chunks() of one page each, reading both ends of every page; the sum of those bytes. */
function pass(buf: InstanceType<typeof SlidingWindowMapBuffer>): number {
  let sum = 0
  for (const chunk of buf.chunks(G)) sum += chunk[0] + chunk[G - 1]
  return sum
}

function expectedSum(data: Buffer): number {
  let sum = 0
  for (let at = 0; at < data.length; at += G) sum += data[at] + data[at + G - 1]
  return sum
}

const residentBytes = (path: string) => mappingsOf(path).reduce((sum, m) => sum + m.rss, 0)

withSmaps('a pass over more than the budget gives back the pages of the windows behind it, which stay cached', (t) =>
  scope((use) => {
    const f = use(patternedFile(16 * WINDOW, 'drop-behind'))
    const man = use(new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: 8 * WINDOW }))
    const buf = use(new SlidingWindowMapBuffer(man.makeCursor(f.path)))
    t.is(pass(buf), expectedSum(f.data), 'every byte read right')
    t.is(man.stats().mappedBytes, 8 * WINDOW, 'the budget is still full of cached windows')
    const bound = WINDOW + (8 * WINDOW) / 4
    t.true(residentBytes(f.path) <= bound, `${residentBytes(f.path) / G} pages resident: the pass's window and a batch waiting at most`)
    // The cached windows still serve reads without a miss, faulting their pages in again.
    const misses = man.stats().misses
    t.is(buf.readUInt32LE(9 * WINDOW + 5), f.data.readUInt32LE(9 * WINDOW + 5))
    t.is(buf.at(12 * WINDOW), f.data[12 * WINDOW])
    t.is(man.stats().misses, misses, 'no miss: the windows stayed mapped')
  }),
)

withSmaps('a pass within the budget keeps its windows resident for the next pass', (t) =>
  scope((use) => {
    const f = use(patternedFile(6 * WINDOW, 'keep-resident'))
    const man = use(new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: 8 * WINDOW }))
    const buf = use(new SlidingWindowMapBuffer(man.makeCursor(f.path)))
    t.is(pass(buf), expectedSum(f.data))
    t.is(residentBytes(f.path), 6 * WINDOW, 'every page of every window stays resident')
    const { misses } = man.stats()
    t.is(pass(buf), expectedSum(f.data))
    t.is(man.stats().misses, misses, 'the second pass maps nothing')
  }),
)

withSmaps('for await over more than the budget gives back the windows behind it across its read-ahead stretches', async (t) => {
  // 1 MiB windows, a 16 MiB budget and a 24 MiB file: each 8 MiB stretch the iterator reads
  // ahead is within the budget, the whole pass is not.
  const MiB = 1 << 20
  const f = patternedFile(24 * MiB, 'drop-behind-async')
  const man = new SlidingWindowMapManager({ windowSize: MiB, maxMemorySize: 16 * MiB })
  const buf = new SlidingWindowMapBuffer(man.makeCursor(f.path))
  try {
    let sum = 0
    for await (const chunk of buf.chunksAsync(64 * 1024)) sum += chunk[0] + chunk[chunk.length - 1]
    let expected = 0
    for (let at = 0; at < f.data.length; at += 64 * 1024) expected += f.data[at] + f.data[at + 64 * 1024 - 1]
    t.is(sum, expected, 'every chunk read right')
    t.is(man.stats().mappedBytes, 16 * MiB, 'the budget is still full of cached windows')
    const bound = MiB + (16 * MiB) / 4
    t.true(residentBytes(f.path) <= bound, `${residentBytes(f.path) / MiB} MiB resident: the pass's window and a batch waiting at most`)
  } finally {
    buf.endAccess()
    man.close()
    f[Symbol.dispose]()
  }
})
