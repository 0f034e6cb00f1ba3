// Every public constructor and method of the public API, each parameter tried with every
// value of helpers/bad-input.ts VALUES (wrong types, negative, fractional, huge, non-finite),
// live and on closed managers, released cursors and ended buffers. Each call gives the documented
// class and code (what Node does where the error table is silent, see the notes in the kinds), never a
// crash; after each throw the manager's counters are as they were and a valid call works.
import test from 'ava'
import fs = require('node:fs')

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')
import {
  CLOSED,
  describeExpected,
  describeOutcome,
  INVALID_CURSOR,
  KINDS,
  matches,
  OK,
  OK_OR_CLOSED,
  OK_OR_SYSTEM,
  RANGE,
  TYPE,
  VALUES,
  type Expected,
} from './helpers/bad-input'

const {
  ALLOCATIONGRANULARITY: G,
  alignToMmap,
  MapRegion,
  MapRegionList,
  MapWindow,
  SlidingWindowMapBuffer,
  SlidingWindowMapManager,
  StaticWindowMapManager,
  WindowCursor,
} = pkg.smmap
type Manager = InstanceType<typeof StaticWindowMapManager>
type Cursor = InstanceType<typeof WindowCursor>
type Buf = InstanceType<typeof SlidingWindowMapBuffer>
type Region = InstanceType<typeof MapRegion>
type State = 'live' | 'closed' | 'released' | 'ended'

const SIZE = 5 * G + 7
const file = files.patternedFile(SIZE, 'bad-input')
test.after.always(() => file.remove())

/** One manager per state, a cursor holding a region, a buffer: what each row calls into. */
interface Fixture {
  man: Manager
  cursor: Cursor
  buffer: Buf
  region: Region
  /** A cursor made before the state was set up, with no region. */
  spare: Cursor
}

function fixture(Cls: typeof StaticWindowMapManager, state: State): Fixture {
  const man = new Cls({ windowSize: Cls === SlidingWindowMapManager ? 2 * G : 0 })
  const cursor = man.makeCursor(file.path).useRegion(100, 10)
  const region = cursor.region()!
  const buffer = new SlidingWindowMapBuffer(man.makeCursor(file.path), 10)
  const spare = man.makeCursor(file.path)
  if (state === 'released') cursor.release()
  if (state === 'ended') buffer.endAccess()
  if (state === 'closed') man.close()
  return { man, cursor, buffer, region, spare }
}

interface Row {
  name: string
  /** What each parameter accepts (a KINDS entry). */
  params: Array<(v: unknown) => Expected>
  /** Valid arguments, replaced one at a time by each of VALUES. */
  good: (fx: Fixture) => unknown[]
  call(fx: Fixture, args: unknown[]): unknown
  /** The outcome of a call with accepted arguments, per state the row applies to. */
  states: Partial<Record<State, Expected>>
  /** Overrides the outcome of accepted arguments that the row's own rules refuse (e.g. past the end). */
  accepted?: (args: unknown[], state: State) => Expected | undefined
}

const cursorless: Partial<Record<State, Expected>> = { live: OK, released: INVALID_CURSOR, closed: INVALID_CURSOR }
const always: Partial<Record<State, Expected>> = { live: OK, released: OK, closed: OK, ended: OK }
const buffered: Partial<Record<State, Expected>> = { live: OK, ended: OK, closed: CLOSED }
/** Buffer reads of nothing need no mapping, so a closed manager's buffer may still answer them. */
const emptyReadOk = (_: unknown[], state: State): Expected | undefined => (state === 'closed' ? OK_OR_CLOSED : undefined)

