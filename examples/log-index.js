#!/usr/bin/env node
// A line index over a log file of any size: count its lines, fetch the N-th, or print the last
// N, while mapping no more than a small memory budget (1 MiB windows, 8 MiB in all by default)
// and never reading the whole file into memory.
//
//   node examples/log-index.js <file> [count | line N | tail N] [--stats]
//   node examples/log-index.js [--big] [count | line N | tail N] [--stats]
//
// Without a file it writes a sample log to os.tmpdir() (64 MiB, or 2 GiB with --big) and
// reuses it on later runs. `line N` counts from 1, as `sed -n Np` does; `LineIndex#line(i)`
// counts from 0, as arrays do.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require('smmap')

const KiB = 1024
const MiB = 1024 * KiB
const NEWLINE = 0x0a
const CR = 0x0d

/**
 * @typedef {object} LineIndexOptions
 * @property {number} [windowSize] bytes per mapped window (default 1 MiB)
 * @property {number} [maxMemorySize] soft budget of mapped bytes (default 8 MiB)
 * @property {number} [every] one line start in this many is remembered (default 1024): the
 *   index takes 8 bytes per `every` lines, and `line(i)` scans at most `every` lines.
 */

/**
 * Lines of a file: `\n` ends a line, a `\r` before it is dropped, and a last line without
 * `\n` still counts (so "a\nb" and "a\nb\n" both have two lines, as editors show them).
 */
class LineIndex {
  /** @type {import('smmap').SlidingWindowMapManager} */
  #manager
  /** The whole file, for the forward scan and `line()`. */
  /** @type {import('smmap').SlidingWindowMapBuffer} */
  #file
  /** Blocks near the end, for `tail()`; on a cursor of its own so `#file` keeps its window. */
  /** @type {import('smmap').SlidingWindowMapBuffer} */
  #block
  /** @type {import('smmap').WindowCursor | null} */
  #blockCursor = null
  #size
  #windowSize
  #every
  /** Start offset of line `k * every`, for k < #checkpointCount (offsets can pass 2^32). */
  #checkpoints = new Float64Array(64)
  #checkpointCount = 0
  /** @type {number | undefined} */
  #count

  /**
   * Opens `file` without reading it; `count` and `line()` index it on first use, `tail()` never
   * needs to.
   * @param {string} file
   * @param {LineIndexOptions} [options]
   */
  static open(file, options = {}) {
    return new LineIndex(file, options)
  }

  /**
   * Opens `file` and indexes it at once (one pass through every window).
   * @param {string} file
   * @param {LineIndexOptions} [options]
   */
  static build(file, options = {}) {
    const index = new LineIndex(file, options)
    void index.count
    return index
  }

