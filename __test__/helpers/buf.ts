// Helpers for the SlidingWindowMapBuffer specs: the reader table, and a way to compare "what
// the buffer did" with "what Buffer does" including the errors thrown.
// CommonJS-shaped TypeScript (`export =`, no `using`), for the reason given in ./smmap.ts.

/** Buffer's fixed-width readers that SlidingWindowMapBuffer mirrors, with their widths. */
const READERS = [
  ['readUInt8', 1],
  ['readInt8', 1],
  ['readUInt16LE', 2],
  ['readUInt16BE', 2],
  ['readInt16LE', 2],
  ['readInt16BE', 2],
  ['readUInt32LE', 4],
  ['readUInt32BE', 4],
  ['readInt32LE', 4],
  ['readInt32BE', 4],
  ['readBigUInt64LE', 8],
  ['readBigUInt64BE', 8],
  ['readBigInt64LE', 8],
  ['readBigInt64BE', 8],
  ['readFloatLE', 4],
  ['readFloatBE', 4],
  ['readDoubleLE', 8],
  ['readDoubleBE', 8],
] as const

type ReaderName = (typeof READERS)[number][0]

/** The result of a call: its value, or the class and code of what it threw. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: string; code: unknown }

function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() }
  } catch (error) {
    const e = error as Error & { code?: unknown }
    return { ok: false, error: e?.constructor?.name ?? String(e), code: e?.code }
  }
}

/** A readable form of an argument list (numbers like -0, NaN and Infinity kept apart). */
function showArgs(args: readonly unknown[]): string {
  return `(${args.map((a) => (typeof a === 'bigint' ? `${a}n` : typeof a === 'string' ? JSON.stringify(a) : Object.is(a, -0) ? '-0' : String(a))).join(', ')})`
}

/** Calls `name` on a SlidingWindowMapBuffer (typed loosely: the readers are looked up by name). */
function callReader(target: object, name: ReaderName, ...args: unknown[]): unknown {
  return (target as Record<string, (...a: unknown[]) => unknown>)[name](...args)
}

/** Disposes `resource` when the test ends (ava runs teardowns in reverse order): `using` for a whole test. */
function track<T extends { [Symbol.dispose](): void }>(t: { teardown(fn: () => void): void }, resource: T): T {
  t.teardown(() => resource[Symbol.dispose]())
  return resource
}

export = { READERS, outcome, showArgs, callReader, track }
