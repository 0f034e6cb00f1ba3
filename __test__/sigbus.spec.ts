// The SIGBUS guard beside the rest of the process: a SIGBUS it does not own does what it would
// do without the package, it keeps working after other code installs and removes handlers, and
// no fixed number of regions falls outside it. Each case runs in a child process.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import path = require('node:path')
import child = require('./helpers/child')

const posix = process.platform !== 'win32' ? test : test.skip // Windows has no SIGBUS

posix('a SIGBUS sent by kill ends the process, as it would without the package', (t) => {
  const script = path.join(__dirname, 'fixtures', 'sigbus-child.js')
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, SMMAP_SIGBUS_CASE: 'foreign-kill' }, timeout: 60_000 })
  t.is(run.signal, 'SIGBUS', `exit ${run.status}, stdout ${run.stdout}, stderr ${run.stderr}`)
  t.is(run.stdout, '')
})

posix('after process.on and off of a SIGBUS listener, a truncation is still survived', (t) => {
  t.deepEqual(child.runFixture(t, 'sigbus-child', { env: { SMMAP_SIGBUS_CASE: 'rearm' } }), { regions: 4, lostByte: 0 })
})

posix('with 20,000 regions mapped, a truncation under the newest is survived', (t) => {
  t.deepEqual(child.runFixture(t, 'sigbus-child', { env: { SMMAP_SIGBUS_CASE: 'many-regions' } }), { regions: 20_000, lostByte: 0 })
})
