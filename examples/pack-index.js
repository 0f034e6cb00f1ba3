#!/usr/bin/env node
// A reader for git pack index files (`.idx`, version 2), through the parser reads of a
// SlidingWindowMapBuffer: nothing is read into memory but the 1 KiB fan-out table, so an index
// of millions of objects opens at once and each lookup touches a few windows.
//
//   node examples/pack-index.js [<path.idx>] [<sha>]
//
// With a SHA-1 it prints the object's offset in the pack and its CRC32; without, every entry
// as `git show-index` does ("offset sha (crc32)"). Without a path it reads the biggest pack
// index of the git repository around the current directory.
//
// Layout (git's Documentation/gitformat-pack.txt), all integers big-endian:
//   magic \377tOc | version 2 | fan-out: 256 x uint32, entry b = objects whose first byte <= b
//   N x 20-byte SHA-1, sorted | N x uint32 CRC32 of the packed object
//   N x uint32 offset; with the high bit set, the low 31 bits index the next table
//   M x uint64 offset (objects past 2 GiB) | 20-byte pack checksum | 20-byte index checksum
'use strict'
const childProcess = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require('smmap')

const MiB = 1024 * 1024
const MAGIC = 0xff744f63 // "\377tOc"
const VERSION = 2
const SHA_BYTES = 20
const FANOUT_AT = 8
const SHA_TABLE_AT = FANOUT_AT + 256 * 4
const TRAILER_BYTES = 2 * SHA_BYTES
const LARGE_OFFSET = 0x80000000

/** Thrown for a file that is not a well-formed version 2 pack index. */
class PackIndexFormatError extends Error {
  /** @param {string} file @param {string} problem */
  constructor(file, problem) {
    super(`${file}: not a version 2 pack index: ${problem}`)
    this.name = 'PackIndexFormatError'
    this.code = 'ERR_PACK_INDEX_FORMAT'
  }
}

/**
 * @typedef {object} PackIndexOptions
 * @property {number} [windowSize] bytes per mapped window (default 1 MiB)
 * @property {number} [maxMemorySize] soft budget of mapped bytes (default 16 MiB)
 */

/** @typedef {{ sha: string, offset: number, crc32: number }} PackIndexEntry */

class PackIndex {
  /** @type {import('smmap').SlidingWindowMapManager} */
  #manager
  /** @type {import('smmap').SlidingWindowMapBuffer} */
  #buf
  /** Objects whose first SHA byte is <= b, for each b. */
  #fanout = new Uint32Array(256)
  #count = 0
  #crcAt = 0
  #offsetAt = 0
  #largeAt = 0
  #largeCount = 0

  /**
   * Opens and checks the header, fan-out table and size of the pack index at `file`.
   * @param {string} file
   * @param {PackIndexOptions} [options]
   */
  static open(file, options = {}) {
    return new PackIndex(file, options)
  }

  /**
   * @private use `PackIndex.open`
   * @param {string} file
   * @param {PackIndexOptions} [options]
   */
  constructor(file, { windowSize = 1 * MiB, maxMemorySize = 16 * MiB } = {}) {
    this.#manager = new SlidingWindowMapManager({ windowSize, maxMemorySize })
    try {
      const size = fs.statSync(file).size
      if (size < SHA_TABLE_AT + TRAILER_BYTES) throw new PackIndexFormatError(file, `${size} bytes is too short`)
      this.#buf = new SlidingWindowMapBuffer(this.#manager.makeCursor(file))
      this.#readHeader(file, size)
    } catch (error) {
      this.#manager.close()
      throw error
    }
  }

  /** @param {string} file @param {number} size */
  #readHeader(file, size) {
    const buf = this.#buf
    if (buf.readUInt32BE(0) !== MAGIC) throw new PackIndexFormatError(file, 'no \\377tOc magic (a version 1 index has none)')
    const version = buf.readUInt32BE(4)
    if (version !== VERSION) throw new PackIndexFormatError(file, `version ${version}`)
    for (let b = 0; b < 256; b++) {
      this.#fanout[b] = buf.readUInt32BE(FANOUT_AT + 4 * b)
      if (b > 0 && this.#fanout[b] < this.#fanout[b - 1]) throw new PackIndexFormatError(file, `fan-out entry ${b} decreases`)
    }
    const count = this.#fanout[255]
    this.#count = count
    this.#crcAt = SHA_TABLE_AT + SHA_BYTES * count
    this.#offsetAt = this.#crcAt + 4 * count
    this.#largeAt = this.#offsetAt + 4 * count
    const largeBytes = size - TRAILER_BYTES - this.#largeAt
    if (largeBytes < 0 || largeBytes % 8 !== 0) {
      throw new PackIndexFormatError(file, `${size} bytes does not fit ${count} objects`)
    }
    this.#largeCount = largeBytes / 8
  }

  /** Number of objects in the pack. */
  get count() {
    return this.#count
  }

  /** Entries of the 64-bit offset table (objects that lie 2 GiB or more into the pack). */
  get largeOffsetCount() {
    return this.#largeCount
  }

  /** SHA-1 of the pack file this index describes (hex), as in its name `pack-<sha>.pack`. */
  get packChecksum() {
    return this.#buf.slice(this.#largeAt + 8 * this.#largeCount, -SHA_BYTES).toString('hex')
  }

