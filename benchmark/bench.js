#!/usr/bin/env node
// `npm run bench`: every workload of the README's benchmark table, smmap side by side with what
// a Node user would do instead (fs.readSync, the file in a Buffer) and with Python smmap, in one
// run; prints medians with min-max and each target held or missed with its ratio (report.js).
// - Every timed run is a child process of its own, and contenders take turns in rounds
//   (harness.js). SMMAP_BENCH_ROUNDS sets the rounds (default 5; about 2 minutes here),
//   SMMAP_BENCH_COLD_ROUNDS those of the cold workloads (default twice as many),
//   SMMAP_BENCH_ONLY a comma-separated list of workload ids to run alone.
// - Files are written afresh into a temp directory for each run and removed at the end:
//   how a file entered the page cache decides its folio size, which decides what windows of
//   2 MiB or more can gain, so a file reused from an earlier run would be in an unknown state.
//   A: 1 GiB written in 1 MiB pieces (small folios) for W1-W3; later dropped and read in again
//   (large folios) for W3L, and dropped before every cold run (W5, cold random). B: 2 GiB
//   written as the demo writes its file, for W4.
// - Warm workloads warm their file right before every run; cold ones evict it and check with
//   fincore (cache.js). Each file's folio state is probed and printed before its workloads.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { ROUNDS, COLD_ROUNDS, randomOffsets, writeOffsets, nodeRun, rounds } = require('./harness')
const { warm, coldControl, folios, describeFolios } = require('./cache')
const { pythonRunner } = require('./python')
const { writePatterned, MiB } = require('./testfile')
const { report } = require('./report')

const GiB = 1024 * MiB
const PAGE = 4096
const SIZE_A = 1 * GiB
const SIZE_B = 2 * GiB
const WRITE_BLOCK = 1 * MiB // small folios, as a file written by an ordinary program sits (see testfile.js)
const COLD_READS = Number(process.env.SMMAP_BENCH_COLD_READS) || 1000
/**
 * How far the first untimed pass before a warm timed one goes (workloads.js `warmed`, which
 * then runs whole passes too). With 8 MiB, V8 was still compiling the pass loop on a helper
 * thread during the timed pass, which process CPU counted: 63 MiB windows took 43-49 ms of
 * process CPU after an 8 MiB warm-up and 31-34 ms after 256 MiB (fs.readSync 1 MiB: 53-55 and
 * 51-52 ms).
 */
const WARMUP_PASS = 256 * MiB
/**
 * Whole untimed passes after that one. V8 compiles a function once it has run enough, and the
 * functions a miss calls run once per window: with 2 MiB windows (512 a pass), V8 was still
 * compiling them on its helper threads during the timed pass after two whole passes, which
 * process CPU counted (a run took 30-35 ms of process CPU against 20-22 ms of main-thread
 * CPU); after six, nothing was compiled in the timed pass (`node --trace-opt`) and the two
 * clocks agreed (18-21 ms; fs.readSync 1 MiB 49-57 ms either way).
 */
const WARMUP_PASSES = 6
/** SMMAP_BENCH_ONLY=W2,W5 runs just those workloads (ids as printed), to look at one closely. */
const ONLY = process.env.SMMAP_BENCH_ONLY ? new Set(process.env.SMMAP_BENCH_ONLY.split(',').map((id) => id.trim())) : null

const log = (line) => process.stderr.write(`${line}\n`)

/**
 * The workloads, in the order they run. Each contender is a spec for a Node child (workloads.js,
 * `kind` picks the function) or `python: true` for Python smmap with the same spec. `metric`
 * is the clock the targets are judged by: CPU time of the whole process for warm workloads (on
 * a shared machine wall time also counts time other jobs held the CPU; process CPU includes
 * V8's helper threads, which smmap's windows can keep busy), wall time for cold ones (waiting
 * for the disk is the cost).
 */
