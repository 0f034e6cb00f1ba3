#!/usr/bin/env node
// `npm run bench`: smmap side by side with what a Node user would do instead (fs.readSync, a
// Buffer holding the file in memory) and with Python smmap, on one 1 GiB file in the page
// cache. Prints a table, a line of ratios and whether each target of issue 5 holds.
// Every workload runs REPEATS times (fresh manager each time) and its fastest run counts, in
// CPU time (user + system, as Python's side measures too) rather than wall time: on a shared
// machine wall time also counts the time other processes held the CPU, which is noise here.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require('..')
const { runPython } = require('./python')
const { testFile, SIZE, MiB } = require('./testfile')

const REPEATS = Number(process.env.SMMAP_BENCH_REPEATS) || 3
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

/** Runs `run` REPEATS times; returns the fastest result (each is `{ seconds, sum, ... }`). */
function fastest(run) {
  let best = null
  for (let i = 0; i < REPEATS; i++) {
    const result = run()
    if (best === null || result.seconds < best.seconds) best = result
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

function hitPaths(file, offsets) {
  const results = {}
  // The default manager: one 1 GiB window holds the whole file. Every page is touched first,
  // so the timed reads are hits on resident windows, as the in-memory Buffer's are.
  const manager = new SlidingWindowMapManager()
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
  const cursor = manager.makeCursor(file)
  for (let ofs = 0; ofs < SIZE; ofs += PAGE) buf.readUInt8(ofs)
  const memory = fs.readFileSync(file)
  const fd = fs.openSync(file, 'r')
  try {
    w1Mapped(buf, offsets.subarray(0, 100_000)) // JIT warm-up, here and below
    results.w1Mapped = fastest(() => w1Mapped(buf, offsets))
    w1ReadSync(fd, offsets.subarray(0, 10_000))
    results.w1ReadSync = fastest(() => w1ReadSync(fd, offsets))
    w1Memory(memory, offsets.subarray(0, 100_000))
    results.w1Memory = fastest(() => w1Memory(memory, offsets))
    w1bCursor(cursor, offsets.subarray(0, 100_000))
    results.w1bCursor = fastest(() => w1bCursor(cursor, offsets))
    w1bMemory(memory, offsets.subarray(0, 100_000))
    results.w1bMemory = fastest(() => w1bMemory(memory, offsets))
    const misses = manager.stats().misses
    if (misses !== 1) throw new Error(`W1 expected one window for the whole run, the manager mapped ${misses}`)
  } finally {
    fs.closeSync(fd)
    cursor.release()
    buf.endAccess()
    manager.close()
  }
  return results
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

function w3Chunks(file) {
  const manager = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: BUDGET })
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
  log('W1/W1b: hit path ...')
  const hits = hitPaths(file, w1Offsets)
  log('W2: miss path ...')
  const w2 = { mapped: fastest(() => w2Mapped(file, w2Offsets)), readSync: fastest(() => w2ReadSync(file, w2Offsets)) }
  log('W3: sequential pass ...')
  const w3 = {
    chunks: fastest(() => w3Chunks(file)),
    copy: fastest(() => w3Copy(file)),
    readSync: fastest(() => w3ReadSync(file)),
  }
  log('Python smmap ...')
  const py = runPython({
    file,
    size: SIZE,
    repeats: REPEATS,
    w1b: { offsets: w1Offsets, read: W1_READ },
    w2: { offsets: w2Offsets, read: W2_READ, windowSize: WINDOW, maxMemorySize: BUDGET, sampleEvery: W2_SAMPLE },
    w3: { chunk: W3_CHUNK, windowSize: WINDOW, maxMemorySize: BUDGET, sampleEvery: W3_SAMPLE },
  })
  require('./report').report({ file, hits, w2, w3, py, counts: { W1_READS, W2_READS, REPEATS, SIZE, WINDOW, BUDGET } })
}

if (require.main === module) main()
