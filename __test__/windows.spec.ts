// forceMapHandleRemovalWin(base) where it does something: on Windows a file cannot be deleted
// or truncated while a view of it exists, so a caller about to delete files unmaps every region
// under `base` first. Its Buffers must then be empty (never a view of unmapped memory), other
// files' Buffers exact, the counters true, and the file deletable. (Off Windows it does nothing:
// safety.spec.ts.)
import test from 'ava'
import fs = require('node:fs')
import zlib = require('node:zlib')
import { ALLOCATIONGRANULARITY as G, SlidingWindowMapBuffer, SlidingWindowMapManager } from 'smmap'
import files = require('./helpers/files')

const onWindows = process.platform === 'win32' ? test : test.skip

/** The error code `fn` throws, or null. */
function codeOf(fn: () => void): string | null {
  try {
    fn()
    return null
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e)
  }
}

onWindows('a mapped file cannot be deleted or truncated until forceMapHandleRemovalWin unmaps it', (t) => {
  const f = files.patternedFile(8 * G + 5, 'forcewin')
  const other = files.patternedFile(2 * G, 'forcewin-other') // in its own directory: stays mapped
  const man = new SlidingWindowMapManager({ windowSize: G })
  try {
    const held = man.makeCursor(f.path).useRegion(10, 100)
    const view = held.buffer()
    man
      .makeCursor(f.path)
      .useRegion(5 * G, 10)
      .unuseRegion() // an unused region of the file
    const buf = new SlidingWindowMapBuffer(man.makeCursor(f.path), 3 * G)
    t.is(buf.readUInt32LE(7), f.data.readUInt32LE(3 * G + 7))
    const kept = man.makeCursor(other.path).useRegion(0, 50)
    const keptView = kept.buffer()
    const regionsOfF = man.numFileHandles() - 1
    t.true(regionsOfF >= 3, `${regionsOfF} regions of the file`)

    const refusedDelete = codeOf(() => fs.unlinkSync(f.path))
    t.not(refusedDelete, null, 'deleting a mapped file fails')
    t.log(`delete: ${refusedDelete}`)
    const refusedTruncate = codeOf(() => fs.truncateSync(f.path, 10))
    t.not(refusedTruncate, null, 'truncating a mapped file fails')
    t.log(`truncate: ${refusedTruncate}`)
    t.is(fs.statSync(f.path).size, f.data.length, 'the file is intact')
    files.sameBytes(t, view, f.data.subarray(10, 110))

    t.is(man.forceMapHandleRemovalWin(f.dir), regionsOfF, 'every region of the file, used or not')
    t.is(view.length, 0, 'a Buffer over an unmapped region is empty')
    t.is(man.numFileHandles(), 1, "only the other file's region is left")
    t.is(man.numOpenFiles(), 1)
    t.is(man.mappedMemorySize(), kept.region()!.size())
    files.sameBytes(t, keptView, other.data.subarray(0, 50), 'a region outside the base is untouched')
    t.is(man.forceMapHandleRemovalWin(f.dir), 0, 'nothing left to release')

    buf.endAccess() // its fd for positional reads would keep the deleted file's name in use
    t.is(
      codeOf(() => fs.unlinkSync(f.path)),
      null,
      'then the file can be deleted',
    )
    t.false(fs.existsSync(f.path))
    t.is(
      codeOf(() => held.useRegion(0, 10)),
      'ENOENT',
      'the cursor maps again on use: the file is gone',
    )
  } finally {
    // The other file's window is still held, and a Buffer over it handed out: on Windows that
    // keeps the file until it is unmapped, which is what forceMapHandleRemovalWin is for.
    man.forceMapHandleRemovalWin(other.dir)
    man.close()
    f.remove()
    other.remove()
  }
})

onWindows('a let-go window is unmapped at once: its Buffers are emptied and the file can be deleted, while a lease keeps its window', async (t) => {
  const f = files.patternedFile(4 * G + 7, 'letgo-win')
  const man = new SlidingWindowMapManager({ windowSize: G, maxMemorySize: 2 * G })
  try {
    const buf = new SlidingWindowMapBuffer(man.makeCursor(f.path))
    const lease = buf.lease(G - 3, G + 5)
    const loose = buf.subarray(3 * G, 3 * G + 9)
    files.sameBytes(t, loose, f.data.subarray(3 * G, 3 * G + 9))
    // Reading across the file evicts the loose view's window under the small budget; the
    // leased one stays, so asynchronous code may go on reading it.
    for (let ofs = 0; ofs < f.data.length; ofs += G / 2) t.is(buf.readUInt8(ofs), f.data[ofs])
    t.is(man.stats().retainedBytes, 0)
    files.sameBytes(t, lease.buffer, f.data.subarray(G - 3, G + 5), 'the leased bytes')
    const inflated = await new Promise<Buffer>((resolve, reject) => {
      zlib.deflate(lease.buffer, (e: Error | null, out: Buffer) => (e ? reject(e) : resolve(out)))
    })
    files.sameBytes(t, zlib.inflateSync(inflated), f.data.subarray(G - 3, G + 5), 'zlib read the leased bytes')
    lease.release()
    buf.endAccess()
    man.close()
    t.is(loose.length, 0, "the let-go window's Buffer is empty, never a view of unmapped memory")
    fs.unlinkSync(f.path)
  } finally {
    man.close()
    f.remove()
  }
})
