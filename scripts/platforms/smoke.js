#!/usr/bin/env node
// Platform smoke test for smmap: loads the package through its own loader (index.js ->
// dist/lib/native.js -> dist/binding.js, which picks dist/smmap.<platform>.node), maps a patterned file,
// reads windows and checks every byte, checks the allocation granularity and alignment, and
// on Windows checks that a mapped file cannot be deleted or truncated until
// forceMapHandleRemovalWin(dir) unmaps it. Plain CommonJS, no dependencies, so it runs under
// any Node (Wine's node.exe, qemu's arm64 node, a musl node).
//
//   node smoke.js [PROJECT_DIR]      (default: the current directory)
//
// Prints one JSON report; exit 0 when every check passed.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.resolve(process.argv[2] || '.')
const checks = []
const report = { platform: process.platform, arch: process.arch, node: process.version }
function check(name, ok, detail) {
  checks.push({ name, ok: Boolean(ok), ...(detail === undefined ? {} : { detail }) })
}
function throwsCode(fn) {
  try {
    fn()
    return null
  } catch (e) {
    return e.code || String(e)
  }
}

const t0 = Date.now()
const smmap = require(root)
report.loadMs = Date.now() - t0
const binding = require(path.join(root, 'dist', 'binding.js'))
report.bindingTarget = binding.__napiBindingTarget || 'native'
report.nodeFiles = fs.readdirSync(path.join(root, 'dist')).filter((f) => /^smmap\..*\.node$/.test(f))

const G = smmap.ALLOCATIONGRANULARITY
const expectedG = { win32: 65536, linux: 4096, darwin: process.arch === 'arm64' ? 16384 : 4096 }[process.platform]
report.granularity = G
check(`ALLOCATIONGRANULARITY is ${expectedG}`, G === expectedG, G)
check('is64Bit()', smmap.is64Bit() === true)
check('alignToMmap(G + 1) is G, rounded up 2G', smmap.alignToMmap(G + 1, false) === G && smmap.alignToMmap(G + 1, true) === 2 * G)

// A patterned file: never all zeros, changes every byte and every 4 KiB.
const size = 40 * G + 777
const data = Buffer.allocUnsafe(size)
for (let i = 0; i < size; i++) data[i] = (i * 31 + Math.floor(i / 4096) * 7) % 251
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-smoke-'))
const file = path.join(dir, 'data.bin')
fs.writeFileSync(file, data)
// The same bytes for the standalone region and fd checks, whose Buffers stay mapped until
// collected: on Windows they would keep `file` from being deleted below.
const file2 = path.join(dir, 'data2.bin')
fs.writeFileSync(file2, data)
report.file = file

const man = new smmap.SlidingWindowMapManager({ windowSize: 4 * G, maxMemorySize: 16 * G })
const cursor = man.makeCursor(file)
const offsets = [0, 1, G - 1, G, 3 * G + 5, 17 * G + 100, 39 * G, size - 10, size - 1]
for (let k = 0; k < 40; k++) offsets.push(Math.floor((((k * 2654435761) >>> 0) / 2 ** 32) * size))
let windowsOk = true
let alignedOk = true
let largest = 0
for (const ofs of offsets) {
  cursor.useRegion(ofs, 100)
  if (!cursor.isValid() || cursor.ofsBegin() !== ofs) windowsOk = false
  const want = data.subarray(ofs, ofs + cursor.size())
  if (Buffer.compare(cursor.buffer(), want) !== 0 || cursor.size() !== Math.min(100, size - ofs)) windowsOk = false
  const region = cursor.region()
  if (region.ofsBegin() % G !== 0) alignedOk = false
  largest = Math.max(largest, region.size())
}
check(`${offsets.length} cursor windows hold the file's bytes`, windowsOk)
check('every region starts on a multiple of G', alignedOk)
// smmap widens a window to granule boundaries after sizing it: at most windowSize + G.
check('no region is larger than windowSize + G', largest <= 5 * G, largest)
check('past the end the cursor is invalid', !cursor.useRegion(size, 1).isValid())
check('budget kept', man.mappedMemorySize() <= 16 * G + 4 * G, man.mappedMemorySize())

const buf = new smmap.SlidingWindowMapBuffer(man.makeCursor(file))
let wordsOk = true
for (const at of [0, G - 2, G - 1, 4 * G - 3, 8 * G - 1, size - 4]) {
  if (buf.readUInt32LE(at) !== data.readUInt32LE(at) || buf.readUInt32BE(at) !== data.readUInt32BE(at)) wordsOk = false
}
check('values across window boundaries are read whole', wordsOk)
const parts = []
for (const chunk of buf.chunks(3 * G + 5)) parts.push(Buffer.from(chunk)) // each chunk is valid until the next
const whole = Buffer.concat(parts)
check('chunks() concatenated equal the file', Buffer.compare(whole, data) === 0, whole.length)
check('slice() across windows', Buffer.compare(buf.slice(G - 50, 9 * G + 50), data.subarray(G - 50, 9 * G + 50)) === 0)
buf.endAccess()

