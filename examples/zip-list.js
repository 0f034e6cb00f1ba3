#!/usr/bin/env node
// Lists and extracts the entries of a ZIP archive of any size through smmap: yauzl (a ZIP
// reader for Node) reads the archive through a random-access reader whose reads are the
// buffer's createReadStream(), so the central directory and each entry come from mapped windows
// under a small memory budget, never from the whole file in memory.
//
//   node examples/zip-list.js <archive.zip>                 name, size, CRC-32 of every entry
//   node examples/zip-list.js <archive.zip> <entry> [out]   one entry's bytes to out (or stdout)
'use strict'
const fs = require('node:fs')
const { pipeline } = require('node:stream/promises')
const yauzl = require('yauzl')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require('smmap')

const MiB = 1024 * 1024

/** yauzl's random-access reader over a SlidingWindowMapBuffer. */
class MappedReader extends yauzl.RandomAccessReader {
  /** @param {import('smmap').SlidingWindowMapBuffer} buf */
  constructor(buf) {
    super()
    this.buf = buf
  }

  /**
   * yauzl asks for `[start, end)`; the stream's `end` is inclusive, as fs.createReadStream's.
   * @param {number} start
   * @param {number} end
   */
  _readStreamForRange(start, end) {
    return this.buf.createReadStream({ start, end: end - 1 })
  }
}

/** A ZIP archive opened through smmap; `close()` when done. */
class ZipArchive {
  /**
   * @param {string} file
   * @param {{ windowSize?: number, maxMemorySize?: number }} [options]
   * @returns {Promise<ZipArchive>}
   */
  static async open(file, { windowSize = MiB, maxMemorySize = 8 * MiB } = {}) {
    const manager = new SlidingWindowMapManager({ windowSize, maxMemorySize })
    const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
    const reader = new MappedReader(buf)
    try {
      const zip = await new Promise((resolve, reject) =>
        yauzl.fromRandomAccessReader(reader, buf.length, { lazyEntries: true, autoClose: false }, (error, z) => (error ? reject(error) : resolve(z))),
      )
      return new ZipArchive(manager, buf, /** @type {import('yauzl').ZipFile} */ (zip))
    } catch (error) {
      buf.endAccess()
      manager.close()
      throw error
    }
  }

  /**
   * @param {import('smmap').SlidingWindowMapManager} manager
   * @param {import('smmap').SlidingWindowMapBuffer} buf
   * @param {import('yauzl').ZipFile} zip
   */
  constructor(manager, buf, zip) {
    this.manager = manager
    this.buf = buf
    this.zip = zip
  }

  /** @returns {Promise<import('yauzl').Entry[]>} every entry, in the central directory's order */
  async entries() {
    /** @type {import('yauzl').Entry[]} */
    const entries = []
    await new Promise((resolve, reject) => {
      this.zip.on('entry', (entry) => {
        entries.push(entry)
        this.zip.readEntry()
      })
      this.zip.once('end', resolve)
      this.zip.once('error', reject)
      this.zip.readEntry()
    })
    return entries
  }

  /**
   * The uncompressed bytes of `entry` as a stream (yauzl checks the size; `crc32` is on the entry).
   * @param {import('yauzl').Entry} entry
   * @returns {Promise<import('node:stream').Readable>}
   */
  openReadStream(entry) {
    return new Promise((resolve, reject) => this.zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))))
  }

  close() {
    this.zip.close()
    this.buf.endAccess()
    this.manager.close()
  }
}

/** @param {string[]} argv */
async function main(argv) {
  const [file, name, out] = argv
  if (!file) {
    console.error('usage: node examples/zip-list.js <archive.zip> [entry [out]]')
    return 2
  }
  const archive = await ZipArchive.open(file)
  try {
    const entries = await archive.entries()
    if (name === undefined) {
      for (const e of entries) console.log(`${String(e.uncompressedSize).padStart(12)}  ${e.crc32.toString(16).padStart(8, '0')}  ${e.fileName}`)
      return 0
    }
    const entry = entries.find((e) => e.fileName === name)
    if (!entry) {
      console.error(`${name}: no such entry in ${file}`)
      return 1
    }
    await pipeline(await archive.openReadStream(entry), out ? fs.createWriteStream(out) : process.stdout)
    return 0
  } finally {
    archive.close()
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error) => {
      console.error(error.message)
      process.exitCode = 1
    },
  )
}

module.exports = { ZipArchive, MappedReader }
