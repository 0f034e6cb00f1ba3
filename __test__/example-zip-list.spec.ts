// examples/zip-list.js: a ZIP archive written by Info-ZIP's zip, read through yauzl's
// random-access reader over the package, under a budget far below the archive's size while
// other windows come and go: every entry's bytes and CRC-32 equal the originals.
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import fs = require('node:fs')
import os = require('node:os')
import path = require('node:path')
import zlib = require('node:zlib')
import files = require('./helpers/files')

const root = path.dirname(require.resolve('smmap/package.json'))
const { ZipArchive } = require(path.join(root, 'examples', 'zip-list.js'))

function hasZip(): boolean {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const withZip = hasZip() ? test : test.skip
const skipped = hasZip() ? '' : ' (skipped: no Info-ZIP `zip` on this machine; apt-get install zip)'

/** Writes `contents` as files under a fresh directory and zips them with `zip -r`. */
function makeArchive(contents: Record<string, Buffer>): { zip: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-zip-'))
  for (const [name, bytes] of Object.entries(contents)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'in', name)), { recursive: true })
    fs.writeFileSync(path.join(dir, 'in', name), bytes)
  }
  const zip = path.join(dir, 'archive.zip')
  execFileSync('zip', ['-q', '-r', zip, '.'], { cwd: path.join(dir, 'in') })
  return { zip, dir }
}

withZip(`every entry of a zip archive, read through yauzl over the package, equals the original${skipped}`, async (t) => {
  const contents: Record<string, Buffer> = {
    'text/readme.txt': Buffer.from('smmap reads ZIP archives through yauzl\n'.repeat(2000)),
    'data/patterned.bin': files.pattern(3 * 1024 * 1024 + 17),
    'data/random.bin': Buffer.from(Array.from({ length: 700_000 }, (_, i) => (i * 2654435761) >>> 24)),
    'empty.txt': Buffer.alloc(0),
    'nested/deeper/tiny.txt': Buffer.from('x'),
  }
  const { zip, dir } = makeArchive(contents)
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const archive = await ZipArchive.open(zip, { windowSize: 64 * 1024, maxMemorySize: 128 * 1024 })
  try {
    const entries = (await archive.entries()).filter((e: { fileName: string }) => !e.fileName.endsWith('/'))
    t.deepEqual(entries.map((e: { fileName: string }) => e.fileName).sort(), Object.keys(contents).sort())
    for (const entry of entries) {
      const parts: Buffer[] = []
      for await (const chunk of await archive.openReadStream(entry)) parts.push(chunk as Buffer)
      const bytes = Buffer.concat(parts)
      files.sameBytes(t, bytes, contents[entry.fileName], entry.fileName)
      t.is(zlib.crc32(bytes), entry.crc32, `${entry.fileName}: CRC-32`)
    }
    t.true(archive.manager.stats().peakMappedBytes <= 128 * 1024 + 64 * 1024, 'within the budget plus one window')
  } finally {
    archive.close()
  }
})

withZip(`the zip-list command lists entries and extracts one${skipped}`, (t) => {
  const readme = Buffer.from('hello from a zip entry\n')
  const { zip, dir } = makeArchive({ 'a.txt': readme, 'b/c.bin': files.pattern(5000) })
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const script = path.join(root, 'examples', 'zip-list.js')
  const list = spawnSync(process.execPath, [script, zip], { encoding: 'utf8' })
  t.is(list.status, 0, list.stderr)
  t.regex(list.stdout, /^\s+23 {2}[0-9a-f]{8} {2}a\.txt$/m)
  t.regex(list.stdout, /^\s+5000 {2}[0-9a-f]{8} {2}b\/c\.bin$/m)
  const extract = spawnSync(process.execPath, [script, zip, 'a.txt'], { encoding: 'buffer' })
  t.is(extract.status, 0, String(extract.stderr))
  files.sameBytes(t, extract.stdout, readme)
})