check('new MapRegion at an unaligned offset throws ERR_OUT_OF_RANGE', throwsCode(() => new smmap.MapRegion(file2, G / 2, 10)) === 'ERR_OUT_OF_RANGE')
const region = new smmap.MapRegion(file2, G, 2 * G)
check(
  'MapRegion(file, G, 2G) maps [G, 3G)',
  region.ofsBegin() === G && region.size() === 2 * G && Buffer.compare(region.buffer(), data.subarray(G, 3 * G)) === 0,
)
let regionBytes = region.buffer()
region.release()
// Buffers handed out keep their bytes until collected, after release() or close(); on Windows,
// where a mapped file cannot be deleted, they are emptied at once instead.
if (process.platform === 'win32') check("a released MapRegion's Buffer is emptied", regionBytes.length === 0)
else check("a released MapRegion's Buffer keeps its bytes", Buffer.compare(regionBytes, data.subarray(G, 3 * G)) === 0)
regionBytes = null
check('ENOENT for a missing file', throwsCode(() => man.makeCursor(path.join(dir, 'missing.bin')).useRegion(0)) === 'ENOENT')

// A fd-keyed cursor (on Windows the binding turns the CRT fd into a HANDLE).
const fd = fs.openSync(file2, 'r')
try {
  const fdCursor = man.makeCursor(fd).useRegion(5 * G + 3, 64)
  check('fd-keyed cursor reads the bytes', fdCursor.isValid() && Buffer.compare(fdCursor.buffer(), data.subarray(5 * G + 3, 5 * G + 67)) === 0)
  fdCursor.release()
  man.collect() // an fd-keyed region has no path: forceMapHandleRemovalWin(dir) would not release it
} catch (e) {
  check('fd-keyed cursor reads the bytes', false, `${e.code}: ${e.message}`)
}
const closedFd = fs.openSync(file2, 'r')
fs.closeSync(closedFd)
const badFd = throwsCode(() => man.makeCursor(closedFd).useRegion(0, 10))
check('a closed fd gives EBADF', badFd === 'EBADF', badFd)

// Deleting and truncating a mapped file.
;(async () => {
  cursor.useRegion(2 * G + 7, 64)
  const held = cursor.buffer()
  const mappedRegions = man.numFileHandles()
  if (process.platform === 'win32') {
    const del = throwsCode(() => fs.unlinkSync(file))
    check('Windows: deleting a mapped file fails', del !== null, del)
    const trunc = throwsCode(() => fs.truncateSync(file, 10))
    check('Windows: truncating a mapped file fails', trunc !== null, trunc)
    check('Windows: the file is intact', fs.statSync(file).size === size)
    // Views handed out earlier (chunks(), dropped Buffers) stay mapped until V8 collects them,
    // and forceMapHandleRemovalWin only reaches the windows the manager still holds: collect
    // first, as a caller about to delete files would.
    report.collectedFirst = typeof globalThis.gc === 'function'
    for (let i = 0; i < 3 && globalThis.gc; i++) {
      globalThis.gc()
      await new Promise((resolve) => setImmediate(resolve))
    }
    const released = man.forceMapHandleRemovalWin(dir)
    check('Windows: forceMapHandleRemovalWin(dir) releases every region of the file', released === mappedRegions && released > 0, { released, mappedRegions })
    check(
      'Windows: after it, Buffers over them are empty and no region is left',
      held.length === 0 && man.numFileHandles() === 0 && man.mappedMemorySize() === 0,
      { held: held.length, handles: man.numFileHandles() },
    )
    check('Windows: forceMapHandleRemovalWin(other dir) releases nothing', man.forceMapHandleRemovalWin(path.join(dir, 'elsewhere')) === 0)
    fs.closeSync(fd)
    const del2 = throwsCode(() => fs.unlinkSync(file))
    check('Windows: then the file can be deleted', del2 === null && !fs.existsSync(file), del2)
    check('Windows: the cursor maps again on use (file gone: ENOENT)', throwsCode(() => cursor.useRegion(0, 10)) === 'ENOENT')
  } else {
    check('forceMapHandleRemovalWin returns 0 off Windows', man.forceMapHandleRemovalWin(dir) === 0 && man.numFileHandles() === mappedRegions)
    fs.closeSync(fd)
    const del = throwsCode(() => fs.unlinkSync(file))
    check('POSIX: a mapped file can be deleted', del === null, del)
    check('POSIX: its mapping still reads the bytes', Buffer.compare(held, data.subarray(2 * G + 7, 2 * G + 71)) === 0)
  }
  cursor.release()
  man.close()
  if (process.platform === 'win32') check('after close() the force-removed Buffer stays empty', held.length === 0)
  else check('after close() a Buffer keeps its bytes', Buffer.compare(held, data.subarray(2 * G + 7, 2 * G + 71)) === 0)
  // Nothing is mapped any more on Windows either, so the files can be deleted.
  try {
    fs.rmSync(dir, { recursive: true, force: true })
    check('the files can be deleted after close()', true)
  } catch (e) {
    check('the files can be deleted after close()', false, `${dir} (${e.code})`)
  }

  report.ms = Date.now() - t0
  report.passed = checks.filter((c) => c.ok).length
  report.failed = checks.filter((c) => !c.ok).length
  report.checks = checks
  console.log(JSON.stringify(report, null, 1))
  console.log(`smoke ${process.platform}-${process.arch}: ${report.passed} passed, ${report.failed} failed`)
  process.exitCode = report.failed === 0 ? 0 : 1
})()
