// One timed run of one contender of one workload, in a child process of its own (see
// harness.js for why), started as `node workloads.js '<json spec>'`; prints one JSON object:
// seconds by three clocks ({wall, cpu, thread}), a checksum of what was read (every contender
// of a workload must agree), and for smmap the manager's stats and the peaks of memory.
// Only the package's public API is used, through require('..').
'use strict'
const fs = require('node:fs')
const { SlidingWindowMapBuffer, StaticWindowMapManager } = require('..')
const { asyncForAwait, asyncBufferStream, asyncReadStream, asyncIdleWhileRead } = require('./event-loop')
const { clock, readOffsets, rssPeak } = require('./harness')
const { PAGE, done, manager, pageSum, warmUp } = require('./measure')

const HUGE = 2 * 1024 * 1024
/**
 * Peak RSS is sampled only where a target needs it (`spec.sampleRss`: W2 and W3), every
 * SAMPLE_READS reads or SAMPLE_BYTES of a pass, by every contender alike (Python too). A
 * sample reads /proc/self/statm, about 10 µs, so this costs 1-2% of a run; the peak is a
 * plateau once the budget is full, which samples this sparse still find.
 */
const SAMPLE_READS = 256
const SAMPLE_BYTES = 8 * 1024 * 1024

// Random reads of 4 bytes (W1 over a resident 1 GiB window, W4 over a 2 GiB file).

function readsMapped(spec, offsets, warmup) {
  const man = manager(spec)
  const buf = new SlidingWindowMapBuffer(man.makeCursor(spec.file))
  try {
    // W1 measures hits: every page is touched first, so the timed reads find them resident.
    if (spec.touchAll) for (let ofs = 0; ofs < buf.length; ofs += PAGE) buf.readUInt8(ofs)
    const loop = (list) => {
      let sum = 0
      for (let i = 0; i < list.length; i++) sum = (sum + buf.readUInt32LE(list[i])) >>> 0
      return sum
    }
    warmUp(loop, warmup) // the JIT, and (W4) a budget already full: the steady state the demo is in
    const start = clock()
    const sum = loop(offsets)
    const out = done(start, sum, {}, man)
    if (spec.touchAll && out.stats.misses !== 1) throw new Error(`W1 expected one window for the whole run, the manager mapped ${out.stats.misses}`)
    return out
  } finally {
    buf.endAccess()
    man.close()
  }
}

function readsReadSync(spec, offsets, warmup) {
  const fd = fs.openSync(spec.file, 'r')
  const scratch = Buffer.alloc(spec.read)
  try {
    const loop = (list) => {
      let sum = 0
      for (let i = 0; i < list.length; i++) {
        fs.readSync(fd, scratch, 0, spec.read, list[i])
        sum = (sum + scratch.readUInt32LE(0)) >>> 0
      }
      return sum
    }
    warmUp(loop, warmup)
    const start = clock()
    return done(start, loop(offsets))
  } finally {
    fs.closeSync(fd)
  }
}

function readsMemory(spec, offsets, warmup) {
  const memory = fs.readFileSync(spec.file)
  const loop = (list) => {
    let sum = 0
    for (let i = 0; i < list.length; i++) sum = (sum + memory.readUInt32LE(list[i])) >>> 0
    return sum
  }
  warmUp(loop, warmup)
  const start = clock()
  return done(start, loop(offsets))
}

// W1b: a 64-byte view at random offsets, a byte of it read.

function viewsCursor(spec, offsets, warmup) {
  const man = manager(spec)
  const cursor = man.makeCursor(spec.file)
  try {
    const map = cursor.useRegion(0).map()
    let touched = 0
    for (let ofs = 0; ofs < map.length; ofs += PAGE) touched += map[ofs] // fault every page in: hits only
    const loop = (list) => {
      let sum = 0
      for (let i = 0; i < list.length; i++) sum += cursor.useRegion(list[i], spec.read).buffer()[0]
      return sum
    }
    warmUp(loop, warmup)
    const start = clock()
    const sum = loop(offsets)
    const out = done(start, sum, { touched }, man)
    if (out.stats.misses !== 1) throw new Error(`W1b expected one window for the whole run, the manager mapped ${out.stats.misses}`)
    return out
  } finally {
    cursor.release()
    man.close()
  }
}

