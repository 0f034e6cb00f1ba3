#!/usr/bin/env node
// `npm run bench`: smmap side by side with what a Node user would do instead (fs.readSync, a
// Buffer holding the file in memory) and with Python smmap, on one 1 GiB file in the page
// cache. Prints a table, a line of ratios and whether each target of issue 5 holds.
// Each workload's contenders take turns, REPEATS rounds (a fresh manager each run), and each
// one's fastest run counts, in CPU time (user + system, as Python's side measures too) rather
// than wall time: on a shared machine wall time also counts the time other processes held the
// CPU, and taking turns spreads the machine's ups and downs over every contender alike.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require('..')
const { pythonRunner } = require('./python')
const { testFile, SIZE, MiB } = require('./testfile')

const REPEATS = Number(process.env.SMMAP_BENCH_REPEATS) || 5
const PAGE = 4096
const W1_READS = 1_000_000
const W1_READ = 64
const W2_READS = 20_000
const W2_READ = 4096
const WINDOW = 1 * MiB
const BUDGET = 64 * MiB
const W3_CHUNK = 64 * 1024
const W3_COPY = 1 * MiB
// Peak RSS is sampled with process.memoryUsage.rss() rather than read from
// process.resourceUsage().maxRSS: maxRSS is the high-water mark of the whole process, so once
// W1 has held the 1 GiB in-memory Buffer every later workload would report that. Sampling
// (every W2_SAMPLE reads, every W3_SAMPLE chunks: about 1% of the time, paid by every
// contender alike, Python included) gives each workload's own peak above where it started,
// in this one process. Mappings count once their pages are touched, so the samples see them.
const W2_SAMPLE = 64
const W3_SAMPLE = 16

const log = (line) => process.stderr.write(`${line}\n`)

/** Deterministic offsets in `[0, limit)`, multiples of `align`; the same for every contender. */
function randomOffsets(count, limit, align, seed) {
  const offsets = new Float64Array(count)
  let state = seed >>> 0 || 1
  const slots = Math.floor(limit / align)
  for (let i = 0; i < count; i++) {
    state ^= state << 13; state >>>= 0
    state ^= state >>> 17
    state ^= state << 5; state >>>= 0
    offsets[i] = Math.floor((state / 2 ** 32) * slots) * align
  }
  return offsets
}

/** Starts a CPU-time measurement; `seconds(start)` reads it. */
const now = () => process.cpuUsage()

function seconds(start) {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1e6
}

/** Runs every contender (`name: () => result`, falsy to leave out) once per round; returns each one's fastest result. */
function race(contenders) {
  const best = {}
  for (let round = 0; round < REPEATS; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      if (!run) continue
      const result = run()
      if (best[name] === undefined || result.seconds < best[name].seconds) best[name] = result
    }
  }
  return best
}

/** Tracks the highest RSS above the level when it was made. */
function rssPeak() {
  const base = process.memoryUsage.rss()
  let peak = base
  return { sample: () => { peak = Math.max(peak, process.memoryUsage.rss()) }, above: () => peak - base }
}

/** Checks the budget invariant: with at most one region held by a cursor, never more than budget + one window. */
function mappedPeak(manager) {
  const peak = manager.stats().peakMappedBytes
  if (peak > BUDGET + WINDOW) throw new Error(`peak mapped bytes ${peak} exceed the budget ${BUDGET} plus one window ${WINDOW}`)
  return peak
}

/**
 * How much of this process's mappings of `file` the kernel maps with 2 MiB page-table
 * entries (FilePmdMapped in /proc/self/smaps; Linux only, else null). Random reads over a
 * window mapped that way miss the TLB far less often than over 4 KiB pages.
 */
function hugeMapped(file) {
  let text
  try {
    text = fs.readFileSync('/proc/self/smaps', 'utf8')
  } catch {
    return null
  }
  let mine = false
  let bytes = 0
  for (const line of text.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) mine = line.endsWith(` ${file}`)
    else if (mine && line.startsWith('FilePmdMapped:')) bytes += Number(line.split(/\s+/)[1]) * 1024
  }
  return bytes
}

// W1 and W1b: the hit path, against the in-memory limit.