function plan(files, offsets) {
  const A = files.A
  const B = files.B
  return [
    {
      id: 'W1',
      file: A,
      state: 'written',
      kind: 'reads',
      ops: offsets.w1.count,
      unit: 'op',
      metric: 'cpu',
      title: `${offsets.w1.count} random readUInt32LE, default manager (one 1 GiB window, resident)`,
      base: { offsets: offsets.w1.file, warmup: offsets.w1warm.file, read: 4 },
      contenders: {
        mapped: { label: 'SlidingWindowMapBuffer.readUInt32LE', touchAll: true },
        memory: { label: 'in-memory Buffer.readUInt32LE' },
        readSync: { label: 'fs.readSync 4 B + readUInt32LE' },
      },
    },
    {
      id: 'W1b',
      file: A,
      state: 'written',
      kind: 'views',
      ops: offsets.w1.count,
      unit: 'op',
      metric: 'cpu',
      title: `${offsets.w1.count} random 64-byte views, default manager (resident)`,
      base: { offsets: offsets.w1.file, warmup: offsets.w1warm.file, read: 64 },
      contenders: {
        cursor: { label: 'cursor.useRegion(o, 64).buffer()[0]' },
        memory: { label: 'in-memory Buffer.subarray(o, o + 64)[0]' },
        python: { label: 'Python smmap use_region(o, 64).buffer()[0]', python: true },
      },
    },
    {
      id: 'W2',
      file: A,
      state: 'written',
      kind: 'pages',
      ops: offsets.w2.count,
      unit: 'op',
      metric: 'cpu',
      title: `${offsets.w2.count} random 4 KiB reads, 1 MiB windows, 64 MiB budget, steady state (budget full)`,
      base: { offsets: offsets.w2.file, warmup: offsets.w2warm.file, read: PAGE, window: 1 * MiB, budget: 64 * MiB, sampleRss: true },
      contenders: {
        cursor: { label: 'cursor.useRegion(o, 4 KiB).buffer().copy()' },
        python: { label: 'Python smmap, same settings and offsets', python: true },
        readSync: { label: 'fs.readSync 4 KiB' },
      },
    },
    {
      id: 'W3',
      file: A,
      state: 'written',
      kind: 'pass',
      ops: SIZE_A,
      unit: 'byte',
      metric: 'cpu',
      title: 'sequential pass over 1 GiB, a byte per page, 1 MiB windows, 64 MiB budget',
      base: { size: SIZE_A, chunk: 64 * 1024, window: 1 * MiB, budget: 64 * MiB, warmupBytes: WARMUP_PASS, warmupPasses: WARMUP_PASSES, sampleRss: true },
      contenders: {
        chunks: { label: 'buffer.chunks(64 KiB)' },
        python: { label: 'Python smmap 64 KiB views', python: true },
        copy: { label: 'buffer.copy() into a reused 1 MiB Buffer', chunk: 1 * MiB },
        readSync: { label: 'fs.readSync 1 MiB', chunk: 1 * MiB },
      },
    },
    {
      id: 'W4',
      file: B,
      state: 'written',
      kind: 'reads',
      ops: offsets.w4.count,
      unit: 'op',
      metric: 'cpu',
      title: `the demo's random phase: ${offsets.w4.count} random readUInt32LE over 2 GiB, 64 MiB windows, 256 MiB budget`,
      base: { offsets: offsets.w4.file, warmup: offsets.w4warm.file, read: 4, window: 64 * MiB, budget: 256 * MiB },
      contenders: {
        mapped: { label: 'SlidingWindowMapBuffer.readUInt32LE' },
        readSync: { label: 'fs.readSync 4 B + readUInt32LE' },
      },
    },
    {
      id: 'W3L',
      file: A,
      state: 'read in',
      kind: 'pass',
      ops: SIZE_A,
      unit: 'byte',
      metric: 'cpu',
      clocks: ['thread', 'cpu', 'wall'],
      title: 'the W3 pass over the file read in (large folios), chunks(64 KiB)',
      base: { size: SIZE_A, chunk: 64 * 1024, warmupBytes: WARMUP_PASS, warmupPasses: WARMUP_PASSES },
      contenders: {
        chunks64: { label: 'chunks(), 64 MiB windows, 256 MiB budget', contender: 'chunks', window: 64 * MiB, budget: 256 * MiB },
        chunksDefault: { label: 'chunks(), default manager (1 GiB windows)', contender: 'chunks' },
        // Under 64 MiB: on Node 20-23 V8 starts a marking as each window of 64 MiB or more is
        // created (README, W3L), and as no smaller one is.
        chunks32m: { label: 'chunks(), 32 MiB windows, 128 MiB budget', contender: 'chunks', window: 32 * MiB, budget: 128 * MiB },
        // The smallest window the W3L target covers ("any window of at least 2 MiB").
        chunks2m: { label: 'chunks(), 2 MiB windows, 64 MiB budget', contender: 'chunks', window: 2 * MiB, budget: 64 * MiB },
        // For contrast: windows under 2 MiB cannot use 2 MiB page-table entries, folios or not.
        chunks1m: { label: 'chunks(), 1 MiB windows, 64 MiB budget (as W3)', contender: 'chunks', window: 1 * MiB, budget: 64 * MiB },
        python: { label: 'Python smmap 64 KiB views, 1 MiB windows, 64 MiB budget (as W3)', python: true, window: 1 * MiB, budget: 64 * MiB },
        readSync: { label: 'fs.readSync 1 MiB', chunk: 1 * MiB },
      },
    },
    {
      id: 'W5',
      file: A,
      state: 'cold',
      kind: 'pass',
      ops: SIZE_A,
      unit: 'byte',
      metric: 'wall',
      clocks: ['wall', 'cpu'],
      title: 'cold sequential pass over 1 GiB (dropped from the page cache before every run), a byte per page',
      base: { size: SIZE_A, chunk: 64 * 1024 },
      contenders: {
        chunks1m: { label: 'chunks(64 KiB), 1 MiB windows, 64 MiB budget', contender: 'chunks', window: 1 * MiB, budget: 64 * MiB },
        chunksDefault: { label: 'chunks(64 KiB), default manager', contender: 'chunks' },
        chunksSequential: {
          label: "chunks(64 KiB), 1 MiB windows, advice 'sequential'",
          contender: 'chunks',
          window: 1 * MiB,
          budget: 64 * MiB,
          advice: 'sequential',
        },
        readSync: { label: 'fs.readSync 1 MiB', chunk: 1 * MiB },
      },
    },
    {
      // The event loop during an asynchronous scan of a cold file: each contender's worst
      // stall (a 1 ms timer's lateness, from perf_hooks.monitorEventLoopDelay) and throughput.
      id: 'W6',
      file: A,
      state: 'cold',
      kind: 'async',
      ops: SIZE_A,
      unit: 'byte',
      metric: 'wall',
      clocks: ['wall', 'cpu'],
      title: 'cold asynchronous scan of 1 GiB (dropped before every run), the event loop watched every millisecond',
      base: { size: SIZE_A, chunk: 64 * 1024 },
      contenders: {
        forAwait: { label: 'for await (chunk of buf), default manager', contender: 'forAwait' },
        bufferStream: { label: 'buf.createReadStream(), default manager', contender: 'bufferStream' },
        readStream: { label: 'fs.createReadStream, highWaterMark 1 MiB', contender: 'readStream', chunk: 1 * MiB },
        idleWhileRead: { label: 'control: an idle event loop while dd reads the file', contender: 'idleWhileRead' },
      },
    },
    {
      // The same scan over the file read in: what the asynchronous path costs when the disk
      // does not set the pace (the control reads nothing here and is left out).
      id: 'W6w',
      file: A,
      state: 'read in',
      kind: 'async',
      ops: SIZE_A,
      unit: 'byte',
      metric: 'wall',
      clocks: ['wall', 'cpu'],
      title: 'warm asynchronous scan of 1 GiB (read in before every run), the event loop watched every millisecond',
      base: { size: SIZE_A, chunk: 64 * 1024 },
      contenders: {
        forAwait: { label: 'for await (chunk of buf), default manager', contender: 'forAwait' },
        bufferStream: { label: 'buf.createReadStream(), default manager', contender: 'bufferStream' },
        readStream: { label: 'fs.createReadStream, highWaterMark 1 MiB', contender: 'readStream', chunk: 1 * MiB },
      },
    },
    {
      id: 'cold4k',
      file: A,
      state: 'cold',
      kind: 'pages',
      ops: offsets.cold.count,
      unit: 'op',
      metric: 'wall',
      clocks: ['wall', 'cpu'],
      title: `cold random: ${offsets.cold.count} random 4 KiB reads over 1 GiB (dropped before every run)`,
      base: { offsets: offsets.cold.file, read: PAGE },
      contenders: {
        buffer: { label: 'SlidingWindowMapBuffer.copy() 4 KiB, default manager' },
        cursorRandom: { label: "cursor 4 KiB, default windows, advice 'random'", advice: 'random', contender: 'cursor' },
        cursorDefault: { label: 'cursor 4 KiB, default manager and advice', contender: 'cursor' },
        readSync: { label: 'fs.readSync 4 KiB' },
      },
    },
  ]
}

