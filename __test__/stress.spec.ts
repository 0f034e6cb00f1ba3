// 200,000 seeded random operations over many cursors and SlidingWindowMapBuffers
// on static and sliding managers with small and large windows (some spanning several 16 MiB
// view panes), budgets and handle limits, with views handed to zlib and fs.write in the thread
// pool while windows are let go of, and files replaced at their paths or grown in place under
// the readers, and writes into views of let-go windows.
// After every step the engine (helpers/stress.ts) checks the region lists, the counters, the
// limits and every byte read; at the end nothing stays mapped and no fd stays open.
// A failure names its seed: SMMAP_TEST_SEED=<seed> npm test reproduces it.
import test from 'ava'
import files = require('./helpers/files')
import { runStress } from './helpers/stress'

const OPS = 200_000

test("200,000 random operations keep every invariant and read only the files' bytes", async (t) => {
  const seed = files.testSeed()
  t.log(`seed ${seed}`)
  const result = await runStress({ seed, ops: OPS })
  t.log(JSON.stringify(result))
  t.is(result.ops, OPS)
  // The run reached the situations it is meant to stress, not only the easy path.
  t.true(result.hits > 0 && result.misses > 0, 'regions were both reused and mapped')
  t.true(result.evictions > 0, 'the budgets evicted regions')
  t.true(result.limitErrors > 0, 'maxOpenHandles was reached')
  t.true(result.staleViewsChecked > 0)
  t.true(result.paneViews > 0 && result.wholeViewsOverPane > 0, 'windows over a pane were viewed through a pane and whole')
  // Windows unmaps let-go windows at once and refuses to replace a mapped file: neither runs there.
  if (files.windowsOutliveUse) {
    t.true(result.asyncChecked > 0, 'views were handed to zlib and fs.write while windows were let go of')
    t.true(result.filesReplaced > 0, 'files were replaced at their paths under the readers')
    t.true(result.filesGrown > 0, 'files grew in place under the readers')
    t.true(result.viewWrites > 0 && result.writesChecked > 0, 'views of let-go windows were written into and read back')
  }
})
