// Manager options and introspection: `advice` is applied with madvise to every
// new region, `populate` prefaults every new region, and `stats()` counts exactly. The
// kernel's view of our mappings (/proc/self/smaps, Linux only) shows what was applied.
import test from 'ava'
import fs = require('node:fs')
import { SlidingWindowMapManager, StaticWindowMapManager, type Advice } from 'smmap'
import files = require('./helpers/files')
import { mappingsOf } from './helpers/smaps'

const WINDOW = 65536
// What these tests check is read back from /proc/self/smaps, which only Linux has.
const withSmaps = process.platform === 'linux' ? test : test.skip

/** Maps two windows of `file` far apart (two separate regions) and returns the cursors. */
function twoRegions(manager: SlidingWindowMapManager, file: string) {
  const a = manager.makeCursor(file).useRegion(0, 100)
  const b = manager.makeCursor(file).useRegion(4 * WINDOW, 100)
  return [a, b]
}

const FLAG: Record<Advice, string | null> = { normal: null, sequential: 'sr', random: 'rr', willneed: null }

for (const advice of ['normal', 'sequential', 'random', 'willneed'] as const) {
  withSmaps(`advice '${advice}' is applied to every new region`, (t) => {
    using file = files.patternedFile(8 * WINDOW, `advice-${advice}`)
    using manager = new SlidingWindowMapManager({ windowSize: WINDOW, advice })
    const cursors = twoRegions(manager, file.path)
    const maps = mappingsOf(file.path)
    t.is(maps.length, 2, 'two regions, two mappings')
    for (const map of maps) {
      // MADV_SEQUENTIAL and MADV_RANDOM show as VmFlags sr and rr; the others set neither.
      t.is(map.flags.includes('sr'), FLAG[advice] === 'sr', `sr in ${map.flags.join(' ')}`)
      t.is(map.flags.includes('rr'), FLAG[advice] === 'rr', `rr in ${map.flags.join(' ')}`)
    }
    files.sameBytes(t, cursors[1].buffer(), file.data.subarray(4 * WINDOW, 4 * WINDOW + 100))
    for (const c of cursors) c.release()
  })
}

withSmaps('populate prefaults every new region by mapping the file, without private copies; without it nothing is resident until read', (t) => {
  using file = files.patternedFile(8 * WINDOW, 'populate')
  fs.readFileSync(file.path) // in the page cache, so prefaulting has pages to map
  for (const populate of [true, false]) {
    using manager = new SlidingWindowMapManager({ windowSize: WINDOW, populate })
    const cursors = twoRegions(manager, file.path)
    const maps = mappingsOf(file.path)
    t.is(maps.length, 2)
    for (const map of maps) {
      if (populate) t.is(map.rss, map.size, 'every page resident before any read')
      else t.is(map.rss, 0, 'no page resident before a read')
      // MAP_POPULATE on a private writable mapping would copy every page (a write prefault).
      t.is(map.anonymous, 0, 'no page was copied')
    }
    for (const c of cursors) c.release()
  }
})

withSmaps('populate and advice apply to the static manager too', (t) => {
  using file = files.patternedFile(3 * WINDOW + 5, 'static-options')
  fs.readFileSync(file.path)
  using manager = new StaticWindowMapManager({ populate: true, advice: 'random' })
  using cursor = manager.makeCursor(file.path).useRegion(10, 10)
  const [map] = mappingsOf(file.path)
  t.true(map.flags.includes('rr'))
  t.is(map.rss, map.size)
  t.is(cursor.buffer()[0], file.data[10])
})

test('stats() counts hits, misses and budget evictions exactly, and the peak never passes budget + one window', (t) => {
  const budget = 4 * WINDOW
  using file = files.patternedFile(16 * WINDOW, 'stats-exact')
  using other = files.patternedFile(2 * WINDOW, 'stats-exact-other')
  using manager = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: budget })
  using cursor = manager.makeCursor(file.path)
  for (let w = 0; w < 16; w++) cursor.useRegion(w * WINDOW, WINDOW) // 16 windows through a 4-window budget
  let s = manager.stats()
  t.is(s.misses, 16)
  t.is(s.hits, 0)
  t.is(s.evictions, 12, 'every window beyond the budget evicted the least recently used one')
  t.is(s.regions, 4)
  t.is(s.mappedBytes, budget)
  t.is(s.peakMappedBytes, budget)
  cursor.useRegion(15 * WINDOW + 7, 10) // the cursor's own window
  using second = manager.makeCursor(file.path).useRegion(14 * WINDOW, 10) // mapped, not the cursor's
  using third = manager.makeCursor(other.path).useRegion(0, 10) // a miss on another file
  s = manager.stats()
  t.is(s.hits, 2)
  t.is(s.misses, 17)
  t.is(s.evictions, 13)
  t.is(s.openFiles, 2)
  t.true(s.peakMappedBytes <= budget + WINDOW, `peak ${s.peakMappedBytes}`)
  cursor.release()
  second.release()
  third.release()
  t.is(manager.collect(), 4)
  s = manager.stats()
  t.is(s.evictions, 13, 'collect() is not an eviction')
  t.deepEqual([s.regions, s.openFiles, s.mappedBytes], [0, 0, 0])
  t.true(s.peakMappedBytes >= budget)
})
