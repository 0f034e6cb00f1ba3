// examples/pack-index.js against indexes that git itself writes: a repository of thousands of
// objects made with `git fast-import` and packed by `git gc`; every object's offset checked
// against `git verify-pack -v`, every CRC32 against `git show-index` and against the packed
// bytes, and the same again through an index whose offsets git forced into the 64-bit table.
import childProcess = require('node:child_process')
import fs = require('node:fs')
import os = require('node:os')
import path = require('node:path')
import zlib = require('node:zlib')
import test from 'ava'

import files = require('./helpers/files')
import pkg = require('./helpers/smmap')

const { ALLOCATIONGRANULARITY } = pkg.smmap

const { mulberry32, randInt, testSeed } = files

interface PackIndex {
  readonly count: number
  readonly largeOffsetCount: number
  readonly packChecksum: string
  lookup(sha: string | Uint8Array): { offset: number; crc32: number } | undefined
  entries(): Iterable<{ sha: string; offset: number; crc32: number }>
  stats(): { peakMappedBytes: number; misses: number }
  close(): void
  [Symbol.dispose](): void
}
interface PackIndexClass {
  open(file: string, options?: { windowSize?: number; maxMemorySize?: number }): PackIndex
}

const script = path.join(path.dirname(require.resolve('smmap/package.json')), 'examples', 'pack-index.js')
const { PackIndex, PackIndexFormatError } = require(script) as { PackIndex: PackIndexClass; PackIndexFormatError: new () => Error }

/** Small windows (as small as the OS maps: 64 KiB on Windows), so SHA-1s and 64-bit offsets straddle window ends. */
const WINDOW = Math.max(8 * 1024, ALLOCATIONGRANULARITY)
const BUDGET = 4 * WINDOW

/** CRC-32 (IEEE), as zlib computes it; Node has zlib.crc32 only from 20.15. */
const crc32 =
  (zlib as { crc32?: (data: Uint8Array) => number }).crc32 ??
  ((data: Uint8Array) => {
    let crc = ~0
    for (const byte of data) {
      crc ^= byte
      for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
    }
    return ~crc >>> 0
  })

interface Repo {
  dir: string
  git(args: string[], input?: string | Buffer): string
}

/** A repository of 60 commits over 400 files in 20 directories: about 5,000 objects, many of them deltas. */
function makeRepo(seed: number): Repo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-pack-'))
  // No system or user configuration, no network, no prompts: the same git on every machine.
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(dir, 'no-gitconfig'), GIT_TERMINAL_PROMPT: '0' }
  const git = (args: string[], input?: string | Buffer) =>
    childProcess.execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=x@y', ...args], {
      cwd: dir,
      env,
      input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    })
  git(['init', '--quiet', '--object-format=sha1', '.'])
  const rand = mulberry32(seed)
  const contents = new Map<string, string>()
  let stream = ''
  for (let commit = 0; commit < 60; commit++) {
    const message = `commit ${commit}`
    stream += `commit refs/heads/main\ncommitter x <x@y> ${1_700_000_000 + commit} +0000\ndata ${message.length}\n${message}\n`
    for (let change = 0; change < 70; change++) {
      // Each change inserts a line into a file: new blobs that delta well against the old.
      const file = `dir${randInt(rand, 0, 19)}/file${randInt(rand, 0, 19)}.txt`
      const lines = (contents.get(file) ?? `${file}\n`).split('\n')
      lines.splice(randInt(rand, 0, lines.length), 0, `commit ${commit} change ${change}: ${'z'.repeat(randInt(rand, 0, 200))}`)
      const text = lines.join('\n')
      contents.set(file, text)
      stream += `M 100644 inline ${file}\ndata ${text.length}\n${text}\n`
    }
    stream += '\n'
  }
  git(['fast-import', '--quiet'], stream)
  git(['gc', '--quiet', '--prune=now'])
  return { dir, git }
}

interface PackedObject {
  sha: string
  type: string
  offset: number
  delta: boolean
}

