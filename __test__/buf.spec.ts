// Port of smmap's test_buf.py, with patterned files and RELATIVE indices
// ("SlidingWindowMapBuffer indices are relative to the buffer's offset"), plus the
// Buffer-like API: at(), slice(), copy(), indexOf(), chunks(), `using`.
import test from 'ava'
import fs = require('node:fs')
import path = require('node:path')

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')
import bufHelpers = require('./helpers/buf')

const { ALLOCATIONGRANULARITY, SlidingWindowMapBuffer, SlidingWindowMapManager, StaticWindowMapManager, WindowCursor } = pkg.smmap
type StaticWindowMapManager = InstanceType<typeof StaticWindowMapManager>
type SlidingWindowMapManager = InstanceType<typeof SlidingWindowMapManager>
type TempFile = ReturnType<typeof files.tempFile>
const { K, mulberry32, openFd, patternedFile, randInt, sameBytes } = files
const { outcome, showArgs, track } = bufHelpers

const G = ALLOCATIONGRANULARITY

// Files shared by the tests of this file, created once.
let kFile: TempFile // K bytes (smmap's k_window_test_size)
let smallFile: TempFile // 41083 bytes: the size smmap's observed behaviour was recorded on
let midFile: TempFile // 200003 bytes: many 4 KiB windows, not a multiple of the granule
let otherFile: TempFile
test.before(() => {
  kFile = patternedFile(K, 'buffer_test')
  smallFile = patternedFile(41083, 'buf_small')
  midFile = patternedFile(200003, 'buf_mid')
  otherFile = patternedFile(3 * G + 11, 'buf_other')
})
test.after.always(() => {
  kFile?.remove()
  smallFile?.remove()
  midFile?.remove()
  otherFile?.remove()
})

const rangeError = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as const
const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as const

/** A manager whose windows are one granule, so a buffer spans many of them. */
function tinyManager(maxMemorySize = 2 * G): SlidingWindowMapManager {
  return new SlidingWindowMapManager({ windowSize: G, maxMemorySize })
}

// ---------------------------------------------------------------------------------------------
// test_buf.py: test_basics, first part (construction and the access lifecycle)

test('test_basics: construction, beginAccess/endAccess and relative indexing', (t) => {
  const data = kFile.data
  const manOptimal = track(t, new SlidingWindowMapManager())
  const c = manOptimal.makeCursor(kFile.path)

  // construction that cannot begin access throws
  t.throws(() => new SlidingWindowMapBuffer(new WindowCursor()), rangeError, 'unassociated cursor')
  t.throws(() => new SlidingWindowMapBuffer(c, K), rangeError, 'offset at the end of the file')
  t.throws(() => new SlidingWindowMapBuffer(c, K + 1000), rangeError, 'offset past the end of the file')

  // a buffer without a cursor
  const buf = new SlidingWindowMapBuffer()
  t.is(buf.cursor(), null)
  buf.endAccess()
  buf.endAccess()
  t.is(buf.length, 0)
  t.throws(() => buf.at(0), rangeError, 'nothing to read in an empty buffer')
  t.is(buf.slice().length, 0)

  const offset = 100
  t.false(buf.beginAccess(c, K))
  t.true(buf.beginAccess(c, offset))
  t.is(buf.cursor(), c)
  t.is(buf.length, K - offset)
  t.true(buf.cursor()!.isValid())
  // indices are relative to the buffer's offset (smmap's code treats them as absolute)
  t.is(buf.at(0), data[offset])
  t.not(data[0], data[offset], 'the pattern tells the two readings apart')
  sameBytes(t, buf.slice(0, offset), data.subarray(offset, offset * 2), 'buf.slice(0, 100) at offset 100')
  t.is(buf.at(-1), data[K - 1], 'the last byte of the file')
  t.is(buf.at(buf.length - 1), data[K - 1])

  // beginAccess() resets to offset 0 with the whole file
  t.true(buf.beginAccess())
  t.is(buf.length, K)
  t.true(buf.cursor()!.isValid())

  t.is(buf.at(0), data[0])
  sameBytes(t, buf.slice(0, offset), data.subarray(0, offset))
  t.is(buf.at(-1), buf.at(buf.length - 1))
  t.is(buf.at(-1), data[K - 1])
  sameBytes(t, buf.slice(-10), buf.slice(buf.length - 10, buf.length))
  sameBytes(t, buf.slice(-10), data.subarray(K - 10), 'slice(-10): the last 10 bytes')

  // end access, and begin it again
  buf.endAccess()
  t.false(buf.cursor()!.isValid())
  t.true(buf.cursor()!.isAssociated())
  t.is(buf.length, 0)
  t.throws(() => buf.at(0), rangeError, 'after endAccess the buffer is empty')
  t.true(buf.beginAccess())
  t.true(buf.cursor()!.isValid())
  t.is(buf.at(12345), data[12345])

  buf.endAccess()
  c.release()
  t.is(manOptimal.numFileHandles(), 1, 'the region stays cached until collected')
  t.is(manOptimal.collect(), 1)
  t.is(manOptimal.numFileHandles(), 0)
})

