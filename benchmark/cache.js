// Page-cache control for the bench: what state each file is in before a workload, and proof of it.
// - warm(): reads the whole file, so every page is resident. This kernel's reclaim drops page
//   cache left idle for about a minute, so files are warmed right before each round, not once.
// - evict(): fsync, then posix_fadvise(POSIX_FADV_DONTNEED) (through Python's os.posix_fadvise;
//   Node has no binding), then resident() checks with fincore (util-linux, mincore underneath)
//   that next to nothing is left. Clean pages that no process maps are all dropped.
// - folios(): whether the resident file sits in 2 MiB folios ("read in") or small ones (as
//   written in 1 MiB pieces): a child maps the whole file and touches one byte per 2 MiB; a
//   large folio is then mapped with 2 MiB page-table entries, which /proc/self/smaps shows
//   as FilePmdMapped. That decides what windows of at least 2 MiB can gain, not smmap.
'use strict'
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const { nodeRun } = require('./harness')

const WARM_BLOCK = 8 * 1024 * 1024

/** Reads `file` through once (pages already resident stay as they are). Returns seconds taken. */
function warm(file) {
  const start = process.hrtime.bigint()
  const fd = fs.openSync(file, 'r')
  const block = Buffer.allocUnsafe(WARM_BLOCK)
  try {
    while (fs.readSync(fd, block, 0, WARM_BLOCK, null) > 0);
  } finally {
    fs.closeSync(fd)
  }
  return Number(process.hrtime.bigint() - start) / 1e9
}

const EVICT = `
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
`

/** The first of these that runs Python with os.posix_fadvise, or null. */
function findEvictor() {
  for (const python of [process.env.SMMAP_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const probe = spawnSync(python, ['-c', 'import os; os.posix_fadvise'], { encoding: 'utf8' })
    if (!probe.error && probe.status === 0) return python
  }
  return null
}

/** Bytes of `file` in the page cache (fincore), or null when fincore is missing. */
function resident(file) {
  const run = spawnSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES', file], { encoding: 'utf8' })
  if (run.error || run.status !== 0) return null
  return Number(run.stdout.trim())
}

/**
 * Cold-cache control, or `{ skipped: reason }`: `evict(file)` drops the file from the page
 * cache and returns the bytes fincore still finds resident (null if unverifiable).
 */
function coldControl() {
  if (process.platform !== 'linux') return { skipped: 'cold runs need Linux (posix_fadvise, fincore)' }
  const python = findEvictor()
  if (!python) return { skipped: 'no Python with os.posix_fadvise to drop the file from the page cache' }
  const verified = resident('/proc/self/exe') !== null
  return {
    verified,
    evict(file) {
      const run = spawnSync(python, ['-c', EVICT, file], { encoding: 'utf8' })
      if (run.error || run.status !== 0) throw new Error(`evicting ${file} failed: ${run.error?.message ?? run.stderr.trim()}`)
      return verified ? resident(file) : null
    },
  }
}

/**
 * How `file` sits in the page cache now: resident bytes (fincore) and the bytes a whole-file
 * mapping gets in 2 MiB entries (null off Linux). Run it only on a warm file: touching pages
 * that are not resident would read them in, as large folios.
 */
function folios(file) {
  const probe = nodeRun({ workload: 'probe', contender: 'folios', file })
  return { resident: resident(file), pmdMapped: probe.pmdMapped, size: probe.size }
}

/** "written: small folios" or "read in: large folios", from a folios() probe. */
function describeFolios(state) {
  if (state.pmdMapped === null) return 'folio size unknown (no /proc/self/smaps)'
  const share = state.pmdMapped / state.size
  const pct = `${(share * 100).toFixed(0)}% in 2 MiB page-table entries`
  if (share > 0.9) return `large folios (${pct})`
  if (share < 0.1) return `small folios (${pct})`
  return `mixed folios (${pct}: part was reclaimed and read in again)`
}

module.exports = { warm, coldControl, resident, folios, describeFolios }
