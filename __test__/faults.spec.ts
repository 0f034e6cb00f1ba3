// When the OS refuses a mapping (ENOMEM, vm.max_map_count), the manager collects unused
// regions, unmaps them, and retries once, then throws an fs-style error that says which limit
// to raise; its counters stay exact. The refusal is injected with the core's test-only fault
// injection (SMMAP_TEST_FAIL_MMAP, SMMAP_TEST_MAX_MAPPINGS) in a child process. A failure that
// freeing memory cannot fix unmaps nothing.
import test from 'ava'
import os = require('node:os')
import { ALLOCATIONGRANULARITY as G, SlidingWindowMapManager } from 'smmap'
import child = require('./helpers/child')
import files = require('./helpers/files')

test('one refused mapping: unused regions are collected and the retry succeeds', (t) => {
  const report = child.runFixture(t, 'mmap-fault-child', { env: { SMMAP_TEST_FAIL_MMAP: '3' } })
  t.deepEqual(report, {
    read: true,
    // The held region and the new one; the unused one was collected to make room.
    afterRetry: { handles: 2, openFiles: 1, mappedIsHeldPlusNew: true },
    heldStillReads: true,
  })
})

test('refused again after the retry: ENOMEM from mmap naming vm.max_map_count, books exact', (t) => {
  const report = child.runFixture(t, 'mmap-fault-child', { env: { SMMAP_TEST_FAIL_MMAP: '3..' } })
  t.deepEqual(report, {
    error: { code: 'ENOMEM', syscall: 'mmap', path: true, hint: true },
    unchanged: true,
    heldStillReads: true,
  })
})

test('at a mapping-count limit, the retry runs after the collected regions are really unmapped', (t) => {
  // Two mappings at most, as vm.max_map_count allows a fixed number: the third window fits
  // only once the unused one is unmapped, so a retry made before unmapping would fail.
  const report = child.runFixture(t, 'mmap-fault-child', { env: { SMMAP_TEST_MAX_MAPPINGS: '2' } })
  t.deepEqual(report, {
    read: true,
    afterRetry: { handles: 2, openFiles: 1, mappedIsHeldPlusNew: true },
    heldStillReads: true,
  })
})

test('a directory beside cached windows of another file unmaps nothing and evicts nothing', (t) =>
  files.scope((use) => {
    // Windows of one granule, so that pages 0, 3 and 6 are three regions on every platform.
    const file = use(files.patternedFile(8 * G, 'faults-dir'))
    const manager = use(new SlidingWindowMapManager({ windowSize: G }))
    const cached = [0, 3, 6].map((page) => {
      using cursor = manager.makeCursor(file.path).useRegion(page * G + 1, 8)
      return { page, ofs: cursor.region()!.ofsBegin(), bytes: cursor.map() }
    })
    t.is(manager.numFileHandles(), 3)
    const evictions = manager.stats().evictions
    const error = t.throws(() => manager.makeCursor(os.tmpdir()).useRegion(0)) as NodeJS.ErrnoException
    t.is(typeof error.code, 'string')
    t.is(manager.numFileHandles(), 3, "the other file's windows stay mapped")
    t.is(manager.stats().evictions, evictions)
    for (const { page, ofs, bytes } of cached) files.sameBytes(t, bytes.subarray(0, 16), file.data.subarray(ofs, ofs + 16), `the window for page ${page}`)
  }))