// ---------------------------------------------------------------------------------------------
// test_buf.py: test_basics, performance part (3 managers x path/fd x single byte/slice)

const MANAGERS: ReadonlyArray<[string, () => StaticWindowMapManager]> = [
  ['optimal', () => new SlidingWindowMapManager()],
  ['worst case', () => new SlidingWindowMapManager({ windowSize: Math.floor(K / 100), maxMemorySize: Math.floor(K / 3), maxOpenHandles: 15 })],
  ['static optimal', () => new StaticWindowMapManager()],
]

for (const [managerName, makeManager] of MANAGERS) {
  for (const itemKind of ['path', 'fd'] as const) {
    test(`test_basics performance: ${managerName} manager, buffer created from a ${itemKind}`, (t) => {
      const data = kFile.data
      const maxNumAccesses = 100
      const fd = track(t, openFd(kFile.path))
      const manager = track(t, makeManager())
      const item = itemKind === 'path' ? kFile.path : fd.fd
      const rand = mulberry32(0x5eed0000 + managerName.length * 16 + (itemKind === 'fd' ? 1 : 0))

      const buf = new SlidingWindowMapBuffer(manager.makeCursor(item))
      t.is(manager.numFileHandles(), 1)
      for (const accessMode of [0, 1] as const) {
        const modeStr = accessMode === 0 ? 'single byte' : 'slice'
        t.true(buf.beginAccess())
        t.is(buf.length, K)
        let numBytes = 0
        let mismatches = 0
        const st = process.hrtime.bigint()
        for (let i = 0; i < maxNumAccesses; i++) {
          if (accessMode === 0) {
            // smmap draws randint(0, K), which includes K (a 1/K flake); indices stop at K - 1
            const pos = randInt(rand, 0, K - 1)
            if (buf.at(pos) !== data[pos]) {
              mismatches++
              t.is(buf.at(pos), data[pos], `at(${pos})`)
            }
            numBytes += 1
          } else {
            const start = randInt(rand, 0, K)
            const end = randInt(rand, start, K)
            const d = buf.slice(start, end)
            t.is(d.length, end - start)
            if (Buffer.compare(d, data.subarray(start, end)) !== 0) {
              mismatches++
              sameBytes(t, d, data.subarray(start, end), `slice(${start}, ${end})`)
            }
            numBytes += end - start
          }
        }
        const elapsed = Math.max(Number(process.hrtime.bigint() - st) / 1e9, 0.001)
        t.is(mismatches, 0, `${modeStr}: every access equals the file's bytes`)

        buf.endAccess()
        t.truthy(manager.numFileHandles(), 'regions stay cached after endAccess')
        t.truthy(manager.collect())
        t.is(manager.numFileHandles(), 0)

        const mb = numBytes / 1e6
        t.log(
          `${managerName}: Made ${maxNumAccesses} random ${modeStr} accesses to buffer created from ${itemKind === 'path' ? 'string' : 'number'} reading a total of ${mb.toFixed(6)} mb in ${elapsed.toFixed(6)} s (${(mb / elapsed).toFixed(6)} mb/s)`,
        )
      }
    })
  }
}

// ---------------------------------------------------------------------------------------------
// length and bounds

