// Port of smmap's test_util.py plus this package's util behaviour.
import test from 'ava'
import fs = require('node:fs')
import path = require('node:path')

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { ALLOCATIONGRANULARITY, alignToMmap, is64Bit, MapRegion, MapRegionList, MapWindow } = pkg.smmap
type MapWindow = InstanceType<typeof MapWindow>
type TempFile = ReturnType<typeof files.tempFile>
const { K, closedFdNumber, openFd, patternedFile, sameBytes, scope, tempFile } = files

const G = ALLOCATIONGRANULARITY

// The K-byte file, generated once for this test file.
let kFile: TempFile
test.before(() => {
  kFile = patternedFile(K, 'window_test')
})
test.after.always(() => {
  kFile?.remove()
})

function win(w: MapWindow): [number, number] {
  return [w.ofs, w.size]
}

// ---------------------------------------------------------------------------------------------
// test_util.py: test_window

test('test_window: MapWindow arithmetic as smmap', (t) => {
  const wl = new MapWindow(0, 1) // left
  const wc = new MapWindow(1, 1) // center
  const wc2 = new MapWindow(10, 5) // another center
  const wr = new MapWindow(8000, 50) // right

  t.is(wl.ofsEnd(), 1)
  t.is(wc.ofsEnd(), 2)
  t.is(wr.ofsEnd(), 8050)

  // extension does nothing if already in place
  const maxsize = 100
  wc.extendLeftTo(wl, maxsize)
  t.deepEqual(win(wc), [1, 1])
  wl.extendRightTo(wc, maxsize)
  wl.extendRightTo(wc, maxsize)
  t.deepEqual(win(wl), [0, 1])

  // an actual left extension
  const pofsEnd = wc2.ofsEnd()
  wc2.extendLeftTo(wc, maxsize)
  t.is(wc2.ofs, wc.ofsEnd())
  t.is(wc2.ofsEnd(), pofsEnd)
  t.deepEqual(win(wc2), [2, 13])

  // respects maxsize
  wc.extendRightTo(wr, maxsize)
  t.deepEqual(win(wc), [1, maxsize])
  wc.extendRightTo(wr, maxsize)
  t.deepEqual(win(wc), [1, maxsize])

  // without maxsize (Infinity stands for sys.maxsize)
  wc.extendRightTo(wr, Infinity)
  t.is(wc.ofsEnd(), wr.ofs)
  t.is(wc.ofs, 1)
  t.deepEqual(win(wc), [1, 7999])

  // extend left
  wr.extendLeftTo(wc2, maxsize)
  wr.extendLeftTo(wc2, maxsize)
  t.is(wr.size, maxsize)
  t.deepEqual(win(wr), [7950, 100])

  wr.extendLeftTo(wc2, Infinity)
  t.is(wr.ofs, wc2.ofsEnd())
  t.deepEqual(win(wr), [15, 8035])

  wc.align()
  t.is(wc.ofs, 0)
  t.is(wc.size, alignToMmap(8000, true))
  t.is(wc.size, alignToMmap(wc.size, true))
})

test('MapWindow stores values as given, ofsBegin()/toString()', (t) => {
  const w = new MapWindow(3, 7)
  t.is(w.ofs, 3)
  t.is(w.size, 7)
  t.is(w.ofsBegin(), 3)
  t.is(w.ofsEnd(), 10)
  t.is(String(w), 'MapWindow(3, 7)')
  // smmap does not validate: negative values are kept
  const n = new MapWindow(-5, -3)
  t.deepEqual(win(n), [-5, -3])
})

test('MapWindow.extendLeftTo: observed smmap results', (t) => {
  const cases: Array<[[number, number], [number, number], number, [number, number]]> = [
    [[5000, 100], [0, 0], 50, [5050, 50]], // shrinks and moves right when size > maxSize
    [[5000, 100], [0, 0], 0, [5100, 0]], // collapses to the end
    [[5000, 100], [6000, 0], 100000, [6000, -900]], // left window ends right of ofs
    [[5000, 100], [0, 0], 12288, [0, 5100]],
    [[20000, 100], [0, 0], 12288, [7812, 12288]],
    [[20000, 100], [8192, 4096], 12288, [12288, 7812]],
  ]
  for (const [[o, s], [lo, ls], max, expected] of cases) {
    const w = new MapWindow(o, s)
    w.extendLeftTo(new MapWindow(lo, ls), max)
    t.deepEqual(win(w), expected, `(${o},${s}).extendLeftTo((${lo},${ls}), ${max})`)
  }
})

