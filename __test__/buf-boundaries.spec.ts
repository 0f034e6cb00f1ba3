// SlidingWindowMapBuffer's parser reads at every offset within 8 bytes
// of window boundaries, compared with Buffer's own method on the same bytes; their argument
// errors; and the hot-path guarantee: inside the current window a read makes no native call.
import test from 'ava'

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')
import bufHelpers = require('./helpers/buf')

const { ALLOCATIONGRANULARITY, SlidingWindowMapBuffer, SlidingWindowMapManager } = pkg.smmap
type TempFile = ReturnType<typeof files.tempFile>
const { patternedFile, mulberry32 } = files
const { READERS, outcome, showArgs, callReader, track } = bufHelpers

const G = ALLOCATIONGRANULARITY

// Windows of G and of W = 3G bytes (4096 and 12288 on Linux); the file is 6 windows of W and a
// tail, so the last window is partial.
const W = 3 * G
const FILE_SIZE = 6 * W + 777
let file: TempFile
test.before(() => {
  file = patternedFile(FILE_SIZE, 'buf_boundaries')
})
test.after.always(() => {
  file?.remove()
})

/** Window boundaries worth reading around for a window size: early ones, later ones, and EOF. */
function boundaries(windowSize: number): number[] {
  const out = new Set<number>([G, 2 * G, W, 2 * W, 3 * W, 5 * W, 6 * W])
  for (let k = 1; k * windowSize < FILE_SIZE; k++) if (k <= 3 || (k * windowSize) % W === 0) out.add(k * windowSize)
  out.add(FILE_SIZE - 4) // near the end of the file: the last values fit exactly
  out.add(FILE_SIZE)
  return [...out].sort((a, b) => a - b)
}

for (const windowSize of [G, W]) {
  for (const bufOffset of [0, 1234]) {
    test(`every reader at every offset within 8 bytes of window boundaries (windowSize ${windowSize}, buffer offset ${bufOffset})`, (t) => {
      const data = file.data
      const manager = track(t, new SlidingWindowMapManager({ windowSize, maxMemorySize: 2 * windowSize }))
      const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(file.path), bufOffset))
      t.is(buf.length, FILE_SIZE - bufOffset)
      const rand = mulberry32(windowSize + bufOffset)
      let reads = 0
      let straddles = 0
      const straddled = new Set<string>()
      let slides = 0
      let mismatches = 0
      let misplaced = 0
      for (const B of boundaries(windowSize)) {
        for (let o = B - 8; o <= B + 8; o++) {
          if (o < bufOffset) continue
          for (const [name, width] of READERS) {
            if (o + width > FILE_SIZE) continue
            for (const mode of [0, 1, 2]) {
              const rel = o - bufOffset
              // where the cursor starts: on a window holding o that ends at B (so values from
              // B - width + 1 to B - 1 straddle), on a far window (the read must slide), or as left
              if (mode === 0) {
                if (B % G === 0 && B - windowSize >= 0) {
                  // the buffer follows its cursor: move the cursor onto [B - windowSize, B) or [B, ...)
                  const cursor = buf.cursor()!
                  cursor.unuseRegion()
                  manager.collect()
                  cursor.useRegion(o < B ? B - windowSize : B, windowSize)
                } else {
                  buf.cursor()!.useRegion(o, windowSize)
                }
                const region = buf.cursor()!.region()!
                if (!region.includesOfs(o)) misplaced++
                if (region.ofsEnd() < o + width) {
                  straddles++
                  straddled.add(name)
                }
              } else if (mode === 1) {
                const far = o < FILE_SIZE / 2 ? FILE_SIZE - 1 - Math.floor(rand() * 1000) : Math.floor(rand() * 1000)
                if (far >= bufOffset) buf.at(far - bufOffset)
                if (!buf.cursor()!.region()!.includesOfs(o)) slides++
              }
              const got = callReader(buf, name, rel)
              const want = (data[name] as (offset: number) => unknown).call(data, o)
              reads++
              if (!Object.is(got, want)) {
                mismatches++
                if (mismatches <= 20) t.is(got, want, `${name}(${rel}) = file offset ${o} (mode ${mode})`)
              }
            }
          }
        }
      }
      t.is(mismatches, 0, `${mismatches} of ${reads} reads differ from Buffer's`)
      t.is(misplaced, 0, 'the cursor was placed on the window holding o')
      t.true(straddles > 50, `values across a window's end were read (${straddles})`)
      t.deepEqual(
        READERS.filter(([, width]) => width > 1)
          .map(([name]) => name)
          .filter((name) => !straddled.has(name)),
        [],
        'every multi-byte reader read a value across a window end',
      )
      t.true(slides > 20, `reads that had to slide the window (${slides})`)
      t.log(`${reads} reads, ${straddles} across a boundary with the cursor on the first window, ${slides} from a far window`)
    })
  }
}