test('length is clamped to the end of the file when size runs past it', (t) => {
  // smmap keeps size 5000 here although only 1083 bytes exist past offset 40000 (and then reads
  // the wrong bytes). The contract is silent; a Node user expects the length of what is there.
  const data = smallFile.data
  const fileSize = data.length
  t.is(fileSize, 41083)
  const manager = track(t, new SlidingWindowMapManager())
  const c = manager.makeCursor(smallFile.path)

  const b4 = new SlidingWindowMapBuffer(c, 40000, 5000)
  t.is(b4.length, 1083)
  sameBytes(t, b4.slice(), data.subarray(40000), 'the whole of (40000, 5000)')
  t.is(b4.at(1082), data[41082])
  t.throws(() => b4.at(1083), rangeError)

  t.true(b4.beginAccess(c, 10, fileSize + 5))
  t.is(b4.length, fileSize - 10)
  t.true(b4.beginAccess(c, 10, Infinity))
  t.is(b4.length, fileSize - 10)

  // a size inside the file is kept, and bounds the buffer
  t.true(b4.beginAccess(c, 10, 50))
  t.is(b4.length, 50)
  t.is(b4.at(49), data[59])
  t.is(b4.at(-1), data[59], 'at(-1) is the last byte of the buffer, not of the file')
  t.throws(() => b4.at(50), rangeError, 'no reading past the buffer into the rest of the file')
  sameBytes(t, b4.slice(0, 1000), data.subarray(10, 60), 'slices clamp to the buffer, not the file')

  const last = new SlidingWindowMapBuffer(c, fileSize - 1)
  t.is(last.length, 1)
  t.is(last.at(0), data[fileSize - 1])
  last.endAccess()
  b4.endAccess()
})

test('at() accepts [-length, length) and throws RangeError/TypeError otherwise', (t) => {
  const data = smallFile.data
  const manager = track(t, tinyManager())
  const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(smallFile.path), 1234))
  const n = buf.length
  t.is(n, data.length - 1234)

  t.is(buf.at(0), data[1234])
  t.is(buf.at(n - 1), data[data.length - 1])
  t.is(buf.at(-n), data[1234], 'at(-length) is the first byte')
  t.is(buf.at(-1), data[data.length - 1])
  t.is(buf.at(-0), data[1234])

  for (const bad of [n, n + 1, -n - 1, -n - 10, 2 ** 53, -(2 ** 53), Infinity, -Infinity, NaN, 1.5, -1.5, 0.1]) {
    t.throws(() => buf.at(bad), rangeError, `at(${bad})`)
  }
  for (const bad of ['1', null, undefined, true, 1n, {}, [1]]) {
    t.throws(() => buf.at(bad as any), typeError, `at(${String(bad)})`)
  }
  // a rejected call leaves the buffer usable
  t.is(buf.at(5000), data[1234 + 5000])
  t.true(buf.cursor()!.isValid())
})

// ---------------------------------------------------------------------------------------------
// slice()

test('slice() clamps like Buffer.prototype.slice, across windows, relative to the offset', (t) => {
  const file = midFile.data
  for (const bufOffset of [0, 1234]) {
    const manager = track(t, tinyManager())
    const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), bufOffset))
    const expected = file.subarray(bufOffset)
    const n = buf.length
    t.is(n, expected.length)
    const table: Array<[number | undefined, number | undefined]> = [
      [undefined, undefined],
      [0, undefined],
      [undefined, 30],
      [10, 20],
      [G - 3, G + 4],
      [100, 5 * G + 17],
      [-10, undefined],
      [-10, -5],
      [-5, -10],
      [5, 2],
      [100, 50],
      [5, 5],
      [0, 0],
      [0, 1e15],
      [1e15, undefined],
      [1e15, 1e16],
      [-1e15, 10],
      [-1e15, -1e15],
      [-n, -n + 3],
      [-n - 5, 10],
      [n, n + 1],
      [n - 1, undefined],
      [n + 1, n + 2],
      [Infinity, undefined],
      [-Infinity, Infinity],
      [0, -Infinity],
      [1.5, 10.9],
      [-1.5, -0.5],
      [-10.7, undefined],
      [NaN, 10],
      [0, NaN],
      [-0, 3],
    ]
    for (const [start, end] of table) {
      const got = buf.slice(start, end)
      const want = Buffer.prototype.slice.call(expected, start, end)
      t.true(Buffer.isBuffer(got), `slice${showArgs([start, end])} returns a Buffer`)
      sameBytes(t, got, want, `offset ${bufOffset}: slice${showArgs([start, end])}`)
    }
    // the result is a copy: writing into it does not change the buffer
    const copy = buf.slice(0, 8)
    copy.fill(0xff)
    sameBytes(t, buf.slice(0, 8), expected.subarray(0, 8), 'slice() returns a copy')

    t.throws(() => buf.slice('1' as any), typeError)
    t.throws(() => buf.slice(0, '2' as any), typeError)
  }
})

