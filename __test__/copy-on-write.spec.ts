// Mappings are private copy-on-write. Writing into any Buffer the package
// returns changes only this process's copy: never the file (read back with fs), never what
// another manager maps, and it never crashes.
import test, { type ExecutionContext } from 'ava'
import fs = require('node:fs')

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')
import { mappingsOf } from './helpers/smaps'

const { ALLOCATIONGRANULARITY: G, MapRegion, SlidingWindowMapBuffer, SlidingWindowMapManager, StaticWindowMapManager } = pkg.smmap
const { patternedFile, openFd, sameBytes, scope } = files
type Manager = InstanceType<typeof StaticWindowMapManager>

/** Each kind of Buffer the package hands out, as [name, how to get it, file offset of its index 0]. */
const VIEWS: Array<[string, (man: Manager, key: string | number) => { view: Buffer; ofs: number }]> = [
  [
    'cursor.buffer()',
    (man, key) => ({
      view: man
        .makeCursor(key)
        .useRegion(G + 5, 2 * G)
        .buffer(),
      ofs: G + 5,
    }),
  ],
  [
    'cursor.map()',
    (man, key) => {
      const c = man.makeCursor(key).useRegion(G + 5, 2 * G)
      return { view: c.map(), ofs: c.region()!.ofsBegin() }
    },
  ],
  [
    'cursor.region().buffer()',
    (man, key) => {
      const region = man
        .makeCursor(key)
        .useRegion(3 * G)
        .region()!
      return { view: region.buffer(), ofs: region.ofsBegin() }
    },
  ],
  [
    'SlidingWindowMapBuffer chunks()',
    (man, key) => {
      const buf = new SlidingWindowMapBuffer(man.makeCursor(key), 100)
      return { view: buf.chunks(2 * G).next().value as Buffer, ofs: 100 }
    },
  ],
]

for (const Cls of [StaticWindowMapManager, SlidingWindowMapManager]) {
  for (const keyKind of ['path', 'fd'] as const) {
    for (const [name, get] of VIEWS) {
      test(`${Cls.name}, ${keyKind}-keyed: writing into ${name} changes neither the file nor another manager's view`, (t) =>
        scope((use) => {
          const f = use(patternedFile(6 * G + 77, `cow-${keyKind}`))
          const key = keyKind === 'path' ? f.path : use(openFd(f.path)).fd
          const man = use(new Cls({ windowSize: Cls === SlidingWindowMapManager ? 4 * G : 0 }))
          const other = use(new Cls({ windowSize: Cls === SlidingWindowMapManager ? 4 * G : 0 }))
          const { view, ofs } = get(man, key)
          t.true(view.length > G, 'a view of more than a page')
          const original = Buffer.from(view)

          view.fill(0x5a)
          view[view.length - 1] = 0xa5
          t.is(view[0], 0x5a, "the write shows in this process's copy")
          t.is(view[view.length - 1], 0xa5)

          sameBytes(t, fs.readFileSync(f.path), f.data, 'the file')
          const theirs = other.makeCursor(key).useRegion(ofs, view.length).buffer()
          sameBytes(t, theirs, original, "another manager's view")
          sameBytes(t, original, f.data.subarray(ofs, ofs + view.length), 'the view before the write')
        }))
    }
  }
}

test('writing into a standalone MapRegion and into SlidingWindowMapBuffer slice() copies leaves the file alone', (t) =>
  scope((use) => {
    const f = use(patternedFile(3 * G + 1, 'cow-standalone'))
    const region = use(new MapRegion(f.path, 0, Infinity))
    region.buffer().fill(0x11)
    t.is(region.map()[3 * G], 0x11)
    const man = use(new SlidingWindowMapManager({ windowSize: G }))
    const buf = use(new SlidingWindowMapBuffer(man.makeCursor(f.path)))
    const copy = buf.slice(10, 2 * G + 10) // spans windows: a copy, not a view
    copy.fill(0x22)
    sameBytes(t, buf.slice(10, 2 * G + 10), f.data.subarray(10, 2 * G + 10), 'the buffer reads the file, not the written copy')
    sameBytes(t, fs.readFileSync(f.path), f.data, 'the file')
  }))

/**
 * A consumer that transforms chunks in place (unmasking, say), keeps them, and reads other
 * pages of them without writing them: 16 windows under a budget of 2, so 14 are let go of
 * while their chunks are held. Returns the file, the manager and the chunks.
 */
function scanWritingChunks(t: ExecutionContext, use: <D extends { [Symbol.dispose](): void }>(d: D) => D) {
  const WINDOW = 4 * G
  const f = use(patternedFile(16 * WINDOW, 'cow-evicted'))
  const man = use(new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: 2 * WINDOW }))
  const buf = use(new SlidingWindowMapBuffer(man.makeCursor(f.path)))
  const held: Buffer[] = []
  for (const chunk of buf.chunks(WINDOW)) {
    t.is(chunk[0] + chunk[3 * G], f.data[held.length * WINDOW] + f.data[held.length * WINDOW + 3 * G])
    chunk[G + 7] ^= 0xff
    held.push(chunk)
  }
  t.true(man.stats().evictions >= 13, `windows were let go of while chunks were held (${man.stats().evictions})`)
  return { f, man, held, WINDOW }
}

