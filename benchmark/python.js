// Runs Python smmap (benchmark/python_smmap.py) as child processes on the same file, settings
// and offsets as the JavaScript contenders, one process per run so its runs can take turns
// with theirs. Python is optional: without an interpreter that has smmap, its contenders are
// reported as skipped, with the reason.
'use strict'
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const SCRIPT = path.join(__dirname, 'python_smmap.py')
const INSTALL = 'pip install smmap, or apt-get install python3-smmap for /usr/bin/python3'

/** The first interpreter that can import smmap: `{ python }`, or `{ skipped: reason }`. */
function findPython() {
  const candidates = [process.env.SMMAP_BENCH_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean)
  let found = null
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import smmap'], { encoding: 'utf8' })
    if (probe.error) continue
    if (probe.status === 0) return { python }
    found ??= python
  }
  if (found === null) return { skipped: `no Python interpreter found (tried ${candidates.join(', ')})` }
  return { skipped: `${found} has no smmap module (${INSTALL})` }
}

/** Writes offsets as little-endian u64, the format python_smmap.py reads. */
function writeOffsets(dir, name, offsets) {
  const file = path.join(dir, `${name}.u64`)
  const out = Buffer.allocUnsafe(offsets.length * 8)
  for (let i = 0; i < offsets.length; i++) out.writeBigUInt64LE(BigInt(offsets[i]), i * 8)
  fs.writeFileSync(file, out)
  return file
}

/**
 * A runner of single Python smmap runs on `file`: `run(workload, params)` returns the JSON
 * one run reports (times in seconds); `info` names the interpreter; `close()` removes the
 * offset files. Without a usable interpreter: `{ skipped: reason }`.
 */
function pythonRunner({ file, size, offsets }) {
  const found = findPython()
  if (found.skipped) return found
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-bench-offsets-'))
  const offsetFiles = Object.fromEntries(Object.entries(offsets).map(([name, list]) => [name, writeOffsets(dir, name, list)]))
  const call = (workload, params = {}) => {
    const spec = { ...params, file, size, workload, offsets: offsetFiles[workload] }
    const run = spawnSync(found.python, [SCRIPT, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 20 })
    if (run.error || run.status !== 0) {
      throw new Error(`${found.python} ${SCRIPT} (${workload}) failed: ${run.error?.message ?? run.stderr.trim().split('\n').pop()}`)
    }
    return JSON.parse(run.stdout)
  }
  const close = () => fs.rmSync(dir, { recursive: true, force: true })
  try {
    return { info: { ...call('version'), interpreter: found.python }, run: call, close }
  } catch (error) {
    close()
    return { skipped: error.message }
  }
}

module.exports = { pythonRunner }
