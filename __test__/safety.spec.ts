// The package's guarantees: Buffers that outlive their windows, true LRU, soft budget, dispose,
// copies that move, stable region objects, collect(), the FinalizationRegistry, fds, growing
// files, stats().
import test from 'ava'
import fs = require('node:fs')

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { ALLOCATIONGRANULARITY: G, SlidingWindowMapManager, StaticWindowMapManager, WindowCursor } = pkg.smmap
const { collectGarbage, letGoBytes, openFd, openFdCount, pattern, patternedFile, sameBytes, scope, windowsOutliveUse } = files
type Manager = InstanceType<typeof StaticWindowMapManager>
type MapRegion = InstanceType<typeof pkg.smmap.MapRegion>

test("a Buffer handed out keeps the file's bytes after unuseRegion() + collect(), until it is collected", async (t) => {
  const f = patternedFile(4 * G, 'retain_collect')
  const man = new SlidingWindowMapManager({ windowSize: G })
  try {
    const c = man.makeCursor(f.path)
    c.useRegion(10, 100)
    let buf: Buffer | null = c.buffer()
    let map: Buffer | null = c.map()
    sameBytes(t, buf, f.data.subarray(10, 110))
    c.unuseRegion()
    t.is(man.collect(), 1)
    t.is(man.numFileHandles(), 0)
    const mapLength = windowsOutliveUse ? map.length : 0
    letGoBytes(t, buf, f.data.subarray(10, 110), 'the view still reads the file')
    letGoBytes(t, map, f.data.subarray(0, map.length), 'the whole region too')
    t.is(man.stats().retainedBytes, mapLength, 'reported as retained')
    buf = null
    map = null
    await collectGarbage()
    t.is(man.stats().retainedBytes, 0, 'unmapped once no view can reach it')
  } finally {
    man.close()
    f.remove()
  }
})

test('Buffers over more windows than the facade notes between two native calls all keep their bytes when every window goes', (t) =>
  scope((use) => {
    // The facade notes a Buffer handed out in the mailbox (room for MAILBOX_EXPOSED_CAPACITY
    // ids) and tells the native manager at once when it is full; the manager reads the notes
    // only when it lets a region go. 80 windows handed out with no eviction between fill the
    // mailbox and take the other path too; collect() then lets them all go in one call.
    const windows = 80
    const f = use(patternedFile(windows * G, 'retain_many_noted'))
    const man = use(new SlidingWindowMapManager({ windowSize: G }))
    const held: Buffer[] = []
    const cursors = []
    for (let w = 0; w < windows; w++) {
      const c = man.makeCursor(f.path)
      c.useRegion(w * G + 7, G - 7)
      held.push(c.buffer())
      cursors.push(c)
    }
    t.is(man.stats().misses, windows, 'one window each')
    for (const c of cursors) c.release()
    t.is(man.collect(), windows)
    t.is(man.stats().retainedBytes, windowsOutliveUse ? windows * G : 0, 'every window retained for its Buffer')
    for (let w = 0; w < windows; w++) letGoBytes(t, held[w], f.data.subarray(w * G + 7, (w + 1) * G), `window ${w}`)
  }))

test('a region whose Buffer never left the package is unmapped at once, not retained', (t) =>
  scope((use) => {
    const f = use(patternedFile(4 * G, 'retain_internal'))
    const man = use(new SlidingWindowMapManager({ windowSize: G }))
    const buf = use(new pkg.smmap.SlidingWindowMapBuffer(man.makeCursor(f.path)))
    t.is(buf.readUInt32LE(0), f.data.readUInt32LE(0))
    buf.endAccess()
    t.is(man.collect(), 1)
    t.is(man.stats().retainedBytes, 0)
  }))

test('retained under eviction by a tiny budget: an old Buffer keeps its bytes, the budget holds', (t) =>
  scope((use) => {
    const f = use(patternedFile(5 * G, 'retain_evict'))
    const man = use(new SlidingWindowMapManager({ windowSize: G, maxMemorySize: 2 * G }))
    const c = use(man.makeCursor(f.path))
    c.useRegion(0, G)
    const b0 = c.buffer()
    sameBytes(t, b0, f.data.subarray(0, G))
    c.unuseRegion()
    for (const page of [1, 2, 3]) {
      t.true(c.useRegion(page * G, G).isValid())
      sameBytes(t, c.buffer(), f.data.subarray(page * G, (page + 1) * G), `page ${page}`)
    }
    t.true(man.stats().evictions > 0)
    t.true(man.mappedMemorySize() <= 2 * G)
    letGoBytes(t, b0, f.data.subarray(0, G), "the evicted window's Buffer still reads the file")
    t.is(man.stats().retainedBytes >= G, windowsOutliveUse)
  }))

