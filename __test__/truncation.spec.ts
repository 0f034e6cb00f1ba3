// A file truncated by another process while mapped does not kill the process; the
// lost bytes read as zeros and the next use of the region throws ERR_SMMAP_TRUNCATED. Run in a
// child process, since a failure is a crash.
import test from 'ava'
import child = require('./helpers/child')

// Windows refuses to truncate a mapped file (windows.spec.ts checks that): nothing to survive.
const truncatable = process.platform === 'win32' ? test.skip : test

truncatable('truncation under a mapping: zeros, then ERR_SMMAP_TRUNCATED, never a crash', (t) => {
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

truncatable('64 MiB mapped, truncated to 4 KiB, every lost page reads as zeros, then ERR_SMMAP_TRUNCATED', (t) => {
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

// Windows refuses to truncate a mapped file: there is nothing to survive there.
const posix = process.platform !== 'win32' ? test : test.skip

posix('a slice, copy or indexOf crossing bytes lost to a truncation throws ERR_SMMAP_TRUNCATED, never returns zeros', (t) => {
  t.deepEqual(child.runFixture(t, 'truncate-within-call-child'), {
    sliceBefore: 0x41,
    slice: 'ERR_SMMAP_TRUNCATED',
    copyBefore: 0x41,
    copy: 'ERR_SMMAP_TRUNCATED',
    indexOfBefore: 0x41,
    indexOf: 'ERR_SMMAP_TRUNCATED',
  })
})

posix('a leased Buffer read by zlib and fs.write on the thread pool after a truncation: zeros or a short write, never a crash', (t) => {
  t.deepEqual(child.runFixture(t, 'truncate-async-child'), {
    zeroCopy: true,
    // fs.write: the kernel stops at the first lost page; what it wrote is the file's bytes.
    writeBytesRight: true,
    writeShort: true,
    // zlib faults on a pool thread, where the guard gives zeros as it does for JavaScript.
    zlibBytesRight: true,
    leaseLength: 16 * 4096,
    keptWord: true,
    copyAcross: 'ERR_SMMAP_TRUNCATED',
    newLength: 4096 + 100,
  })
})

posix('for await after a truncation: the pool thread reads the lost pages first, zeros there, then ERR_SMMAP_TRUNCATED; a close mid-loop ends it', (t) => {
  t.deepEqual(child.runFixture(t, 'truncate-iteration-child'), {
    firstWordBefore: true,
    // The iterator brought the lost pages in on a pool thread before the loop read anything.
    truncatedCode: 'ERR_SMMAP_TRUNCATED',
    truncatedBytesRight: true,
    // A populate task in flight holds its view: the close unmaps nothing under it.
    closedCode: 'ERR_SMMAP_CLOSED',
    closedBytesRight: true,
  })
})