/** `git verify-pack -v`: "sha type size size-in-pack offset [depth base-sha]" for each object. */
function verifyPack(repo: Repo, idx: string): PackedObject[] {
  const objects: PackedObject[] = []
  for (const line of repo.git(['verify-pack', '-v', idx]).split('\n')) {
    const fields = /^([0-9a-f]{40}) (\w+) +\d+ \d+ (\d+)( \d+ [0-9a-f]{40})?$/.exec(line)
    if (fields) objects.push({ sha: fields[1], type: fields[2], offset: Number(fields[3]), delta: fields[4] !== undefined })
  }
  return objects
}

/** `git show-index`: "offset sha (crc32)" for each object, in index (SHA-1) order. */
function showIndex(repo: Repo, idx: string): string {
  return repo.git(['show-index'], fs.readFileSync(idx))
}

function entriesAsShowIndex(index: PackIndex): string {
  let out = ''
  for (const { sha, offset, crc32 } of index.entries()) out += `${offset} ${sha} (${crc32.toString(16).padStart(8, '0')})\n`
  return out
}

let repo: Repo
let packIdx: string
let objects: PackedObject[]

test.before(() => {
  repo = makeRepo(testSeed())
  const packDir = path.join(repo.dir, '.git', 'objects', 'pack')
  const indexes = fs.readdirSync(packDir).filter((name) => name.endsWith('.idx'))
  if (indexes.length !== 1) throw new Error(`git gc left ${indexes.length} pack indexes`)
  packIdx = path.join(packDir, indexes[0])
  objects = verifyPack(repo, packIdx)
})

test.after.always(() => {
  if (repo) fs.rmSync(repo.dir, { recursive: true, force: true })
})

/** Checks every object's offset and the whole index against git's own readers. */
function checkEveryObject(t: import('ava').ExecutionContext, index: PackIndex, idx: string): void {
  t.is(index.count, objects.length)
  let wrong = 0
  for (const { sha, offset } of objects) {
    const found = index.lookup(sha)
    if (found?.offset !== offset && wrong++ < 5) t.fail(`${sha}: offset ${found?.offset}, git says ${offset}`)
  }
  t.is(wrong, 0, `${wrong} of ${objects.length} offsets differ from git verify-pack`)
  t.is(entriesAsShowIndex(index), showIndex(repo, idx), 'entries() as git show-index prints them')
  const stats = index.stats()
  t.true(stats.misses > 1, 'the index spans several windows')
  t.true(stats.peakMappedBytes <= BUDGET + WINDOW, `peak ${stats.peakMappedBytes} bytes mapped`)
}

test('every object of a pack git gc wrote: offsets as git verify-pack -v gives them, CRC32s as git show-index', (t) => {
  t.true(objects.length > 4000, `${objects.length} objects`)
  t.true(objects.some((o) => o.delta) && objects.some((o) => !o.delta), 'both whole objects and deltas')
  t.deepEqual(new Set(objects.map((o) => o.type)), new Set(['commit', 'tree', 'blob']))
  using index = PackIndex.open(packIdx, { windowSize: WINDOW, maxMemorySize: BUDGET })
  t.is(index.largeOffsetCount, 0)
  t.is(`pack-${index.packChecksum}.idx`, path.basename(packIdx))
  checkEveryObject(t, index, packIdx)
  const [first] = objects
  t.deepEqual(index.lookup(Buffer.from(first.sha, 'hex')), index.lookup(first.sha.toUpperCase()))
})

test("each CRC32 is that of the object's bytes in the pack", (t) => {
  using index = PackIndex.open(packIdx, { windowSize: WINDOW, maxMemorySize: BUDGET })
  const pack = fs.readFileSync(packIdx.replace(/\.idx$/, '.pack'))
  const byOffset = [...objects].sort((a, b) => a.offset - b.offset)
  let wrong = 0
  byOffset.forEach(({ sha, offset }, i) => {
    const end = i + 1 < byOffset.length ? byOffset[i + 1].offset : pack.length - 20 // the pack's trailing checksum
    if (index.lookup(sha)?.crc32 !== crc32(pack.subarray(offset, end)) && wrong++ < 5) t.fail(`${sha}: CRC32 differs`)
  })
  t.is(wrong, 0)
})

