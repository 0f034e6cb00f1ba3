// Test helpers: patterned temporary files (never all zeros, so an off-by-one shows), a seeded
// PRNG so random tests reproduce, and byte comparisons that say where buffers differ.
// `scope()` disposes what a test registers in reverse order, as `using` does, for tests that
// need the dispose to happen at a chosen point.
import fs = require('node:fs')
import os = require('node:os')
import path = require('node:path')

type ExecutionContext = { is(actual: unknown, expected: unknown, message?: string): void }

/** smmap's test constant `k_window_test_size`. */
const K = 1000 * 1000 * 8 + 5195

/** The byte at file offset `i` of every patterned file. */
function patternByte(i: number): number {
  return (i * 31 + Math.floor(i / 4096) * 7) % 251
}

/** `size` patterned bytes, as they sit at file offsets `[start, start + size)`. */
function pattern(size: number, start = 0): Buffer {
  const data = Buffer.allocUnsafe(size)
  for (let j = 0; j < size; j++) data[j] = patternByte(start + j)
  return data
}

interface TempFile {
  /** Absolute path of the file (inside its own directory under os.tmpdir()). */
  readonly path: string
  /** The file's directory (removed with the file). */
  readonly dir: string
  /** The bytes written (a snapshot: appending to the file does not change it). */
  readonly data: Buffer
  /** Removes the file and its directory. Idempotent. */
  remove(): void
  [Symbol.dispose](): void
}

/** Writes `data` to a fresh file in its own directory under os.tmpdir(). */
function tempFile(data: Buffer, prefix = 'smmap-test'): TempFile {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`))
  const file = path.join(dir, `${prefix}.bin`)
  fs.writeFileSync(file, data)
  let removed = false
  const remove = () => {
    if (removed) return
    removed = true
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return { path: file, dir, data, remove, [Symbol.dispose]: remove }
}

/** A patterned file of `size` bytes (byte i = patternByte(i)), removed on dispose. */
function patternedFile(size: number, prefix = 'smmap-test'): TempFile {
  return tempFile(pattern(size), prefix)
}

interface TempFd {
  readonly fd: number
  close(): void
  [Symbol.dispose](): void
}

/** Opens `file` read-only; closed on dispose (idempotent). */
function openFd(file: string): TempFd {
  const fd = fs.openSync(file, 'r')
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    fs.closeSync(fd)
  }
  return { fd, close, [Symbol.dispose]: close }
}

/** An fd number that is certainly not open: opened, then closed (use it at once, synchronously). */
function closedFdNumber(file: string): number {
  const fd = fs.openSync(file, 'r')
  fs.closeSync(fd)
  return fd
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A seed for a random test: SMMAP_TEST_SEED if set (to reproduce a failure), else random. */
function testSeed(): number {
  const env = process.env.SMMAP_TEST_SEED
  if (env !== undefined && env !== '') return Number(env) >>> 0
  return (Math.random() * 2 ** 32) >>> 0
}

/** Integer in [lo, hi] inclusive. */
function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1))
}

/** Index of the first differing byte, or -1 when equal (a length difference counts). */
function firstDifference(actual: Uint8Array, expected: Uint8Array): number {
  if (actual.length === expected.length && Buffer.compare(actual, expected) === 0) return -1
  const n = Math.min(actual.length, expected.length)
  for (let i = 0; i < n; i++) if (actual[i] !== expected[i]) return i
  return n
}

/** Describes how two byte sequences differ, or returns null when they are equal. */
function bytesMismatch(actual: Uint8Array, expected: Uint8Array): string | null {
  const i = firstDifference(actual, expected)
  if (i < 0) return null
  return `lengths ${actual.length} vs expected ${expected.length}; first difference at index ${i}: ${actual[i]} vs expected ${expected[i]}`
}

/** Asserts that `actual` holds exactly the bytes of `expected`. */
function sameBytes(t: ExecutionContext, actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  const mismatch = bytesMismatch(actual, expected)
  t.is(mismatch, null, `${what}: ${mismatch}`)
}

/**
 * Whether a Buffer keeps its bytes after the manager lets its window go. On Windows a live
 * mapping would keep the user from deleting or rewriting the file, so let-go windows are
 * unmapped at once there and their Buffers emptied (README, "Guarantees").
 */
const windowsOutliveUse = process.platform !== 'win32'

/** Asserts what a Buffer over a let-go window holds: its bytes where views keep windows, nothing on Windows. */
function letGoBytes(t: ExecutionContext, actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  if (windowsOutliveUse) sameBytes(t, actual, expected, what)
  else t.is(actual.length, 0, `${what}: emptied on Windows`)
}

/** Number of open file descriptors of this process (Linux: /proc/self/fd), or -1 elsewhere. */
function openFdCount(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

/**
 * Runs full garbage collections (the process must run with --expose-gc, as ava's workers do)
 * and lets the finalizers they queued run: Node calls native finalizers from an immediate, so
 * memory that only collected Buffers kept mapped is unmapped once this resolves.
 */
async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    global.gc!()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Runs `fn` with a `use` function that registers disposables, disposed in reverse order at the end (what `using` does). */
function scope<T>(fn: (use: <D extends { [Symbol.dispose](): void }>(d: D) => D) => T): T {
  const stack: Array<{ [Symbol.dispose](): void }> = []
  try {
    return fn((d) => {
      stack.push(d)
      return d
    })
  } finally {
    while (stack.length > 0) stack.pop()![Symbol.dispose]()
  }
}

/** Async variant of {@link scope}. */
async function scopeAsync<T>(fn: (use: <D extends { [Symbol.dispose](): void }>(d: D) => D) => Promise<T>): Promise<T> {
  const stack: Array<{ [Symbol.dispose](): void }> = []
  try {
    return await fn((d) => {
      stack.push(d)
      return d
    })
  } finally {
    while (stack.length > 0) stack.pop()![Symbol.dispose]()
  }
}

export = {
  K,
  patternByte,
  pattern,
  tempFile,
  patternedFile,
  openFd,
  closedFdNumber,
  mulberry32,
  testSeed,
  randInt,
  firstDifference,
  bytesMismatch,
  sameBytes,
  windowsOutliveUse,
  letGoBytes,
  openFdCount,
  scope,
  scopeAsync,
  collectGarbage,
}