test('MapWindow.extendRightTo: observed smmap results', (t) => {
  const cases: Array<[[number, number], [number, number], number, [number, number]]> = [
    [[5000, 100], [40000, 0], 12288, [5000, 12288]],
    [[5000, 100], [6000, 0], 12288, [5000, 1000]],
    [[5000, 100], [4000, 0], 12288, [5000, -1000]],
  ]
  for (const [[o, s], [ro, rs], max, expected] of cases) {
    const w = new MapWindow(o, s)
    w.extendRightTo(new MapWindow(ro, rs), max)
    t.deepEqual(win(w), expected, `(${o},${s}).extendRightTo((${ro},${rs}), ${max})`)
  }
})

test('MapWindow.align: observed smmap results, relative to ALLOCATIONGRANULARITY', (t) => {
  // Written in units of G so it holds for 4096 (Linux) and 65536 (Windows); with G = 4096 these
  // are exactly the observed (0,1)->(0,4096), (1,1)->(0,4096), (5000,100)->(4096,4096),
  // (4096,4096)->(4096,4096), (4095,2)->(0,8192), (7812,12288)->(4096,16384).
  const cases: Array<[[number, number], [number, number]]> = [
    [
      [0, 1],
      [0, G],
    ],
    [
      [1, 1],
      [0, G],
    ],
    [
      [G + 904, 100],
      [G, G],
    ],
    [
      [G, G],
      [G, G],
    ],
    [
      [G - 1, 2],
      [0, 2 * G],
    ],
    [
      [G + 3716, 3 * G],
      [G, 4 * G],
    ],
  ]
  for (const [[o, s], expected] of cases) {
    const w = new MapWindow(o, s)
    w.align()
    t.deepEqual(win(w), expected, `(${o},${s}).align()`)
  }
  if (G === 4096) {
    const w = new MapWindow(7812, 12288)
    w.align()
    t.deepEqual(win(w), [4096, 16384])
  }
})

