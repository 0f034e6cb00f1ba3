// Port of smmap's test_mman.py: test_cursor, test_memory_manager and
// test_memman_operation with the exact upstream parameters, on a patterned K-byte file.
import test from 'ava'

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { ALLOCATIONGRANULARITY: G, alignToMmap, is64Bit, SlidingWindowMapManager, StaticWindowMapManager, WindowCursor } = pkg.smmap
const { K, bytesMismatch, mulberry32, openFd, patternedFile, randInt, sameBytes, scope, testSeed } = files
type TempFile = ReturnType<typeof files.tempFile>

let kFile: TempFile
test.before(() => {
  kFile = patternedFile(K, 'manager_test')
})
test.after.always(() => {
  kFile?.remove()
})

test('test_cursor', (t) => {
  const man = new SlidingWindowMapManager()
  try {
    const ci = new WindowCursor(man) // invalid cursor
    t.false(ci.isValid())
    t.false(ci.isAssociated())
    t.is(ci.size(), 0) // this is cached, so we can query it in invalid state

    const cv = man.makeCursor(kFile.path)
    t.false(cv.isValid()) // no region mapped yet
    t.true(cv.isAssociated()) // but it know where to map it from
    t.is(cv.fileSize(), K)
    t.is(cv.path(), kFile.path)

    // copy module
    const cio = cv.copy()
    t.false(cio.isValid())
    t.true(cio.isAssociated())

    // assign method
    t.false(ci.isAssociated())
    ci.assign(cv)
    t.false(ci.isValid())
    t.true(ci.isAssociated())

    // unuse non-existing region is fine
    t.notThrows(() => cv.unuseRegion())
    t.notThrows(() => cv.unuseRegion())

    // destruction is fine (even multiple times)
    t.notThrows(() => cv.release())
    t.notThrows(() => cv.release())
    t.notThrows(() => new WindowCursor(man).release())
    t.notThrows(() => cio.release())
    t.notThrows(() => ci.release())
    t.is(man.numFileHandles(), 0)
  } finally {
    man.close()
  }
})

test('test_memory_manager: both managers, path and fd', (t) =>
  scope((use) => {
    const fd = use(openFd(kFile.path))
    const slideMan = use(new SlidingWindowMapManager())
    const staticMan = use(new StaticWindowMapManager())

    for (const man of [staticMan, slideMan]) {
      const name = man.constructor.name
      t.is(man.numFileHandles(), 0, name)
      t.is(man.numOpenFiles(), 0, name)
      const winsize = man instanceof SlidingWindowMapManager ? 0 : -1
      t.true(man.windowSize() > winsize, name)
      t.is(man.mappedMemorySize(), 0, name)
      t.true(man.maxMappedMemorySize() > 0, name)
      t.is(man.maxFileHandles(), Infinity, name)

      // defaults as in smmap
      if (man instanceof SlidingWindowMapManager) t.is(man.windowSize(), is64Bit() ? 1024 * 1024 * 1024 : 64 * 1024 * 1024)
      else t.is(man.windowSize(), 0)
      t.is(man.maxMappedMemorySize(), is64Bit() ? 8192 * 1024 * 1024 : 1024 * 1024 * 1024)

      // collection on an empty manager (smmap: _collect_lru_region(0), (10), (maxsize) == 0)
      t.is(man.collect(), 0)
      t.is(man.collect(), 0)

      let c: InstanceType<typeof WindowCursor> | undefined
      for (const item of [kFile.path, fd.fd]) {
        c = man.makeCursor(item)
        t.is(c.pathOrFd(), item)
        t.true(c.useRegion(10, 10).isValid())
        t.is(c.ofsBegin(), 10)
        t.is(c.size(), 10)
        sameBytes(t, c.buffer(), kFile.data.subarray(10, 20), `${name} ${typeof item}`)
        if (typeof item === 'number') {
          t.throws(() => c!.path(), { instanceOf: TypeError, code: 'ERR_SMMAP_NOT_A_PATH' })
          t.is(c.fd(), item)
        } else {
          t.throws(() => c!.fd(), { instanceOf: TypeError, code: 'ERR_SMMAP_NOT_AN_FD' })
          t.is(c.path(), item)
        }
        c.release()
      }
      t.true(man.collect() > 0, `${name}: regions were cached after release`)
      t.is(man.numFileHandles(), 0)
    }
  }))

const configs: Array<[string, typeof StaticWindowMapManager, { windowSize: number; maxMemorySize: number; maxOpenHandles: number }]> = [
  ['StaticWindowMapManager', StaticWindowMapManager, { windowSize: 0, maxMemorySize: Math.floor(K / 3), maxOpenHandles: 15 }],
  ['SlidingWindowMapManager', SlidingWindowMapManager, { windowSize: Math.floor(K / 100), maxMemorySize: Math.floor(K / 3), maxOpenHandles: 15 }],
]

