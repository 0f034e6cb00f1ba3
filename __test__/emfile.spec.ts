// When the OS refuses another open file (RLIMIT_NOFILE), useRegion throws EMFILE
// with a hint at the limit to raise, keeps the counters exact, and works again once fds are
// free. In a child started with a low `ulimit -n`, so the test runner keeps its own fds.
import test from 'ava'
import child = require('./helpers/child')

// Windows has no ulimit (RLIMIT_NOFILE) to lower.
const withUlimit = process.platform === 'win32' ? test.skip : test

withUlimit('EMFILE under a low ulimit -n: a clear error, counters intact, then the same call works', (t) => {
  const report = child.runFixture(t, 'emfile-child', { maxOpenFiles: 64 })
  t.log(report.error?.message)
  // The message hint is the core's: it names the limit to raise (RLIMIT_NOFILE, `ulimit -n`).
  t.like(report, {
    filledWith: 'EMFILE',
    error: { code: 'EMFILE', mentionsLimit: true, path: true },
    countersKept: true,
    heldStillReads: true,
    afterClosing: true,
    handlesAfter: 2,
  })
})
