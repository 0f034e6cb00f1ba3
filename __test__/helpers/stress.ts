// The stress engine shared by stress.spec.ts (200,000 operations in `npm test`) and
// scripts/soak.js (millions): seeded random operations over many cursors and
// SlidingWindowMapBuffers on several managers of both kinds, every result compared with the
// file's bytes and every invariant of ./stress-check.ts checked after every step.
import fs = require('node:fs')
import os = require('node:os')
import smmap = require('smmap')
import files = require('./files')
import * as check from './stress-check'
import { bufferOps } from './stress-buf-ops'
import { cursorOps, type Ctx, type ManagerState, type Op, type StressFile } from './stress-ops'

const OPS: Op[] = [...cursorOps, ...bufferOps]
const TOTAL_WEIGHT = OPS.reduce((sum, op) => sum + op.weight, 0)

function pickOp(rand: () => number): Op {
  let r = rand() * TOTAL_WEIGHT
  for (const op of OPS) {
    r -= op.weight
    if (r < 0) return op
  }
  return OPS[OPS.length - 1]
}

export interface StressOptions {
  seed: number
  ops: number
}

export interface StressResult {
  seed: number
  ops: number
  managers: number
  cursorsMade: number
  buffersMade: number
  hits: number
  misses: number
  evictions: number
  limitErrors: number
  bytesVerified: number
  staleViewsChecked: number
  /** Views kept of windows over one 16 MiB pane: through a pane, and through the whole window. */
  paneViews: number
  wholeViewsOverPane: number
  /** Asynchronous consumers (zlib, fs.write) that finished and were checked. */
  asyncChecked: number
  /** Files replaced at their path (an identical copy renamed over them) during the run. */
  filesReplaced: number
  /** Files appended to in place during the run. */
  filesGrown: number
  viewWrites: number
  writesChecked: number
  /** Buffers that found their replaced file out of reach (see allowLimit). */
  staleErrors: number
  ms: number
}

/**
 * Sizes of the stress files: empty-ish, unaligned tails, one window, larger than the biggest
 * budget but one, and one whose windows span several 16 MiB panes (VIEW_PANE), so views of a
 * pane, of a whole window and of the two together are handed out and let go of.
 */
const FILE_SIZES = [1, 4095, 3 * 4096 + 1, 65536 + 100, 262_139, (1 << 20) + 7, (3 << 20) + 1234, (40 << 20) + 4321, 9_000_005]

/** One manager per line: the extremes of the ranges first, then random ones. */
function managerConfigs(rand: () => number): Array<{ sliding: boolean; options: smmap.ManagerOptions }> {
  const r = (lo: number, hi: number) => files.randInt(rand, lo, hi)
  return [
    { sliding: true, options: { windowSize: 4096, maxMemorySize: 64 << 10, maxOpenHandles: 2 } },
    { sliding: true, options: { windowSize: 1 << 20, maxMemorySize: 8 << 20, maxOpenHandles: 64 } },
    { sliding: true, options: { windowSize: r(4096, 1 << 20), maxMemorySize: r(64 << 10, 8 << 20), maxOpenHandles: r(2, 64) } },
    { sliding: true, options: { windowSize: r(4096, 1 << 20), maxMemorySize: r(64 << 10, 8 << 20), maxOpenHandles: r(2, 64) } },
    { sliding: false, options: { maxMemorySize: 64 << 10, maxOpenHandles: 2 } },
    { sliding: false, options: { windowSize: r(4096, 1 << 20), maxMemorySize: r(64 << 10, 8 << 20), maxOpenHandles: r(2, 64) } },
    // Windows over a pane: made of several panes, some viewed alone and some whole.
    { sliding: true, options: { windowSize: r(17 << 20, 40 << 20), maxMemorySize: r(20 << 20, 96 << 20), maxOpenHandles: r(2, 16) } },
  ]
}