test('SHA-1s the pack does not hold are undefined; malformed ones throw', (t) => {
  using index = PackIndex.open(packIdx, { windowSize: WINDOW, maxMemorySize: BUDGET })
  const present = new Set(objects.map((o) => o.sha))
  const absent = ['0'.repeat(40), 'f'.repeat(40)]
  for (const { sha } of objects.slice(0, 500)) {
    // Neighbours in sort order: same bucket, same long prefix.
    const bytes = Buffer.from(sha, 'hex')
    bytes[19] ^= 1
    absent.push(bytes.toString('hex'))
  }
  const rand = mulberry32(testSeed())
  for (let i = 0; i < 1000; i++) absent.push(Array.from({ length: 5 }, () => randInt(rand, 0, 0xffffffff).toString(16).padStart(8, '0')).join(''))
  for (const sha of absent.filter((s) => !present.has(s))) t.is(index.lookup(sha), undefined, sha)
  t.throws(() => index.lookup('abc'), { instanceOf: TypeError })
  t.throws(() => index.lookup(Buffer.alloc(19, 7)), { instanceOf: TypeError })
})

test('an index with offsets forced into the 64-bit table gives the same answers', (t) => {
  const pack = packIdx.replace(/\.idx$/, '.pack')
  const offsets = objects.map((o) => o.offset).sort((a, b) => a - b)
  const limit = offsets[offsets.length >> 1]
  const forced = path.join(repo.dir, 'forced.idx')
  // git's test hook: entries for objects past `limit` go through the 64-bit table.
  repo.git(['index-pack', `--index-version=2,${limit}`, '-o', forced, pack])
  using index = PackIndex.open(forced, { windowSize: WINDOW, maxMemorySize: BUDGET })
  const large = offsets.filter((offset) => offset > limit).length
  t.true(large > 0 && large < objects.length)
  t.is(index.largeOffsetCount, large)
  t.is(fs.statSync(forced).size, fs.statSync(packIdx).size + 8 * large)
  checkEveryObject(t, index, forced)
  using plain = PackIndex.open(packIdx)
  t.is(entriesAsShowIndex(index), entriesAsShowIndex(plain))
})

test('files that are not version 2 pack indexes are refused', (t) => {
  const v1 = path.join(repo.dir, 'v1.idx')
  repo.git(['index-pack', '--index-version=1', '-o', v1, packIdx.replace(/\.idx$/, '.pack')])
  t.throws(() => PackIndex.open(v1), { instanceOf: PackIndexFormatError, message: /magic/ })
  const v2 = fs.readFileSync(packIdx)
  const bad = path.join(repo.dir, 'bad.idx')
  const refused = (bytes: Buffer, message: RegExp) => {
    fs.writeFileSync(bad, bytes)
    t.throws(() => PackIndex.open(bad), { instanceOf: PackIndexFormatError, message })
  }
  const version3 = Buffer.from(v2)
  version3.writeUInt32BE(3, 4)
  refused(version3, /version 3/)
  refused(v2.subarray(0, v2.length - 1), /does not fit/)
  refused(v2.subarray(0, 100), /too short/)
  const decreasing = Buffer.from(v2)
  decreasing.writeUInt32BE(0xffffffff, 8 + 4 * 10)
  refused(decreasing, /decreases/)
})

test('the command line prints what git show-index prints, and looks up one SHA-1', (t) => {
  const env = { ...process.env, HOME: repo.dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(repo.dir, 'no-gitconfig') }
  const run = (...args: string[]) =>
    childProcess.spawnSync(process.execPath, [script, ...args], { cwd: repo.dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  t.is(run(packIdx).stdout, showIndex(repo, packIdx))
  t.is(run().stdout, showIndex(repo, packIdx), "without a path: the repository's pack index")
  const { sha, offset } = objects[objects.length >> 1]
  const one = run(packIdx, sha)
  t.is(one.status, 0)
  t.regex(one.stdout, new RegExp(`^${offset} ${sha} \\([0-9a-f]{8}\\)\\n$`))
  t.is(run(sha.toUpperCase()).stdout, one.stdout, "without a path: looked up in the repository's packs")
  const missing = run(packIdx, '0'.repeat(40))
  t.is(missing.status, 1)
  t.regex(missing.stderr, /not in/)
  t.is(run(packIdx, 'not-a-sha').status, 2)
  const notIndex = run(path.join(repo.dir, '.git', 'HEAD'))
  t.is(notIndex.status, 1)
  t.regex(notIndex.stderr, /^.*HEAD: not a version 2 pack index: .*\n$/, 'a one-line message, no stack trace')
})
