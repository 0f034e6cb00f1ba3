// `using` declarations (lowered by tsc for Node 20) on every disposable class, written the way
// a user writes them: importing the package by name.
import test from 'ava'
import { ALLOCATIONGRANULARITY as G, MapRegion, SlidingWindowMapBuffer, SlidingWindowMapManager, StaticWindowMapManager } from 'smmap'
import files = require('./helpers/files')

test('using a manager closes it: its Buffers keep their bytes and later moves throw ERR_SMMAP_CLOSED', (t) => {
  using file = files.patternedFile(3 * G + 17, 'using-manager')
  let view: Buffer
  let kept: ReturnType<SlidingWindowMapManager['makeCursor']>
  {
    using manager = new SlidingWindowMapManager({ windowSize: G })
    kept = manager.makeCursor(file.path)
    view = kept.useRegion(G, 100).buffer()
    files.sameBytes(t, view, file.data.subarray(G, G + 100))
  }
  files.letGoBytes(t, view, file.data.subarray(G, G + 100), "a Buffer outlives its manager with the file's bytes")
  t.false(kept.isValid())
  t.throws(() => kept.useRegion(0, 1), { code: 'ERR_SMMAP_CLOSED' })
})

test('using a cursor gives its region back; the manager keeps it cached', (t) => {
  using file = files.patternedFile(5 * G, 'using-cursor')
  using manager = new StaticWindowMapManager()
  let region: MapRegion | null
  {
    using cursor = manager.makeCursor(file.path).useRegion(10, 10)
    region = cursor.region()
    t.is(region!.clientCount(), 2)
    files.sameBytes(t, cursor.buffer(), file.data.subarray(10, 20))
  }
  t.is(region!.clientCount(), 1)
  t.is(manager.numFileHandles(), 1)
  t.is(manager.collect(), 1)
})

test('using a buffer ends access; using a standalone region releases it', (t) => {
  using file = files.patternedFile(2 * G + 5, 'using-buffer')
  using manager = new SlidingWindowMapManager({ windowSize: G })
  const cursor = manager.makeCursor(file.path)
  {
    using buf = new SlidingWindowMapBuffer(cursor, 3)
    t.is(buf.readUInt32BE(G - 3), file.data.readUInt32BE(G))
  }
  t.false(cursor.isValid())
  let bytes: Buffer
  {
    using region = new MapRegion(file.path, G, G)
    bytes = region.buffer()
    files.sameBytes(t, bytes, file.data.subarray(G, 2 * G))
  }
  files.letGoBytes(t, bytes, file.data.subarray(G, 2 * G), 'its Buffer keeps the bytes until collected')
})
