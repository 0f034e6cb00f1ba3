// Every applicable row of the error table, and that a throwing call leaves the manager's counters
// true and the next valid call working.
import test from 'ava'
import fs = require('node:fs')
import path = require('node:path')

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { ALLOCATIONGRANULARITY: G, SlidingWindowMapManager, StaticWindowMapManager, WindowCursor } = pkg.smmap
const { closedFdNumber, openFd, patternedFile, sameBytes, scope } = files
type Manager = InstanceType<typeof StaticWindowMapManager>

function counters(man: Manager) {
  return { handles: man.numFileHandles(), openFiles: man.numOpenFiles(), mapped: man.mappedMemorySize(), stats: man.stats() }
}

const TYPE = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }
const RANGE = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }

for (const Cls of [StaticWindowMapManager, SlidingWindowMapManager]) {
  test(`${Cls.name}: bad makeCursor/useRegion arguments throw before anything changes`, (t) =>
    scope((use) => {
      const f = use(patternedFile(5 * G + 7, 'args'))
      const man = use(new Cls({ windowSize: Cls === SlidingWindowMapManager ? 2 * G : 0 }))
      t.throws(() => man.makeCursor(1.5), RANGE)
      t.throws(() => man.makeCursor(-1), RANGE)
      t.throws(() => man.makeCursor({} as any), TYPE)
      t.throws(() => man.makeCursor(undefined as any), TYPE)

      const c = use(man.makeCursor(f.path))
      t.true(c.useRegion(100, 10).isValid())
      const region = c.region()!
      const before = counters(man)
      const bad: Array<[() => unknown, object]> = [
        [() => c.useRegion('a' as any), TYPE],
        [() => c.useRegion(null as any), TYPE],
        [() => c.useRegion(-1), RANGE],
        [() => c.useRegion(1.5), RANGE],
        [() => c.useRegion(2 ** 53), RANGE],
        [() => c.useRegion(NaN), RANGE],
        [() => c.useRegion(0, -1), RANGE],
        [() => c.useRegion(0, 1.5), RANGE],
        [() => c.useRegion(0, '1' as any), TYPE],
        [() => c.useRegion(3 * G, -1), RANGE], // would be a miss: still rejected first
        [() => c.useRegion(0, 0, 'x' as any), TYPE],
      ]
      for (const [fn, expected] of bad) {
        t.throws(fn, expected)
        // a rejected useRegion leaves the cursor on the region it had
        t.is(c.region(), region)
        t.is(c.ofsBegin(), 100)
        t.is(c.size(), 10)
        t.is(region.clientCount(), 2)
        t.deepEqual(counters(man), before)
      }
      sameBytes(t, c.buffer(), f.data.subarray(100, 110))
      t.true(c.useRegion(4 * G, 7).isValid(), 'the next valid call works')
      sameBytes(t, c.buffer(), f.data.subarray(4 * G, 4 * G + 7))
    }))

  test(`${Cls.name}: bad options`, (t) => {
    t.throws(() => new Cls({ maxMemorySize: -1 }), RANGE)
    t.throws(() => new Cls({ maxOpenHandles: -1 }), RANGE)
    t.throws(() => new Cls({ maxOpenHandles: 1.5 }), RANGE)
    t.throws(() => new Cls({ windowSize: 'x' as any }), TYPE)
    t.throws(() => new Cls({ maxMemorySize: '1' as any }), TYPE)
    t.throws(() => new Cls(5 as any), TYPE)
    // negative windowSize picks the default, maxMemorySize 0 picks the default
    const man = new Cls({ windowSize: -5, maxMemorySize: 0 })
    try {
      // (the static manager's value for a negative windowSize is left open: the contract says "the
      // default", which is 0 for the static manager, while smmap turns any negative into 1 GiB)
      if (Cls === SlidingWindowMapManager) t.is(man.windowSize(), pkg.smmap.is64Bit() ? 1 << 30 : 64 << 20)
      t.is(man.maxMappedMemorySize(), pkg.smmap.is64Bit() ? 8 * (1 << 30) : 1 << 30)
    } finally {
      man.close()
    }
  })

  test(`${Cls.name}: missing file is ENOENT with path and syscall, on useRegion and fileSize`, (t) =>
    scope((use) => {
      const f = use(patternedFile(3 * G, 'missing'))
      const man = use(new Cls())
      const good = use(man.makeCursor(f.path))
      t.true(good.useRegion(0, 10).isValid())
      const before = counters(man)
      const missing = path.join(f.dir, 'nope.bin')
      const c = use(man.makeCursor(missing)) // no I/O yet
      t.deepEqual(counters(man), before)
      for (const call of [() => c.useRegion(), () => c.useRegion(10, 10), () => c.fileSize()]) {
        const err = t.throws(call) as NodeJS.ErrnoException
        t.is(err.code, 'ENOENT')
        t.is(err.path, missing)
        t.is(typeof err.syscall, 'string')
        t.true(err.errno! < 0)
        t.false(c.isValid())
        t.deepEqual(counters(man), before)
      }
      // the next valid call works
      fs.writeFileSync(missing, f.data.subarray(0, 100))
      t.true(c.useRegion(5, 10).isValid())
      sameBytes(t, c.buffer(), f.data.subarray(5, 15))
      t.true(good.useRegion(G, 10).isValid())
    }))

  test(`${Cls.name}: bad fd is EBADF`, (t) =>
    scope((use) => {
      const f = use(patternedFile(3 * G, 'badfd'))
      const man = use(new Cls())
      const before = counters(man)
      const c = use(man.makeCursor(closedFdNumber(f.path)))
      const err = t.throws(() => c.useRegion()) as NodeJS.ErrnoException
      t.is(err.code, 'EBADF')
      t.is(typeof err.syscall, 'string')
      t.deepEqual(counters(man), before)
      const good = use(man.makeCursor(f.path))
      t.true(good.useRegion(7).isValid())
      t.is(good.buffer()[0], f.data[7])
    }))

  test(`${Cls.name}: a cursor without a region`, (t) =>
    scope((use) => {
      const f = use(patternedFile(3 * G, 'noregion'))
      const man = use(new Cls())
      const INVALID = { code: 'ERR_SMMAP_INVALID_CURSOR' }
      const check = (c: InstanceType<typeof WindowCursor>, size: number, what: string) => {
        t.false(c.isValid(), what)
        t.true(c.isAssociated(), what)
        t.is(c.region(), null, what)
        t.is(c.size(), size, `${what}: size() is the last size`)
        for (const fn of [() => c.buffer(), () => c.map(), () => c.ofsBegin(), () => c.ofsEnd(), () => c.includesOfs(0)]) {
          const err = t.throws(fn, INVALID)
          t.true(err instanceof Error, what)
        }
      }
      const c = use(man.makeCursor(f.path))
      check(c, 0, 'never used')
      c.useRegion(100, 50)
      t.true(c.isValid())
      c.unuseRegion()
      check(c, 50, 'after unuseRegion')
      c.useRegion(100, 60)
      t.false(c.useRegion(3 * G).isValid(), 'at EOF: invalid, no throw')
      check(c, 60, 'after useRegion at EOF')
      t.false(c.useRegion(10 * G, 5).isValid(), 'past EOF: invalid, no throw')
      t.true(c.useRegion(0, 5).isValid())
    }))

  test(`${Cls.name}: unassociated cursors`, (t) =>
    scope((use) => {
      const man = use(new Cls())
      for (const c of [new WindowCursor(), new WindowCursor(man)]) {
        t.false(c.isAssociated())
        t.false(c.isValid())
        t.is(c.size(), 0)
        t.is(c.region(), null)
        for (const fn of [() => c.useRegion(), () => c.useRegion(10, 10), () => c.fileSize(), () => c.pathOrFd(), () => c.path(), () => c.fd()]) {
          const err = t.throws(fn, { code: 'ERR_SMMAP_UNASSOCIATED' })
          t.true(err instanceof Error)
        }
        t.notThrows(() => c.unuseRegion())
        t.notThrows(() => c.release())
        t.false(c.copy().isAssociated())
      }
      t.throws(() => new WindowCursor({} as any), TYPE)
    }))

  test(`${Cls.name}: path() on an fd cursor, fd() on a path cursor`, (t) =>
    scope((use) => {
      const f = use(patternedFile(100, 'pathfd'))
      const fd = use(openFd(f.path))
      const man = use(new Cls())
      const pc = use(man.makeCursor(f.path))
      const fc = use(man.makeCursor(fd.fd))
      t.throws(() => fc.path(), { instanceOf: TypeError, code: 'ERR_SMMAP_NOT_A_PATH' })
      t.throws(() => pc.fd(), { instanceOf: TypeError, code: 'ERR_SMMAP_NOT_AN_FD' })
      t.is(pc.path(), f.path)
      t.is(fc.fd(), fd.fd)
      t.is(pc.pathOrFd(), f.path)
      t.is(fc.pathOrFd(), fd.fd)
    }))

  test(`${Cls.name}: client count below 0 is ERR_SMMAP_CLIENT_COUNT`, (t) =>
    scope((use) => {
      const f = use(patternedFile(2 * G, 'clientcount'))
      const man = use(new Cls())
      const c = use(man.makeCursor(f.path))
      c.useRegion(0, 10)
      const r = c.region()!
      const before = counters(man)
      t.throws(() => r.incrementClientCount(-3), { code: 'ERR_SMMAP_CLIENT_COUNT' })
      t.is(r.clientCount(), 2)
      t.deepEqual(counters(man), before)
      sameBytes(t, c.buffer(), f.data.subarray(0, 10))
      t.true(c.useRegion(G, 10).isValid())
    }))

  test(`${Cls.name}: close()`, (t) =>
    scope((use) => {
      const f = use(patternedFile(3 * G, 'close'))
      const man = new Cls({ windowSize: Cls === SlidingWindowMapManager ? G : 0 })
      const c = man.makeCursor(f.path)
      c.useRegion(10, 10)
      const buf = c.buffer()
      const map = c.map()
      const r = c.region()!
      const regionBuf = r.buffer()
      t.is(buf[0], f.data[10])
      man.close()
      // Buffers handed out keep the file's bytes until they are collected (emptied on Windows).
      files.letGoBytes(t, buf, f.data.subarray(10, 20))
      files.letGoBytes(t, map, f.data.subarray(r.ofsBegin(), r.ofsEnd()))
      files.letGoBytes(t, regionBuf, map)
      t.is(r.clientCount(), 0, 'the region has no holder left')
      t.throws(() => man.makeCursor(f.path), { code: 'ERR_SMMAP_CLOSED' })
      t.throws(() => c.useRegion(10, 10), { code: 'ERR_SMMAP_CLOSED' })
      t.throws(() => c.useRegion(2 * G, 10), { code: 'ERR_SMMAP_CLOSED' })
      t.notThrows(() => man.close())
      t.notThrows(() => man[Symbol.dispose]())
      t.is(man.collect(), 0)
      t.is(man.collect(), 0)
      t.is(man.numFileHandles(), 0)
      t.is(man.mappedMemorySize(), 0)
      t.notThrows(() => c.release())
    }))
}

