// Sliding-window placement as smmap places windows.
import test from 'ava'

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { ALLOCATIONGRANULARITY, SlidingWindowMapManager } = pkg.smmap
const { patternedFile, sameBytes, scope } = files

// The worked examples are for a 4096-byte granularity (Linux).
const linux = ALLOCATIONGRANULARITY === 4096 ? test : test.skip

linux('placement table: 81920-byte file, windowSize 12288, one cursor', (t) =>
  scope((use) => {
    const f = use(patternedFile(81920, 'placement'))
    const man = use(new SlidingWindowMapManager({ windowSize: 12288 }))
    const c = use(man.makeCursor(f.path))
    // [offset, size] -> cursor [ofsBegin, size], region [ofsBegin, size], handles after
    const steps: Array<[[number, number], [number, number], [number, number], number]> = [
      [[0, 4096], [0, 4096], [0, 12288], 1],
      [[32768, 4096], [32768, 4096], [24576, 12288], 2],
      [[20480, 10], [20480, 10], [12288, 12288], 3],
      [[16384, 1], [16384, 1], [12288, 12288], 3],
      [[77829, 1], [77829, 1], [65536, 16384], 4],
      [[61440, 12288], [61440, 4096], [61440, 4096], 5],
    ]
    let previous: ReturnType<typeof c.region> = null
    let mapped = 0
    for (const [[offset, size], cursor, region, handles] of steps) {
      const what = `useRegion(${offset}, ${size})`
      const before = man.stats()
      t.true(c.useRegion(offset, size).isValid(), what)
      const after = man.stats()
      const r = c.region()!
      t.deepEqual([c.ofsBegin(), c.size()], cursor, `${what}: cursor`)
      t.deepEqual([r.ofsBegin(), r.size()], region, `${what}: region`)
      t.is(man.numFileHandles(), handles, `${what}: handles`)
      t.is(r.clientCount(), 2, `${what}: manager + cursor`)
      sameBytes(t, c.buffer(), f.data.subarray(cursor[0], cursor[0] + cursor[1]), what)
      sameBytes(t, c.map(), f.data.subarray(region[0], region[0] + region[1]), `${what}: map()`)
      if (offset === 16384) {
        t.is(r, previous as typeof r, `${what}: the same MapRegion object is reused`)
        t.is(after.hits, before.hits + 1, `${what}: a hit`)
        t.is(after.misses, before.misses, `${what}: not a miss`)
      } else {
        t.not(r, previous, `${what}: a new region`)
        t.is(after.misses, before.misses + 1, `${what}: a miss`)
        t.is(after.hits, before.hits, `${what}: not a hit`)
        if (previous !== null) t.is(previous.clientCount(), 1, `${what}: the previous region is held by the manager only`)
        mapped += r.size()
      }
      t.is(man.mappedMemorySize(), mapped, `${what}: mapped bytes`)
      previous = r
    }
    t.is(man.numOpenFiles(), 1)
    t.is(man.stats().evictions, 0)
  }),
)

linux('placement on a 41083-byte file, windowSize 12288', (t) =>
  scope((use) => {
    const f = use(patternedFile(41083, 'placement41083'))
    const man = use(new SlidingWindowMapManager({ windowSize: 12288 }))
    const c = use(man.makeCursor(f.path))

    t.true(c.useRegion(20000, 100).isValid())
    t.deepEqual([c.region()!.ofsBegin(), c.region()!.size()], [4096, 16384])
    t.deepEqual([c.ofsBegin(), c.size()], [20000, 100])
    sameBytes(t, c.buffer(), f.data.subarray(20000, 20100))

    t.true(c.useRegion(0, 10).isValid())
    t.deepEqual([c.region()!.ofsBegin(), c.region()!.size()], [0, 4096])
    t.deepEqual([c.ofsBegin(), c.size()], [0, 10])
    sameBytes(t, c.buffer(), f.data.subarray(0, 10))

    t.true(c.useRegion(30000, 100000).isValid())
    t.deepEqual([c.region()!.ofsBegin(), c.region()!.size()], [28672, 12411])
    t.deepEqual([c.ofsBegin(), c.size()], [30000, 11083])
    sameBytes(t, c.buffer(), f.data.subarray(30000))
    t.is(man.mappedMemorySize(), 16384 + 4096 + 12411)
    t.is(man.numFileHandles(), 3)
  }),
)

linux('placement on a 41083-byte file, windowSize 10000 (not page aligned)', (t) =>
  scope((use) => {
    const f = use(patternedFile(41083, 'placement10000'))
    const man = use(new SlidingWindowMapManager({ windowSize: 10000 }))
    const c = use(man.makeCursor(f.path))
    t.true(c.useRegion(0, 0).isValid())
    t.deepEqual([c.region()!.ofsBegin(), c.region()!.size()], [0, 12288])
    t.is(c.size(), 10000)
    sameBytes(t, c.buffer(), f.data.subarray(0, 10000))
  }),
)

test('regions of one file are sorted, never overlap and start on the granularity', (t) =>
  scope((use) => {
    const G = ALLOCATIONGRANULARITY
    const size = 41 * G + 123
    const f = use(patternedFile(size, 'placement_invariants'))
    const man = use(new SlidingWindowMapManager({ windowSize: 3 * G }))
    const cursors = Array.from({ length: 12 }, () => use(man.makeCursor(f.path)))
    const offsets = [20 * G + 5, 3, 40 * G, 7 * G + 100, 30 * G - 1, 15 * G, 11 * G + 11, 35 * G + 3, 25 * G, 2 * G, 38 * G + 50, size - 1]
    offsets.forEach((o, i) => {
      t.true(cursors[i].useRegion(o, 100).isValid(), `useRegion(${o})`)
      sameBytes(t, cursors[i].buffer(), f.data.subarray(o, Math.min(o + 100, size)), `useRegion(${o})`)
    })
    const regions = [...new Set(cursors.map((c) => c.region()!))].sort((a, b) => a.ofsBegin() - b.ofsBegin())
    t.is(regions.length, man.numFileHandles())
    for (let i = 0; i < regions.length; i++) {
      t.is(regions[i].ofsBegin() % G, 0)
      t.true(regions[i].ofsEnd() <= size)
      if (i > 0) t.true(regions[i - 1].ofsEnd() <= regions[i].ofsBegin(), `${regions[i - 1]} overlaps ${regions[i]}`)
    }
    t.is(
      man.mappedMemorySize(),
      regions.reduce((n, r) => n + r.size(), 0),
    )
  }))
