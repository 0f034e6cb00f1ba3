// Issue 4.5: when the OS refuses a mapping (ENOMEM, vm.max_map_count), the manager collects
// unused regions and retries once, then throws an fs-style error that says which limit to
// raise; its counters stay exact. The refusal is injected with the core's test-only
// SMMAP_TEST_FAIL_MMAP in a child process.
import test from 'ava'
import child = require('./helpers/child')

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
