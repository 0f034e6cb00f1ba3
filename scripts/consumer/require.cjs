// Packaging check, CommonJS consumer: runs in a temp project that installed the packed
// tarballs. It maps a patterned file through small windows, reads bytes on both sides of each
// window seam, and prints what it loaded from the installed package so pack-check.mjs can
// compare the tarball with what runs.
'use strict'
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const smmap = require('smmap')

const G = smmap.ALLOCATIONGRANULARITY
const size = 3 * G + 123
const data = Buffer.alloc(size)
for (let i = 0; i < size; i++) data[i] = (i * 31 + Math.floor(i / 4096) * 7) % 251
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-consumer-cjs-'))
try {
  const file = path.join(dir, 'patterned.bin')
  fs.writeFileSync(file, data)
  const manager = new smmap.SlidingWindowMapManager({ windowSize: G })
  try {
    const cursor = manager.makeCursor(file)
    for (const ofs of [0, G - 1, G, 2 * G + 5, size - 1]) {
      cursor.useRegion(ofs, 1)
      assert.ok(cursor.isValid(), `a cursor at ${ofs} is valid`)
      assert.equal(cursor.buffer()[0], data[ofs], `byte ${ofs}`)
    }
    cursor.release()
    const buf = new smmap.SlidingWindowMapBuffer(manager.makeCursor(file))
    assert.equal(buf.length, size)
    assert.deepEqual(buf.slice(G - 7, 2 * G + 9), data.subarray(G - 7, 2 * G + 9), 'a slice across two seams')
    assert.equal(buf.readUInt32LE(G - 2), data.readUInt32LE(G - 2), 'a read straddling a seam')
    buf.endAccess()
    assert.ok(manager.numFileHandles() > 1, 'the small window made more than one region')
  } finally {
    manager.close()
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}

const pkgDir = path.dirname(require.resolve('smmap/package.json'))
const loaded = Object.keys(require.cache)
const nativeAddons = loaded.filter((f) => f.endsWith('.node'))
process.stdout.write(
  JSON.stringify({
    pkgDir,
    packageFiles: loaded.filter((f) => f.startsWith(pkgDir + path.sep)).map((f) => path.relative(pkgDir, f)),
    nativeAddons,
  }),
)
