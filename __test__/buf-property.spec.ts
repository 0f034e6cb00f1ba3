// Property-based tests of SlidingWindowMapBuffer: for random window sizes (1 byte
// to 1 MiB), budgets, handle limits, buffer ranges and sequences of operations, every result
// equals what fs.readSync of the same bytes gives, errors are thrown where Buffer throws them,
// and the manager's counters stay true. Fixed seed: a failure reproduces; fast-check prints the
// shrunk counterexample.
import test from 'ava'
import fs = require('node:fs')
import fcModule = require('fast-check')

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')
import bufHelpers = require('./helpers/buf')

const fc = fcModule.default ?? fcModule
const { ALLOCATIONGRANULARITY, alignToMmap, SlidingWindowMapBuffer, SlidingWindowMapManager, StaticWindowMapManager } = pkg.smmap
type SlidingWindowMapBuffer = InstanceType<typeof SlidingWindowMapBuffer>
type StaticWindowMapManager = InstanceType<typeof StaticWindowMapManager>
type TempFile = ReturnType<typeof files.tempFile>
const { patternedFile } = files
const { READERS, outcome, showArgs } = bufHelpers
type ReaderName = (typeof READERS)[number][0]

const G = ALLOCATIONGRANULARITY
const FILE_SIZE = 300 * 1024 + 17 // ~300 KiB, not a multiple of the granule
const SEED = 0x5111de

let file: TempFile
let fd = -1
test.before(() => {
  file = patternedFile(FILE_SIZE, 'buf_property')
  fd = fs.openSync(file.path, 'r')
})
test.after.always(() => {
  if (fd >= 0) fs.closeSync(fd)
  file?.remove()
})

/** The file's bytes [position, position + length), read with fs (positional reads), not from memory. */
function readFs(position: number, length: number): Buffer {
  const out = Buffer.alloc(Math.max(length, 0))
  let done = 0
  while (done < out.length) {
    const n = fs.readSync(fd, out, done, out.length - done, position + done)
    if (n === 0) break
    done += n
  }
  return out.subarray(0, done)
}

// ---------------------------------------------------------------------------------------------
// arbitraries

interface Config {
  kind: 'sliding' | 'static'
  windowSize: number
  maxMemorySize: number
  maxOpenHandles: number
  byFd: boolean
  offset: number
  size: number
}

const configArb: fcModule.Arbitrary<Config> = fc.record({
  kind: fc.constantFrom<'sliding' | 'static'>('sliding', 'sliding', 'sliding', 'static'),
  windowSize: fc.integer({ min: 1, max: 1 << 20 }),
  maxMemorySize: fc.oneof(fc.integer({ min: 1, max: 4 << 20 }), fc.integer({ min: 1, max: 3 * G })),
  maxOpenHandles: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 4 })),
  byFd: fc.boolean(),
  offset: fc.oneof(fc.integer({ min: 0, max: FILE_SIZE - 1 }), fc.integer({ min: FILE_SIZE - 64, max: FILE_SIZE - 1 }), fc.constant(0)),
  size: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: FILE_SIZE + 100 }), fc.integer({ min: 1, max: 64 })),
})

// Raw numbers; each operation maps them onto the buffer's length when it runs.
type Op =
  | { op: 'at'; u: number }
  | { op: 'slice'; u: number; v: number; undef: number }
  | { op: 'read'; name: ReaderName; u: number }
  | { op: 'indexOf'; u: number; len: number; v: number; kind: number }
  | { op: 'copy'; target: number; u: number; v: number; w: number }
  | { op: 'chunks'; chunkSize: number }

const u32 = fc.integer({ min: 0, max: 0x7fffffff })
const opArb: fcModule.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('at' as const), u: u32 }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('slice' as const), u: u32, v: u32, undef: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('read' as const), name: fc.constantFrom(...READERS.map(([name]) => name)), u: u32 }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('indexOf' as const),
      u: u32,
      len: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 9000 })),
      v: u32,
      kind: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('copy' as const), target: fc.integer({ min: 0, max: 70000 }), u: u32, v: u32, w: u32 }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('chunks' as const), chunkSize: fc.oneof(fc.integer({ min: 512, max: 1 << 20 }), fc.constant(Infinity)) }),
  },
)

// ---------------------------------------------------------------------------------------------
// the model: what each operation must give, from fs reads of the same bytes

/** An index in [-n - 2, n + 1] (mostly valid, sometimes just out of range). */
function index(u: number, n: number): number {
  return (u % (2 * n + 4)) - n - 2
}

function makeManager(config: Config): StaticWindowMapManager {
  const options = { windowSize: config.windowSize, maxMemorySize: config.maxMemorySize, maxOpenHandles: config.maxOpenHandles }
  return config.kind === 'sliding'
    ? new SlidingWindowMapManager(options)
    : new StaticWindowMapManager({ maxMemorySize: config.maxMemorySize, maxOpenHandles: config.maxOpenHandles })
}