/** Writes a list of offsets for the children; `{ file, count }`. */
function offsetList(dir, name, list) {
  return { file: writeOffsets(path.join(dir, `${name}.u64`), list), count: list.length }
}

function makeOffsets(dir) {
  return {
    w1: offsetList(dir, 'w1', randomOffsets(1_000_000, SIZE_A - 64, 1, 0x9e3779b9)),
    w1warm: offsetList(dir, 'w1warm', randomOffsets(100_000, SIZE_A - 64, 1, 0x7f4a7c15)),
    w2: offsetList(dir, 'w2', randomOffsets(20_000, SIZE_A - PAGE, PAGE, 0x85ebca6b)),
    w2warm: offsetList(dir, 'w2warm', randomOffsets(10_000, SIZE_A - PAGE, PAGE, 0xc2b2ae35)),
    w4: offsetList(dir, 'w4', randomOffsets(1_000_000, SIZE_B - 4, 1, 0x27d4eb2f)),
    w4warm: offsetList(dir, 'w4warm', randomOffsets(100_000, SIZE_B - 4, 1, 0x165667b1)),
    cold: offsetList(dir, 'cold', randomOffsets(COLD_READS, SIZE_A - PAGE, PAGE, 0xd3a2646c)),
  }
}

/** Runs one workload's rounds; the file is put in the state the workload needs before every run. */
function runWorkload(w, py, cold) {
  const contenders = {}
  for (const [name, c] of Object.entries(w.contenders)) {
    const spec = { ...w.base, ...c, workload: w.id, kind: c.kind ?? w.kind, contender: c.contender ?? name, file: w.file }
    delete spec.label
    if (c.python) contenders[name] = py.run ? () => py.run(spec) : null
    else contenders[name] = () => nodeRun(spec)
  }
  const evicted = []
  const before = w.state === 'cold' ? () => evicted.push(cold.evict(w.file)) : () => warm(w.file)
  const runs = rounds(contenders, before, w.state === 'cold' ? COLD_ROUNDS : ROUNDS)
  return { runs, evicted }
}

