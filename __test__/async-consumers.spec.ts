// Buffers handed to asynchronous native code (zlib, fs.write, streams, a transferred
// ArrayBuffer) keep the file's bytes while their windows are evicted, collected, released or
// closed: a window's memory lives as long as V8 can reach any view of it. Run in a child, since
// the way this fails is a crash.
import test from 'ava'
import child = require('./helpers/child')

test('zlib, fs.write and a pipeline holding every chunk read the right bytes while windows are let go of', (t) => {
  const report = child.runFixture(t, 'async-consumers-child', { env: { NODE_OPTIONS: '--expose-gc' } })
  const expected: Record<string, boolean> = { gunzip: true, deflate: true, fsWrite: true, pipeline: true, pipelineBytes: true }
  if ('transfer' in report) expected.transfer = true
  t.deepEqual(report, expected)
})