test('reversed and far out-of-range slices terminate with empty or clamped results', (t) => {
  // smmap loops forever on a reversed slice once its cursor is elsewhere, and on a start below -len
  const data = smallFile.data
  for (const makeManager of [() => tinyManager(), () => new SlidingWindowMapManager(), () => new StaticWindowMapManager()]) {
    const manager = track(t, makeManager())
    const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(smallFile.path)))
    const n = buf.length
    sameBytes(t, buf.slice(-10), data.subarray(n - 10)) // moves the cursor to the end
    t.is(buf.slice(100, 50).length, 0)
    t.is(buf.slice(n - 1, 1).length, 0)
    t.is(buf.slice(-1, -2).length, 0)
    sameBytes(t, buf.slice(-n - 5, 10), data.subarray(0, 10))
    t.is(buf.slice(n + 10, n + 20).length, 0)
    t.is(buf.slice(Number.MAX_SAFE_INTEGER).length, 0)
    sameBytes(t, buf.slice(n - 3, Number.MAX_SAFE_INTEGER), data.subarray(n - 3))
    sameBytes(t, buf.slice(-Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER + 5), Buffer.alloc(0))
    t.true(buf.cursor()!.isValid(), 'the cursor is still usable')
    t.is(buf.at(0), data[0])
  }
})

test('slices spanning several windows under memory pressure equal the file', (t) => {
  const data = smallFile.data
  const manager = track(t, new SlidingWindowMapManager({ windowSize: G, maxMemorySize: 3 * G, maxOpenHandles: 15 }))
  const bb = track(t, new SlidingWindowMapBuffer(manager.makeCursor(smallFile.path)))
  sameBytes(t, bb.slice(100, 30000), data.subarray(100, 30000))
  t.true(manager.numFileHandles() <= 15)
  t.true(manager.mappedMemorySize() <= 3 * G + G, `mapped ${manager.mappedMemorySize()}`)
  sameBytes(t, bb.slice(), data)
  t.is(bb.at(data.length - 1), data[data.length - 1])
})

// ---------------------------------------------------------------------------------------------
// copy()