// Windows empties the Buffers of a let-go window instead (README, "Guarantees").
const whereWindowsOutliveUse = files.windowsOutliveUse ? test : test.skip
whereWindowsOutliveUse('a chunk written into and held keeps its writes after its window is let go of to keep the budget', (t) =>
  scope((use) => {
    const { f, held, WINDOW } = scanWritingChunks(t, use)
    const expected = Buffer.from(f.data)
    for (let i = 0; i < held.length; i++) expected[i * WINDOW + G + 7] ^= 0xff
    sameBytes(t, Buffer.concat(held), expected, 'every chunk: its write, and the file elsewhere')
    sameBytes(t, fs.readFileSync(f.path), f.data, 'the file')
  }),
)

// Read back from /proc/self/smaps, which only Linux has.
const withSmaps = process.platform === 'linux' ? test : test.skip
withSmaps('let-go windows give their clean pages back and keep the written ones resident', (t) =>
  scope((use) => {
    const { f, man, held, WINDOW } = scanWritingChunks(t, use)
    t.true(man.stats().retainedBytes > 0, 'let-go windows that chunks reach stay mapped')
    const mappings = mappingsOf(f.path)
    const resident = mappings.reduce((sum, m) => sum + m.rss, 0)
    const written = mappings.reduce((sum, m) => sum + m.anonymous, 0)
    t.is(written, held.length * G, "every written page is still this process's copy")
    // Clean pages stay resident only in the (at most two) windows the budget keeps.
    t.true(resident - written <= 2 * WINDOW, `${(resident - written) / G} clean pages resident`)
  }),
)

test("a region mapped again after the written one was unmapped has the file's bytes", (t) =>
  scope((use) => {
    const f = use(patternedFile(4 * G, 'cow-remap'))
    const man = use(new SlidingWindowMapManager({ windowSize: 2 * G }))
    const c = use(man.makeCursor(f.path))
    c.useRegion(0).buffer().fill(0x77)
    c.release()
    t.is(man.collect(), 1)
    sameBytes(t, c.useRegion(0).buffer(), f.data.subarray(0, 2 * G), 'the private copy went with the mapping')
  }))

test('open flags that would write (O_TRUNC, O_CREAT, O_EXCL) never change the file', (t) =>
  scope((use) => {
    const f = use(patternedFile(64 * G + 3, 'cow-flags'))
    const { O_TRUNC, O_CREAT, O_EXCL } = fs.constants
    const writing = O_TRUNC | O_CREAT | O_EXCL
    use(new MapRegion(f.path, 0, G, O_TRUNC)).release()
    t.is(fs.statSync(f.path).size, f.data.length, 'new MapRegion(..., O_TRUNC)')
    const man = use(new SlidingWindowMapManager({ windowSize: G }))
    man
      .makeCursor(f.path)
      .useRegion(2 * G, 10, writing)
      .release()
    t.is(fs.statSync(f.path).size, f.data.length, 'useRegion(..., O_TRUNC | O_CREAT | O_EXCL)')
    // Far, lone reads are positional (pread on an fd the buffer opens with its flags).
    const buf = use(new SlidingWindowMapBuffer(man.makeCursor(f.path), 0, Infinity, writing))
    t.is(buf.readUInt32LE(60 * G), f.data.readUInt32LE(60 * G))
    t.is(buf.at(30 * G + 1), f.data[30 * G + 1])
    sameBytes(t, fs.readFileSync(f.path), f.data, 'the file after reads through a buffer opened with those flags')
  }))

withSmaps('Buffers held over let-go windows: clean pages go back in batches of at most a quarter of the budget, written ones stay', (t) =>
  scope((use) => {
    // 64 windows through a cursor under a budget of 18: 46 are let go of while a Buffer over
    // each is held, and at most 4.5 windows' worth (a quarter of the budget) wait to be given
    // back. The counts leave windows waiting at the end, which only collect() gives back.
    const WINDOW = 16 * G
    const f = use(patternedFile(64 * WINDOW, 'cow-batched-release'))
    const man = use(new SlidingWindowMapManager({ windowSize: WINDOW, maxMemorySize: 18 * WINDOW }))
    const cursor = man.makeCursor(f.path)
    const held: Buffer[] = []
    for (let w = 0; w < 64; w++) {
      const view = cursor.useRegion(w * WINDOW, WINDOW).buffer()
      let sum = 0
      for (let at = 0; at < WINDOW; at += G) sum += view[at] // every page resident
      t.is(sum, sumOfPageStarts(f.data.subarray(w * WINDOW, (w + 1) * WINDOW)))
      view[(w % 16) * G + 1] ^= 0xff // one page of each written
      held.push(view)
    }
    cursor.release()
    const clean = () => mappingsOf(f.path).reduce((sum, m) => sum + m.rss - m.anonymous, 0)
    const written = () => mappingsOf(f.path).reduce((sum, m) => sum + m.anonymous, 0)
    t.true(man.stats().retainedBytes >= 46 * WINDOW, 'the let-go windows stay mapped for their Buffers')
    t.true(clean() <= 22.5 * WINDOW, `${clean() / WINDOW} windows of clean pages resident: the budget's 18 and at most 4.5 waiting`)
    t.is(written(), 64 * G, 'every written page stays')
    man.collect()
    t.is(clean(), 0, 'collect() gives back the pages of every window it lets go of, and of those still waiting')
    t.is(written(), 64 * G, 'every written page stays')
    const expected = Buffer.from(f.data)
    for (let w = 0; w < 64; w++) expected[w * WINDOW + (w % 16) * G + 1] ^= 0xff
    sameBytes(t, Buffer.concat(held), expected, 'every Buffer: its write, and the file elsewhere, faulted in again')
  }),
)

function sumOfPageStarts(data: Buffer): number {
  let sum = 0
  for (let at = 0; at < data.length; at += G) sum += data[at]
  return sum
}
