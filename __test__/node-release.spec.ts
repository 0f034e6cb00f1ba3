// The package under the Node release lines it supports, whose V8s differ in what they check:
// 22 (V8 12, the last that lets its count of external memory go below zero), 24 and 26 (V8 13
// and 14, which abort the process then). Each runs node-release-child (see there) and must end
// by itself with every byte right.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import path = require('node:path')
import files = require('./helpers/files')
import { nodeRelease, runningMajor } from './helpers/node-release'

const script = path.join(__dirname, 'fixtures', 'node-release-child.js')

for (const major of [...new Set([runningMajor, 22, 24, 26])]) {
  const node = nodeRelease(major)
  const skipped = 'reason' in node ? ` (skipped: ${node.reason})` : ''
  const run = 'binary' in node ? test : test.skip
  run(`Node ${major}: windows let go of faster than finalizers run, and held at exit, end the process cleanly${skipped}`, (t) => {
    if (!('binary' in node)) return
    using file = files.patternedFile(24 * 1024 * 1024 + 4321, 'node-release')
    const child = spawnSync(node.binary, ['--expose-gc', script, file.path], { encoding: 'utf8', timeout: 120_000 })
    t.is(child.signal, null, `killed by a signal: ${child.stderr}`)
    t.is(child.status, 0, child.stderr)
    const transfers = major >= 22 ? true : 'no transfer()'
    t.deepEqual(JSON.parse(child.stdout), { wrong: 0, wrongAfterTurn: 0, transfers, heldRight: true, fromWorker: { wrong: 0 }, workerExit: 0 })
  })
}
