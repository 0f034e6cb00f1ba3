// The bad-input sweep's tables: the values every parameter is tried with, and, per kind of
// parameter, what the README documents (or, where it is silent, what Node does) about each value.

/**
 * What a call is expected to do: return (`'ok'`); return or throw ERR_SMMAP_CLOSED
 * (`'ok-or-closed'`, for reads of nothing on a closed manager's buffer); return or throw the
 * system's error (`'ok-or-system'`, for paths and fds that are no mappable file); or throw this
 * class with this code.
 */
export type Expected = 'ok' | 'ok-or-closed' | 'ok-or-system' | { instanceOf: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor; code: string }

export const OK: Expected = 'ok'
export const OK_OR_CLOSED: Expected = 'ok-or-closed'
export const OK_OR_SYSTEM: Expected = 'ok-or-system'
export const TYPE: Expected = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }
export const RANGE: Expected = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }
export const VALUE: Expected = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' }
export const CLOSED: Expected = { instanceOf: Error, code: 'ERR_SMMAP_CLOSED' }
export const INVALID_CURSOR: Expected = { instanceOf: Error, code: 'ERR_SMMAP_INVALID_CURSOR' }

/** Every argument value the sweep tries, with a readable label. */
export const VALUES: Array<[string, unknown]> = [
  ["'1'", '1'],
  ["''", ''],
  ['null', null],
  ['true', true],
  ['{}', {}],
  ['[1]', [1]],
  ['1n', 1n],
  ['Symbol()', Symbol('bad')],
  ['a function', () => 1],
  ['-1', -1],
  ['-0', -0],
  ['1.5', 1.5],
  ['-0.5', -0.5],
  ['2**53', 2 ** 53],
  ['2**53 - 1', 2 ** 53 - 1],
  ['2**64', 2 ** 64],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
]

/**
 * The kinds of parameter in the public API, each mapping a value to what the call must do with it
 * (`'ok'`: accepted; the call then does whatever the state allows).
 */
export const KINDS = {
  /** Offsets: a non-negative safe integer (error table). */
  offset: (v: unknown): Expected => (typeof v !== 'number' ? TYPE : Number.isSafeInteger(v) && v >= 0 ? OK : RANGE),
  /** Sizes: an offset or Infinity ("as much as there is"). */
  size: (v: unknown): Expected => (v === Infinity ? OK : KINDS.offset(v)),
  /** Window arithmetic (MapWindow, alignToMmap, incrementClientCount): any safe integer, as smmap's. */
  integer: (v: unknown): Expected => (typeof v !== 'number' ? TYPE : Number.isSafeInteger(v) ? OK : RANGE),
  /** Window limits and region offsets that smmap compares with sys.maxsize: also ±Infinity. */
  windowNumber: (v: unknown): Expected => (v === Infinity || v === -Infinity ? OK : KINDS.integer(v)),
  /** fs open flags: a 32-bit integer (the error table is silent; Node's fs.open says ERR_OUT_OF_RANGE too). */
  flags: (v: unknown): Expected => (typeof v !== 'number' ? TYPE : Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? OK : RANGE),
  boolean: (v: unknown): Expected => (typeof v === 'boolean' ? OK : TYPE),
  string: (v: unknown): Expected => (typeof v === 'string' ? OK : TYPE),
  /**
   * A path or fd. The error table is silent for '' and numbers that are no fd: '' is refused up front (Node's
   * fs would fail at open with ENOENT; a cursor does no I/O until used), as a TypeError.
   */
  pathOrFd: (v: unknown): Expected => {
    if (typeof v === 'string') return v === '' ? TYPE : OK
    if (typeof v !== 'number') return TYPE
    return Number.isInteger(v) && v >= 0 && v < 2 ** 31 ? OK : RANGE
  },
  /** Buffer-like positions (slice, copy, indexOf): any number, coerced as Buffer does; not a number is a TypeError. */
  position: (v: unknown): Expected => (typeof v === 'number' ? OK : TYPE),
  /** An optional instance (`undefined` and `null` mean none). */
  optional:
    (Class: abstract new (...args: never[]) => unknown) =>
    (v: unknown): Expected =>
      v === null || v === undefined || v instanceof Class ? OK : TYPE,
  /** A required instance. */
  instance:
    (Class: abstract new (...args: never[]) => unknown) =>
    (v: unknown): Expected =>
      v instanceof Class ? OK : TYPE,
}

/** Whether `error` (or a normal return, `error === undefined`) is what `expected` allows. */
export function matches(expected: Expected, threw: boolean, error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  if (expected === 'ok') return !threw
  if (expected === 'ok-or-closed') return !threw || code === 'ERR_SMMAP_CLOSED'
  // The system's error as fs gives it, or the error table's RangeError for an empty file (fd 0 may be /dev/null).
  if (expected === 'ok-or-system')
    return !threw || (error instanceof Error && typeof code === 'string' && (/^E[A-Z]+$/.test(code) || code === 'ERR_OUT_OF_RANGE'))
  return threw && error instanceof expected.instanceOf && code === expected.code
}

export function describeExpected(expected: Expected): string {
  return typeof expected === 'string' ? expected : `${expected.instanceOf.name} ${expected.code}`
}

export function describeOutcome(threw: boolean, error: unknown): string {
  if (!threw) return 'returned'
  return error instanceof Error ? `${error.constructor.name} ${String((error as { code?: unknown }).code)}: ${error.message}` : `threw ${String(error)}`
}
