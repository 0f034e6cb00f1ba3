// Buffers handed to asynchronous native code (zlib, fs.write, streams, a transferred
// ArrayBuffer) keep the file's bytes while their windows are evicted, collected, released or
// closed: a window's memory lives as long as V8 can reach any view of it. Run in a child, since
// the way this fails is a crash.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import path = require('node:path')
import child = require('./helpers/child')
import files = require('./helpers/files')
import { node22 } from './helpers/node-release'

// On Windows let-go windows are unmapped at once (a live mapping would block the user's own
// file operations), so asynchronous use there needs a lease, which windows.spec.ts covers.
const retaining = files.windowsOutliveUse ? test : test.skip

retaining('zlib, fs.write and a pipeline holding every chunk read the right bytes while windows are let go of', (t) => {
  const report = child.runFixture(t, 'async-consumers-child', { env: { NODE_OPTIONS: '--expose-gc' } })
  const expected: Record<string, boolean> = { gunzip: true, deflate: true, fsWrite: true, pipeline: true, pipelineBytes: true }
  if ('transfer' in report) expected.transfer = true
  t.deepEqual(report, expected)
})

const node = node22()
const withNode22 = 'binary' in node && files.windowsOutliveUse ? test : test.skip
const skipped = 'reason' in node ? ` (skipped: ${node.reason})` : ''

withNode22(`Node 22: an ArrayBuffer moved out of a view with transfer() keeps the window's bytes${skipped}`, (t) => {
  if (!('binary' in node)) return
  const script = path.join(__dirname, 'fixtures', 'async-consumers-child.js')
  const run = spawnSync(node.binary, ['--expose-gc', script], { encoding: 'utf8', timeout: 300_000 })
  t.is(run.signal, null, run.stderr)
  t.is(run.status, 0, run.stderr)
  t.deepEqual(JSON.parse(run.stdout), { gunzip: true, deflate: true, fsWrite: true, pipeline: true, pipelineBytes: true, transfer: true })
})
