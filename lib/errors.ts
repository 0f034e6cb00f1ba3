import { getSystemErrorName } from 'node:util'

// Errors the way Node's own modules shape them: a built-in Error class with a stable `code`,
// and argument checks that run before anything changes. Every error the package throws is
// built here, including those the native side describes (see `nativeError`).

/** Makes an `Error` (or `TypeError`/`RangeError`) carrying a stable `code`. */
export function codedError<E extends Error>(Class: new (message: string) => E, code: string, message: string): E {
  const error = new Class(message) as E & { code: string }
  error.code = code
  return error
}

/** The package's own error codes, each with its class and the one wording it has. */
const SMMAP_ERRORS = {
  ERR_SMMAP_CLOSED: [Error, 'the manager is closed'],
  ERR_SMMAP_TRUNCATED: [Error, 'the file was truncated under a mapped region, whose lost bytes read as zeros'],
  ERR_SMMAP_INVALID_CURSOR: [Error, 'the cursor has no region; call useRegion() with an offset inside the file'],
  ERR_SMMAP_UNASSOCIATED: [Error, 'the cursor has no manager or file; use manager.makeCursor(pathOrFd)'],
  ERR_SMMAP_NOT_A_PATH: [TypeError, 'the cursor was made from a file descriptor, not a path'],
  ERR_SMMAP_NOT_AN_FD: [TypeError, 'the cursor was made from a path, not a file descriptor'],
  ERR_SMMAP_LIMIT: [Error, 'maxOpenHandles reached: every mapped region is in use'],
  ERR_SMMAP_CLIENT_COUNT: [Error, 'a client count would go below 0'],
} as const satisfies Record<string, readonly [new (message: string) => Error, string]>

/** @internal */
export type SmmapCode = keyof typeof SMMAP_ERRORS

/**
 * An `ERR_SMMAP_*` error: its class and wording from the table above, with `detail` (the
 * offsets or limit concerned) after a colon. @internal
 */
export function smmapError(code: SmmapCode, detail?: string): Error {
  const [Class, text] = SMMAP_ERRORS[code]
  return codedError(Class, code, detail === undefined ? text : `${text}: ${detail}`)
}

const CLASSES: Record<string, new (message: string) => Error> = { Error, RangeError, TypeError }

/**
 * The factory the native side calls for every error it throws: its own codes through
 * `smmapError` (the core's message is the detail), OS failures shaped as `fs` shapes them
 * (`code`, negative `errno`, `syscall`, `path`). @internal
 */
export function nativeError(className: string, code: string, message: string, errno?: number, syscall?: string, path?: string): Error {
  if (code in SMMAP_ERRORS) {
    const [Class] = SMMAP_ERRORS[code as SmmapCode]
    return codedError(Class, code, message)
  }
  const name = code === 'UNKNOWN' ? systemErrorName(errno) : undefined
  if (name !== undefined) {
    code = name
    message = `${name}${message.slice('UNKNOWN'.length)}`
  }
  const error = codedError(CLASSES[className] ?? Error, code, message) as Error & { errno?: number; syscall?: string; path?: string }
  if (errno !== undefined) error.errno = errno
  if (syscall !== undefined) error.syscall = syscall
  if (path !== undefined) error.path = path
  return error
}

/** Node's name for an errno (every one it knows, not only those the native side names). */
function systemErrorName(errno: number | undefined): string | undefined {
  if (errno === undefined || errno >= 0) return undefined
  try {
    const name = getSystemErrorName(errno)
    return /^E[A-Z0-9]+$/.test(name) ? name : undefined
  } catch {
    return undefined
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `type string ('${value.length > 25 ? `${value.slice(0, 25)}...` : value}')`
  if (typeof value === 'object' || typeof value === 'function') return `an instance of ${(value as object).constructor?.name ?? 'Object'}`
  return `type ${typeof value} (${String(value)})`
}

/** `TypeError` `ERR_INVALID_ARG_TYPE`, worded like Node's. */
export function invalidType(name: string, expected: string, value: unknown): TypeError {
  return codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}. Received ${describe(value)}`)
}

/** `RangeError` `ERR_OUT_OF_RANGE`, worded like Node's. */
export function outOfRange(name: string, expected: string, value: unknown): RangeError {
  return codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${expected}. Received ${String(value)}`)
}

/** An offset: a non-negative safe integer. */
export function checkOffset(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value)
  if (!Number.isSafeInteger(value) || value < 0) throw outOfRange(name, 'a non-negative safe integer', value)
}

/** A size: a non-negative safe integer, or `Infinity` for "as much as there is". */
export function checkSize(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value)
  if ((!Number.isSafeInteger(value) || value < 0) && value !== Infinity) {
    throw outOfRange(name, 'a non-negative safe integer or Infinity', value)
  }
}

/** Any safe integer (window arithmetic allows negative values, as smmap's does). */
export function checkInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value)
  if (!Number.isSafeInteger(value)) throw outOfRange(name, 'a safe integer', value)
}

/** Open flags (`fs.constants.O_*`): a 32-bit integer. */
export function checkFlags(value: unknown): asserts value is number {
  if (typeof value !== 'number') throw invalidType('flags', 'of type number', value)
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw outOfRange('flags', 'a 32-bit integer', value)
}

export function checkBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidType(name, 'of type boolean', value)
}

/** A file: a path string or an open file descriptor. */
export type PathOrFd = string | number

export function checkPathOrFd(value: unknown): asserts value is PathOrFd {
  if (typeof value === 'string') {
    if (value.length === 0 || value.includes('\0')) throw invalidType('pathOrFd', 'a non-empty path without null bytes or a file descriptor', value)
    return
  }
  if (typeof value !== 'number') throw invalidType('pathOrFd', 'of type string or number', value)
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw outOfRange('pathOrFd', 'a file descriptor (an integer >= 0 and <= 2147483647)', value)
}
