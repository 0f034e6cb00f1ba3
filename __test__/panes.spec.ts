// Windows larger than a pane (16 MiB) are viewed a pane at a time wherever a range fits in one:
// V8 starts a full collection whenever an ArrayBuffer of 64 MiB or more is created, so a pass
// over large windows that viewed each whole would make it collect once a window. What these
// tests hold the package to: every byte right whichever view serves it, the whole window still
// one Buffer where one is asked for, and a let-go window mapped until the last view of any of
// its panes is collected.
import test from 'ava'

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { SlidingWindowMapBuffer, SlidingWindowMapManager } = pkg.smmap
const { collectGarbage, letGoBytes, patternedFile, sameBytes, scope, windowsOutliveUse } = files

const MiB = 1024 * 1024
const PANE = 16 * MiB
/** Three panes: two whole, one of 8 MiB. */
const WINDOW = 40 * MiB

test('chunks() of windows over a pane come from pane views, no ArrayBuffer larger than a pane; map() is still the whole window', (t) =>
  scope((use) => {
    const f = use(patternedFile(2 * WINDOW + 12345, 'panes-chunks'))
    const man = use(new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: 2 * WINDOW }))
    const buf = use(new SlidingWindowMapBuffer(man.makeCursor(f.path)))
    // Each chunk is checked as it comes: on Windows a let-go window's chunks are emptied.
    let at = 0
    let wrong = 0
    let largest = 0
    for (const chunk of buf.chunks(64 * 1024)) {
      if (!chunk.equals(f.data.subarray(at, at + chunk.length))) wrong++
      largest = Math.max(largest, chunk.buffer.byteLength)
      at += chunk.length
    }
    t.is(at, f.data.length, 'the chunks cover the file')
    t.is(wrong, 0, 'every chunk holds the bytes at its offset')
    t.true(largest <= PANE, `the largest ArrayBuffer under a chunk is ${largest} bytes`)
    const cursor = use(man.makeCursor(f.path))
    cursor.useRegion(WINDOW + 5, 10)
    const whole = cursor.map()
    t.is(whole.length, WINDOW, 'map() is one Buffer over the whole window')
    sameBytes(t, whole, f.data.subarray(WINDOW, 2 * WINDOW), 'map()')
    sameBytes(t, cursor.buffer(), f.data.subarray(WINDOW + 5, WINDOW + 15), 'buffer()')
  }))

test("buffer(), subarray() and lease() of a range in one pane come from that pane's view; across a pane's end, from the whole window", (t) =>
  scope((use) => {
    const f = use(patternedFile(WINDOW, 'panes-cursor'))
    const man = use(new SlidingWindowMapManager({ windowSize: WINDOW }))
    const cursor = use(man.makeCursor(f.path))
    const inPane = cursor.useRegion(PANE + 100, 5000).buffer()
    sameBytes(t, inPane, f.data.subarray(PANE + 100, PANE + 5100), 'buffer() inside pane 1')
    t.true(inPane.buffer.byteLength <= PANE, `buffer() lies on an ArrayBuffer of ${inPane.buffer.byteLength} bytes`)
    const buf = use(new SlidingWindowMapBuffer(man.makeCursor(f.path)))
    const sub = buf.subarray(2 * PANE + 7, 2 * PANE + 4096)
    sameBytes(t, sub, f.data.subarray(2 * PANE + 7, 2 * PANE + 4096), 'subarray() inside pane 2')
    t.true(sub.buffer.byteLength <= PANE, `subarray() lies on an ArrayBuffer of ${sub.buffer.byteLength} bytes`)
    const lease = buf.lease(3, 70_000)
    sameBytes(t, lease.buffer, f.data.subarray(3, 70_000), 'lease() inside pane 0')
    t.true(lease.buffer.buffer.byteLength <= PANE, `lease() lies on an ArrayBuffer of ${lease.buffer.buffer.byteLength} bytes`)
    lease.release()
    const across = cursor.useRegion(PANE - 10, 20).buffer()
    sameBytes(t, across, f.data.subarray(PANE - 10, PANE + 10), "buffer() across pane 0's end")
    t.is(across.buffer.byteLength, WINDOW, 'served from the whole window')
    sameBytes(t, inPane, f.data.subarray(PANE + 100, PANE + 5100), 'the pane view still reads right')
  }))

test('a chunk that crosses a pane boundary reads right, served from the whole window', (t) =>
  scope((use) => {
    const f = use(patternedFile(WINDOW, 'panes-crossing'))
    const man = use(new SlidingWindowMapManager({ windowSize: WINDOW }))
    // Starting 1000 bytes in, 1 MiB chunks straddle each pane boundary of the window.
    const buf = use(new SlidingWindowMapBuffer(man.makeCursor(f.path), 1000))
    const parts: Buffer[] = []
    let crossed = 0
    let at = 1000
    for (const chunk of buf.chunks(MiB)) {
      if (Math.floor(at / PANE) !== Math.floor((at + chunk.length - 1) / PANE)) {
        crossed++
        sameBytes(t, chunk, f.data.subarray(at, at + chunk.length), `the chunk at ${at}`)
      }
      parts.push(chunk)
      at += chunk.length
    }
    t.is(crossed, 2, 'two chunks cross a pane boundary')
    sameBytes(t, Buffer.concat(parts), f.data.subarray(1000), 'every chunk')
  }))

/**
 * 4 MiB chunks from each pane of the first window of `path`, taken through a buffer that then
 * ends its access: a function of its own, so that no suspended frame of the test keeps the
 * iterator (and with it a chunk) reachable.
 */
function chunksOfEachPane(man: InstanceType<typeof SlidingWindowMapManager>, path: string): Buffer[] {
  const buf = new SlidingWindowMapBuffer(man.makeCursor(path))
  const chunks: Buffer[] = []
  for (const chunk of buf.chunks(4 * MiB)) if (chunks.push(chunk) === 10) break
  buf.endAccess()
  // The 1st lies in pane 0, the 6th in pane 1, the 10th in pane 2.
  return [chunks[0], chunks[5], chunks[9]]
}

test('a let-go window stays mapped while a view of any of its panes lives, and goes with the last', async (t) => {
  const f = patternedFile(2 * WINDOW, 'panes-retain')
  const man = new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: WINDOW })
  try {
    let held: Array<Buffer | null> = chunksOfEachPane(man, f.path)
    const offsets = [0, 20 * MiB, 36 * MiB]
    // Mapping the second window lets the first go, which nothing uses: the budget holds one.
    const cursor = man.makeCursor(f.path)
    sameBytes(t, cursor.useRegion(WINDOW + 8, 8).buffer(), f.data.subarray(WINDOW + 8, WINDOW + 16), 'the second window')
    const retained = windowsOutliveUse ? WINDOW : 0
    t.is(man.stats().retainedBytes, retained, 'the let-go window stays mapped for its views')
    // A callback, not a loop: a loop variable would stay reachable in this suspended frame.
    held.forEach((chunk, i) => {
      letGoBytes(t, chunk!, f.data.subarray(offsets[i], offsets[i] + 4 * MiB), `pane ${i}`)
    })
    held = [null, null, held[2]]
    await collectGarbage()
    t.is(man.stats().retainedBytes, retained, 'a view of its last pane still keeps it')
    letGoBytes(t, held[2]!, f.data.subarray(36 * MiB, 40 * MiB), 'the view left')
    held = []
    await collectGarbage()
    t.is(man.stats().retainedBytes, 0, 'unmapped once no view of any pane is left')
    cursor.release()
  } finally {
    man.close()
    f.remove()
  }
})