function w1Mapped(buf, offsets) {
  let sum = 0
  const start = now()
  for (let i = 0; i < offsets.length; i++) sum = (sum + buf.readUInt32LE(offsets[i])) >>> 0
  return { seconds: seconds(start), sum }
}

function w1ReadSync(fd, offsets) {
  const scratch = Buffer.alloc(W1_READ)
  let sum = 0
  const start = now()
  for (let i = 0; i < offsets.length; i++) {
    fs.readSync(fd, scratch, 0, W1_READ, offsets[i])
    sum = (sum + scratch.readUInt32LE(0)) >>> 0
  }
  return { seconds: seconds(start), sum }
}

function w1Memory(memory, offsets) {
  let sum = 0
  const start = now()
  for (let i = 0; i < offsets.length; i++) sum = (sum + memory.readUInt32LE(offsets[i])) >>> 0
  return { seconds: seconds(start), sum }
}

function w1bCursor(cursor, offsets) {
  let sum = 0
  const start = now()
  for (let i = 0; i < offsets.length; i++) sum += cursor.useRegion(offsets[i], W1_READ).buffer()[0]
  return { seconds: seconds(start), sum }
}

function w1bMemory(memory, offsets) {
  let sum = 0
  const start = now()
  for (let i = 0; i < offsets.length; i++) sum += memory.subarray(offsets[i], offsets[i] + W1_READ)[0]
  return { seconds: seconds(start), sum }
}

function hitPaths(file, offsets, python) {
  // The default manager: one 1 GiB window holds the whole file. Every page is touched first,
  // so the timed reads are hits on resident windows, as the in-memory Buffer's are.
  const manager = new SlidingWindowMapManager()
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
  const cursor = manager.makeCursor(file)
  for (let ofs = 0; ofs < SIZE; ofs += PAGE) buf.readUInt8(ofs)
  const huge = hugeMapped(file)
  const memory = fs.readFileSync(file)
  const fd = fs.openSync(file, 'r')
  try {
    const warmUp = offsets.subarray(0, 100_000) // for the JIT
    w1Mapped(buf, warmUp)
    w1ReadSync(fd, warmUp.subarray(0, 10_000))
    w1Memory(memory, warmUp)
    w1bCursor(cursor, warmUp)
    w1bMemory(memory, warmUp)
    const w1 = race({
      mapped: () => w1Mapped(buf, offsets),
      readSync: () => w1ReadSync(fd, offsets),
      memory: () => w1Memory(memory, offsets),
    })
    const w1b = race({
      cursor: () => w1bCursor(cursor, offsets),
      memory: () => w1bMemory(memory, offsets),
      python: python && (() => python.run('w1b', { read: W1_READ })),
    })
    const misses = manager.stats().misses
    if (misses !== 1) throw new Error(`W1 expected one window for the whole run, the manager mapped ${misses}`)
    return { w1, w1b, huge }
  } finally {
    fs.closeSync(fd)
    cursor.release()
    buf.endAccess()
    manager.close()
  }
}

// W2: the miss path.

function w2Mapped(file, offsets, options = {}) {
  const manager = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: BUDGET, ...options })
  const cursor = manager.makeCursor(file)
  const scratch = Buffer.alloc(W2_READ)
  const rss = rssPeak()
  let sum = 0
  try {
    const start = now()
    for (let i = 0; i < offsets.length; i++) {
      cursor.useRegion(offsets[i], W2_READ).buffer().copy(scratch)
      sum += scratch[0] + scratch[W2_READ - 1]
      if (i % W2_SAMPLE === 0) rss.sample()
    }
    const elapsed = seconds(start)
    cursor.release()
    return { seconds: elapsed, sum, peakRss: rss.above(), peakMapped: mappedPeak(manager), stats: manager.stats() }
  } finally {
    cursor.release()
    manager.close()
  }
}

function w2ReadSync(file, offsets) {
  const fd = fs.openSync(file, 'r')
  const scratch = Buffer.alloc(W2_READ)
  const rss = rssPeak()
  let sum = 0
  try {
    const start = now()
    for (let i = 0; i < offsets.length; i++) {
      fs.readSync(fd, scratch, 0, W2_READ, offsets[i])
      sum += scratch[0] + scratch[W2_READ - 1]
      if (i % W2_SAMPLE === 0) rss.sample()
    }
    return { seconds: seconds(start), sum, peakRss: rss.above() }
  } finally {
    fs.closeSync(fd)
  }
}

