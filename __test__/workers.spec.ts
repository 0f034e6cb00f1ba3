// Worker threads, each with its own manager on the same file: the addon loads once per thread
// (its own Node-API environment) and every thread reads the right bytes.
import test from 'ava'
import { Worker } from 'node:worker_threads'
import files = require('./helpers/files')

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require(workerData.smmap)
const manager = new SlidingWindowMapManager({ windowSize: 65536, maxMemorySize: 131072 })
const buf = new SlidingWindowMapBuffer(manager.makeCursor(workerData.path))
const expected = (i) => (i * 31 + Math.floor(i / 4096) * 7) % 251
let wrong = 0
for (let i = 0; i < 20000; i++) {
  const ofs = (i * 7919 * (workerData.id + 1)) % buf.length
  if (buf.at(ofs) !== expected(ofs)) wrong++
}
let length = 0
for (const chunk of buf.chunks(100000)) length += chunk.length
buf.endAccess()
manager.close()
parentPort.postMessage({ wrong, length })
`

test('four worker threads with their own managers read the same file correctly', async (t) => {
  using file = files.patternedFile(1024 * 1024 + 17, 'workers')
  t.is(files.patternByte(5000), file.data[5000], 'the worker computes the same pattern')
  const results = await Promise.all(
    [0, 1, 2, 3].map(
      (id) =>
        new Promise<{ wrong: number; length: number }>((resolve, reject) => {
          const worker = new Worker(WORKER, { eval: true, workerData: { id, path: file.path, smmap: require.resolve('smmap') } })
          worker.once('message', resolve)
          worker.once('error', reject)
        }),
    ),
  )
  t.deepEqual(
    results,
    [0, 1, 2, 3].map(() => ({ wrong: 0, length: file.data.length })),
  )
})