function viewsMemory(spec, offsets, warmup) {
  const memory = fs.readFileSync(spec.file)
  const loop = (list) => {
    let sum = 0
    for (let i = 0; i < list.length; i++) sum += memory.subarray(list[i], list[i] + spec.read)[0]
    return sum
  }
  warmUp(loop, warmup)
  const start = clock()
  return done(start, loop(offsets))
}

// Random 4 KiB reads copied out (W2 warm; cold random 4 KiB after eviction).

function pagesCursor(spec, offsets, warmup) {
  const rss = rssPeak()
  const man = manager(spec)
  const cursor = man.makeCursor(spec.file)
  const scratch = Buffer.alloc(spec.read)
  try {
    const loop = (list) => {
      let sum = 0
      for (let i = 0; i < list.length; i++) {
        cursor.useRegion(list[i], spec.read).buffer().copy(scratch)
        sum += scratch[0] + scratch[spec.read - 1]
        if (spec.sampleRss && i % SAMPLE_READS === 0) rss.sample()
      }
      return sum
    }
    warmUp(loop, warmup) // W2's steady state: the budget is full and every miss evicts
    const start = clock()
    const sum = loop(offsets)
    cursor.release()
    return done(start, sum, rss.result(spec), man)
  } finally {
    cursor.release()
    man.close()
  }
}

function pagesBuffer(spec, offsets, warmup) {
  const man = manager(spec)
  const buf = new SlidingWindowMapBuffer(man.makeCursor(spec.file))
  const scratch = Buffer.alloc(spec.read)
  try {
    const loop = (list) => {
      let sum = 0
      for (let i = 0; i < list.length; i++) {
        buf.copy(scratch, 0, list[i], list[i] + spec.read)
        sum += scratch[0] + scratch[spec.read - 1]
      }
      return sum
    }
    warmUp(loop, warmup)
    const start = clock()
    return done(start, loop(offsets), {}, man)
  } finally {
    buf.endAccess()
    man.close()
  }
}

function pagesReadSync(spec, offsets, warmup) {
  const rss = rssPeak()
  const fd = fs.openSync(spec.file, 'r')
  const scratch = Buffer.alloc(spec.read)
  try {
    const loop = (list) => {
      let sum = 0
      for (let i = 0; i < list.length; i++) {
        fs.readSync(fd, scratch, 0, spec.read, list[i])
        sum += scratch[0] + scratch[spec.read - 1]
        if (spec.sampleRss && i % SAMPLE_READS === 0) rss.sample()
      }
      return sum
    }
    warmUp(loop, warmup)
    const start = clock()
    return done(start, loop(offsets), rss.result(spec))
  } finally {
    fs.closeSync(fd)
  }
}

// Sequential passes over the whole file, reading the first byte of every page (W3, W3L, W5).

/**
 * With `warmupBytes`, runs `pass` over that much of the file and then `warmupPasses` times over
 * the whole file (each with its own manager, closed after) before the measured pass: they fault
 * in Node's own code pages and let the JIT compile the loop and what each miss calls, so
 * neither counts in the measured pass's time or RSS growth. Too few, and V8 compiled the
 * package's pass again during the measured one, on its helper threads, which process CPU
 * counts (bench.js, WARMUP_PASSES).
 */
function warmed(pass) {
  return (spec) => {
    if (spec.warmupBytes) {
      pass(spec, Math.min(spec.warmupBytes, spec.size))
      for (let i = 0; i < spec.warmupPasses; i++) pass(spec, spec.size)
    }
    return pass(spec, spec.size)
  }
}