test('retained on manager.close() and on [Symbol.dispose](): old Buffers keep their bytes, the manager is closed', (t) =>
  scope((use) => {
    const f = use(patternedFile(3 * G, 'retain_close'))
    for (const end of ['close', 'dispose'] as const) {
      const man = new SlidingWindowMapManager({ windowSize: G })
      const c1 = man.makeCursor(f.path).useRegion(0, 10)
      const c2 = man.makeCursor(f.path).useRegion(2 * G, 10)
      const r2 = c2.region()!
      const bufs = [c1.buffer(), c1.map(), c2.buffer(), r2.buffer()]
      t.is(bufs[0][3], f.data[3])
      if (end === 'close') man.close()
      else man[Symbol.dispose]()
      letGoBytes(t, bufs[0], f.data.subarray(0, 10), end)
      letGoBytes(t, bufs[1], f.data.subarray(0, bufs[1].length), end)
      letGoBytes(t, bufs[2], f.data.subarray(2 * G, 2 * G + 10), end)
      letGoBytes(t, bufs[3], f.data.subarray(r2.ofsBegin(), r2.ofsEnd()), end)
      t.is(man.numFileHandles(), 0)
      t.false(c1.isValid(), 'the cursors lost their regions')
      t.throws(() => man.makeCursor(f.path), { code: 'ERR_SMMAP_CLOSED' })
    }
  }))

test('eviction is true LRU, not smmap first-found', (t) =>
  scope((use) => {
    const f = use(patternedFile(6 * G, 'lru'))
    const man = use(new SlidingWindowMapManager({ windowSize: G, maxMemorySize: 3 * G }))
    const c = use(man.makeCursor(f.path))
    const regions: Record<number, MapRegion> = {}
    for (const page of [4, 3, 2]) {
      t.true(c.useRegion(page * G, G).isValid())
      regions[page] = c.region()!
      t.deepEqual([regions[page].ofsBegin(), regions[page].size()], [page * G, G])
      c.unuseRegion()
    }
    t.is(man.numFileHandles(), 3)
    t.true(c.useRegion(0, G).isValid())
    t.is(man.numFileHandles(), 3)
    t.is(regions[4].buffer().length, 0, 'page 4 (least recently used) was evicted')
    t.is(regions[2].buffer().length, G, 'page 2 (smmap would evict it: lowest offset) stays')
    t.is(regions[3].buffer().length, G)

    const c2 = use(man.makeCursor(f.path))
    for (const page of [2, 3]) {
      const before = man.stats()
      t.true(c2.useRegion(page * G, G).isValid())
      const after = man.stats()
      t.is(c2.region(), regions[page], `page ${page}: same region`)
      t.is(after.hits, before.hits + 1, `page ${page} is a hit`)
      t.is(after.misses, before.misses, `page ${page} is not a miss`)
      sameBytes(t, c2.buffer(), f.data.subarray(page * G, (page + 1) * G))
    }
  }))

test('LRU counts a re-use: the region used most recently is kept', (t) =>
  scope((use) => {
    const f = use(patternedFile(6 * G, 'lru_touch'))
    const man = use(new SlidingWindowMapManager({ windowSize: G, maxMemorySize: 3 * G }))
    const c = use(man.makeCursor(f.path))
    const r: MapRegion[] = []
    for (const page of [0, 1, 2]) {
      c.useRegion(page * G, G)
      r[page] = c.region()!
    }
    c.unuseRegion()
    t.is(c.useRegion(0, G).region(), r[0], 'page 0 re-used (a hit)')
    c.unuseRegion()
    t.true(c.useRegion(4 * G, G).isValid())
    t.is(r[1].buffer().length, 0, 'page 1 is now the least recently used')
    t.is(r[0].buffer().length, G)
    t.is(r[2].buffer().length, G)
  }))

