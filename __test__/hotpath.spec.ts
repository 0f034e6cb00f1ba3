// A cursor hit makes no native call: moving inside the cursor's region is pure JavaScript.
import test from 'ava'

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { SlidingWindowMapManager } = pkg.smmap
const { mulberry32, patternedFile, randInt, sameBytes, testSeed } = files

const MiB = 1024 * 1024

test.serial('useRegion inside the cursor region makes no native call', (t) => {
  const counter = pkg.countNativeCalls()
  const f = patternedFile(4 * MiB, 'hotpath')
  const man = new SlidingWindowMapManager({ windowSize: MiB })
  try {
    const c = man.makeCursor(f.path)
    counter.reset()
    t.true(c.useRegion(0, 16).isValid())
    t.true(counter.total() > 0, 'the first useRegion is a miss and goes native')
    sameBytes(t, c.buffer(), f.data.subarray(0, 16))
    const hitsBefore = man.stats().hits

    const seed = testSeed()
    t.log(`seed ${seed}`)
    const rand = mulberry32(seed)
    let mismatch: string | null = null
    counter.reset()
    for (let i = 0; i < 10000; i++) {
      const offset = randInt(rand, 0, MiB - 17)
      c.useRegion(offset, 16)
      const b = c.buffer()
      if (mismatch === null && (b.length !== 16 || Buffer.compare(b, f.data.subarray(offset, offset + 16)) !== 0)) {
        mismatch = `useRegion(${offset}, 16) read wrong bytes`
      }
    }
    t.deepEqual(Object.fromEntries(counter.calls), {}, 'native methods called on the hot path')
    t.is(counter.total(), 0)
    t.is(mismatch, null)
    t.is(man.stats().hits, hitsBefore + 10000)

    counter.reset()
    t.true(c.useRegion(2 * MiB + 5, 16).isValid())
    t.true(counter.total() > 0, 'a request outside the window goes native again')
    sameBytes(t, c.buffer(), f.data.subarray(2 * MiB + 5, 2 * MiB + 21))
    c.release()
  } finally {
    counter.restore()
    man.close()
    f.remove()
  }
  t.is(pkg.binding().NativeManager.prototype.useRegion.name, 'useRegion', 'prototype restored')
})