test('copy() follows Buffer.prototype.copy across many windows', (t) => {
  const file = midFile.data
  const bufOffset = 1234
  const manager = track(t, new SlidingWindowMapManager({ windowSize: 4096, maxMemorySize: 8192 }))
  const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), bufOffset))
  const expected = file.subarray(bufOffset)
  const n = buf.length
  // [target length, targetStart, sourceStart, sourceEnd]
  const table: Array<[number, ...Array<number | undefined>]> = [
    [n, undefined, undefined, undefined],
    [n + 100, 0, 0, n],
    [n + 100, 50, 0, undefined],
    [50000, undefined, undefined, undefined], // target smaller than the range
    [50000, 10, 100, 30000],
    [50000, 49990, 4090, 4200], // target end cuts the copy
    [20000, 0, 4096 - 1234 - 3, 3 * 4096], // starts 3 bytes before a window boundary
    [100, 200, 0, 50], // targetStart past the target's end
    [100, 100, 0, 50], // targetStart at the target's end
    [n, 0, 100, n + 5000], // sourceEnd past length: clamped
    [n, 0, 0, 1e15],
    [n, 0, n, undefined], // sourceStart at length: nothing
    [n, 0, n + 1, undefined], // sourceStart past length: RangeError
    [n, 0, 1e15, undefined],
    [n, -1, 0, 10], // negative targetStart: RangeError
    [n, 0, -1, 10], // negative sourceStart: RangeError
    [n, 0, 0, -1], // negative sourceEnd: RangeError
    [n, 0, 500, 100], // sourceStart > sourceEnd: nothing
    [n, 0, 7, 7],
    [0, 0, 0, 10], // empty target
    [100, 1.5, 10.9, 40.2], // fractional: truncated
    [100, NaN, NaN, 40], // NaN: 0
    [100, 0, 0, NaN], // sourceEnd NaN: 0
  ]
  for (const [targetLength, ...args] of table) {
    const got = Buffer.alloc(targetLength, 0xee)
    const want = Buffer.alloc(targetLength, 0xee)
    const actual = outcome(() => buf.copy(got, ...(args as [number, number, number])))
    const reference = outcome(() => Buffer.prototype.copy.call(expected, want, ...(args as [number, number, number])))
    const label = `copy(target[${targetLength}], ${showArgs(args).slice(1, -1)})`
    t.deepEqual(actual, reference, label)
    sameBytes(t, got, want, `${label}: target contents`)
  }
  // Infinity as sourceEnd ("as much as there is", as everywhere in this package) copies to the
  // end. Node's own Buffer.copy turns a non-safe integer into 0 (toInteger) and copies nothing,
  // so the comparison table above keeps to safe integers.
  const all = Buffer.alloc(n + 10, 0xee)
  t.is(buf.copy(all, 5, 100, Infinity), n - 100)
  sameBytes(t, all.subarray(5, 5 + n - 100), expected.subarray(100), 'copy(.., 5, 100, Infinity)')
  // a Uint8Array target
  const u8 = new Uint8Array(10000)
  t.is(buf.copy(u8, 0, 4000, 14000), 10000)
  sameBytes(t, u8, expected.subarray(4000, 14000), 'copy into a Uint8Array')
  t.throws(() => buf.copy('x' as any), typeError)
  t.throws(() => buf.copy(Buffer.alloc(4), '1' as any), typeError)
  // a rejected call leaves the buffer usable
  t.is(buf.at(100), expected[100])
})

// ---------------------------------------------------------------------------------------------
// indexOf()

test('indexOf() finds a byte, a string and a Buffer; -1 when absent', (t) => {
  const file = midFile.data
  const manager = track(t, new SlidingWindowMapManager({ windowSize: 4096, maxMemorySize: 8192 }))
  for (const bufOffset of [0, 1234]) {
    const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), bufOffset))
    const expected = file.subarray(bufOffset)
    // a byte
    for (const i of [0, 1, 4095, 4096, 77777, expected.length - 1]) {
      t.is(buf.indexOf(expected[i]), expected.indexOf(expected[i]), `byte ${expected[i]} (from index ${i})`)
      t.is(buf.indexOf(expected[i], i), i, `byte at ${i} searched from ${i}`)
    }
    t.is(buf.indexOf(251), -1, 'the pattern has no byte 251')
    t.is(buf.indexOf(expected[9000] + 256), expected.indexOf(expected[9000] + 256), 'a number is taken modulo 256, as Buffer does')
    // a string (ASCII bytes taken from the data) and an absent one
    let p = 5000
    while (!(expected[p] < 128 && expected[p + 1] < 128 && expected[p + 2] < 128)) p++
    const s = expected.toString('latin1', p, p + 3)
    t.is(buf.indexOf(s), expected.indexOf(s), `string ${JSON.stringify(s)}`)
    t.is(buf.indexOf(s, p), p)
    t.is(buf.indexOf('hello'), -1)
    t.is(expected.indexOf('hello'), -1)
    // a Buffer and a Uint8Array
    const needle = Buffer.from(expected.subarray(123456, 123456 + 20))
    t.is(buf.indexOf(needle), expected.indexOf(needle))
    t.is(buf.indexOf(new Uint8Array(needle)), expected.indexOf(needle))
    t.is(buf.indexOf(Buffer.from([250, 251, 252])), -1)
    t.throws(() => buf.indexOf({} as any), typeError)
  }
})