test('readers take their offset like Buffer: default 0, the last value, and the same errors', (t) => {
  const data = file.data
  for (const bufOffset of [0, 1234]) {
    const manager = track(t, new SlidingWindowMapManager({ windowSize: G, maxMemorySize: 2 * G }))
    const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(file.path), bufOffset))
    const expected = data.subarray(bufOffset)
    const n = buf.length
    for (const [name, width] of READERS) {
      const read = (...args: unknown[]) => callReader(buf, name, ...args)
      const reference = (...args: unknown[]) => (expected[name] as (...a: unknown[]) => unknown)(...args)
      t.is(read(), reference(), `${name}() reads at 0`)
      t.is(read(undefined), reference(undefined), `${name}(undefined) reads at 0`)
      t.is(read(n - width), reference(n - width), `${name}(length - ${width}): the last value`)
      // past the end: RangeError ERR_OUT_OF_RANGE
      for (const past of [n - width + 1, n - 1, n, n + 8, 2 ** 40].filter((o) => o > n - width)) {
        t.throws(() => read(past), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }, `${name}(${past}) on length ${n}`)
      }
      // negative, fractional, non-finite: RangeError; not a number: TypeError (both as Buffer)
      for (const bad of [-1, -8, 1.5, 0.1, NaN, Infinity, -Infinity]) {
        t.throws(() => read(bad), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }, `${name}(${bad})`)
      }
      for (const bad of ['1', null, true, 1n, {}]) {
        t.throws(() => read(bad), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }, `${name}${showArgs([bad])}`)
      }
      // and exactly what Buffer does with each of those
      for (const arg of [n - width + 1, n, -1, 1.5, NaN, Infinity, '1', null, true, 1n]) {
        t.deepEqual(
          outcome(() => read(arg)),
          outcome(() => reference(arg)),
          `${name}${showArgs([arg])} as Buffer's`,
        )
      }
    }
    // a rejected read leaves the buffer usable
    t.is(buf.readUInt32BE(100), expected.readUInt32BE(100))
  }
})

test('readers on short and empty buffers', (t) => {
  const data = file.data
  const manager = track(t, new SlidingWindowMapManager({ windowSize: G, maxMemorySize: 2 * G }))
  const cursor = manager.makeCursor(file.path)
  // a 5-byte buffer straddling the 3rd window boundary: 4-byte reads fit at 0 and 1 only
  const buf = track(t, new SlidingWindowMapBuffer(cursor, 3 * G - 2, 5))
  t.is(buf.length, 5)
  t.is(buf.readUInt32LE(1), data.readUInt32LE(3 * G - 1))
  t.is(buf.readInt32BE(0), data.readInt32BE(3 * G - 2))
  t.throws(() => buf.readUInt32LE(2), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => buf.readDoubleLE(0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }, 'wider than the buffer')
  t.throws(() => buf.readBigUInt64BE(), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })

  buf.endAccess()
  for (const [name] of READERS) {
    t.throws(() => callReader(buf, name, 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }, `${name} after endAccess`)
  }
  const none = new SlidingWindowMapBuffer()
  for (const [name] of READERS) {
    t.throws(() => callReader(none, name), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }, `${name} without a cursor`)
  }
})

// ---------------------------------------------------------------------------------------------
// hot path: no native call inside the current window

const { countNativeCalls } = pkg

test.serial('hot path: 10,000 reads of every width inside the current window make no native call', (t) => {
  const data = file.data
  const manager = track(t, new SlidingWindowMapManager({ windowSize: 4 * G, maxMemorySize: 8 * G }))
  const bufOffset = 1234
  const buf = track(t, new SlidingWindowMapBuffer(manager.makeCursor(file.path), bufOffset))
  // position the buffer in its second window
  const inWindow = 4 * G + 100
  buf.at(inWindow - bufOffset)
  const region = buf.cursor()!.region()!
  const lo = Math.max(region.ofsBegin(), bufOffset)
  const hi = region.ofsEnd() // reads must end by here
  t.true(hi - lo > 1000, `a window to read in: [${lo}, ${hi})`)

  const counter = countNativeCalls()
  t.teardown(() => counter.restore())
  t.true(counter.calls.size === 0 && Object.getOwnPropertyNames(pkg.binding().NativeManager.prototype).length > 10, 'wrapped')
  let wrong = 0
  const rand = mulberry32(4242)
  try {
    for (const [name, width] of READERS) {
      for (let i = 0; i < 10000; i++) {
        const o = lo + Math.floor(rand() * (hi - width + 1 - lo))
        const got = callReader(buf, name, o - bufOffset)
        if (i % 97 === 0 && !Object.is(got, (data[name] as (offset: number) => unknown).call(data, o))) wrong++
      }
    }
    for (let i = 0; i < 10000; i++) buf.at(lo - bufOffset + Math.floor(rand() * (hi - lo)))
  } finally {
    counter.restore()
  }
  t.is(wrong, 0, 'the reads were right')
  t.deepEqual(Object.fromEntries(counter.calls), {}, 'native calls made by reads inside the window')
  t.is(buf.cursor()!.region(), region, 'the cursor never moved')

  // the counter does see native calls: reads outside the window slide it through the core
  // (far reads are served positionally until the third in a row nearby maps a window)
  const probe = countNativeCalls()
  try {
    buf.readUInt32LE(FILE_SIZE - 100 - bufOffset)
    buf.readUInt32LE(FILE_SIZE - 96 - bufOffset)
    buf.readUInt32LE(FILE_SIZE - 92 - bufOffset)
  } finally {
    probe.restore()
  }
  t.true(probe.total() > 0, 'a read in another window asks the manager')
  t.not(buf.cursor()!.region(), region)
})
