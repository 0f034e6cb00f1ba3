// Prints what bench.js measured: the machine, a table, one line of ratios and the targets of
// issue 5 §2, each with the ratio that decides it. Ratios are "how many times faster smmap
// is" (the other's time over ours), so above 1 means smmap wins.
'use strict'
const os = require('node:os')
const fs = require('node:fs')

const MiB = 1024 * 1024

function cpuModel() {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'))
    if (line) return line.split(':')[1].trim()
  } catch {}
  return os.cpus()[0]?.model ?? 'unknown CPU'
}

const perOp = (result, ops) => (result.seconds / ops) * 1e9 // ns
const fmtNs = (ns) => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`)
const fmtRate = (result, bytes) => `${(bytes / result.seconds / 1e9).toFixed(2)} GB/s`
const fmtMiB = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`
const ratio = (theirs, ours) => theirs.seconds / ours.seconds

function report({ file, hits, w2, w3, py, counts }) {
  const { W1_READS, W2_READS, REPEATS, SIZE, WINDOW, BUDGET } = counts
  const skipped = py.skipped ? `skipped: ${py.skipped}` : null
  const pyVersion = skipped ? 'Python smmap skipped' : `Python ${py.python} + smmap ${py.smmap} (${py.interpreter})`
  console.log(`smmap benchmark: ${file}, ${SIZE / MiB} MiB, in the page cache; CPU time, fastest of ${REPEATS} runs each`)
  console.log(`machine: ${cpuModel()}, ${os.cpus().length} cores, ${os.platform()} ${os.release()}, Node ${process.version}; ${pyVersion}`)
  const huge = hits.huge === null ? 'unknown (no /proc/self/smaps)' : `${fmtMiB(hits.huge)} of ${fmtMiB(SIZE)}`
  console.log(`W1/W1b window mapped with 2 MiB pages (FilePmdMapped): ${huge}; the in-memory Buffer has 4 KiB pages unless THP is 'always'`)
  console.log('')

  const rows = []
  const row = (workload, contender, value, extra = '') => rows.push([workload, contender, value, extra])
  const pyRow = (workload, contender, value, extra) => row(workload, contender, skipped ? 'skipped' : value, skipped ? '' : extra)

  row('W1 hit', `SlidingWindowMapBuffer.readUInt32LE (default manager)`, fmtNs(perOp(hits.w1.mapped, W1_READS)), `${W1_READS} random reads`)
  row('', 'fs.readSync 64 B + readUInt32LE', fmtNs(perOp(hits.w1.readSync, W1_READS)))
  row('', 'in-memory Buffer.readUInt32LE', fmtNs(perOp(hits.w1.memory, W1_READS)))
  row('W1b cursor', 'cursor.useRegion(o, 64).buffer()[0]', fmtNs(perOp(hits.w1b.cursor, W1_READS)), `${W1_READS} random reads`)
  row('', 'in-memory Buffer.subarray(o, o + 64)[0]', fmtNs(perOp(hits.w1b.memory, W1_READS)))
  pyRow('', 'Python smmap use_region(o, 64).buffer()[0]', !skipped && fmtNs(perOp(hits.w1b.python, W1_READS)))
  const w2s = w2.mapped.stats
  row('W2 miss', 'cursor.useRegion(o, 4 KiB).buffer().copy()', fmtNs(perOp(w2.mapped, W2_READS)), `${W2_READS} reads: ${w2s.misses} misses, ${w2s.evictions} evictions`)
  pyRow('', 'Python smmap, same settings and offsets', !skipped && fmtNs(perOp(w2.python, W2_READS)))
  row('', 'fs.readSync 4 KiB', fmtNs(perOp(w2.readSync, W2_READS)))
  row('W3 pass', 'buffer.chunks(64 KiB), a byte per page', fmtRate(w3.chunks, SIZE), `${w3.chunks.stats.misses} windows mapped`)
  pyRow('', 'Python smmap 64 KiB views, a byte per page', !skipped && fmtRate(w3.python, SIZE))
  row('', 'buffer.copy() into a reused 1 MiB Buffer', fmtRate(w3.copy, SIZE), `${w3.copy.stats.misses} windows mapped`)
  row('', 'fs.readSync 1 MiB chunks', fmtRate(w3.readSync, SIZE))
  const rss = (r) => `peak RSS +${fmtMiB(r.peakRss)}`
  const mapped = (r) => `peak mapped ${fmtMiB(r.peakMapped)}, ${rss(r)}`
  row('memory', 'W2 smmap', mapped(w2.mapped))
  pyRow('', 'W2 Python smmap', !skipped && rss(w2.python))
  row('', 'W2 fs.readSync', rss(w2.readSync))
  row('', 'W3 chunks()', mapped(w3.chunks))
  pyRow('', 'W3 Python smmap', !skipped && rss(w3.python))
  row('', 'W3 copy()', mapped(w3.copy))
  row('', 'W3 fs.readSync', rss(w3.readSync))

  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)))
  for (const r of rows) console.log(`${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}  ${r[3]}`.trimEnd())
  console.log('')

  // Each target: [label, measured ratio (or null when skipped), the ratio it must reach].
  const pyRatio = (theirs, ours) => (skipped ? null : ratio(theirs, ours))
  const targets = [
    ['W1 vs fs.readSync', ratio(hits.w1.readSync, hits.w1.mapped), 10],
    ['W1 vs in-memory', ratio(hits.w1.memory, hits.w1.mapped), 0.7],
    ['W1b vs in-memory', ratio(hits.w1b.memory, hits.w1b.cursor), 0.7],
    ['W1b vs Python', pyRatio(hits.w1b.python, hits.w1b.cursor), 2.5],
    ['W2 vs Python', pyRatio(w2.python, w2.mapped), 1.2],
    ['W3 chunks vs Python', pyRatio(w3.python, w3.chunks), 1.4],
    ['W3 copy vs fs.readSync', ratio(w3.readSync, w3.copy), 0.9],
  ]
  const extra = [['W2 vs fs.readSync', ratio(w2.readSync, w2.mapped)], ['in-memory Buffer vs fs.readSync (W1)', ratio(hits.w1.readSync, hits.w1.memory)]]
  const shown = (r) => (r === null ? 'skipped' : `${r.toFixed(2)}x`)
  console.log(`ratios (times faster than): ${[...targets, ...extra].map(([label, r]) => `${label} ${shown(r)}`).join('; ')}`)
  let held = 0
  let judged = 0
  for (const [label, r, min] of targets) {
    if (r !== null) judged++
    if (r !== null && r >= min) held++
    const verdict = r === null ? '' : r >= min ? `holds (${(r / min).toFixed(2)}x the target)` : `MISSED (${((r / min) * 100).toFixed(0)}% of the target)`
    console.log(`  target ${label} >= ${min}x: ${shown(r)} ${verdict}`)
  }
  const limit = BUDGET + WINDOW
  for (const [label, r] of [['W2', w2.mapped], ['W3 chunks', w3.chunks], ['W3 copy', w3.copy]]) {
    console.log(`  peak mapped ${label}: ${fmtMiB(r.peakMapped)} <= budget ${fmtMiB(BUDGET)} + one window ${fmtMiB(WINDOW)} = ${fmtMiB(limit)}: holds (asserted)`)
  }
  console.log(`targets: ${held} of ${judged} ratio targets hold`)
  if (skipped) console.log(`Python smmap: ${skipped}`)
  checkAgreement({ hits, w2, w3, py, skipped })
}

/** Every contender must have read the same bytes, or its time means nothing. */
function checkAgreement({ hits, w2, w3, py, skipped }) {
  const groups = [
    ['W1', [hits.w1.mapped.sum, hits.w1.readSync.sum, hits.w1.memory.sum]],
    ['W1b', [hits.w1b.cursor.sum, hits.w1b.memory.sum, ...(skipped ? [] : [hits.w1b.python.sum])]],
    ['W2', [w2.mapped.sum, w2.readSync.sum, ...(skipped ? [] : [w2.python.sum])]],
    ['W3', [w3.chunks.sum, w3.copy.sum, w3.readSync.sum, ...(skipped ? [] : [w3.python.sum])]],
  ]
  for (const [label, sums] of groups) {
    if (new Set(sums).size !== 1) throw new Error(`${label}: the contenders read different bytes (checksums ${sums.join(', ')})`)
  }
  console.log('all contenders read the same bytes (checksums agree)')
}

module.exports = { report }