/** Runs one operation on `buf`; returns a description of the first disagreement, or null. */
function check(buf: SlidingWindowMapBuffer, config: Config, n: number, op: Op): string | null {
  const base = config.offset
  switch (op.op) {
    case 'at': {
      const i = index(op.u, n)
      const got = outcome(() => buf.at(i))
      const inRange = i >= -n && i < n
      const want = inRange ? { ok: true, value: readFs(base + (i < 0 ? i + n : i), 1)[0] } : { ok: false, error: 'RangeError', code: 'ERR_OUT_OF_RANGE' }
      return same(got, want, `at(${i})`)
    }
    case 'slice': {
      const start = op.undef === 0 ? undefined : (op.u % (n + 40)) - 20
      const end = op.undef === 1 ? undefined : (op.v % (n + 40)) - 20
      const got = buf.slice(start, end)
      const want = Buffer.prototype.slice.call(readFs(base, n), start, end)
      return Buffer.compare(got, want) === 0 ? null : `slice${showArgs([start, end])}: ${files.bytesMismatch(got, want)}`
    }
    case 'read': {
      const width = READERS.find(([name]) => name === op.name)![1]
      const o = (op.u % (n + 4)) - 2 // -2 .. n + 1: the ends included
      const got = outcome(() => (buf[op.name] as (offset: number) => unknown)(o))
      const want =
        o >= 0 && o + width <= n
          ? { ok: true, value: (Buffer.prototype[op.name] as (offset: number) => unknown).call(readFs(base + o, width), 0) }
          : { ok: false, error: 'RangeError', code: 'ERR_OUT_OF_RANGE' }
      return same(got, want, `${op.name}(${o})`)
    }
    case 'indexOf': {
      if (n === 0) return null
      const at = op.u % n
      const len = Math.min(op.len, n - at)
      const needleBytes = readFs(base + at, len)
      const needle = op.kind === 0 ? needleBytes[0] : op.kind === 1 ? needleBytes : op.kind === 2 ? new Uint8Array(needleBytes) : Buffer.from([250, 251]) // 251: never in the pattern
      const byteOffset = op.v % 3 === 0 ? undefined : (op.v % (2 * n + 20)) - n - 10
      const got = buf.indexOf(needle, byteOffset)
      const want = readFs(base, n).indexOf(needle, byteOffset)
      return got === want
        ? null
        : `indexOf(<${typeof needle === 'number' ? needle : `${needle.length} bytes from ${at}`}>, ${byteOffset}): ${got}, want ${want}`
    }
    case 'copy': {
      const targetStart = op.u % 5 === 0 ? undefined : op.u % (op.target + 10)
      const sourceStart = op.v % 5 === 0 ? undefined : (op.v % (n + 10)) - 2
      const sourceEnd = op.w % 5 === 0 ? undefined : (op.w % (n + 20)) - 2
      const got = Buffer.alloc(op.target, 0xee)
      const want = Buffer.alloc(op.target, 0xee)
      const args = [targetStart, sourceStart, sourceEnd] as [number, number, number]
      const result = outcome(() => buf.copy(got, ...args))
      const reference = outcome(() => Buffer.prototype.copy.call(readFs(base, n), want, ...args))
      const label = `copy(target[${op.target}], ${showArgs(args).slice(1, -1)})`
      return same(result, reference, label) ?? (Buffer.compare(got, want) === 0 ? null : `${label}: target ${files.bytesMismatch(got, want)}`)
    }
    case 'chunks': {
      const parts: Buffer[] = []
      for (const chunk of buf.chunks(op.chunkSize)) {
        if (chunk.length === 0 || chunk.length > op.chunkSize) return `chunks(${op.chunkSize}): a chunk of ${chunk.length} bytes`
        parts.push(Buffer.from(chunk))
      }
      const got = Buffer.concat(parts)
      const want = readFs(base, n)
      return Buffer.compare(got, want) === 0 ? null : `chunks(${op.chunkSize}): ${files.bytesMismatch(got, want)}`
    }
  }
}

function same(got: unknown, want: unknown, label: string): string | null {
  const a = JSON.stringify(got, (_k, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, NaN) ? 'NaN' : v))
  const b = JSON.stringify(want, (_k, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, NaN) ? 'NaN' : v))
  return a === b ? null : `${label}: got ${a}, want ${b}`
}

// ---------------------------------------------------------------------------------------------