for (const [name, ManagerCls, kwargs] of configs) {
  for (const kind of ['path', 'fd'] as const) {
    test(`test_memman_operation: ${name} ${JSON.stringify(kwargs)} on a ${kind}`, (t) =>
      scope((use) => {
        const data = kFile.data
        const fdHandle = use(openFd(kFile.path))
        const item = kind === 'path' ? kFile.path : fdHandle.fd
        const man = use(new ManagerCls(kwargs))
        const c = use(man.makeCursor(item))

        // still empty (more about that is tested in test_memory_manager()
        t.is(man.numOpenFiles(), 0)
        t.is(man.mappedMemorySize(), 0)
        t.is(man.windowSize(), kwargs.windowSize)
        t.is(man.maxMappedMemorySize(), kwargs.maxMemorySize)
        t.is(man.maxFileHandles(), 15)

        let baseOffset = 5000
        // window size is 0 for static managers, hence size will be 0. We take that into consideration
        const size = Math.floor(man.windowSize() / 2)
        t.true(c.useRegion(baseOffset, size).isValid())
        let rr = c.region()!
        t.is(rr.clientCount(), 2) // the manager and the cursor and us

        t.is(man.numOpenFiles(), 1)
        t.is(man.numFileHandles(), 1)
        t.is(man.mappedMemorySize(), rr.size())

        t.is(c.ofsBegin(), baseOffset)
        t.is(rr.ofsBegin(), 0) // it was aligned and expanded
        if (man.windowSize()) {
          // but isn't larger than the max window (aligned)
          t.is(rr.size(), alignToMmap(man.windowSize(), true))
          if (G === 4096) t.is(rr.size(), 81920) // the observed smmap value, at Linux's granularity
          t.is(c.size(), 40025)
        } else {
          t.is(rr.size(), K)
          t.is(c.size(), K - baseOffset)
        }
        sameBytes(t, c.buffer(), data.subarray(baseOffset, baseOffset + (size || c.size())), 'step 2')

        // obtain second window, which spans the first part of the file - it is a still the same window
        const nsize = (size || K) - 10
        t.true(c.useRegion(0, nsize).isValid())
        t.is(c.region(), rr)
        t.is(man.numFileHandles(), 1)
        t.is(c.size(), nsize)
        t.is(c.ofsBegin(), 0)
        sameBytes(t, c.buffer(), data.subarray(0, nsize), 'step 3')

        // map some part at the end, our requested size cannot be kept
        const overshoot = 4000
        baseOffset = K - (size || c.size()) + overshoot
        t.true(c.useRegion(baseOffset, size).isValid())
        if (man.windowSize()) {
          t.is(man.numFileHandles(), 2)
          t.true(c.size() < size)
          t.not(c.region(), rr) // old region is still available, but has not current cursor
          t.is(rr.clientCount(), 1) // only held by manager
          // observed smmap values; the region's at Linux's granularity
          t.is(baseOffset, 7969170)
          t.is(c.size(), 36025)
          if (G === 4096) {
            t.is(c.region()!.ofsBegin(), 7925760)
            t.is(c.region()!.size(), 79435)
          }
          // at any granularity: a granule-aligned region to the end of the file, no larger than
          // the window widened to granule boundaries
          t.is(c.region()!.ofsBegin() % G, 0)
          t.is(c.region()!.ofsEnd(), K)
          t.true(c.region()!.size() <= man.windowSize() + G, `region size ${c.region()!.size()}`)
        } else {
          t.true(c.size() < K)
          t.is(baseOffset, 4010)
          t.is(c.size(), 8001185)
        }
        rr = c.region()!
        t.is(rr.clientCount(), 2) // manager + cursor
        t.true(rr.ofsBegin() < c.ofsBegin()) // it should have extended itself to the left
        t.true(rr.ofsEnd() <= K) // it cannot be larger than the file
        sameBytes(t, c.buffer(), data.subarray(baseOffset, baseOffset + (size || c.size())), 'step 4')

        // unising a region makes the cursor invalid
        c.unuseRegion()
        t.false(c.isValid())
        if (man.windowSize()) {
          // but doesn't change anything regarding the handle count - we cache it and only
          // remove mapped regions if we have to
          t.is(man.numFileHandles(), 2)
        }

        // iterate through the windows, verify data contents
        // this will trigger map collection after a while
        const maxRandomAccesses = 5000
        const seed = testSeed()
        t.log(`seed ${seed} (set SMMAP_TEST_SEED=${seed} to reproduce)`)
        const rand = mulberry32(seed)
        let numRandomAccesses = maxRandomAccesses
        let memoryRead = 0
        let failure: string | null = null
        const st = process.hrtime.bigint()
        while (numRandomAccesses) {
          numRandomAccesses -= 1
          baseOffset = randInt(rand, 0, K - 1)

          // precondition. smmap makes room for a window of windowSize before placing it, and the
          // window placed widens to granule boundaries, so the budget can be passed by up to a
          // granule: rarely at 4 KiB, now and then with Windows' 64 KiB (this test's seed
          // 661220403 there: 2686976 mapped against 2668398).
          if (man.windowSize() && man.maxMappedMemorySize() + G < man.mappedMemorySize()) {
            failure = `access ${maxRandomAccesses - numRandomAccesses}: mapped ${man.mappedMemorySize()} > max ${man.maxMappedMemorySize()} + a granule`
            break
          }
          if (man.maxFileHandles() < man.numFileHandles()) {
            failure = `access ${maxRandomAccesses - numRandomAccesses}: handles ${man.numFileHandles()} > max ${man.maxFileHandles()}`
            break
          }
          const requested = size || c.size()
          if (!c.useRegion(baseOffset, requested).isValid()) {
            failure = `useRegion(${baseOffset}, ${requested}) is not valid`
            break
          }
          const csize = c.size()
          const mismatch = bytesMismatch(c.buffer(), data.subarray(baseOffset, baseOffset + csize))
          if (mismatch !== null) {
            failure = `useRegion(${baseOffset}, ${requested}): ${mismatch}`
            break
          }
          memoryRead += csize

          if (!c.includesOfs(baseOffset) || !c.includesOfs(baseOffset + csize - 1) || c.includesOfs(baseOffset + csize)) {
            failure = `includesOfs wrong after useRegion(${baseOffset}, ${requested}) with size ${csize}`
            break
          }
        }
        const elapsed = Math.max(Number(process.hrtime.bigint() - st) / 1e9, 0.001)
        t.is(failure, null)
        t.is(numRandomAccesses, 0)
        const mb = 1000 * 1000
        t.log(
          `${name}: Read ${Math.floor(memoryRead / mb)} mb of memory with ${maxRandomAccesses} random on cursor initialized with ${typeof item} accesses in ${elapsed.toFixed(6)}s (${(memoryRead / mb / elapsed).toFixed(6)} mb/s)`,
        )

        // an offset as large as the size doesn't work !
        t.false(c.useRegion(K, size).isValid())

        // collection - it should be able to collect all
        t.true(man.numFileHandles() > 0)
        t.true(man.collect() > 0)
        t.is(man.numFileHandles(), 0)
        t.is(man.mappedMemorySize(), 0)
        t.is(man.numOpenFiles(), 0)
      }))
  }
}