test('MapWindow rejects arguments of the wrong type', (t) => {
  t.throws(() => new MapWindow('1' as any, 1), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => new MapWindow(1, {} as any), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => MapWindow.fromRegion({} as any), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  const w = new MapWindow(0, 1)
  t.throws(() => w.extendLeftTo({ ofs: 0, size: 0 } as any, 10), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => w.extendRightTo(null as any, 10), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.deepEqual(win(w), [0, 1], 'a rejected call changes nothing')
})

// ---------------------------------------------------------------------------------------------
// test_util.py: test_region

test('test_region: MapRegion over the K file', (t) =>
  scope((use) => {
    const half = Math.floor(K / 2)
    const rofs = alignToMmap(4200, false)
    t.is(half, 4002597)
    if (G === 4096) t.is(rofs, 4096)

    const rfull = use(new MapRegion(kFile.path, 0, K))
    const rhalfofs = use(new MapRegion(kFile.path, rofs, K))
    const rhalfsize = use(new MapRegion(kFile.path, 0, half))

    t.is(rfull.ofsBegin(), 0)
    t.is(rfull.size(), K)
    t.is(rfull.ofsEnd(), K)

    t.is(rhalfofs.ofsBegin(), rofs)
    t.is(rhalfofs.size(), K - rofs)
    t.is(rhalfofs.ofsEnd(), K)

    t.is(rhalfsize.ofsBegin(), 0)
    t.is(rhalfsize.size(), half)
    t.is(rhalfsize.ofsEnd(), half)

    t.true(rfull.includesOfs(0))
    t.true(rfull.includesOfs(K - 1))
    t.true(rfull.includesOfs(half))
    t.false(rfull.includesOfs(-1))
    t.false(rfull.includesOfs(K))
    t.false(rfull.includesOfs(Infinity))

    // no automatic counting: aliasing the object changes nothing
    t.is(rfull.clientCount(), 1)
    const alias = rfull
    t.is(alias.clientCount(), 1)

    const w = MapWindow.fromRegion(rfull)
    t.true(w instanceof MapWindow)
    t.is(w.ofs, rfull.ofsBegin())
    t.is(w.ofsEnd(), rfull.ofsEnd())
    const w2 = MapWindow.fromRegion(rhalfofs)
    t.deepEqual(win(w2), [rofs, K - rofs])

    // the mapped bytes are the file's bytes
    sameBytes(t, rfull.buffer(), kFile.data, 'rfull')
    sameBytes(t, rhalfofs.buffer(), kFile.data.subarray(rofs), 'rhalfofs')
    sameBytes(t, rhalfsize.buffer(), kFile.data.subarray(0, half), 'rhalfsize')
    sameBytes(t, rhalfofs.map(), rhalfofs.buffer(), 'map() and buffer()')
  }))
test('MapRegion.includesOfs is the half-open interval [ofsBegin, ofsEnd)', (t) =>
  scope((use) => {
    const f = use(patternedFile(3 * G + 100, 'includes'))
    const r = use(new MapRegion(f.path, G, 2 * G))
    t.deepEqual(
      [G - 1, G, 3 * G - 1, 3 * G].map((o) => r.includesOfs(o)),
      [false, true, true, false],
    )
  }))
test('MapRegion: size 0 maps the rest of the file; sizes past EOF are clamped', (t) =>
  scope((use) => {
    // Two granules and a tail: 10000 bytes on Linux.
    const N = 2 * G + 1808
    const f = use(patternedFile(N, 'clamp'))
    const cases: Array<[number, number, number]> = [
      // [ofs, size, expected mapped size]
      [0, 0, N],
      [G, 0, N - G],
      [0, Infinity, N],
      [0, 2 ** 40, N],
      [G, Infinity, N - G],
      [0, 100, 100],
    ]
    if (G === 4096) cases.push([8192, 10000, 1808], [4096, 5904, 5904])
    for (const [ofs, size, expected] of cases)
      scope((use) => {
        const r = use(new MapRegion(f.path, ofs, size))
        t.is(r.ofsBegin(), ofs, `MapRegion(p, ${ofs}, ${size}).ofsBegin()`)
        t.is(r.size(), expected, `MapRegion(p, ${ofs}, ${size}).size()`)
        t.is(r.ofsEnd(), ofs + expected)
        sameBytes(t, r.buffer(), f.data.subarray(ofs, ofs + expected), `MapRegion(p, ${ofs}, ${size}) bytes`)
      })
  }))
test('MapRegion over an fd reads the same bytes and leaves the fd open', (t) =>
  scope((use) => {
    const f = use(patternedFile(3 * G + 17, 'fd_region'))
    const fd = use(openFd(f.path))
    scope((use) => {
      const r = use(new MapRegion(fd.fd, G, 0))
      t.is(r.ofsBegin(), G)
      t.is(r.size(), 2 * G + 17)
      sameBytes(t, r.buffer(), f.data.subarray(G))
    })
    t.notThrows(() => fs.fstatSync(fd.fd), 'the caller fd is still open after release')
    const b = Buffer.alloc(10)
    t.is(fs.readSync(fd.fd, b, 0, 10, 5), 10)
    sameBytes(t, b, f.data.subarray(5, 15))
  }))
test('MapRegion toString is MapRegion<ofs, size>', (t) =>
  scope((use) => {
    const f = use(patternedFile(100, 'repr'))
    const r = use(new MapRegion(f.path, 0, 100))
    t.is(String(r), 'MapRegion<0, 100>')
  }))
test('writing into region.buffer() changes only this copy, never the file (copy-on-write)', (t) =>
  scope((use) => {
    const f = use(patternedFile(2 * G, 'cow'))
    const before = fs.readFileSync(f.path)
    const r = use(new MapRegion(f.path, 0, 0))
    const b = r.buffer()
    const original0 = b[0]
    b[0] = (original0 + 1) & 0xff
    b.fill(0xab, 10, 2 * G)
    t.is(b[0], (original0 + 1) & 0xff, 'the write is visible in this mapping')
    t.is(b[100], 0xab)
    sameBytes(t, fs.readFileSync(f.path), before, 'file after writing into the mapping')
    const r2 = use(new MapRegion(f.path, 0, 0))
    sameBytes(t, r2.buffer(), f.data, 'a second mapping of the file')
    r.release()
    sameBytes(t, fs.readFileSync(f.path), before, 'file after release')
  }))

// ---------------------------------------------------------------------------------------------
// MapRegion errors

test('MapRegion at an unaligned offset: RangeError ERR_OUT_OF_RANGE naming the offset and file size', (t) =>
  scope((use) => {
    const f = use(patternedFile(10000, 'unaligned'))
    const err = t.throws(() => new MapRegion(f.path, 100, 10), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
    t.regex(err!.message, /\b100\b/)
    t.regex(err!.message, /\b10000\b/)
  }))
test('MapRegion at or past EOF: RangeError ERR_OUT_OF_RANGE naming the offset and file size', (t) =>
  scope((use) => {
    const f = use(patternedFile(2 * G, 'eof'))
    const at = t.throws(() => new MapRegion(f.path, 2 * G, 10), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
    t.true(at!.message.includes(String(2 * G)), at!.message)
    const g = use(patternedFile(10000, 'past_eof'))
    const past = t.throws(() => new MapRegion(g.path, 3 * G, 10), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
    t.true(past!.message.includes(String(3 * G)), past!.message)
    t.regex(past!.message, /\b10000\b/)
    const fd = use(openFd(g.path))
    t.throws(() => new MapRegion(fd.fd, 3 * G, 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  }))
test('MapRegion of an empty file: RangeError ERR_OUT_OF_RANGE', (t) =>
  scope((use) => {
    const f = use(tempFile(Buffer.alloc(0), 'empty'))
    const err = t.throws(() => new MapRegion(f.path, 0, 10), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
    t.regex(err!.message, /\b0\b/)
    t.throws(() => new MapRegion(f.path, 0, 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  }))
test('MapRegion of a missing file: the fs ENOENT error (code, errno, syscall, path)', (t) =>
  scope((use) => {
    const f = use(patternedFile(10, 'missing'))
    const missing = path.join(f.dir, 'does-not-exist.bin')
    let fsErr: NodeJS.ErrnoException | undefined
    try {
      fs.openSync(missing, 'r')
    } catch (e) {
      fsErr = e as NodeJS.ErrnoException
    }
    const err = t.throws(() => new MapRegion(missing, 0, 10)) as NodeJS.ErrnoException
    t.true(err instanceof Error)
    t.is(err.code, 'ENOENT')
    t.is(err.path, missing)
    t.is(typeof err.syscall, 'string')
    t.true(err.syscall!.length > 0)
    t.is(typeof err.errno, 'number')
    t.true(err.errno! < 0, 'errno is negative, as in fs errors')
    t.is(err.errno, fsErr!.errno)
  }))
test('MapRegion over a bad fd: EBADF', (t) =>
  scope((use) => {
    const f = use(patternedFile(10, 'badfd'))
    const fd = closedFdNumber(f.path)
    const err = t.throws(() => new MapRegion(fd, 0, 10)) as NodeJS.ErrnoException
    t.is(err.code, 'EBADF')
    t.is(typeof err.syscall, 'string')
    t.true(err.errno! < 0)
  }))
test('MapRegion: arguments of the wrong type are TypeError ERR_INVALID_ARG_TYPE', (t) =>
  scope((use) => {
    const f = use(patternedFile(10, 'types'))
    const e = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }
    t.throws(() => new MapRegion({} as any, 0, 10), e)
    t.throws(() => new MapRegion(undefined as any, 0, 10), e)
    t.throws(() => new MapRegion(Buffer.from(f.path) as any, 0, 10), e)
    t.throws(() => new MapRegion(f.path, '0' as any, 10), e)
    t.throws(() => new MapRegion(f.path, 0, '10' as any), e)
    t.throws(() => new MapRegion(f.path, 0, 10n as any), e)
    t.throws(() => new MapRegion(f.path, 0, 10, 'r' as any), e)
  }))
test('MapRegion: negative, fractional or unsafe offsets and sizes are RangeError ERR_OUT_OF_RANGE', (t) =>
  scope((use) => {
    const f = use(patternedFile(2 * G, 'ranges'))
    const e = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }
    t.throws(() => new MapRegion(f.path, -G, 10), e)
    t.throws(() => new MapRegion(f.path, -1, 10), e)
    t.throws(() => new MapRegion(f.path, 1.5, 10), e)
    t.throws(() => new MapRegion(f.path, 2 ** 53, 10), e)
    t.throws(() => new MapRegion(f.path, NaN, 10), e)
    t.throws(() => new MapRegion(f.path, 0, -5), e)
    t.throws(() => new MapRegion(f.path, 0, 1.5), e)
    t.throws(() => new MapRegion(f.path, 0, NaN), e)
    t.throws(() => new MapRegion(-1, 0, 10), e)
  }))

// ---------------------------------------------------------------------------------------------
// Client counting, release, dispose

test("incrementClientCount: +1, -1, -1 releases the region; Buffers taken before keep the file's bytes", (t) =>
  scope((use) => {
    const f = use(patternedFile(3 * G, 'count'))
    const r = new MapRegion(f.path, 0, 0)
    const buf = r.buffer()
    const map = r.map()
    sameBytes(t, buf, f.data)
    t.is(r.clientCount(), 1)
    t.false(r.incrementClientCount(1))
    t.is(r.clientCount(), 2)
    t.false(r.incrementClientCount(-1))
    t.is(r.clientCount(), 1)
    t.is(buf.length, 3 * G, 'still mapped at count 1')
    t.true(r.incrementClientCount(-1))
    t.is(r.clientCount(), 0)
    files.letGoBytes(t, buf, f.data, 'a Buffer taken before still reads the file')
    files.letGoBytes(t, map, f.data)
  }))
test('incrementClientCount() defaults to +1', (t) =>
  scope((use) => {
    const f = use(patternedFile(100, 'count_default'))
    const r = use(new MapRegion(f.path, 0, 0))
    t.false(r.incrementClientCount())
    t.is(r.clientCount(), 2)
  }))
test('incrementClientCount below 0: Error ERR_SMMAP_CLIENT_COUNT, count unchanged', (t) =>
  scope((use) => {
    const f = use(patternedFile(G, 'count_negative'))
    const r = use(new MapRegion(f.path, 0, 0))
    const err = t.throws(() => r.incrementClientCount(-2), { code: 'ERR_SMMAP_CLIENT_COUNT' })
    t.true(err instanceof Error)
    t.is(r.clientCount(), 1, 'count unchanged')
    sameBytes(t, r.buffer(), f.data, 'still mapped and readable')
    t.true(r.incrementClientCount(-1))
    t.throws(() => r.incrementClientCount(-1), { code: 'ERR_SMMAP_CLIENT_COUNT' })
    t.is(r.clientCount(), 0)
  }))
test('incrementClientCount rejects non-integers', (t) =>
  scope((use) => {
    const f = use(patternedFile(100, 'count_types'))
    const r = use(new MapRegion(f.path, 0, 0))
    t.throws(() => r.incrementClientCount('1' as any), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
    t.throws(() => r.incrementClientCount(0.5), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
    t.is(r.clientCount(), 1)
  }))
test('MapRegion.release() lets the mapping go and is idempotent; a Buffer taken before keeps its bytes', (t) =>
  scope((use) => {
    const f = use(patternedFile(2 * G, 'release'))
    const r = new MapRegion(f.path, 0, 0)
    const b = r.buffer()
    t.is(b.length, 2 * G)
    r.release()
    files.letGoBytes(t, b, f.data)
    t.notThrows(() => r.release())
    t.notThrows(() => r[Symbol.dispose]())
    files.letGoBytes(t, r.buffer(), f.data)
  }))
test('[Symbol.dispose] on a MapRegion (what `using` calls) releases it', (t) =>
  scope((use) => {
    const f = use(patternedFile(2 * G, 'using_region'))
    const b = scope((use) => {
      const r = use(new MapRegion(f.path, 0, 0))
      const b = r.buffer()
      t.is(b.length, 2 * G)
      t.is(b[5], f.data[5])
      return b
    })
    files.letGoBytes(t, b, f.data)
  }))

// ---------------------------------------------------------------------------------------------
// test_util.py: test_region_list

test('test_region_list: path and fd', (t) =>
  scope((use) => {
    const f = use(patternedFile(100, 'sample_file'))
    const fd = use(openFd(f.path))
    for (const item of [f.path, fd.fd]) {
      const ml = new MapRegionList(item)
      t.is(ml.length, 0)
      t.is(ml.pathOrFd(), item)
      t.is(ml.fileSize(), 100)
    }
  }))
test('MapRegionList is an Array subclass; derived arrays are plain Arrays', (t) =>
  scope((use) => {
    const f = use(patternedFile(2 * G, 'region_list'))
    const ml = new MapRegionList(f.path)
    t.true(ml instanceof Array)
    t.true(Array.isArray(ml))
    t.true(ml instanceof MapRegionList)
    const r = use(new MapRegion(f.path, 0, G))
    t.is(ml.push(r), 1)
    t.is(ml.length, 1)
    t.is(ml[0], r)
    const mapped = ml.map((x) => x.size())
    t.deepEqual(mapped, [G])
    t.is(Object.getPrototypeOf(mapped), Array.prototype)
    t.false(mapped instanceof MapRegionList)
    const filtered = ml.filter(() => true)
    t.false(filtered instanceof MapRegionList)
    t.is(filtered[0], r)
  }))
test('MapRegionList.fileSize of a missing file is ENOENT; bad arguments are rejected', (t) =>
  scope((use) => {
    const f = use(patternedFile(1, 'list_missing'))
    const missing = path.join(f.dir, 'nope')
    const ml = new MapRegionList(missing)
    const err = t.throws(() => ml.fileSize()) as NodeJS.ErrnoException
    t.is(err.code, 'ENOENT')
    t.is(err.path, missing)
    t.throws(() => new MapRegionList({} as any), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
    t.throws(() => new MapRegionList(-1), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  }))

// ---------------------------------------------------------------------------------------------
// test_util.py: test_util, alignToMmap

test('test_util: is64Bit, alignToMmap basics', (t) => {
  t.is(typeof is64Bit(), 'boolean')
  t.is(
    is64Bit(),
    process.arch === 'x64' ||
      process.arch === 'arm64' ||
      process.arch === 'ppc64' ||
      process.arch === 's390x' ||
      process.arch === 'riscv64' ||
      process.arch === 'loong64',
  )
  t.is(alignToMmap(1, false), 0)
  t.is(alignToMmap(1, true), ALLOCATIONGRANULARITY)
})

test('ALLOCATIONGRANULARITY is 4096 on Linux, 65536 on Windows', (t) => {
  t.is(typeof G, 'number')
  t.true(Number.isSafeInteger(G) && G > 0 && (G & (G - 1)) === 0, 'a power of two')
  if (process.platform === 'win32') t.is(G, 65536)
  else if (process.platform === 'linux') t.is(G, 4096)
  else t.true(G >= 4096)
})

test('alignToMmap: the observed smmap table, in units of the granularity', (t) => {
  // With G = 4096 these are exactly the pairs smmap was observed to give.
  const cases: Array<[number, boolean, number]> = [
    [0, false, 0],
    [0, true, 0],
    [1, false, 0],
    [1, true, G],
    [G - 1, false, 0],
    [G - 1, true, G],
    [G, false, G],
    [G, true, G],
    [G + 1, false, G],
    [G + 1, true, 2 * G],
    [2 * G - 1, false, G],
    [2 * G - 1, true, 2 * G],
    [2 * G, false, 2 * G],
    [2 * G, true, 2 * G],
    [-1, false, -G],
    [-1, true, 0],
    [-G, false, -G],
    [-G, true, -G],
    [-G - 1, false, -2 * G],
    [-G - 1, true, -G],
  ]
  for (const [num, up, expected] of cases) t.is(alignToMmap(num, up), expected, `alignToMmap(${num}, ${up})`)
  if (G === 4096) {
    t.is(alignToMmap(4097, true), 8192)
    t.is(alignToMmap(8191, false), 4096)
    t.is(alignToMmap(-4097, false), -8192)
  }
  // large safe integers stay exact
  t.is(alignToMmap(2 ** 50 + 1, false), 2 ** 50)
  t.is(alignToMmap(2 ** 50 + 1, true), 2 ** 50 + G)
})

test('alignToMmap rejects bad arguments', (t) => {
  t.throws(() => alignToMmap('1' as any, false), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => alignToMmap(1.5, false), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => alignToMmap(1, 'yes' as any), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
})

test('MapWindow accepts Infinity as smmap accepts sys.maxsize', (t) => {
  const w = new MapWindow(0, Infinity)
  t.is(w.size, Infinity)
  t.is(w.ofsEnd(), Infinity)
  const left = new MapWindow(-Infinity, 10)
  t.is(left.ofs, -Infinity)
})