test('maxOpenHandles (sliding): ERR_SMMAP_LIMIT when nothing can be evicted, then LRU eviction', (t) =>
  scope((use) => {
    const f = use(patternedFile(10 * G, 'limit'))
    const man = use(new SlidingWindowMapManager({ windowSize: G, maxOpenHandles: 2 }))
    t.is(man.maxFileHandles(), 2)
    const c1 = use(man.makeCursor(f.path))
    const c2 = use(man.makeCursor(f.path))
    const c3 = use(man.makeCursor(f.path))
    t.true(c1.useRegion(0, G).isValid())
    t.true(c2.useRegion(3 * G, G).isValid())
    t.is(man.numFileHandles(), 2)
    const r1 = c1.region()!
    const before = counters(man)
    const err = t.throws(() => c3.useRegion(6 * G, G), { code: 'ERR_SMMAP_LIMIT' })
    t.true(err instanceof Error)
    t.true(err!.message.includes('2'), err!.message)
    t.deepEqual(counters(man), before)
    t.false(c3.isValid())
    sameBytes(t, c1.buffer(), f.data.subarray(0, G))
    sameBytes(t, c2.buffer(), f.data.subarray(3 * G, 4 * G))

    c1.unuseRegion()
    t.true(c3.useRegion(6 * G, G).isValid())
    sameBytes(t, c3.buffer(), f.data.subarray(6 * G, 7 * G))
    t.is(man.numFileHandles(), 2)
    t.is(r1.clientCount(), 0, 'the unused region was evicted')
    t.is(man.stats().evictions, before.stats.evictions + 1)
    sameBytes(t, c2.buffer(), f.data.subarray(3 * G, 4 * G))
  }))