const windowSizeKind = (v: unknown): Expected => (typeof v === 'number' && v < 0 ? (Number.isSafeInteger(v) || v === -Infinity ? OK : RANGE) : KINDS.size(v))
const adviceKind = (v: unknown): Expected => (typeof v !== 'string' ? TYPE : { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' })
const indexKind =
  (length: () => number) =>
  (v: unknown): Expected => {
    if (typeof v !== 'number') return TYPE
    const i = v < 0 ? v + length() : v
    return Number.isInteger(i) && i >= 0 && i < length() ? OK : RANGE
  }
const chunkKind = (v: unknown): Expected => (v === 0 ? RANGE : KINDS.size(v))
const needleKind = (v: unknown): Expected => (typeof v === 'number' || typeof v === 'string' || v instanceof Uint8Array ? OK : TYPE)

/** Buffer's own answer, for the readers ("same names and argument as Buffer's"). */
function asBuffer(fn: () => unknown): Expected {
  try {
    fn()
    return OK
  } catch (error) {
    return { instanceOf: (error as Error).constructor as ErrorConstructor, code: (error as { code: string }).code }
  }
}

/**
 * copy()'s positions: truncated toward zero, NaN as 0, and Infinity kept ("as much as there
 * is", the documented number rule; Buffer.copy would round fractions down and treat Infinity as 0), then
 * Buffer.copy's range checks. Returns the error, or undefined when the copy goes ahead.
 */
function copyRule(length: number, a: unknown[]): Expected | undefined {
  const at = (v: unknown, fallback: number) => (v === undefined ? fallback : Math.trunc(v as number) || 0)
  const [to, from, end] = [at(a[1], 0), at(a[2], 0), at(a[3], length)]
  return to < 0 || from < 0 || from > length || end < 0 ? RANGE : undefined
}

const READERS = [
  'readUInt8',
  'readInt8',
  'readUInt16LE',
  'readUInt16BE',
  'readInt16LE',
  'readInt16BE',
  'readUInt32LE',
  'readUInt32BE',
  'readInt32LE',
  'readInt32BE',
  'readBigUInt64LE',
  'readBigUInt64BE',
  'readBigInt64LE',
  'readBigInt64BE',
  'readFloatLE',
  'readFloatBE',
  'readDoubleLE',
  'readDoubleBE',
] as const

function rows(Cls: typeof StaticWindowMapManager): Row[] {
  const noArgs = (name: string, states: Partial<Record<State, Expected>>, call: (fx: Fixture) => unknown): Row => ({
    name,
    params: [],
    good: () => [],
    call,
    states,
  })
  return [
    // util
    {
      name: 'alignToMmap',
      params: [KINDS.integer, KINDS.boolean],
      good: () => [4097, false],
      call: (_, a) => alignToMmap(a[0] as number, a[1] as boolean),
      states: { live: OK },
    },
    {
      name: 'new MapWindow',
      params: [KINDS.windowNumber, KINDS.windowNumber],
      good: () => [0, 10],
      call: (_, a) => new MapWindow(a[0] as number, a[1] as number),
      states: { live: OK },
    },
    {
      name: 'MapWindow#extendLeftTo',
      params: [KINDS.instance(MapWindow), KINDS.windowNumber],
      good: () => [new MapWindow(0, 0), G],
      call: (_, a) => new MapWindow(5000, 100).extendLeftTo(a[0] as InstanceType<typeof MapWindow>, a[1] as number),
      states: { live: OK },
    },
    {
      name: 'MapWindow#extendRightTo',
      params: [KINDS.instance(MapWindow), KINDS.windowNumber],
      good: () => [new MapWindow(9000, 0), G],
      call: (_, a) => new MapWindow(0, 100).extendRightTo(a[0] as InstanceType<typeof MapWindow>, a[1] as number),
      states: { live: OK },
    },
    {
      name: 'MapWindow.fromRegion',
      params: [KINDS.instance(MapRegion)],
      good: (fx) => [fx.region],
      call: (_, a) => MapWindow.fromRegion(a[0] as Region),
      states: always,
    },
    {
      name: 'new MapRegion',
      params: [KINDS.pathOrFd, KINDS.offset, KINDS.size, KINDS.flags],
      good: () => [file.path, 0, G, 0],
      call: (_, a) => new MapRegion(a[0] as string, a[1] as number, a[2] as number, a[3] as number).release(),
      states: { live: OK },
      // an unaligned offset or one at or past the end is a RangeError; another path or fd
      // ('1', fd 0), or open flags other than 0, may be refused by the system.
      accepted: (a) => (a[0] !== file.path || a[3] !== 0 ? OK_OR_SYSTEM : (a[1] as number) % G !== 0 || (a[1] as number) >= SIZE ? RANGE : undefined),
    },
    { name: 'MapRegion#includesOfs', params: [KINDS.windowNumber], good: () => [100], call: (fx, a) => fx.region.includesOfs(a[0] as number), states: always },
    {
      name: 'MapRegion#incrementClientCount',
      params: [KINDS.integer],
      good: () => [0],
      call: (_, a) => {
        const r = new MapRegion(file.path, 0, G)
        try {
          r.incrementClientCount(a[0] as number)
        } finally {
          r.release()
        }
      },
      states: { live: OK },
      accepted: (a) => ((a[0] as number) < -1 ? { instanceOf: Error, code: 'ERR_SMMAP_CLIENT_COUNT' } : undefined),
    },
    ...(['buffer', 'map', 'ofsBegin', 'ofsEnd', 'size', 'clientCount', 'toString'] as const).map((m) =>
      noArgs(`MapRegion#${m}`, always, (fx) => fx.region[m]()),
    ),
    { name: 'new MapRegionList', params: [KINDS.pathOrFd], good: () => [file.path], call: (_, a) => new MapRegionList(a[0] as string), states: { live: OK } },
    noArgs('MapRegionList#fileSize', { live: OK }, () => new MapRegionList(file.path).fileSize()),
    // managers
    {
      name: `new ${Cls.name}(options)`,
      params: [(v) => (v === null || typeof v !== 'object' ? TYPE : OK)],
      good: () => [{}],
      call: (_, a) => new Cls(a[0] as object).close(),
      states: { live: OK },
    },
    {
      name: `new ${Cls.name}({ windowSize })`,
      params: [windowSizeKind],
      good: () => [G],
      call: (_, a) => new Cls({ windowSize: a[0] as number }).close(),
      states: { live: OK },
    },
    {
      name: `new ${Cls.name}({ maxMemorySize })`,
      params: [KINDS.size],
      good: () => [G],
      call: (_, a) => new Cls({ maxMemorySize: a[0] as number }).close(),
      states: { live: OK },
    },
    {
      name: `new ${Cls.name}({ maxOpenHandles })`,
      params: [KINDS.size],
      good: () => [2],
      call: (_, a) => new Cls({ maxOpenHandles: a[0] as number }).close(),
      states: { live: OK },
    },
    {
      name: `new ${Cls.name}({ advice })`,
      params: [adviceKind],
      good: () => ['random'],
      call: (_, a) => new Cls({ advice: a[0] as 'random' }).close(),
      states: { live: OK },
    },
    {
      name: `new ${Cls.name}({ populate })`,
      params: [KINDS.boolean],
      good: () => [true],
      call: (_, a) => new Cls({ populate: a[0] as boolean }).close(),
      states: { live: OK },
    },
    {
      name: 'makeCursor',
      params: [KINDS.pathOrFd],
      good: () => [file.path],
      call: (fx, a) => fx.man.makeCursor(a[0] as string),
      states: { live: OK, closed: CLOSED },
    },
    {
      name: 'forceMapHandleRemovalWin',
      params: [KINDS.string],
      good: () => [file.dir],
      call: (fx, a) => fx.man.forceMapHandleRemovalWin(a[0] as string),
      states: { live: OK, closed: CLOSED },
    },
    ...(['collect', 'numFileHandles', 'numOpenFiles', 'windowSize', 'mappedMemorySize', 'maxFileHandles', 'maxMappedMemorySize', 'stats'] as const).map((m) =>
      noArgs(`manager.${m}`, { live: OK, closed: OK }, (fx) => fx.man[m]()),
    ),
    noArgs('manager.close', { closed: OK }, (fx) => fx.man.close()),
    noArgs('manager[Symbol.dispose]', { closed: OK }, (fx) => fx.man[Symbol.dispose]()),
    // cursors
    {
      name: 'new WindowCursor',
      params: [KINDS.optional(StaticWindowMapManager), KINDS.optional(MapRegionList)],
      good: (fx) => [fx.man, new MapRegionList(file.path)],
      call: (_, a) => new WindowCursor(a[0] as Manager, a[1] as InstanceType<typeof MapRegionList>).release(),
      states: { live: OK, closed: CLOSED },
      accepted: (a, state) => (state === 'closed' && (!a[0] || !a[1]) ? OK : undefined), // no manager or no file: an unassociated cursor
    },
    {
      name: 'cursor.useRegion',
      params: [KINDS.offset, KINDS.size, KINDS.flags],
      good: () => [100, 10, 0],
      call: (fx, a) => fx.cursor.useRegion(a[0] as number, a[1] as number, a[2] as number),
      states: { live: OK, released: OK, closed: CLOSED },
    },
    { name: 'cursor.includesOfs', params: [KINDS.windowNumber], good: () => [105], call: (fx, a) => fx.cursor.includesOfs(a[0] as number), states: cursorless },
    {
      name: 'cursor.assign',
      params: [KINDS.instance(WindowCursor)],
      good: (fx) => [fx.cursor],
      call: (fx, a) => fx.spare.assign(a[0] as Cursor).release(),
      states: { live: OK, released: OK },
    },
    ...(['buffer', 'map', 'ofsBegin', 'ofsEnd'] as const).map((m) => noArgs(`cursor.${m}`, cursorless, (fx) => fx.cursor[m]())),
    ...(['size', 'isValid', 'isAssociated', 'region', 'pathOrFd', 'path', 'unuseRegion', 'release'] as const).map((m) =>
      noArgs(`cursor.${m}`, always, (fx) => fx.cursor[m]()),
    ),
    noArgs('cursor.copy', always, (fx) => fx.cursor.copy().release()),
    noArgs('cursor.fileSize', { live: OK, released: OK, closed: CLOSED }, (fx) => fx.cursor.fileSize()),
    noArgs(
      'cursor.fd',
      { live: { instanceOf: TypeError, code: 'ERR_SMMAP_NOT_AN_FD' }, closed: { instanceOf: TypeError, code: 'ERR_SMMAP_NOT_AN_FD' } },
      (fx) => fx.cursor.fd(),
    ),
    // buffers
    {
      name: 'new SlidingWindowMapBuffer',
      params: [KINDS.optional(WindowCursor), KINDS.offset, KINDS.size, KINDS.flags],
      good: (fx) => [fx.spare, 0, Infinity, 0],
      call: (_, a) => new SlidingWindowMapBuffer(a[0] as Cursor, a[1] as number, a[2] as number, a[3] as number).endAccess(),
      states: { live: OK, closed: CLOSED },
      // a buffer that cannot begin access (past the end) is a RangeError; without a cursor it is empty.
      accepted: (a, state) => (a[0] == null ? OK : state !== 'closed' && (a[1] as number) >= SIZE ? RANGE : undefined),
    },
    {
      name: 'buffer.beginAccess',
      params: [KINDS.optional(WindowCursor), KINDS.offset, KINDS.size, KINDS.flags],
      good: () => [undefined, 10, Infinity, 0],
      call: (fx, a) => fx.buffer.beginAccess(a[0] as Cursor, a[1] as number, a[2] as number, a[3] as number),
      states: buffered,
    },
    {
      name: 'buffer.at',
      params: [indexKind(() => SIZE - 10)],
      good: () => [0],
      call: (fx, a) => fx.buffer.at(a[0] as number),
      states: { live: OK, closed: CLOSED },
    },
    { name: 'buffer.at (ended)', params: [indexKind(() => 0)], good: () => [0], call: (fx, a) => fx.buffer.at(a[0] as number), states: { ended: RANGE } },
    {
      name: 'buffer.slice',
      params: [KINDS.position, KINDS.position],
      good: () => [0, 100],
      call: (fx, a) => fx.buffer.slice(a[0] as number, a[1] as number),
      states: buffered,
      accepted: emptyReadOk,
    },
    {
      name: 'buffer.copy',
      params: [KINDS.instance(Uint8Array), KINDS.position, KINDS.position, KINDS.position],
      good: () => [Buffer.alloc(64), 0, 0, 64],
      call: (fx, a) => fx.buffer.copy(a[0] as Uint8Array, a[1] as number, a[2] as number, a[3] as number),
      states: buffered,
      accepted: (a, state) => copyRule(state === 'ended' ? 0 : SIZE - 10, a) ?? emptyReadOk(a, state),
    },
    // A string in second place is an encoding, as Buffer.indexOf takes it (and then ignores for a byte needle).
    {
      name: 'buffer.indexOf',
      params: [needleKind, (v: unknown) => (typeof v === 'string' ? OK : KINDS.position(v))],
      good: () => [file.data[4 * G], 0],
      call: (fx, a) => fx.buffer.indexOf(a[0] as number, a[1] as number),
      states: buffered,
      accepted: emptyReadOk,
    },
    {
      name: 'buffer.chunks',
      params: [chunkKind],
      good: () => [G],
      call: (fx, a) => [...fx.buffer.chunks(a[0] as number)].length,
      states: buffered,
      accepted: emptyReadOk,
    },
    ...READERS.map(
      (name): Row => ({
        name: `buffer.${name}`,
        params: [() => OK],
        good: () => [0],
        call: (fx, a) => (fx.buffer[name] as (o: unknown) => unknown)(a[0]),
        states: buffered,
        accepted: (a, state) => {
          const reference = asBuffer(() => (Buffer.alloc(state === 'ended' ? 0 : SIZE - 10)[name] as (o: unknown) => unknown)(a[0]))
          // Buffer says ERR_BUFFER_OUT_OF_BOUNDS when it is shorter than the value; this package
          // keeps the documented ERR_OUT_OF_RANGE for every offset it cannot read (see buf-boundaries.spec).
          if (reference !== OK && typeof reference !== 'string' && reference.code === 'ERR_BUFFER_OUT_OF_BOUNDS') return RANGE
          return reference !== OK || state !== 'closed' ? reference : CLOSED
        },
      }),
    ),
    noArgs('buffer.length', always, (fx) => fx.buffer.length),
    noArgs('buffer.cursor', always, (fx) => fx.buffer.cursor()),
    noArgs('buffer.endAccess', always, (fx) => fx.buffer.endAccess()),
  ]
}

function counters(man: Manager): string {
  return JSON.stringify([man.numFileHandles(), man.numOpenFiles(), man.mappedMemorySize(), man.stats()])
}

/** A valid call in each state, after a rejected one: it must still work. */
function validCallWorks(fx: Fixture, state: State): boolean {
  if (state === 'closed') return fx.man.numFileHandles() === 0 && fx.man.collect() === 0
  if (state === 'ended') return fx.buffer.beginAccess(undefined, 10) && fx.buffer.at(0) === file.data[10]
  const c = fx.cursor.useRegion(100, 10)
  return c.isValid() && files.bytesMismatch(c.buffer(), file.data.subarray(100, 110)) === null && (state !== 'live' || fx.buffer.at(5) === file.data[15])
}

for (const Cls of [StaticWindowMapManager, SlidingWindowMapManager]) {
  test(`${Cls.name}: every method with every bad argument, live, closed, released and ended`, (t) => {
    const failures: string[] = []
    let cases = 0
    const run = (row: Row, state: State, args: (fx: Fixture) => unknown[], expectedFor: (a: unknown[]) => Expected, what: string) => {
      const fx = fixture(Cls, state)
      try {
        const a = args(fx)
        const expected = expectedFor(a)
        const before = counters(fx.man)
        let threw = false
        let error: unknown
        try {
          row.call(fx, a)
        } catch (e) {
          threw = true
          error = e
        }
        cases++
        if (!matches(expected, threw, error))
          failures.push(`${row.name}(${what}) [${state}]: expected ${describeExpected(expected)}, got ${describeOutcome(threw, error)}`)
        if (threw && counters(fx.man) !== before) failures.push(`${row.name}(${what}) [${state}]: counters changed by a throwing call`)
        if (threw && !validCallWorks(fx, state)) failures.push(`${row.name}(${what}) [${state}]: the next valid call failed`)
      } finally {
        // The buffer's fd for positional reads is closed by ending access, not by the manager
        // (left open, it keeps Windows from deleting the file after the tests).
        fx.buffer.endAccess()
        fx.man.close()
      }
    }
    for (const row of rows(Cls)) {
      for (const state of Object.keys(row.states) as State[]) {
        const byState = (a: unknown[]) => row.accepted?.(a, state) ?? row.states[state]!
        run(row, state, row.good, byState, 'valid arguments')
        row.params.forEach((kind, i) => {
          for (const [name, value] of VALUES) {
            const expected = kind(value)
            const withValue = (fx: Fixture) => Object.assign(row.good(fx).slice(), { [i]: value })
            run(row, state, withValue, (a) => (expected === OK ? byState(a) : expected), `argument ${i + 1} = ${name}`)
          }
        })
      }
    }
    t.log(`${cases} cases tried`)
    t.deepEqual(failures, [], `${failures.length} of ${cases} cases did not behave as documented`)
    t.true(cases > 1000)
  })
}

// The binding's readThrough is a plain N-API callback that reads its arguments by hand (see
// crates/smmap-node/src/plain_call.rs), not through napi-rs's checks: it must refuse what is
// not its own as firmly, since anyone can require the binding and call it.
test('the binding readThrough refuses a handle or target that is not its own, and reads right with its own', (t) => {
  const binding = pkg.binding()
  const man = new SlidingWindowMapManager({ windowSize: G })
  try {
    const cursor = man.makeCursor(file.path).useRegion(0)
    const internal = man as unknown as { _native: { readHandle(file: number): unknown } }
    const handle = internal._native.readHandle((cursor as unknown as { _file: number })._file)
    t.truthy(handle, 'the manager holds the file: a handle')
    const target = Buffer.alloc(16, 0xee)
    const notHandles: unknown[] = [undefined, null, 7, 'handle', {}, Buffer.alloc(8), () => 0]
    for (const bad of notHandles) t.throws(() => binding.readThrough(bad, target, 0, 8, 0), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
    const notTargets: unknown[] = [undefined, new ArrayBuffer(16), new Float64Array(2), new DataView(new ArrayBuffer(16)), [1, 2]]
    for (const bad of notTargets) t.throws(() => binding.readThrough(handle, bad, 0, 8, 0), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
    t.throws(() => binding.readThrough(handle, target, 0, 8), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }, 'a missing position')
    t.throws(() => binding.readThrough(handle, target, '0', 8, 0), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }, 'an offset that is not a number')
    t.deepEqual(target, Buffer.alloc(16, 0xee), 'nothing was written by a refused call')

    // Its own handle and a Buffer: the bytes across the first window's end, clamped to the target.
    t.is(binding.readThrough(handle, target, 4, 8, G - 3), 8)
    t.deepEqual(target.subarray(4, 12), file.data.subarray(G - 3, G + 5))
    t.is(binding.readThrough(handle, target, 12, 100, 0), 4, 'clamped to the target')
    t.deepEqual(target.subarray(12), file.data.subarray(0, 4))
    t.is(binding.readThrough(handle, target, 0, 8, SIZE), 0, 'at the end: nothing')
    man.close()
    t.is(binding.readThrough(handle, target, 0, 8, 0), -1, 'the manager closed the descriptor: -1, nothing read')
  } finally {
    man.close()
  }
})