/** Runs `ops` seeded operations; throws, naming the seed, step and operation, at the first broken invariant. */
export async function runStress(options: StressOptions): Promise<StressResult> {
  const { seed, ops } = options
  const started = Date.now()
  const rand = files.mulberry32(seed)
  const fdBaseline = files.openFdCount()
  const temps = FILE_SIZES.map((size, i) => files.patternedFile(size, `smmap-stress-${i}`))
  // The last file is keyed by a file descriptor, so both kinds of key are stressed.
  const fd = files.openFd(temps[temps.length - 1].path)
  const stressFiles: StressFile[] = temps.map((temp, i) => ({ key: i === temps.length - 1 ? fd.fd : temp.path, data: temp.data, size: temp.data.length }))
  const managers: ManagerState[] = managerConfigs(rand).map(({ sliding, options }) => {
    const manager = sliding ? new smmap.SlidingWindowMapManager(options) : new smmap.StaticWindowMapManager(options)
    const state: ManagerState = {
      manager,
      name: `${sliding ? 'sliding' : 'static'}(${JSON.stringify(options)})`,
      cursors: [],
      buffers: [],
      cursorCap: files.randInt(rand, 4, 24),
      bufferCap: files.randInt(rand, 1, 4),
      watched: {
        manager,
        files: stressFiles,
        maxOpenHandles: options.maxOpenHandles!,
        maxMemorySize: options.maxMemorySize!,
        // A window smaller than the granularity (4096 on Windows' 64 KiB) still maps whole
        // granules, two when it straddles a boundary; on Linux every window here is >= G.
        window: sliding
          ? Math.max(options.windowSize!, options.windowSize! < smmap.ALLOCATIONGRANULARITY ? 2 * smmap.ALLOCATIONGRANULARITY : 0)
          : Math.max(...FILE_SIZES),
        overBudget: null,
        *cursors() {
          for (const c of state.cursors) yield c.cursor
          for (const b of state.buffers) yield b.cursor
        },
      },
      snapshot: null,
    }
    check.watchBudget(state.watched)
    return state
  })
  const ctx: Ctx = {
    rand,
    files: stressFiles,
    stale: [],
    pending: new Set(),
    busy: new Map(),
    asyncFailures: [],
    asyncChecked: 0,
    filesReplaced: 0,
    filesGrown: 0,
    writes: new WeakMap(),
    viewWrites: 0,
    writesChecked: 0,
    replaced: new Set(),
    staleErrors: 0,
    nullFd: fs.openSync(os.devNull, 'w'),
    limitErrors: 0,
    bytesVerified: 0,
    staleViewsChecked: 0,
    paneViews: 0,
    wholeViewsOverPane: 0,
    cursorsMade: 0,
    buffersMade: 0,
  }
  let step = 0
  let what = ''
  try {
    for (const m of managers) m.snapshot = check.checkManager(m.watched, null)
    for (; step < ops; step++) {
      const m = managers[Math.floor(rand() * managers.length)]
      const op = pickOp(rand)
      what = `${op.name} on ${m.name}`
      op.run(ctx, m)
      m.snapshot = check.checkManager(m.watched, m.snapshot)
      checkStaleView(ctx)
      // Let the asynchronous consumers' callbacks run now and then, as a real program would.
      if (step % 512 === 511) await settleConsumers(ctx)
    }
    what = 'the asynchronous consumers still running'
    while (ctx.pending.size > 0) await Promise.all(ctx.pending)
    await settleConsumers(ctx)
    what = 'the final collect()'
    finish(ctx, managers)
    // Buffers handed out keep their windows mapped until they are collected: drop the last
    // ones the checks held, collect them, and then nothing of the files may stay mapped.
    what = 'unmapping once every view is collected'
    await files.collectGarbage()
    const left = check.mappingsOf(temps.map((t) => t.path))
    if (left.length > 0) throw new Error(`still mapped after collect() and garbage collection:\n${left.join('\n')}`)
  } catch (error) {
    const message = `stress seed ${seed} (SMMAP_TEST_SEED=${seed} reproduces it), step ${step}, ${what}: ${(error as Error).message}`
    throw Object.assign(new Error(message), { cause: error })
  } finally {
    for (const m of managers) m.manager.close()
    fs.closeSync(ctx.nullFd)
    fd.close()
    for (const temp of temps) temp.remove()
  }
  const fdsLeft = files.openFdCount() - fdBaseline
  if (fdBaseline >= 0 && fdsLeft !== 0) throw new Error(`stress seed ${seed}: ${fdsLeft} file descriptors more than before the run`)
  const total = { hits: 0, misses: 0, evictions: 0 }
  for (const m of managers) {
    const stats = m.manager.stats()
    total.hits += stats.hits
    total.misses += stats.misses
    total.evictions += stats.evictions
  }
  return {
    seed,
    ops,
    managers: managers.length,
    cursorsMade: ctx.cursorsMade,
    buffersMade: ctx.buffersMade,
    ...total,
    limitErrors: ctx.limitErrors,
    bytesVerified: ctx.bytesVerified,
    staleViewsChecked: ctx.staleViewsChecked,
    paneViews: ctx.paneViews,
    wholeViewsOverPane: ctx.wholeViewsOverPane,
    asyncChecked: ctx.asyncChecked,
    filesReplaced: ctx.filesReplaced,
    filesGrown: ctx.filesGrown,
    viewWrites: ctx.viewWrites,
    writesChecked: ctx.writesChecked,
    staleErrors: ctx.staleErrors,
    ms: Date.now() - started,
  }
}

