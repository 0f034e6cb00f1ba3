// Errors the way Node's own modules shape them: a built-in Error class with a stable `code`,
// and argument checks that run before anything changes.

/** Makes an `Error` (or `TypeError`/`RangeError`) carrying a stable `code`. */
export function codedError<E extends Error>(Class: new (message: string) => E, code: string, message: string): E {
  const error = new Class(message) as E & { code: string }
  error.code = code
  return error
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `type string ('${value.length > 25 ? value.slice(0, 25) + '...' : value}')`
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
