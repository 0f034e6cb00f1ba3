// V8's count of external memory once a loop has let go of thousands of windows (the fixture
// says how): their finalizers give the windows' lengths back to it in one step, not a window at
// a time, so V8 runs at most one full collection for the batch instead of one per 64 MiB of it.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import path = require('node:path')

const MiB = 1 << 20

// On Windows a let-go window is unmapped at once and its views emptied, so no batch of them is
// left to finalize.
const retaining = process.platform === 'win32' ? test.skip : test

retaining('the finalizers of thousands of let-go windows make V8 run a few full collections, not one per 64 MiB', (t) => {
  const script = path.join(__dirname, 'fixtures', 'accounting-child.js')
  const child = spawnSync(process.execPath, ['--trace-gc', script], { encoding: 'utf8', timeout: 120_000 })
  t.is(child.signal, null, `killed by a signal: ${child.stderr}`)
  t.is(child.status, 0, child.stderr)
  const lines = child.stdout.split('\n')
  const report = JSON.parse(lines.find((line) => line.startsWith('{'))!)
  t.is(report.wrong, 0, 'every read returned the file bytes')
  t.true(
    report.misses >= 10_000 && report.retainedBytes > 5000 * MiB,
    `the loop let go of windows still reachable through their Buffers: ${JSON.stringify(report)}`,
  )
  // --trace-gc's lines read `[pid:isolate]  <ms since start> ms: Mark-Compact ...`. Those from
  // within the loop do not count: where V8 is told of every window (Node 24 on) it collects
  // every 64 of them there.
  const fullCollections = lines.filter((line) => {
    const at = / (\d+) ms: Mark-Compact/.exec(line)
    return at !== null && Number(at[1]) > report.loopEnd
  }).length
  t.log(`${fullCollections} full collections after the loop`)
  t.true(fullCollections <= 5, `${fullCollections} full collections after the loop (a window at a time: about 120)`)
})