  /**
   * Where the object `sha` (40 hex digits, or 20 bytes) is in the pack, or `undefined` when
   * the pack does not hold it.
   * @param {string | Uint8Array} sha
   * @returns {{ offset: number, crc32: number } | undefined}
   */
  lookup(sha) {
    const i = this.#position(toShaBytes(sha))
    if (i < 0) return undefined
    return { offset: this.#offset(i), crc32: this.#buf.readUInt32BE(this.#crcAt + 4 * i) }
  }

  /**
   * Every object in SHA-1 order.
   * @returns {Generator<PackIndexEntry, void, undefined>}
   */
  *entries() {
    for (let i = 0; i < this.#count; i++) {
      const at = SHA_TABLE_AT + SHA_BYTES * i
      yield {
        sha: this.#buf.slice(at, at + SHA_BYTES).toString('hex'),
        offset: this.#offset(i),
        crc32: this.#buf.readUInt32BE(this.#crcAt + 4 * i),
      }
    }
  }

  /**
   * Binary search within the fan-out bucket of the first byte, comparing four bytes at a time.
   * @param {Buffer} sha
   */
  #position(sha) {
    const first = sha[0]
    let lo = first === 0 ? 0 : this.#fanout[first - 1]
    let hi = this.#fanout[first]
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const at = SHA_TABLE_AT + SHA_BYTES * mid
      let order = 0
      for (let word = 0; word < SHA_BYTES && order === 0; word += 4) {
        order = this.#buf.readUInt32BE(at + word) - sha.readUInt32BE(word)
      }
      if (order === 0) return mid
      if (order < 0) lo = mid + 1
      else hi = mid
    }
    return -1
  }

  /**
   * Pack offset of entry `i`, through the 64-bit table when its 32-bit entry says so.
   * @param {number} i
   */
  #offset(i) {
    const small = this.#buf.readUInt32BE(this.#offsetAt + 4 * i)
    if ((small & LARGE_OFFSET) === 0) return small
    const slot = small & ~LARGE_OFFSET
    if (slot >= this.#largeCount) throw new RangeError(`entry ${i} points at 64-bit offset ${slot} of ${this.#largeCount}`)
    const large = this.#buf.readBigUInt64BE(this.#largeAt + 8 * slot)
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`entry ${i} has offset ${large}, past 2^53`)
    return Number(large)
  }

  /** The manager's counters (windows mapped, evicted, peak mapped bytes). */
  stats() {
    return this.#manager.stats()
  }

  /** Unmaps everything. Idempotent. */
  close() {
    this.#manager.close()
  }

  [Symbol.dispose]() {
    this.close()
  }
}

/** @param {string | Uint8Array} sha @returns {Buffer} */
function toShaBytes(sha) {
  if (typeof sha === 'string' && /^[0-9a-f]{40}$/i.test(sha)) return Buffer.from(sha, 'hex')
  if (sha instanceof Uint8Array && sha.length === SHA_BYTES) return Buffer.from(sha.buffer, sha.byteOffset, SHA_BYTES)
  throw new TypeError(`a SHA-1 is 40 hex digits or 20 bytes, got ${typeof sha === 'string' ? JSON.stringify(sha) : sha}`)
}

// ---- command line ----

/** The `.idx` files of the repository around the current directory, biggest first. */
function repositoryPackIndexes() {
  const dir = childProcess.execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-path', 'objects/pack'], { encoding: 'utf8' }).trim()
  const indexes = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((name) => name.endsWith('.idx'))
        .map((name) => path.join(dir, name))
    : []
  if (indexes.length === 0) {
    throw Object.assign(new Error(`no pack index in ${dir} (objects are loose until \`git gc\` packs them)`), { code: 'ERR_NO_PACK_INDEX' })
  }
  return indexes.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)
}

const hex32 = (/** @type {number} */ n) => n.toString(16).padStart(8, '0')

/**
 * `[<path.idx>] [<sha>]`: one index, or else the repository's (for a SHA-1, every one of them,
 * as an object may be in any pack; for a listing, the biggest).
 * @param {string[]} argv
 * @returns {number} exit status
 */
function main(argv) {
  const isSha = (/** @type {string} */ arg) => /^[0-9a-f]{40}$/i.test(arg)
  if (argv.length > 2 || argv.some((a) => a.startsWith('-')) || (argv.length === 2 && !isSha(argv[1]))) {
    process.stderr.write('usage: node examples/pack-index.js [<path.idx>] [<sha>]\n')
    return 2
  }
  const files = argv.length > 0 && !isSha(argv[0]) ? [/** @type {string} */ (argv.shift())] : repositoryPackIndexes()
  const [sha] = argv
  if (sha === undefined) {
    list(files[0])
    return 0
  }
  for (const file of files) {
    // (Node 20 has no `using` declarations; try/finally does the same.)
    const index = PackIndex.open(file)
    let found
    try {
      found = index.lookup(sha)
    } finally {
      index.close()
    }
    if (found === undefined) continue
    process.stdout.write(`${found.offset} ${sha.toLowerCase()} (${hex32(found.crc32)})\n`)
    if (files.length > 1) process.stderr.write(`in ${file}\n`)
    return 0
  }
  process.stderr.write(`${sha}: not in ${files.join(', ')}\n`)
  return 1
}

/**
 * Prints every entry of the index at `file` as `git show-index` does.
 * @param {string} file
 */
function list(file) {
  const index = PackIndex.open(file)
  try {
    let out = ''
    for (const { sha, offset, crc32 } of index.entries()) {
      out += `${offset} ${sha} (${hex32(crc32)})\n`
      if (out.length > 1 << 16) {
        process.stdout.write(out)
        out = ''
      }
    }
    process.stdout.write(out)
    process.stderr.write(`${file}: ${index.count} objects, ${index.largeOffsetCount} in the 64-bit offset table, pack ${index.packChecksum}\n`)
  } finally {
    index.close()
  }
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

module.exports = { PackIndex, PackIndexFormatError }