/** Lets pending callbacks run, then throws what the asynchronous consumers got wrong. */
async function settleConsumers(ctx: Ctx): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
  if (ctx.asyncFailures.length > 0) throw new Error(ctx.asyncFailures.join('; '))
}

/**
 * A Buffer handed out holds the file's bytes as long as it is reachable, whether its region is
 * still mapped for the manager or was let go of since (then the Buffer alone keeps it).
 */
function checkStaleView(ctx: Ctx): void {
  if (ctx.stale.length === 0) return
  const v = ctx.stale[Math.floor(ctx.rand() * ctx.stale.length)]
  ctx.staleViewsChecked++
  const mapped = check.isMapped(v.manager, v.region)
  // Half the time the byte written into it last, if any, else a random one.
  const written = v.writtenAt !== undefined && ctx.rand() < 0.5
  if (written) ctx.writesChecked++
  const at = written ? v.writtenAt! : Math.floor(ctx.rand() * v.length)
  checkView(ctx, v, mapped, at, `a view of ${mapped ? 'mapped' : 'let go'} region ${v.region}`)
}

/**
 * A held view: its length and byte `at` are the file's, or what was written there, unless it
 * was let go of on Windows, which empties it.
 */
function checkView(ctx: Ctx, v: Ctx['stale'][number], mapped: boolean, at: number, what: string): void {
  if (!mapped && !files.windowsOutliveUse) {
    check.expectEqual(`length of ${what} (Windows empties it)`, v.view.length, 0)
    return
  }
  check.expectEqual(`length of ${what}`, v.view.length, v.length)
  const written = ctx.writes.get(v.view.buffer)?.get(v.view.byteOffset + at)
  check.expectEqual(`byte ${at} of ${what}`, v.view[at], written ?? ctx.files[v.file].data[v.ofs + at])
}

/** Lets go of everything and collects; the views still held keep their bytes, and are dropped. */
function finish(ctx: Ctx, managers: ManagerState[]): void {
  for (const m of managers) {
    for (const c of m.cursors) c.cursor.release()
    for (const b of m.buffers) b.buf.endAccess()
    m.snapshot = check.checkManager(m.watched, m.snapshot)
    m.manager.collect()
    check.expectEqual(`${m.name} numFileHandles() after collect()`, m.manager.numFileHandles(), 0)
    check.expectEqual(`${m.name} numOpenFiles() after collect()`, m.manager.numOpenFiles(), 0)
    check.expectEqual(`${m.name} mappedMemorySize() after collect()`, m.manager.mappedMemorySize(), 0)
  }
  for (const v of ctx.stale) checkView(ctx, v, false, v.writtenAt ?? 0, 'a view after collect()')
  ctx.stale.length = 0
}
