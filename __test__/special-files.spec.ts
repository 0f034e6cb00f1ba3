// Files that cannot be mapped: opening never blocks (FIFOs, devices), and each gets the error
// `fs` would give, by its name. A FIFO used to block open(2) forever, so these run in a child
// process with a timeout.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import path = require('node:path')

const posix = process.platform !== 'win32' ? test : test.skip // FIFOs and sockets are POSIX files

function runCase(t: { is(a: unknown, b: unknown, m?: string): void }, name: string): any {
  const script = path.join(__dirname, 'fixtures', 'special-files-child.js')
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, SMMAP_SPECIAL_CASE: name }, timeout: 30_000 })
  t.is(run.error, undefined, `the child ran to the end within 30 s: ${run.error}`)
  t.is(run.status, 0, run.stderr)
  return JSON.parse(run.stdout)
}

posix('a FIFO is refused at once with ENODEV, by path and by fd, for a region and a cursor', (t) => {
  t.deepEqual(runCase(t, 'fifo'), { region: 'ENODEV', cursor: 'ENODEV', fd: 'ENODEV' })
})

posix('a Unix socket is refused with ENXIO, as open(2) names it', (t) => {
  t.deepEqual(runCase(t, 'socket'), { region: 'ENXIO' })
})

test('a directory is EISDIR and unmaps nothing else', (t) => {
  t.deepEqual(runCase(t, 'directory'), { region: 'EISDIR', cursor: 'EISDIR', otherStillMapped: true })
})

posix('a buffer whose path is replaced by a FIFO goes on reading its file, never hangs', (t) => {
  t.deepEqual(runCase(t, 'replaced-by-fifo'), { farRead: true, newBuffer: 'ENODEV' })
})
