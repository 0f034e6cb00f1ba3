// API.md §3: a file truncated by another process while mapped does not kill the process; the
// lost bytes read as zeros and the next use of the region throws ERR_SMMAP_TRUNCATED. Run in a
// child process, since a failure is a crash.
import test from 'ava'
import child = require('./helpers/child')

test('truncation under a mapping: zeros, then ERR_SMMAP_TRUNCATED, never a crash', (t) => {
  if (process.platform === 'win32') {
    // Windows refuses to truncate a mapped file; there is nothing to survive.
    t.is(process.platform, 'win32')
    return
  }
  t.deepEqual(child.runFixture(t, 'truncate-child'), {
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
  const report = child.runFixture(t, 'truncate-64mib-child')
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
