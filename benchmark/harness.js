// The bench's harness: clocks, offsets, child processes, rounds and medians.
// Every timed run happens in a child process of its own (a Node child for smmap, fs and the
// in-memory Buffer, a Python child for Python smmap), so no run inherits another's heap, freed
// memory or JIT state: W2 timed right after a 1 GiB Buffer was freed in the same process ran
// 30% slower. Contenders take turns round by round, in a shuffled order, so the machine's ups
// and downs (other jobs on the same 2 cores) fall on every contender alike.
'use strict'
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROUNDS = Math.max(1, Number(process.env.SMMAP_BENCH_ROUNDS) || 5)
/**
 * Rounds of the cold workloads: twice as many by default, because a read from this VM's disk
 * now and then runs at a third of its usual speed for a whole run, and a cold run costs
 * under a second.
 */
const COLD_ROUNDS = Math.max(1, Number(process.env.SMMAP_BENCH_COLD_ROUNDS) || 2 * ROUNDS)
const CHILD = path.join(__dirname, 'workloads.js')

/**
 * Nanoseconds this thread has run on a CPU (the first field of its schedstat), or null where
 * /proc does not say. process.cpuUsage() counts every thread of the process (V8's GC helpers
 * and compiler threads too); this is how the main thread alone is told apart.
 */
function threadNs() {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0])
  } catch {
    return null
  }
}

/** Starts a measurement of wall time, process CPU time and main-thread CPU time. */
function clock() {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage(), thread: threadNs() }
}

/** Seconds since `start` by each clock (thread: null when unknown). */
function elapsed(start) {
  const thread = threadNs()
  const cpu = process.cpuUsage(start.cpu)
  return {
    wall: Number(process.hrtime.bigint() - start.wall) / 1e9,
    cpu: (cpu.user + cpu.system) / 1e6,
    thread: thread === null || start.thread === null ? null : (thread - start.thread) / 1e9,
  }
}

/** Deterministic offsets in `[0, limit)`, multiples of `align`; the same for every contender. */
function randomOffsets(count, limit, align, seed) {
  const offsets = new Float64Array(count)
  let state = seed >>> 0 || 1
  const slots = Math.floor(limit / align)
  for (let i = 0; i < count; i++) {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    offsets[i] = Math.floor((state / 2 ** 32) * slots) * align
  }
  return offsets
}

/** Writes offsets as little-endian u64, the one format both the Node and the Python children read. */
function writeOffsets(file, offsets) {
  const out = Buffer.allocUnsafe(offsets.length * 8)
  for (let i = 0; i < offsets.length; i++) out.writeBigUInt64LE(BigInt(offsets[i]), i * 8)
  fs.writeFileSync(file, out)
  return file
}

function readOffsets(file) {
  const raw = fs.readFileSync(file)
  const offsets = new Float64Array(raw.length / 8)
  for (let i = 0; i < offsets.length; i++) offsets[i] = Number(raw.readBigUInt64LE(i * 8))
  return offsets
}

/** Resident pages and the resident pages backed by files or shared memory (/proc/self/statm), or null. */
function statm() {
  try {
    const fields = fs.readFileSync('/proc/self/statm', 'utf8').split(' ')
    return { rss: Number(fields[1]), file: Number(fields[2]) }
  } catch {
    return null
  }
}

/** Bytes per page of statm: RSS in bytes over RSS in pages, rounded to a power of two. */
const STATM_PAGE = (() => {
  const pages = statm()
  return pages ? 2 ** Math.round(Math.log2(process.memoryUsage.rss() / pages.rss)) : 0
})()

/** RSS and file-backed RSS now, in bytes (file: null where /proc is missing). */
function rssNow() {
  const pages = statm()
  return pages ? { rss: pages.rss * STATM_PAGE, file: pages.file * STATM_PAGE } : { rss: process.memoryUsage.rss(), file: null }
}

/**
 * Tracks the highest RSS above the level when it was made (maxRSS would be the whole
 * process's), and how much of that peak was file-backed (mapped file pages) rather than heap.
 * A class, not an object of closures: each pass makes a new one, and a new closure per pass
 * would be a new call target, on which V8 drops the timed loop's compiled code at the end of
 * every pass and compiles it again on its helper threads during the next (process CPU).
 */
class RssPeak {
  constructor() {
    this.base = rssNow()
    this.peak = this.base
  }

  sample() {
    const now = rssNow()
    if (now.rss > this.peak.rss) this.peak = now
  }

  above() {
    return this.peak.rss - this.base.rss
  }

  fileAbove() {
    return this.base.file === null ? null : this.peak.file - this.base.file
  }

  /** What a run reports: the peaks when `spec.sampleRss` asked for samples, else nothing. */
  result(spec) {
    return spec.sampleRss ? { peakRss: this.above(), peakRssFile: this.fileAbove() } : {}
  }
}

function rssPeak() {
  return new RssPeak()
}

/** Runs `command args` and parses the one JSON object it prints; throws with its stderr otherwise. */
function runJson(command, args, label) {
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 })
  if (run.error || run.status !== 0) {
    const lines = run.stderr.trim().split('\n')
    const why = run.error?.message ?? (lines.find((l) => /Error/.test(l)) || lines.pop() || `exit ${run.status} ${run.signal ?? ''}`)
    throw new Error(`${label} failed: ${why}`)
  }
  return JSON.parse(run.stdout)
}

/** One run of a Node contender (`workload.contender`) in a child process of its own. */
function nodeRun(spec) {
  return runJson(process.execPath, [CHILD, JSON.stringify(spec)], `node ${spec.workload}.${spec.contender}`)
}

/**
 * Runs each contender once per round, in an order shuffled afresh each round (seeded, so a
 * rerun makes the same orders); `before(name)` runs before every run (warming or evicting a
 * file). Returns, per contender, the list of its runs' results in round order.
 * Shuffled rather than rotated: on this VM a cold run right after a cold pass through 1 MiB
 * windows was often 3x slower (all of it in the kernel's copy or fault of freshly read pages),
 * and a rotation keeps the same predecessor for most runs of a contender; shuffling gives
 * every contender every predecessor alike.
 */
function rounds(contenders, before = () => {}, count = ROUNDS) {
  const names = Object.keys(contenders).filter((name) => contenders[name])
  const runs = Object.fromEntries(names.map((name) => [name, []]))
  let state = 0x2545f491
  const random = () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 2 ** 32
  }
  for (let round = 0; round < count; round++) {
    const order = [...names]
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[order[i], order[j]] = [order[j], order[i]]
    }
    for (const name of order) {
      before(name, round)
      runs[name].push(contenders[name]())
    }
  }
  return runs
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median, min and max of `metric` over a contender's runs. */
function summary(runs, metric) {
  const values = runs.map((r) => r[metric])
  if (values.some((v) => v === null || v === undefined)) return null
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
}

/**
 * "Times faster than" by `metric` (seconds): their median over ours, and the range of the
 * ratios of the runs made in the same round, which shows how much one round's noise moves it.
 */
function speedup(ours, theirs, metric) {
  const a = summary(ours, metric)
  const b = summary(theirs, metric)
  if (!a || !b) return null
  const paired = ours.map((r, i) => theirs[i][metric] / r[metric])
  return { ratio: b.median / a.median, min: Math.min(...paired), max: Math.max(...paired) }
}

module.exports = { ROUNDS, COLD_ROUNDS, clock, elapsed, randomOffsets, writeOffsets, readOffsets, rssPeak, runJson, nodeRun, rounds, summary, speedup, median }