function main() {
  const started = Date.now()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-bench-'))
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true })
  process.on('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))
  const files = { A: path.join(dir, 'a-1GiB.bin'), B: path.join(dir, 'b-2GiB.bin') }
  const py = pythonRunner()
  const cold = coldControl()
  const offsets = makeOffsets(dir)
  log(`rounds: ${ROUNDS} (cold: ${COLD_ROUNDS}); temp dir ${dir} (removed at exit)`)

  const results = []
  const fileStates = []
  const written = new Set()
  for (const w of plan(files, offsets).filter((w) => !ONLY || ONLY.has(w.id))) {
    if (w.state === 'cold' && cold.skipped) {
      results.push({ workload: w, skipped: cold.skipped })
      continue
    }
    if (!written.has(w.file)) {
      // Each file is written right before its first workload, so reclaim has had no time to
      // drop (and a warm-up to read back as large folios) what the workloads expect written.
      const size = w.file === files.A ? SIZE_A : SIZE_B
      const start = Date.now()
      writePatterned(w.file, size, WRITE_BLOCK)
      written.add(w.file)
      log(`wrote ${path.basename(w.file)} (${size / MiB} MiB in 1 MiB writes, fsynced) in ${((Date.now() - start) / 1000).toFixed(1)} s`)
    }
    if (w.state === 'read in' && !cold.skipped) {
      // Dropped and read back: the kernel then reads it in 2 MiB folios.
      cold.evict(w.file)
    }
    if (w.state !== 'cold') {
      warm(w.file)
      const state = folios(w.file)
      fileStates.push({ id: w.id, file: w.file, expected: w.state, state, text: describeFolios(state) })
      log(`${w.id}: ${path.basename(w.file)} ${w.state}: ${describeFolios(state)}`)
    }
    log(`${w.id}: ${w.title} ...`)
    const { runs, evicted } = runWorkload(w, py, cold)
    results.push({ workload: w, runs, evicted })
  }
  report({ results, fileStates, py, cold, rounds: ROUNDS, coldRounds: COLD_ROUNDS, seconds: (Date.now() - started) / 1000 })
}

if (require.main === module) main()