function passChunks(spec, size) {
  const rss = rssPeak()
  const man = manager(spec)
  const buf = new SlidingWindowMapBuffer(man.makeCursor(spec.file), 0, size)
  let sum = 0
  let unsampled = 0
  try {
    const start = clock()
    for (const chunk of buf.chunks(spec.chunk)) {
      sum += pageSum(chunk, chunk.length)
      if (!spec.sampleRss) continue
      unsampled += chunk.length
      if (unsampled >= SAMPLE_BYTES) {
        unsampled = 0
        rss.sample()
      }
    }
    buf.endAccess()
    return done(start, sum, rss.result(spec), man)
  } finally {
    buf.endAccess()
    man.close()
  }
}

function passCopy(spec, size) {
  const rss = rssPeak()
  const man = manager(spec)
  const buf = new SlidingWindowMapBuffer(man.makeCursor(spec.file), 0, size)
  const target = Buffer.allocUnsafe(spec.chunk)
  let sum = 0
  try {
    const start = clock()
    for (let pos = 0; pos < buf.length; pos += spec.chunk) {
      sum += pageSum(target, buf.copy(target, 0, pos, pos + spec.chunk))
      if (spec.sampleRss && (pos + spec.chunk) % SAMPLE_BYTES === 0) rss.sample()
    }
    buf.endAccess()
    return done(start, sum, rss.result(spec), man)
  } finally {
    buf.endAccess()
    man.close()
  }
}

function passReadSync(spec, size) {
  const rss = rssPeak()
  const fd = fs.openSync(spec.file, 'r')
  const target = Buffer.allocUnsafe(spec.chunk)
  let sum = 0
  try {
    const start = clock()
    for (let pos = 0; pos < size; pos += spec.chunk) {
      sum += pageSum(target, fs.readSync(fd, target, 0, Math.min(spec.chunk, size - pos), pos))
      if (spec.sampleRss && (pos + spec.chunk) % SAMPLE_BYTES === 0) rss.sample()
    }
    return done(start, sum, rss.result(spec))
  } finally {
    fs.closeSync(fd)
  }
}

/** Bytes of this process's mappings of `file` that use 2 MiB page-table entries, or null off Linux. */
function pmdMapped(file) {
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

/** The folio probe of cache.js: one whole-file mapping, one byte touched per 2 MiB. */
function probe(spec) {
  const man = new StaticWindowMapManager()
  const cursor = man.makeCursor(spec.file)
  try {
    const map = cursor.useRegion(0).map()
    let sum = 0
    for (let ofs = 0; ofs < map.length; ofs += HUGE) sum += map[ofs]
    return { sum, size: map.length, pmdMapped: pmdMapped(spec.file) }
  } finally {
    cursor.release()
    man.close()
  }
}

const CONTENDERS = {
  reads: { mapped: readsMapped, readSync: readsReadSync, memory: readsMemory },
  views: { cursor: viewsCursor, memory: viewsMemory },
  pages: { cursor: pagesCursor, buffer: pagesBuffer, readSync: pagesReadSync },
  pass: { chunks: warmed(passChunks), copy: warmed(passCopy), readSync: warmed(passReadSync) },
  async: { forAwait: asyncForAwait, bufferStream: asyncBufferStream, readStream: asyncReadStream, idleWhileRead: asyncIdleWhileRead },
}

async function main() {
  const spec = JSON.parse(process.argv[2])
  let out
  if (spec.workload === 'probe') out = probe(spec)
  else {
    const run = CONTENDERS[spec.kind]?.[spec.contender]
    if (!run) throw new Error(`unknown contender ${spec.kind}.${spec.contender}`)
    const offsets = spec.offsets ? readOffsets(spec.offsets) : null
    const warmup = spec.warmup ? readOffsets(spec.warmup) : new Float64Array(0)
    out = await run(spec, offsets, warmup)
  }
  process.stdout.write(JSON.stringify(out))
}

if (require.main === module) main()