test('indexOf() finds needles that straddle window boundaries, at relative indices', (t) => {
  const file = midFile.data
  const manager = track(t, new SlidingWindowMapManager({ windowSize: 4096, maxMemorySize: 8192 }))
  for (const bufOffset of [0, 1234]) {
    const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), bufOffset))
    for (let k = 1; 4096 * k + 4 <= file.length; k++) {
      const absolute = 4096 * k - 3
      if (absolute < bufOffset) continue
      const needle = Buffer.from(file.subarray(absolute, absolute + 7))
      const relative = absolute - bufOffset
      t.is(file.indexOf(needle, bufOffset), absolute, 'the needle occurs first where it was taken')
      t.is(buf.indexOf(needle), relative, `7 bytes at ${absolute} (window boundary ${4096 * k})`)
      // with the cursor elsewhere first, and searching from just before the needle
      buf.at(buf.length - 1)
      t.is(buf.indexOf(needle, relative - 1), relative)
      t.is(buf.indexOf(needle, relative + 1), -1, 'not found again after it')
    }
    // a needle longer than a window, across two boundaries
    const long = Buffer.from(file.subarray(3 * 4096 - 5, 5 * 4096 + 5))
    t.is(buf.indexOf(long), 3 * 4096 - 5 - bufOffset)
  }
})

test('indexOf() byteOffset (positive, negative, past the end) and empty needles match Buffer', (t) => {
  const file = midFile.data
  const manager = track(t, new SlidingWindowMapManager({ windowSize: 4096, maxMemorySize: 8192 }))
  const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), 1234))
  const expected = file.subarray(1234)
  const n = expected.length
  const needle = Buffer.from(expected.subarray(70000, 70005))
  const offsets = [0, 1, 69999, 70000, 70001, n - 1, n, n + 10, 1e15, -1, -5, -(n - 70000), -(n - 70001), -n, -n - 100, -1e15, 2.7, -2.7, NaN, -0]
  for (const value of [needle, expected[50], Buffer.alloc(0), '', new Uint8Array(0)] as Array<Buffer | number | string | Uint8Array>) {
    for (const byteOffset of offsets) {
      // compared with === (not Object.is): buf.indexOf('', -0) gives -0 where Buffer gives 0
      const got = buf.indexOf(value, byteOffset)
      const want = expected.indexOf(value, byteOffset)
      t.true(
        got === want,
        `indexOf(${Buffer.isBuffer(value) || value instanceof Uint8Array ? `<${value.length} bytes>` : JSON.stringify(value)}, ${showArgs([byteOffset]).slice(1, -1)}): ${got} vs Buffer's ${want}`,
      )
    }
  }
  t.is(buf.indexOf(needle, undefined), expected.indexOf(needle))
  t.throws(() => buf.indexOf(needle, {} as any), typeError)
})

test('indexOf() of random needles taken from the data equals Buffer.prototype.indexOf', (t) => {
  const file = midFile.data
  const rand = mulberry32(0xb0f1d)
  const manager = track(t, new SlidingWindowMapManager({ windowSize: 4096, maxMemorySize: 8192 }))
  const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), 777))
  const expected = file.subarray(777)
  const n = expected.length
  let straddling = 0
  for (let i = 0; i < 300; i++) {
    const len = rand() < 0.1 ? randInt(rand, 100, 9000) : randInt(rand, 1, 16)
    const at = randInt(rand, 0, n - len)
    const needle = Buffer.from(expected.subarray(at, at + len))
    const byteOffset = rand() < 0.5 ? 0 : randInt(rand, -n, n)
    const want = expected.indexOf(needle, byteOffset)
    if (want >= 0 && Math.floor((want + 777) / 4096) !== Math.floor((want + 777 + len - 1) / 4096)) straddling++
    t.is(buf.indexOf(needle, byteOffset), want, `needle of ${len} bytes from ${at}, byteOffset ${byteOffset}`)
  }
  t.true(straddling > 10, `needles found across a 4 KiB boundary: ${straddling}`)
})

// ---------------------------------------------------------------------------------------------
// chunks()

