#!/usr/bin/env node
// `npm run demo [file]`: what the package is for, beside fs.readSync doing the same work. A
// file 8 times the 256 MiB budget is read through SlidingWindowMapBuffers with 64 MiB windows:
// a SHA-1 of the whole file, random reads inside a window's worth of it (say, an index at its
// head) and random reads over all of it. Every ratio printed is measured here and now; any
// below 1 gets a line saying why. Run in CI, so it exits 0 whatever the ratios (only a
// disagreement about the file's bytes is an error). With no argument it makes a 2 GiB
// patterned temp file (removed afterwards).
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
/** Bytes at the head of the file read at random in the second phase: one window's worth. */
const HOT = WINDOW
/** Random phases alternate the two contenders this many times; the median counts. */
const ROUNDS = 3
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
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true })
  const report = progress('writing demo file', size)
  try {
    const fd = fs.openSync(file, 'w')
    try {
      for (let ofs = 0; ofs < size; ofs += FS_BLOCK) {
        for (let i = 0; i < FS_BLOCK; i++) block[i] = (ofs + i) % 251
        for (let page = 0; page < FS_BLOCK; page += 4096) block.writeDoubleLE(ofs + page, page)
        fs.writeSync(fd, block, 0, Math.min(FS_BLOCK, size - ofs), ofs)
        report(ofs + FS_BLOCK)
      }
      // Written data left dirty would be flushed to disk during the measurements.
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch (error) {
    // A full disk, say: the half-written file goes, and main() never gets to clean it up.
    cleanup()
    throw error
  }
  return { file, cleanup }
}

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** Deterministic offsets in `[0, limit)`, the same for both contenders. */
function randomOffsets(count, limit, seed) {
  const offsets = new Float64Array(count)
  let state = seed
  for (let i = 0; i < count; i++) {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    offsets[i] = Math.floor((state / 2 ** 32) * limit)
  }
  return offsets
}

function scanSmmap(buf, size) {
  const hash = crypto.createHash('sha1')
  const report = progress('smmap scan', size)
  const start = process.hrtime.bigint()
  let scanned = 0
  for (const chunk of buf.chunks(Infinity)) {
    hash.update(chunk)
    scanned += chunk.length
    report(scanned)
  }
  return { seconds: seconds(start), digest: hash.digest('hex') }
}

function scanReadSync(fd, size) {
  const hash = crypto.createHash('sha1')
  const block = Buffer.allocUnsafe(FS_BLOCK)
  const report = progress('fs.readSync scan', size)
  const start = process.hrtime.bigint()
  for (let ofs = 0; ofs < size; ofs += FS_BLOCK) {
    const n = fs.readSync(fd, block, 0, Math.min(FS_BLOCK, size - ofs), ofs)
    hash.update(block.subarray(0, n))
    report(ofs + n)
  }
  return { seconds: seconds(start), digest: hash.digest('hex') }
}

/** `readUInt32LE` at every offset through a SlidingWindowMapBuffer (offsets relative to the buffer). */
function randomSmmap(buf, offsets) {
  const start = process.hrtime.bigint()
  let sum = 0
  for (let i = 0; i < offsets.length; i++) sum = (sum + buf.readUInt32LE(offsets[i])) >>> 0
  return { seconds: seconds(start), sum }
}

function randomReadSync(fd, offsets) {
  const word = Buffer.allocUnsafe(4)
  const start = process.hrtime.bigint()
  let sum = 0
  for (let i = 0; i < offsets.length; i++) {
    fs.readSync(fd, word, 0, 4, offsets[i])
    sum = (sum + word.readUInt32LE(0)) >>> 0
  }
  return { seconds: seconds(start), sum }
}

/** Alternates the two contenders ROUNDS times; each one's median run, and whether every run's sum agreed. */
function alternate(mapped, read) {
  const runs = { mapped: [], read: [] }
  for (let round = 0; round < ROUNDS; round++) {
    runs.mapped.push(mapped())
    runs.read.push(read())
  }
  const median = (list) => [...list].sort((a, b) => a.seconds - b.seconds)[list.length >> 1]
  const sums = new Set([...runs.mapped, ...runs.read].map((r) => r.sum))
  return { mapped: median(runs.mapped), read: median(runs.read), agree: sums.size === 1 }
}

/** Why a ratio below 1 is what it is, for each row that can fall below 1 on this machine. */
const whyBelow1 = (size) => ({
  scan: 'both sides spend most of their time in SHA-1; of the rest, smmap pays page faults to map the file where fs.readSync pays a copy, and on this machine the two cost about the same (a file written in pieces of 1 MiB or less, as this demo writes its own, sits in small page-cache folios: a fault per 16 pages), so the ratio sits near 1 and moves with the noise',
  hot: 'reads inside a mapped window cost a memory access, so this should not happen: the machine was busy (other processes held the CPU during these runs); `npm run bench` (W1) measures this path in rounds',
  spread: `a ${BUDGET / MiB} MiB budget maps at most ${Math.min(100, (BUDGET / size) * 100).toFixed(0)}% of the file, so most reads land outside every window and are served by a positional read: the system call fs.readSync makes, which is most of either's cost (its page-cache lookup over a large file misses the CPU's caches), so the ratio sits near 1 and moves with the noise; mapping a window to read 4 bytes from it once would cost more still (\`npm run bench\` W2 measures a miss at 11-13 µs)`,
})

/** `text` in lines of at most 100 characters, each indented by two spaces. */
function wrap(text) {
  const lines = ['']
  for (const word of text.split(' ')) {
    if (lines[lines.length - 1].length + word.length > 97) lines.push('')
    lines[lines.length - 1] += `${lines[lines.length - 1] ? ' ' : ''}${word}`
  }
  return lines.map((line) => `  ${line}`).join('\n')
}

function main() {
  const given = process.argv[2]
  const { file, cleanup } = given ? { file: given, cleanup: () => {} } : makeDemoFile(DEMO_SIZE)
  const manager = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: BUDGET })
  const fd = fs.openSync(file, 'r')
  try {
    const size = fs.statSync(file).size
    if (size < 8) throw new Error(`${file} is too small for the demo (${size} bytes)`)
    const hotSize = Math.min(HOT, size)
    const whole = new SlidingWindowMapBuffer(manager.makeCursor(file))
    // A buffer over the file's first window's worth of bytes only: offsets are relative to it.
    const head = new SlidingWindowMapBuffer(manager.makeCursor(file), 0, hotSize)

    const scan = { mapped: scanSmmap(whole, size), read: scanReadSync(fd, size) }
    if (scan.mapped.digest !== scan.read.digest) throw new Error('smmap and fs.readSync disagree about the file contents (SHA-1)')
    const afterScan = manager.stats()
    process.stderr.write('random reads ...\n')
    const hotOffsets = randomOffsets(RANDOM_READS, hotSize - 3, 0x9e3779b9)
    const hot = alternate(
      () => randomSmmap(head, hotOffsets),
      () => randomReadSync(fd, hotOffsets),
    )
    head.endAccess()
    const spreadOffsets = randomOffsets(RANDOM_READS, size - 3, 0x85ebca6b)
    const spread = alternate(
      () => randomSmmap(whole, spreadOffsets),
      () => randomReadSync(fd, spreadOffsets),
    )
    whole.endAccess()
    if (!hot.agree || !spread.agree) throw new Error('smmap and fs.readSync disagree about the file contents (random reads)')

    const s = manager.stats()
    const gb = size / 1e9
    console.log(`file: ${file}${given ? '' : ' (generated, removed afterwards)'}, ${(size / MiB).toFixed(0)} MiB`)
    console.log(`smmap: ${WINDOW / MiB} MiB windows, ${BUDGET / MiB} MiB budget; every read agreed with fs.readSync (sha1 ${scan.mapped.digest.slice(0, 12)}…)`)
    console.log('')
    console.log(`${''.padEnd(44)}${'smmap buffer'.padStart(14)}${'fs.readSync'.padStart(16)}     ratio`)
    const rows = [
      ['scan', `sequential scan + SHA-1 of ${(size / MiB).toFixed(0)} MiB`, gb / scan.mapped.seconds, gb / scan.read.seconds, 'GB/s'],
      [
        'hot',
        `random readUInt32LE in the first ${(hotSize / MiB).toFixed(0)} MiB`,
        RANDOM_READS / hot.mapped.seconds / 1e6,
        RANDOM_READS / hot.read.seconds / 1e6,
        'M/s ',
      ],
      [
        'spread',
        `random readUInt32LE over all ${(size / MiB).toFixed(0)} MiB`,
        RANDOM_READS / spread.mapped.seconds / 1e6,
        RANDOM_READS / spread.read.seconds / 1e6,
        'M/s ',
      ],
    ]
    const why = whyBelow1(size)
    const below = []
    for (const [key, label, ours, theirs, unit] of rows) {
      const ratio = ours / theirs
      if (ratio < 1) below.push(wrap(`${label}: ${why[key]}.`))
      console.log(`${label.padEnd(44)}${ours.toFixed(2).padStart(9)} ${unit}${theirs.toFixed(2).padStart(11)} ${unit}   ${ratio.toFixed(2)}x`)
    }
    console.log(`(ratio: times faster than fs.readSync, wall time; the random rows are the median of ${ROUNDS} alternating runs of ${RANDOM_READS} reads)`)
    if (below.length) console.log(['', 'why a ratio is below 1:', ...below].join('\n'))
    console.log('')
    console.log(`scan:   ${afterScan.misses} windows mapped, ${afterScan.evictions} evicted to stay within the budget`)
    console.log(
      `total:  hits ${s.hits}, misses ${s.misses}, evictions ${s.evictions}; peak mapped ${(s.peakMappedBytes / MiB).toFixed(0)} MiB of a ${(size / MiB).toFixed(0)} MiB file (budget ${BUDGET / MiB} MiB)`,
    )
  } finally {
    fs.closeSync(fd)
    manager.close()
    cleanup()
  }
}

main()
