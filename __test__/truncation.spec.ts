// API.md §3: a file truncated by another process while mapped does not kill the process; the
// lost bytes read as zeros and the next use of the region throws ERR_SMMAP_TRUNCATED. Run in a
// child process, since a failure is a crash.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import path = require('node:path')

test('truncation under a mapping: zeros, then ERR_SMMAP_TRUNCATED, never a crash', (t) => {
  if (process.platform === 'win32') {
    // Windows refuses to truncate a mapped file; there is nothing to survive.
    t.is(process.platform, 'win32')
    return
  }
  const child = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'truncate-child.js')], { encoding: 'utf8' })
  t.is(child.signal, null, `killed by a signal: ${child.stderr}`)
  t.is(child.status, 0, child.stderr)
  t.deepEqual(JSON.parse(child.stdout), {
    keptByte: true,
    lostByte: 0,
    lostWord: true,
    cursorError: 'ERR_SMMAP_TRUNCATED',
    remapped: true,
    pastNewEnd: false,
    bufferError: 'ERR_SMMAP_TRUNCATED',
    handles: 1,
  })
})

test('issue 4.1 as written: 64 MiB mapped, truncated to 4 KiB, every lost page reads as zeros, then ERR_SMMAP_TRUNCATED', (t) => {
  if (process.platform === 'win32') {
    t.is(process.platform, 'win32')
    return
  }
  const child = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'truncate-64mib-child.js')], { encoding: 'utf8' })
  t.is(child.signal, null, `killed by a signal: ${child.stderr}`)
  t.is(child.status, 0, child.stderr)
  const report = JSON.parse(child.stdout)
  t.log(`survived ${report.lostPagesReadAsZeros} faults (one per lost page)`)
  t.deepEqual(report, {
    mapped: 64 << 20,
    lastByteBefore: true,
    keptPageIntact: true,
    lostPagesReadAsZeros: (64 << 20) / 4096 - 1,
    lastByteAfter: 0,
    nextUse: 'ERR_SMMAP_TRUNCATED',
    newFileSize: 4096,
    pastNewEndValid: false,
    newCursorSize: 4096,
    newCursorBytes: true,
    newBufferLength: 4096,
  })
})