test('regions in use are never evicted: the memory budget is soft', (t) =>
  scope((use) => {
    const f = use(patternedFile(8 * G, 'soft'))
    const man = use(new SlidingWindowMapManager({ windowSize: G, maxMemorySize: G }))
    const cursors = [0, 2, 4, 6].map((page) => use(man.makeCursor(f.path)).useRegion(page * G, G))
    t.is(man.mappedMemorySize(), 4 * G)
    t.true(man.mappedMemorySize() > man.maxMappedMemorySize())
    t.is(man.stats().evictions, 0)
    for (const [i, c] of cursors.entries()) sameBytes(t, c.buffer(), f.data.subarray(2 * i * G, (2 * i + 1) * G))
    t.is(man.collect(), 0, 'nothing unused to collect')
  }))

test('[Symbol.dispose] on cursors and managers (what `using` calls)', (t) =>
  scope((use) => {
    const f = use(patternedFile(3 * G, 'dispose'))
    let region: MapRegion | null = null
    let man: Manager | null = null
    scope((use2) => {
      man = use2(new SlidingWindowMapManager())
      scope((use3) => {
        const c = use3(man!.makeCursor(f.path))
        c.useRegion(0, 100)
        region = c.region()
        t.is(region!.clientCount(), 2)
      })
      t.is(region!.clientCount(), 1, 'the cursor gave its region back')
      t.is(region!.buffer().length, 3 * G, 'still cached by the manager')
    })
    t.is(region!.clientCount(), 0, 'the manager was closed: no holder is left')
    t.throws(() => man!.makeCursor(f.path), { code: 'ERR_SMMAP_CLOSED' })
  }))

test('copy() and assign(): independent cursors on the same region', (t) =>
  scope((use) => {
    const f = use(patternedFile(10 * G, 'copy'))
    const man = use(new SlidingWindowMapManager({ windowSize: 2 * G }))
    const c = use(man.makeCursor(f.path))
    c.useRegion(100, 50)
    const r = c.region()!
    t.is(r.clientCount(), 2)
    const cp = use(c.copy())
    t.true(cp.isValid())
    t.true(cp.isAssociated())
    t.is(cp.region(), r)
    t.is(r.clientCount(), 3)
    t.deepEqual([cp.ofsBegin(), cp.size()], [100, 50])
    sameBytes(t, cp.buffer(), f.data.subarray(100, 150))
    t.is(cp.pathOrFd(), f.path)
    t.is(cp.fileSize(), 10 * G)

    // the copy moves on its own
    t.true(cp.useRegion(7 * G + 5, 20).isValid())
    t.not(cp.region(), r)
    t.is(r.clientCount(), 2)
    sameBytes(t, cp.buffer(), f.data.subarray(7 * G + 5, 7 * G + 25))
    t.is(c.region(), r)
    t.deepEqual([c.ofsBegin(), c.size()], [100, 50])
    sameBytes(t, c.buffer(), f.data.subarray(100, 150))

    // assign
    const other = use(man.makeCursor(f.path))
    other.useRegion(9 * G, 10) // a region of its own (5G would fall in the copy's [5G, 8G))
    const otherRegion = other.region()!
    const a = use(man.makeCursor(f.path))
    a.assign(c)
    t.is(a.region(), r)
    t.is(r.clientCount(), 3)
    a.assign(other)
    t.is(r.clientCount(), 2, 'assign() gave the previous region back')
    t.is(a.region(), otherRegion)
    t.is(otherRegion.clientCount(), 3)
    sameBytes(t, a.buffer(), f.data.subarray(9 * G, 9 * G + 10))
    t.true(a.useRegion(150, 10).isValid())
    sameBytes(t, a.buffer(), f.data.subarray(150, 160))
    a.release()
    other.release()
    t.is(otherRegion.clientCount(), 1)

    cp.release()
    c.release()
    t.is(r.clientCount(), 1, 'releasing both brings the count back to 1')
  }))

test('cursor.region() is the same object each time, null without a region', (t) =>
  scope((use) => {
    const f = use(patternedFile(10 * G, 'region_identity'))
    const man = use(new SlidingWindowMapManager({ windowSize: 2 * G }))
    const c = use(man.makeCursor(f.path))
    const c2 = use(man.makeCursor(f.path))
    t.is(c.region(), null)
    const r = c.useRegion(0, 10).region()!
    t.is(c.region(), r)
    t.is(c.useRegion(5, 10).region(), r)
    t.is(c2.useRegion(7, 1).region(), r, 'another cursor on the same region')
    c.useRegion(8 * G, 10)
    t.not(c.region(), r)
    t.is(c.useRegion(3, 10).region(), r, 'back to the cached region')
    c.unuseRegion()
    t.is(c.region(), null)
  }))