test('chunks() reassembles the buffer exactly, each chunk at most chunkSize', (t) => {
  const file = midFile.data
  const bufOffset = 1234
  const expected = file.subarray(bufOffset)
  for (const chunkSize of [1, 1000, 4096, undefined, 65536, Infinity]) {
    const manager = track(t, new SlidingWindowMapManager({ windowSize: 4096, maxMemorySize: 16384 }))
    const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), bufOffset))
    const limit = chunkSize ?? 65536
    const parts: Buffer[] = []
    let total = 0
    let tooBig = 0
    let empty = 0
    let notZeroCopy = 0
    for (const chunk of chunkSize === undefined ? buf.chunks() : buf.chunks(chunkSize)) {
      if (chunk.length > limit) tooBig++
      if (chunk.length === 0) empty++
      // zero copy: the chunk views the cursor's region
      if (chunk.buffer !== buf.cursor()!.map().buffer) notZeroCopy++
      parts.push(Buffer.from(chunk)) // a chunk may be unmapped once the next is taken
      total += chunk.length
    }
    t.is(tooBig, 0, `chunkSize ${chunkSize}: no chunk is larger`)
    t.is(empty, 0, `chunkSize ${chunkSize}: no empty chunks`)
    t.is(notZeroCopy, 0, `chunkSize ${chunkSize}: chunks are views of the mapping`)
    t.is(total, expected.length)
    sameBytes(t, Buffer.concat(parts), expected, `chunkSize ${chunkSize}`)
  }
})

test('chunks() of a sized buffer and of an empty one; bad chunk sizes throw', (t) => {
  const file = midFile.data
  const manager = track(t, new SlidingWindowMapManager({ windowSize: 4096, maxMemorySize: 16384 }))
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), 5000, 10000)
  const parts: Buffer[] = []
  for (const chunk of buf.chunks(3000)) parts.push(Buffer.from(chunk))
  sameBytes(t, Buffer.concat(parts), file.subarray(5000, 15000))

  t.throws(() => [...buf.chunks(0)], rangeError)
  t.throws(() => [...buf.chunks(-1)], rangeError)
  t.throws(() => [...buf.chunks(1.5)], rangeError)
  t.throws(() => [...buf.chunks('1' as any)], typeError)

  buf.endAccess()
  t.deepEqual([...buf.chunks()], [], 'nothing to yield after endAccess')
  t.deepEqual([...new SlidingWindowMapBuffer().chunks()], [])
})

test('chunks() keeps the manager within its budget while it runs', (t) => {
  // A file many budgets long whatever G is (midFile is 3 windows of Windows' 64 KiB).
  const file = kFile.data
  const windowSize = G
  const maxMemorySize = 4 * G
  for (const chunkSize of [1000, 65536]) {
    const manager = track(t, new SlidingWindowMapManager({ windowSize, maxMemorySize }))
    const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(kFile.path), 1234))
    let peak = 0
    let total = 0
    for (const chunk of buf.chunks(chunkSize)) {
      peak = Math.max(peak, manager.mappedMemorySize())
      total += chunk.length
    }
    t.is(total, file.length - 1234)
    t.true(peak <= 4 * windowSize + G, `chunkSize ${chunkSize}: mapped at most ${peak} bytes while iterating`)
    const stats = manager.stats()
    t.true(stats.peakMappedBytes <= maxMemorySize + 2 * windowSize, `peakMappedBytes ${stats.peakMappedBytes}`)
    t.true(stats.evictions > 0, 'windows were evicted to stay in budget')
  }
})

// ---------------------------------------------------------------------------------------------
// lifecycle

test('[Symbol.dispose]() (what `using` calls) ends access', (t) => {
  // `using` itself cannot be written in these specs (see helpers/buf.ts track()); this calls
  // exactly what a `using` block calls at its end.
  const manager = track(t, new SlidingWindowMapManager())
  const c = manager.makeCursor(smallFile.path)
  const buf = new SlidingWindowMapBuffer(c, 10)
  t.is(typeof buf[Symbol.dispose], 'function')
  t.is(buf.at(0), smallFile.data[10])
  t.true(c.isValid())
  t.is(c.region()!.clientCount(), 2)
  buf[Symbol.dispose]()
  t.false(c.isValid(), 'the cursor let go of its region')
  t.true(c.isAssociated())
  t.is(buf.length, 0)
  buf[Symbol.dispose]() // idempotent
  t.is(manager.collect(), 1, 'the region is unused, so collectable')
  t.is(manager.numFileHandles(), 0)
})