test('random operation sequences read exactly the bytes fs.readSync reads, within the limits', (t) => {
  let runs = 0
  const property = fc.property(configArb, fc.array(opArb, { minLength: 1, maxLength: 25 }), (config, ops) => {
    runs++
    const manager = makeManager(config)
    try {
      const cursor = manager.makeCursor(config.byFd ? fd : file.path)
      const buf = new SlidingWindowMapBuffer(cursor, config.offset, config.size)
      const n = Math.min(config.size, FILE_SIZE - config.offset)
      if (buf.length !== n) throw new Error(`length ${buf.length}, want ${n}`)
      const limit = config.maxOpenHandles
      for (const [step, op] of ops.entries()) {
        const problem = check(buf, config, n, op)
        if (problem !== null) throw new Error(`op ${step}: ${problem}`)
        // the handle limit is hard; the buffer holds one region at a time
        if (manager.numFileHandles() > limit) throw new Error(`op ${step}: ${manager.numFileHandles()} regions mapped, limit ${limit}`)
        if (config.kind === 'sliding') {
          // the memory budget is soft: the region in use may push past it, by at most one region
          const regionCap = alignToMmap(Math.min(config.windowSize, FILE_SIZE), true) + G
          const mapped = manager.mappedMemorySize()
          if (mapped > Math.max(config.maxMemorySize, 0) + regionCap)
            throw new Error(`op ${step}: ${mapped} bytes mapped, budget ${config.maxMemorySize} + one region ${regionCap}`)
        }
      }
      // the counters after the sequence
      buf.endAccess()
      if (buf.length !== 0) throw new Error(`length ${buf.length} after endAccess`)
      if (cursor.isValid()) throw new Error('the cursor is valid after endAccess')
      const handles = manager.numFileHandles()
      if (handles < 1) throw new Error('no region stayed cached after endAccess')
      const collected = manager.collect()
      if (collected !== handles) throw new Error(`collect() gave ${collected}, there were ${handles} regions`)
      if (manager.numFileHandles() !== 0) throw new Error(`${manager.numFileHandles()} regions after collect()`)
      if (manager.mappedMemorySize() !== 0) throw new Error(`${manager.mappedMemorySize()} bytes mapped after collect()`)
      if (manager.numOpenFiles() !== 0) throw new Error(`${manager.numOpenFiles()} open files after collect()`)
      const stats = manager.stats()
      if (stats.regions !== 0 || stats.mappedBytes !== 0) throw new Error(`stats after collect: ${JSON.stringify(stats)}`)
    } finally {
      manager.close()
    }
  })
  const details = fc.check(property, { seed: SEED, numRuns: 1200 })
  t.is(details.failed, false, fc.defaultReportMessage(details) ?? 'failed')
  t.log(`${runs} runs (with shrinking), seed ${SEED}`)
})

test('a buffer over a range reads what fs.readSync reads, for any window size and range', (t) => {
  // denser than the sequences above: many random windows, each read in full by slice(),
  // by chunks(), by at() at both ends, and by a reader near every multiple of the window size
  const property = fc.property(
    fc.integer({ min: 1, max: 1 << 20 }),
    fc.integer({ min: 0, max: FILE_SIZE - 1 }),
    fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: FILE_SIZE })),
    fc.integer({ min: 1, max: 3 }),
    (windowSize, offset, size, budgetWindows) => {
      const manager = new SlidingWindowMapManager({ windowSize, maxMemorySize: budgetWindows * windowSize, maxOpenHandles: 2 })
      try {
        const buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path), offset, size)
        const n = Math.min(size, FILE_SIZE - offset)
        const want = readFs(offset, n)
        if (buf.length !== n) throw new Error(`length ${buf.length}, want ${n}`)
        const whole = buf.slice()
        if (Buffer.compare(whole, want) !== 0) throw new Error(`slice(): ${files.bytesMismatch(whole, want)}`)
        if (buf.at(0) !== want[0] || buf.at(-1) !== want[n - 1]) throw new Error('at(0)/at(-1)')
        const parts: Buffer[] = []
        for (const chunk of buf.chunks(Math.max(1, windowSize >> 1))) parts.push(Buffer.from(chunk))
        const chunked = Buffer.concat(parts)
        if (Buffer.compare(chunked, want) !== 0) throw new Error(`chunks(): ${files.bytesMismatch(chunked, want)}`)
        // around every window-size multiple of the file (capped at 40 of them)
        const step = Math.max(windowSize, Math.ceil(FILE_SIZE / 40))
        for (let b = step; b < FILE_SIZE; b += step) {
          const aligned = alignToMmap(b, false)
          for (const abs of [b - 3, aligned - 3, aligned - 1]) {
            const o = abs - offset
            if (o < 0 || o + 8 > n) continue
            if (buf.readBigUInt64LE(o) !== want.readBigUInt64LE(o)) throw new Error(`readBigUInt64LE(${o})`)
            if (buf.readInt32BE(o + 1) !== want.readInt32BE(o + 1)) throw new Error(`readInt32BE(${o + 1})`)
          }
        }
        buf.endAccess()
        if (manager.numFileHandles() > 2) throw new Error(`${manager.numFileHandles()} regions, limit 2`)
      } finally {
        manager.close()
      }
    },
  )
  const details = fc.check(property, { seed: SEED + 1, numRuns: 600 })
  t.is(details.failed, false, fc.defaultReportMessage(details) ?? 'failed')
})
