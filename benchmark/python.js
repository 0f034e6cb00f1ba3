// Runs Python smmap (benchmark/python_smmap.py) as child processes on the same file, settings
// and offsets as the JavaScript contenders, one process per run so its runs take turns with
// theirs. Python is optional: without an interpreter that has smmap, its contenders are
// reported as skipped, with the reason.
'use strict'
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { runJson } = require('./harness')

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

/**
 * A runner of single Python smmap runs: `run(spec)` returns what one run reports (times in
 * seconds), `info` names the interpreter and smmap version. Without a usable interpreter:
 * `{ skipped: reason }`.
 */
function pythonRunner() {
  const found = findPython()
  if (found.skipped) return found
  const run = (spec) => runJson(found.python, [SCRIPT, JSON.stringify(spec)], `${found.python} python_smmap.py ${spec.workload}`)
  try {
    return { info: { ...run({ kind: 'version' }), interpreter: found.python }, run }
  } catch (error) {
    return { skipped: error.message }
  }
}

module.exports = { pythonRunner }