test('beginAccess with a different cursor lets go of the previous cursor region', (t) => {
  const manager = track(t, new SlidingWindowMapManager())
  const c1 = manager.makeCursor(smallFile.path)
  const c2 = manager.makeCursor(otherFile.path)
  const buf = new SlidingWindowMapBuffer(c1)
  const r1 = c1.region()!
  t.is(r1.clientCount(), 2, 'manager + cursor')

  // a call rejected for a bad argument changes nothing
  t.throws(() => buf.beginAccess(c2, -1), rangeError)
  t.throws(() => buf.beginAccess('cursor' as any), typeError)
  t.is(buf.cursor(), c1)
  t.true(c1.isValid())
  t.is(r1.clientCount(), 2)
  t.is(buf.length, smallFile.data.length)

  t.true(buf.beginAccess(c2, 5))
  t.is(buf.cursor(), c2)
  t.false(c1.isValid(), 'the previous cursor let go')
  t.is(r1.clientCount(), 1, 'only the manager holds the previous region')
  t.is(buf.length, otherFile.data.length - 5)
  t.is(buf.at(0), otherFile.data[5])
  sameBytes(t, buf.slice(), otherFile.data.subarray(5))

  buf.endAccess()
  t.is(manager.collect(), 2)
})

test('several buffers on one manager read independently', (t) => {
  // each buffer has its own cursor; moving one never disturbs what another reads
  const file = midFile.data
  const manager = track(t, new SlidingWindowMapManager({ windowSize: 4096, maxMemorySize: 8192 }))
  const a = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path)))
  const b = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), 100000))
  const rand = mulberry32(99)
  for (let i = 0; i < 500; i++) {
    const x = randInt(rand, 0, a.length - 1)
    const y = randInt(rand, 0, b.length - 1)
    if (a.at(x) !== file[x] || b.at(y) !== file[100000 + y]) {
      t.fail(`a.at(${x}) = ${a.at(x)} (want ${file[x]}), b.at(${y}) = ${b.at(y)} (want ${file[100000 + y]})`)
      return
    }
  }
  t.pass()
})

test('a buffer over an fd reads the same bytes as one over the path', (t) => {
  const fd = track(t, openFd(midFile.path))
  const manager = track(t, tinyManager())
  const byPath = track(t, new SlidingWindowMapBuffer(manager.makeCursor(midFile.path), 333))
  const byFd = track(t, new SlidingWindowMapBuffer(manager.makeCursor(fd.fd), 333))
  const viaFs = Buffer.alloc(midFile.data.length - 333)
  fs.readSync(fd.fd, viaFs, 0, viaFs.length, 333)
  sameBytes(t, byFd.slice(), viaFs)
  sameBytes(t, byPath.slice(), viaFs)
  t.is(byFd.cursor()!.fd(), fd.fd)
})

// Windows refuses to rewrite a file while a view of it is mapped.
const resizable = process.platform === 'win32' ? test.skip : test

resizable("a buffer made after its file grew or shrank has the file's current length and bytes", (t) => {
  using file = files.patternedFile(3 * 4096 + 10, 'buf-resized')
  using manager = new SlidingWindowMapManager({ windowSize: 4 * 4096 })
  using first = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  t.is(first.length, file.data.length)
  const grown = files.pattern(5 * 4096 + 77)
  fs.writeFileSync(file.path, grown)
  using after = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  t.is(after.length, grown.length, 'grown')
  files.sameBytes(t, after.slice(4 * 4096), grown.subarray(4 * 4096))
  fs.truncateSync(file.path, 2 * 4096 + 5)
  using shrunk = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  t.is(shrunk.length, 2 * 4096 + 5, 'shrunk')
  files.sameBytes(t, shrunk.slice(0), grown.subarray(0, 2 * 4096 + 5))
})

test('a relative path names the file it named when the cursor was made', (t) => {
  using one = files.tempFile(Buffer.from('first file'), 'buf-relative')
  using two = files.tempFile(Buffer.from('other file'), 'buf-relative')
  const cwd = process.cwd()
  try {
    process.chdir(one.dir)
    using manager = new SlidingWindowMapManager()
    const cursor = manager.makeCursor(path.basename(one.path))
    process.chdir(two.dir)
    using buf = new SlidingWindowMapBuffer(cursor)
    t.is(buf.slice().toString(), 'first file')
  } finally {
    process.chdir(cwd)
  }
})