test('collect() returns the number unmapped and is idempotent', (t) =>
  scope((use) => {
    const f = use(patternedFile(10 * G, 'collect'))
    const man = use(new SlidingWindowMapManager({ windowSize: G }))
    const c = use(man.makeCursor(f.path))
    for (const page of [0, 3, 6]) c.useRegion(page * G, G)
    t.is(man.numFileHandles(), 3)
    const evictionsBefore = man.stats().evictions
    t.is(man.collect(), 2)
    t.is(man.collect(), 0)
    t.is(man.numFileHandles(), 1)
    sameBytes(t, c.buffer(), f.data.subarray(6 * G, 7 * G))
    c.release()
    t.is(man.collect(), 1)
    t.is(man.collect(), 0)
    t.is(man.numFileHandles(), 0)
    t.is(man.mappedMemorySize(), 0)
    t.is(man.numOpenFiles(), 0)
    t.is(man.stats().evictions, evictionsBefore, 'collect() is not counted as evictions')
  }))

function useAndDrop(man: Manager, file: string): MapRegion {
  const c = man.makeCursor(file)
  c.useRegion(0, 10)
  return c.region()!
}

test.serial('a cursor garbage-collected without release() gives its region back', async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc
  t.is(typeof gc, 'function', 'run with --expose-gc')
  const f = patternedFile(2 * G, 'finalization')
  const man = new SlidingWindowMapManager()
  try {
    const region = useAndDrop(man, f.path)
    t.is(region.clientCount(), 2)
    let rounds = 0
    while (region.clientCount() !== 1 && rounds < 50) {
      gc!()
      await new Promise((r) => setImmediate(r))
      rounds++
    }
    t.log(`released after ${rounds} gc rounds`)
    t.is(region.clientCount(), 1)
    t.is(man.collect(), 1)
  } finally {
    man.close()
    f.remove()
  }
})

// The fds are counted in /proc/self/fd, which only Linux has.
const countingFds = openFdCount() >= 0 ? test.serial : test.serial.skip

countingFds('descriptors stay bounded: one per file with mapped regions (32 windows of one file, 32 files), none after collect()', (t) =>
  scope((use) => {
    const one = use(patternedFile(64 * G + 3, 'nofd'))
    const many = Array.from({ length: 32 }, (_, i) => use(patternedFile(G + i, `nofd${i}`)))
    const man = use(new SlidingWindowMapManager({ windowSize: G }))
    const before = openFdCount()
    t.true(before > 0)
    const windows = Array.from({ length: 32 }, (_, i) => man.makeCursor(one.path).useRegion(2 * i * G, G))
    t.is(man.numFileHandles(), 32)
    t.is(openFdCount(), before + 1, '32 regions of one file: one descriptor')
    const perFile = many.map((f) => man.makeCursor(f.path).useRegion(0))
    t.is(man.numFileHandles(), 64)
    t.is(man.numOpenFiles(), 33)
    t.is(openFdCount(), before + 33, 'and 32 regions of 32 files: one each')
    for (const [i, c] of windows.entries()) sameBytes(t, c.buffer(), one.data.subarray(2 * i * G, (2 * i + 1) * G))
    for (const [i, c] of perFile.entries()) sameBytes(t, c.buffer(), many[i].data.subarray(0, G))
    for (const c of [...windows, ...perFile]) c.release()
    man.collect()
    t.is(openFdCount(), before, 'none once no region is mapped')
  }),
)

test('fd-keyed cursors never close the caller fd', (t) =>
  scope((use) => {
    const f = use(patternedFile(4 * G, 'keepfd'))
    const fd = use(openFd(f.path))
    for (const Cls of [StaticWindowMapManager, SlidingWindowMapManager]) {
      const man = new Cls({ windowSize: Cls === SlidingWindowMapManager ? G : 0 })
      const c = man.makeCursor(fd.fd)
      c.useRegion(G + 3, 10)
      sameBytes(t, c.buffer(), f.data.subarray(G + 3, G + 13))
      c.release()
      t.true(man.collect() >= 1)
      c.useRegion(2 * G)
      man.close()
      t.notThrows(() => fs.fstatSync(fd.fd), Cls.name)
      const b = Buffer.alloc(8)
      t.is(fs.readSync(fd.fd, b, 0, 8, 16), 8)
      sameBytes(t, b, f.data.subarray(16, 24))
    }
  }))

