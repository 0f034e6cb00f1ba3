// Packaging check, ESM consumer: the named import works and does real work, the import
// condition resolves to the ESM entry, and `import` and `require` give the very same objects
// (one implementation behind both: no dual-package hazard).
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import smmapDefault, * as esm from 'smmap'
import { SlidingWindowMapManager, SlidingWindowMapBuffer, ALLOCATIONGRANULARITY } from 'smmap'

const require = createRequire(import.meta.url)
const cjs = require('smmap')

assert.match(import.meta.resolve('smmap'), /\/node_modules\/smmap\/index\.mjs$/, 'import resolves to the ESM entry')
assert.equal(SlidingWindowMapManager, cjs.SlidingWindowMapManager, 'import and require give the same class')
assert.equal(smmapDefault, cjs, 'the default import is the CommonJS module itself')
const esmNames = Object.keys(esm)
  .filter((name) => name !== 'default')
  .sort()
assert.deepEqual(esmNames, Object.keys(cjs).sort(), 'the ESM entry re-exports every name of the CommonJS one')
for (const name of esmNames) assert.equal(esm[name], cjs[name], `${name} is one object under import and require`)

const G = ALLOCATIONGRANULARITY
const size = 2 * G + 77
const data = Buffer.alloc(size)
for (let i = 0; i < size; i++) data[i] = (i * 31 + Math.floor(i / 4096) * 7) % 251
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-consumer-esm-'))
try {
  const file = path.join(dir, 'patterned.bin')
  fs.writeFileSync(file, data)
  const manager = new SlidingWindowMapManager({ windowSize: G })
  assert.ok(manager instanceof cjs.StaticWindowMapManager, 'instanceof holds across import and require')
  try {
    const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
    assert.equal(buf.at(G), data[G])
    assert.equal(buf.at(-1), data[size - 1])
    assert.deepEqual(buf.slice(G - 3, G + 3), data.subarray(G - 3, G + 3), 'a slice across a seam')
    buf.endAccess()
  } finally {
    manager.close()
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
process.stdout.write('ok')
