#!/usr/bin/env node
// `npm run demo [file]`: scans a large file through a SlidingWindowMapBuffer under a 64 MiB
// window and a 256 MiB budget, then makes 1,000,000 random readUInt32LE reads, and does the
// same work with fs.readSync beside it. With no argument it makes a 2 GiB patterned temp file
// (removed afterwards).
'use strict'
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require('..')

const MiB = 1024 * 1024
const DEMO_SIZE = 2048 * MiB
const WINDOW = 64 * MiB
const BUDGET = 256 * MiB
const RANDOM_READS = 1_000_000
const FS_BLOCK = 1 * MiB

/** Progress on stderr, redrawn in place; silent when stderr is not a terminal except at 100%. */
function progress(label, total) {
  const tty = process.stderr.isTTY
  let shown = -1
  return (done) => {
    const pct = Math.floor((done / total) * 100)
    if (pct === shown || (!tty && pct < 100)) return
    shown = pct
    const bar = '#'.repeat(pct >> 2).padEnd(25, '.')
    process.stderr.write(`${tty ? '\r' : ''}${label.padEnd(22)} [${bar}] ${String(pct).padStart(3)}%${pct === 100 ? '\n' : ''}`)
  }
}

/** A patterned file: a 251-byte cycle, with each 4 KiB page stamped with its own offset. */
function makeDemoFile(size) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-demo-'))
  const file = path.join(dir, 'demo.bin')
  const block = Buffer.alloc(FS_BLOCK)
  const fd = fs.openSync(file, 'w')
  const report = progress('writing demo file', size)
  try {
    for (let ofs = 0; ofs < size; ofs += FS_BLOCK) {
      for (let i = 0; i < FS_BLOCK; i++) block[i] = (ofs + i) % 251
      for (let page = 0; page < FS_BLOCK; page += 4096) block.writeDoubleLE(ofs + page, page)
      fs.writeSync(fd, block, 0, Math.min(FS_BLOCK, size - ofs), ofs)
      report(ofs + FS_BLOCK)
    }
  } finally {
    fs.closeSync(fd)
  }
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** Deterministic offsets, the same for both contenders. */
function randomOffsets(count, limit) {
  const offsets = new Float64Array(count)
  let state = 0x9e3779b9
  for (let i = 0; i < count; i++) {
    state ^= state << 13; state >>>= 0
    state ^= state >>> 17
    state ^= state << 5; state >>>= 0
    offsets[i] = Math.floor((state / 2 ** 32) * limit)
  }
  return offsets
}

function withSmmap(file, size, offsets) {
  const manager = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: BUDGET })
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
  try {
    const hash = crypto.createHash('sha1')
    const report = progress('smmap scan', size)
    let start = process.hrtime.bigint()
    let scanned = 0
    for (const chunk of buf.chunks(Infinity)) {
      hash.update(chunk)
      scanned += chunk.length
      report(scanned)
    }
    const scan = { seconds: seconds(start), digest: hash.digest('hex') }
    const afterScan = manager.stats()
    start = process.hrtime.bigint()
    let sum = 0
    for (let i = 0; i < offsets.length; i++) sum = (sum + buf.readUInt32LE(offsets[i])) >>> 0
    const random = { seconds: seconds(start), sum }
    return { scan, random, afterScan, stats: manager.stats() }
  } finally {
    buf.endAccess()
    manager.close()
  }
}

function withReadSync(file, size, offsets) {
  const fd = fs.openSync(file, 'r')
  try {
    const hash = crypto.createHash('sha1')
    const block = Buffer.allocUnsafe(FS_BLOCK)
    const report = progress('fs.readSync scan', size)
    let start = process.hrtime.bigint()
    for (let ofs = 0; ofs < size; ofs += FS_BLOCK) {
      const n = fs.readSync(fd, block, 0, Math.min(FS_BLOCK, size - ofs), ofs)
      hash.update(block.subarray(0, n))
      report(ofs + n)
    }
    const scan = { seconds: seconds(start), digest: hash.digest('hex') }
    start = process.hrtime.bigint()
    const word = Buffer.allocUnsafe(4)
    let sum = 0
    for (let i = 0; i < offsets.length; i++) {
      fs.readSync(fd, word, 0, 4, offsets[i])
      sum = (sum + word.readUInt32LE(0)) >>> 0
    }
    const random = { seconds: seconds(start), sum }
    return { scan, random }
  } finally {
    fs.closeSync(fd)
  }
}

function main() {
  const given = process.argv[2]
  const { file, cleanup } = given ? { file: given, cleanup: () => {} } : makeDemoFile(DEMO_SIZE)
  try {
    const size = fs.statSync(file).size
    if (size < 4) throw new Error(`${file} is too small for the demo (${size} bytes)`)
    const offsets = randomOffsets(RANDOM_READS, size - 3)
    const mapped = withSmmap(file, size, offsets)
    const read = withReadSync(file, size, offsets)
    if (mapped.scan.digest !== read.scan.digest || mapped.random.sum !== read.random.sum) {
      throw new Error('smmap and fs.readSync disagree about the file contents')
    }
    const gb = size / 1e9
    const s = mapped.stats
    console.log(`file: ${file}${given ? '' : ' (generated, removed afterwards)'}, ${(size / MiB).toFixed(0)} MiB`)
    console.log(`window ${WINDOW / MiB} MiB, budget ${BUDGET / MiB} MiB; results agree (sha1 ${mapped.scan.digest.slice(0, 12)}…, sum ${mapped.random.sum})`)
    console.log('')
    console.log('                         smmap buffer      fs.readSync     ratio')
    const row = (label, a, b, unit) => console.log(`${label.padEnd(24)} ${a.padStart(12)} ${unit} ${b.padStart(12)} ${unit}   ${(Number(a) / Number(b)).toFixed(2)}x`)
    row('sequential scan', (gb / mapped.scan.seconds).toFixed(2), (gb / read.scan.seconds).toFixed(2), 'GB/s')
    row('random readUInt32LE', (RANDOM_READS / mapped.random.seconds / 1e6).toFixed(2), (RANDOM_READS / read.random.seconds / 1e6).toFixed(2), 'M/s ')
    console.log('')
    console.log(`scan:   hits ${mapped.afterScan.hits}, misses ${mapped.afterScan.misses}, evictions ${mapped.afterScan.evictions}`)
    console.log(`total:  hits ${s.hits}, misses ${s.misses}, evictions ${s.evictions}, peak mapped ${(s.peakMappedBytes / MiB).toFixed(0)} MiB (budget ${BUDGET / MiB} MiB)`)
  } finally {
    cleanup()
  }
}

main()