  /**
   * @private use `LineIndex.open` or `LineIndex.build`
   * @param {string} file
   * @param {LineIndexOptions} [options]
   */
  constructor(file, { windowSize = 1 * MiB, maxMemorySize = 8 * MiB, every = 1024 } = {}) {
    if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`every must be a positive integer, got ${every}`)
    this.#windowSize = windowSize
    this.#every = every
    this.#manager = new SlidingWindowMapManager({ windowSize, maxMemorySize, advice: 'sequential' })
    try {
      this.#size = fs.statSync(file).size
      // An empty file cannot be mapped; it simply has no lines.
      this.#file = new SlidingWindowMapBuffer()
      this.#block = new SlidingWindowMapBuffer()
      if (this.#size > 0) {
        this.#file.beginAccess(this.#manager.makeCursor(file), 0, this.#size)
        this.#blockCursor = this.#manager.makeCursor(file)
      }
    } catch (error) {
      this.close()
      throw error
    }
  }

  /** Bytes in the file (as it was when opened). */
  get size() {
    return this.#size
  }

  /** Number of lines; the first use scans the file once, window by window. */
  get count() {
    if (this.#count === undefined) this.#count = this.#scan()
    return this.#count
  }

  /** Counts the line ends chunk by chunk, remembering the start of every `every`-th line. */
  #scan() {
    const every = this.#every
    this.#push(0)
    let ends = 0
    let chunkStart = 0
    for (const chunk of this.#file.chunks(this.#windowSize)) {
      for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) {
        ends++
        if (ends % every === 0) this.#push(chunkStart + i + 1)
      }
      chunkStart += chunk.length
    }
    const unterminated = this.#size > 0 && this.#file.at(-1) !== NEWLINE
    return ends + (unterminated ? 1 : 0)
  }

  /** @param {number} offset */
  #push(offset) {
    if (this.#checkpointCount === this.#checkpoints.length) {
      const grown = new Float64Array(this.#checkpoints.length * 2)
      grown.set(this.#checkpoints)
      this.#checkpoints = grown
    }
    this.#checkpoints[this.#checkpointCount++] = offset
  }

  /**
   * The bytes of line `i` (from 0), without its `\n` or `\r\n`.
   * @param {number} i
   * @returns {Buffer}
   */
  lineBytes(i) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.count) {
      throw new RangeError(`line index must be an integer in [0, ${this.count}), got ${i}`)
    }
    const k = Math.floor(i / this.#every)
    let start = this.#checkpoints[k]
    for (let skip = i - k * this.#every; skip > 0; skip--) start = this.#file.indexOf(NEWLINE, start) + 1
    const end = this.#file.indexOf(NEWLINE, start)
    return withoutCR(this.#file.slice(start, end === -1 ? this.#size : end))
  }

  /**
   * Line `i` (from 0) as UTF-8 text.
   * @param {number} i
   */
  line(i) {
    return this.lineBytes(i).toString('utf8')
  }

  /**
   * The last `n` lines (fewer if the file has fewer), found by scanning backwards from the end
   * one window at a time: the rest of the file is never touched and no index is built.
   * @param {number} n
   * @returns {string[]}
   */
  tail(n) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`)
    if (n === 0 || this.#size === 0) return []
    const start = this.#startOfLastLines(n)
    return splitLines(this.#file.slice(start, this.#size))
  }

  /**
   * Offset where the last `n` (>= 1) lines begin: just after the n-th `\n` from the end.
   * @param {number} n
   */
  #startOfLastLines(n) {
    // A final `\n` ends the last line rather than starting another.
    let blockEnd = this.#file.at(-1) === NEWLINE ? this.#size - 1 : this.#size
    let wanted = n
    try {
      while (blockEnd > 0) {
        // Blocks end on window boundaries (but the first), so each lies in one window.
        const blockStart = Math.floor((blockEnd - 1) / this.#windowSize) * this.#windowSize
        this.#block.beginAccess(this.#blockCursor, blockStart, blockEnd - blockStart)
        /** @type {number[]} */
        const ends = []
        let chunkStart = blockStart
        for (const chunk of this.#block.chunks(this.#windowSize)) {
          for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) ends.push(chunkStart + i)
          chunkStart += chunk.length
        }
        if (ends.length >= wanted) return ends[ends.length - wanted] + 1
        wanted -= ends.length
        blockEnd = blockStart
      }
      return 0
    } finally {
      this.#block.endAccess()
    }
  }

  /** The manager's counters: how many windows were mapped, evicted, and the peak mapped bytes. */
  stats() {
    return this.#manager.stats()
  }

  /** Unmaps everything and closes the fd the buffers keep for positional reads. Idempotent. */
  close() {
    // The manager unmaps the windows, but each buffer in access holds its own fd for the reads
    // it serves without a window: that one is only closed by ending access (on Windows an open
    // fd also keeps the log from being deleted).
    this.#file?.endAccess()
    this.#block?.endAccess()
    this.#manager.close()
  }

  [Symbol.dispose]() {
    this.close()
  }
}

/** @param {Buffer} bytes */
function withoutCR(bytes) {
  return bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes
}

/**
 * Lines of `bytes` by the rules of {@link LineIndex}.
 * @param {Buffer} bytes
 * @returns {string[]}
 */
function splitLines(bytes) {
  const lines = []
  let start = 0
  for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
    lines.push(withoutCR(bytes.subarray(start, end)).toString('utf8'))
    start = end + 1
  }
  if (start < bytes.length) lines.push(withoutCR(bytes.subarray(start)).toString('utf8'))
  return lines
}

// ---- a sample log, so the example runs without one of your own ----

const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR']
const PATHS = ['/api/users', '/api/orders/search', '/health', '/static/app.js', '/api/reports/quarterly/export']

/**
 * Line `n` of the sample log: varying lengths, now and then an empty line or a long one.
 * @param {number} n
 */
function sampleLine(n) {
  if (n % 997 === 996) return ''
  const time = new Date(Date.UTC(2026, 0, 1) + n * 37).toISOString()
  const level = LEVELS[n % LEVELS.length]
  const line = `${time} ${level} worker-${n % 8} #${n} GET ${PATHS[(n * 7) % PATHS.length]} ${200 + (n % 3) * 100} ${(n * 13) % 2000}ms`
  return n % 200_000 === 199_999 ? `${line} payload=${'x'.repeat(2 * MiB)}` : line
}

/**
 * A sample log of about `size` bytes in os.tmpdir(), written once and reused.
 * @param {number} size
 */
function sampleLog(size) {
  const file = path.join(os.tmpdir(), `smmap-example-${size / MiB}MiB.log`)
  if (fs.existsSync(file)) return file
  const partial = `${file}.${process.pid}.partial`
  const fd = fs.openSync(partial, 'w')
  process.stderr.write(`writing a ${size / MiB} MiB sample log to ${file} ...\n`)
  try {
    let written = 0
    for (let n = 0; written < size; ) {
      const lines = []
      for (let bytes = 0; bytes < 4 * MiB && written + bytes < size; n++) {
        const line = sampleLine(n)
        lines.push(line)
        bytes += line.length + 1
      }
      const block = Buffer.from(`${lines.join('\n')}\n`)
      fs.writeSync(fd, block)
      written += block.length
    }
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(partial, file)
  return file
}

// ---- command line ----

const USAGE = 'usage: node examples/log-index.js [<file> | --big] [count | line N | tail N] [--stats]'

/** @param {string[]} argv @returns {number} exit status */
function main(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')))
  const args = argv.filter((a) => !a.startsWith('--'))
  const commands = new Set(['count', 'line', 'tail'])
  const file = args.length > 0 && !commands.has(args[0]) ? /** @type {string} */ (args.shift()) : sampleLog(flags.has('--big') ? 2048 * MiB : 64 * MiB)
  const [command = 'count', arg] = args
  const n = Number(arg)
  if (!commands.has(command) || (command !== 'count' && !(Number.isSafeInteger(n) && n >= (command === 'line' ? 1 : 0)))) {
    process.stderr.write(`${USAGE}\n`)
    return 2
  }
  const index = LineIndex.open(file)
  try {
    if (command === 'count') process.stdout.write(`${index.count}\n`)
    else if (command === 'line') process.stdout.write(`${index.line(n - 1)}\n`)
    else for (const line of index.tail(n)) process.stdout.write(`${line}\n`)
    if (flags.has('--stats')) {
      const s = index.stats()
      process.stderr.write(
        `${file}: ${index.size} bytes; ${s.misses} windows mapped, ${s.evictions} evicted, peak ${(s.peakMappedBytes / MiB).toFixed(1)} MiB mapped\n`,
      )
    }
  } finally {
    index.close()
  }
  return 0
}

if (require.main === module) {
  // Piped into `head`, the reader may leave early: that ends the output, it is no failure.
  process.stdout.on('error', (error) => {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EPIPE') throw error
    process.exit(0)
  })
  try {
    process.exitCode = main(process.argv.slice(2))
  } catch (error) {
    // Expected failures (a missing file, a malformed one) carry a code: say what, not where.
    if (!(error instanceof Error) || !('code' in error)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exitCode = 1
  }
}

module.exports = { LineIndex, splitLines, sampleLine }