// W3: a sequential pass over the whole file, touching every page.

function w3Chunks(file, options = {}) {
  const manager = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: BUDGET, ...options })
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
  const rss = rssPeak()
  let sum = 0
  let chunks = 0
  try {
    const start = now()
    for (const chunk of buf.chunks(W3_CHUNK)) {
      for (let i = 0; i < chunk.length; i += PAGE) sum += chunk[i]
      if (++chunks % W3_SAMPLE === 0) rss.sample()
    }
    const elapsed = seconds(start)
    buf.endAccess()
    return { seconds: elapsed, sum, peakRss: rss.above(), peakMapped: mappedPeak(manager), stats: manager.stats() }
  } finally {
    buf.endAccess()
    manager.close()
  }
}

/** A checksum of what a 1 MiB copy brought in: the first byte of every page. */
function pageSum(block, length) {
  let sum = 0
  for (let i = 0; i < length; i += PAGE) sum += block[i]
  return sum
}

function w3Copy(file) {
  const manager = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: BUDGET })
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
  const target = Buffer.allocUnsafe(W3_COPY)
  const rss = rssPeak()
  let sum = 0
  try {
    const start = now()
    for (let pos = 0; pos < SIZE; pos += W3_COPY) {
      sum += pageSum(target, buf.copy(target, 0, pos, pos + W3_COPY))
      rss.sample()
    }
    const elapsed = seconds(start)
    buf.endAccess()
    return { seconds: elapsed, sum, peakRss: rss.above(), peakMapped: mappedPeak(manager), stats: manager.stats() }
  } finally {
    buf.endAccess()
    manager.close()
  }
}

function w3ReadSync(file) {
  const fd = fs.openSync(file, 'r')
  const target = Buffer.allocUnsafe(W3_COPY)
  const rss = rssPeak()
  let sum = 0
  try {
    const start = now()
    for (let pos = 0; pos < SIZE; pos += W3_COPY) {
      sum += pageSum(target, fs.readSync(fd, target, 0, W3_COPY, pos))
      rss.sample()
    }
    return { seconds: seconds(start), sum, peakRss: rss.above() }
  } finally {
    fs.closeSync(fd)
  }
}

module.exports = { w1Mapped, w1bCursor, w2Mapped, w3Chunks, w3Copy, randomOffsets }

function main() {
  const file = testFile(log)
  const w1Offsets = randomOffsets(W1_READS, SIZE - W1_READ, 1, 0x9e3779b9)
  const w2Offsets = randomOffsets(W2_READS, SIZE - W2_READ, PAGE, 0x85ebca6b)
  const py = pythonRunner({ file, size: SIZE, offsets: { w1b: w1Offsets, w2: w2Offsets } })
  const python = py.skipped ? null : py
  try {
    log('W1/W1b: hit path ...')
    const hits = hitPaths(file, w1Offsets, python)
    log('W2: miss path ...')
    const w2Settings = { read: W2_READ, windowSize: WINDOW, maxMemorySize: BUDGET, sampleEvery: W2_SAMPLE }
    const w2 = race({
      mapped: () => w2Mapped(file, w2Offsets),
      python: python && (() => python.run('w2', w2Settings)),
      readSync: () => w2ReadSync(file, w2Offsets),
    })
    log('W3: sequential pass ...')
    const w3Settings = { chunk: W3_CHUNK, windowSize: WINDOW, maxMemorySize: BUDGET, sampleEvery: W3_SAMPLE }
    const w3 = race({
      chunks: () => w3Chunks(file),
      python: python && (() => python.run('w3', w3Settings)),
      copy: () => w3Copy(file),
      readSync: () => w3ReadSync(file),
    })
    require('./report').report({ file, hits, w2, w3, py: python ? python.info : py, counts: { W1_READS, W2_READS, REPEATS, SIZE, WINDOW, BUDGET } })
  } finally {
    python?.close()
  }
}

if (require.main === module) main()
