// The cursor part of smmap's test_tutorial.py, on an 8 MiB patterned file,
// checking the actual bytes. (The SlidingWindowMapBuffer part belongs to the next issue.)
import test from 'ava'

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { SlidingWindowMapManager } = pkg.smmap
const { patternedFile, sameBytes, scope } = files

test('test_example: cursors', (t) =>
  scope((use) => {
    // Memory Managers
    const mman = use(new SlidingWindowMapManager())
    // check for dangling resources
    t.is(mman.numFileHandles(), 0)
    t.is(mman.mappedMemorySize(), 0)

    const size = 1024 * 1024 * 8
    const fc = use(patternedFile(size, 'test_file'))
    // Cursors
    const c = use(mman.makeCursor(fc.path))
    // the cursor is now associated with the file, but not yet usable
    t.true(c.isAssociated())
    t.false(c.isValid())

    // before you can use the cursor, you have to specify a window you want to access.
    t.true(c.useRegion().isValid()) // use_region returns self
    t.is(c.size(), Math.min(size, mman.windowSize()))
    t.true(c.size() > 0)
    t.is(c.ofsBegin(), 0)
    const buf = c.buffer()
    t.is(buf[0], fc.data[0])
    sameBytes(t, buf.subarray(1, 10), fc.data.subarray(1, 10))
    t.is(buf[c.size() - 1], fc.data[c.size() - 1])
    sameBytes(t, buf, fc.data.subarray(0, c.size()), 'the whole window')
    sameBytes(t, c.map().subarray(0, 16), fc.data.subarray(0, 16), 'map()')

    // its recommended not to create big slices when feeding the buffer into consumers (e.g. struct
    // or zlib) - instead, either give the buffer directly, or use pythons buffer command.
    t.is(c.buffer().readUInt32LE(4096), fc.data.readUInt32LE(4096))

    // you can query absolute offsets, and check whether an offset is included in the cursor's data.
    t.true(c.ofsBegin() < c.ofsEnd())
    t.true(c.includesOfs(100))

    // If you are over out of bounds with one of your region requests, the cursor will be come invalid.
    t.false(c.useRegion(size, 100).isValid())
    // map as much as possible after the given offset
    t.true(c.useRegion(100).isValid())
    t.is(c.ofsBegin(), 100)
    t.is(c.buffer()[0], fc.data[100])
    sameBytes(t, c.buffer(), fc.data.subarray(100, 100 + c.size()))
    // if this is not the case, the mapping will be shrunk to that end
    t.true(c.useRegion(size - 10, 100).isValid())
    t.is(c.size(), 10)
    sameBytes(t, c.buffer(), fc.data.subarray(size - 10))
    // unuse the region, it will be invalid afterwards
    c.unuseRegion()
    t.false(c.isValid())
    // the region stays cached until collected
    t.is(mman.numFileHandles(), 1)
    t.is(mman.collect(), 1)
    t.is(mman.numFileHandles(), 0)
  }))