for (const kind of ['path', 'fd'] as const) {
  test(`files grow: an offset past the old end is valid after appending (${kind})`, (t) =>
    scope((use) => {
      const f = use(patternedFile(10000, `grow_${kind}`))
      const fd = use(openFd(f.path))
      const man = use(new SlidingWindowMapManager())
      const item = kind === 'path' ? f.path : fd.fd
      const c = use(man.makeCursor(item))
      t.true(c.useRegion(0).isValid())
      t.is(c.size(), 10000)
      t.is(c.fileSize(), 10000)
      t.false(c.useRegion(10000).isValid())
      fs.appendFileSync(f.path, pattern(5000, 10000))
      t.true(c.useRegion(10000, 100).isValid(), 'valid after the file grew')
      sameBytes(t, c.buffer(), pattern(100, 10000))
      t.is(c.fileSize(), 15000)
      const c2 = use(man.makeCursor(item))
      t.true(c2.useRegion(14990).isValid())
      sameBytes(t, c2.buffer(), pattern(10, 14990))
    }))
}

test('stats(): numbers consistent with the counters', (t) =>
  scope((use) => {
    const f = use(patternedFile(10 * G, 'stats'))
    const man = use(new SlidingWindowMapManager({ windowSize: 2 * G }))
    const s0 = man.stats()
    for (const key of ['hits', 'misses', 'evictions', 'regions', 'openFiles', 'mappedBytes', 'peakMappedBytes'] as const) {
      t.is(typeof s0[key], 'number', key)
      t.is(s0[key], 0, key)
    }
    const c = use(man.makeCursor(f.path))
    const c2 = use(man.makeCursor(f.path))
    c.useRegion(0, 10) // miss
    c.useRegion(5, 10) // hit (the cursor's own region)
    c2.useRegion(0, 10) // hit (a region already mapped)
    c.useRegion(8 * G, 10) // miss
    const s = man.stats()
    t.is(s.misses, 2)
    t.is(s.hits, 2)
    t.is(s.evictions, 0)
    t.is(s.regions, man.numFileHandles())
    t.is(s.regions, 2)
    t.is(s.openFiles, man.numOpenFiles())
    t.is(s.openFiles, 1)
    t.is(s.mappedBytes, man.mappedMemorySize())
    t.is(s.peakMappedBytes, s.mappedBytes)
    const peak = s.peakMappedBytes
    c.release()
    c2.release()
    man.collect()
    const s2 = man.stats()
    t.is(s2.mappedBytes, 0)
    t.is(s2.regions, 0)
    t.is(s2.openFiles, 0)
    t.is(s2.peakMappedBytes, peak)
    t.is(s2.evictions, 0)
  }))

// On Windows it does unmap: windows.spec.ts.
const offWindows = process.platform === 'win32' ? test.skip : test

offWindows('forceMapHandleRemovalWin returns 0 off Windows and unmaps nothing', (t) =>
  scope((use) => {
    const f = use(patternedFile(3 * G, 'forcewin'))
    const man = use(new SlidingWindowMapManager({ windowSize: G }))
    const c = use(man.makeCursor(f.path)).useRegion(10, 10)
    use(man.makeCursor(f.path))
      .useRegion(2 * G, 10)
      .unuseRegion()
    const before = { h: man.numFileHandles(), m: man.mappedMemorySize() }
    t.is(man.forceMapHandleRemovalWin(f.dir), 0)
    t.deepEqual({ h: man.numFileHandles(), m: man.mappedMemorySize() }, before)
    sameBytes(t, c.buffer(), f.data.subarray(10, 20))
    t.throws(() => man.forceMapHandleRemovalWin(5 as any), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  }),
)

test('new WindowCursor(manager, regions) works like makeCursor', (t) =>
  scope((use) => {
    const f = use(patternedFile(2 * G, 'ctor'))
    const man = use(new SlidingWindowMapManager())
    const c = use(new WindowCursor(man, new pkg.smmap.MapRegionList(f.path)))
    t.true(c.isAssociated())
    t.true(c.useRegion(3, 4).isValid())
    sameBytes(t, c.buffer(), f.data.subarray(3, 7))
  }))