test('option defaults as in smmap: a negative windowSize means the sliding default for both managers, maxMemorySize 0 the default budget', (t) => {
  const window = is64Bit() ? 1024 * 1024 * 1024 : 64 * 1024 * 1024
  const budget = is64Bit() ? 8192 * 1024 * 1024 : 1024 * 1024 * 1024
  for (const Manager of [StaticWindowMapManager, SlidingWindowMapManager]) {
    t.is(new Manager({ windowSize: -5 }).windowSize(), window, Manager.name)
    t.is(new Manager({ windowSize: 10000 }).windowSize(), 10000, Manager.name)
    t.is(new Manager({ maxMemorySize: 0 }).maxMappedMemorySize(), budget, Manager.name)
    t.is(new Manager().maxFileHandles(), Infinity, Manager.name)
  }
  t.is(new StaticWindowMapManager().windowSize(), 0)
  t.is(new SlidingWindowMapManager().windowSize(), window)
})

test('advice and populate: every advice reads the right bytes; a bad advice is ERR_INVALID_ARG_VALUE', (t) => {
  const f = patternedFile(3 * 4096 + 99, 'advice')
  try {
    for (const advice of ['normal', 'sequential', 'random', 'willneed'] as const) {
      for (const populate of [false, true]) {
        const man = new SlidingWindowMapManager({ windowSize: 4096, advice, populate })
        const c = man.makeCursor(f.path)
        sameBytes(t, c.useRegion(8192, 200).buffer(), f.data.subarray(8192, 8392), `${advice} ${populate}`)
        man.close()
      }
    }
    t.throws(() => new SlidingWindowMapManager({ advice: 'often' as any }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' })
    t.throws(() => new SlidingWindowMapManager({ populate: 1 as any }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  } finally {
    f.remove()
  }
})
