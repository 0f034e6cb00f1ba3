// smmap's SIGBUS handler is chained, so V8's WebAssembly trap handler still turns an
// out-of-bounds memory access into a RuntimeError once ours is installed. In a child process,
// since a failure is a crash.
import test from 'ava'
import child = require('./helpers/child')

// Windows has no SIGBUS and smmap no guard there: nothing to chain.
const withGuard = process.platform === 'win32' ? test.skip : test

withGuard('a WebAssembly out-of-bounds load is still a RuntimeError with the SIGBUS guard installed', (t) => {
  t.deepEqual(child.runFixture(t, 'wasm-trap-child'), {
    survivedTruncation: true,
    truncatedCode: 'ERR_SMMAP_TRUNCATED',
    inBounds: 0,
    'load(65536)': 'RuntimeError',
    'load(2147418112)': 'RuntimeError',
    'load(-4)': 'RuntimeError',
    afterTraps: true,
  })
})