test('maxOpenHandles 0: the first use throws ERR_SMMAP_LIMIT naming the limit', (t) =>
  scope((use) => {
    const f = use(patternedFile(G, 'limit0'))
    const man = use(new SlidingWindowMapManager({ maxOpenHandles: 0 }))
    const c = use(man.makeCursor(f.path))
    const err = t.throws(() => c.useRegion(), { code: 'ERR_SMMAP_LIMIT' })
    t.true(err!.message.includes('0'), err!.message)
    t.is(man.numFileHandles(), 0)
  }))

test('maxOpenHandles (static): two files, limit 1, both held -> ERR_SMMAP_LIMIT', (t) =>
  scope((use) => {
    const a = use(patternedFile(2 * G, 'static_limit_a'))
    const b = use(patternedFile(3 * G, 'static_limit_b'))
    const man = use(new StaticWindowMapManager({ maxOpenHandles: 1 }))
    const ca = use(man.makeCursor(a.path))
    const cb = use(man.makeCursor(b.path))
    t.true(ca.useRegion(0, 10).isValid())
    const before = counters(man)
    const err = t.throws(() => cb.useRegion(0, 10), { code: 'ERR_SMMAP_LIMIT' })
    t.true(err!.message.includes('1'), err!.message)
    t.deepEqual(counters(man), before)
    sameBytes(t, ca.buffer(), a.data.subarray(0, 10))
    ca.unuseRegion()
    t.true(cb.useRegion(5, 10).isValid())
    sameBytes(t, cb.buffer(), b.data.subarray(5, 15))
    t.is(man.numFileHandles(), 1)
    t.is(man.numOpenFiles(), 1)
  }))
