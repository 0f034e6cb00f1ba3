// Patterned test files. testFile() is benchmark/hits.js's: 1 GiB in os.tmpdir(), written once
// and reused by later runs, then read once so it starts in the page cache. writePatterned()
// writes the files `npm run bench` makes afresh for each run (see bench.js for why).
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const MiB = 1024 * 1024
const SIZE = 1024 * MiB
const PAGE = 4096
/**
 * Bytes per write. Large writes leave large folios in the page cache (ext4 on Linux 6.x), up
 * to 2 MiB ones that a mapping of the whole file can map with huge page-table entries; the
 * bench reports whether that happened (see `folios` in cache.js), since it depends on how
 * the file entered the page cache, not on smmap.
 */
const BLOCK = 8 * MiB
/** Starts the file; a file from an older layout (or a half-written one) lacks it and is rewritten. */
const MARKER = Buffer.from('smmap-bench v2 ')
const FILE = path.join(os.tmpdir(), 'smmap-bench-1GiB.bin')

/** The byte at file offset `i`: a 251-byte cycle, never all zeros, so misplaced reads show. */
function patternByte(i) {
  return i % 251
}

/**
 * One block as it sits at file offset `ofs`: the cycle, each page stamped with its own
 * offset (a double at the page start) and the marker over the first bytes of the file.
 */
function fillBlock(block, template, ofs) {
  template.copy(block, 0, ofs % 251, (ofs % 251) + block.length)
  for (let page = 0; page < block.length; page += PAGE) block.writeDoubleLE(ofs + page, page)
  if (ofs === 0) MARKER.copy(block, 0)
}

/** Whether `file` is a complete test file: size, marker, and the stamps of a few pages. */
function looksComplete(file) {
  let fd
  try {
    if (fs.statSync(file).size !== SIZE) return false
    fd = fs.openSync(file, 'r')
    const head = Buffer.alloc(MARKER.length)
    fs.readSync(fd, head, 0, head.length, 0)
    if (!head.equals(MARKER)) return false
    const stamp = Buffer.alloc(16)
    for (const page of [PAGE, SIZE / 2, SIZE - PAGE]) {
      fs.readSync(fd, stamp, 0, 16, page)
      if (stamp.readDoubleLE(0) !== page || stamp[8] !== patternByte(page + 8)) return false
    }
    return true
  } catch {
    return false
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * Writes `size` patterned bytes to `file` in `block`-byte writes under a temporary name, then
 * fsyncs and renames it, so an interrupted run leaves no half file under `file`'s name (a failed
 * write removes the temporary one too) and no dirty pages are left for writeback to flush in
 * the middle of a later measurement. The block size decides the
 * page-cache folios the file is left in: 8 MiB writes leave 2 MiB folios on ext4 (Linux
 * 6.18), 1 MiB writes leave small ones.
 */
function writePatterned(file, size, block) {
  const partial = `${file}.${process.pid}.partial`
  const template = Buffer.alloc(block + 251)
  for (let i = 0; i < template.length; i++) template[i] = patternByte(i)
  const buffer = Buffer.alloc(block)
  const fd = fs.openSync(partial, 'w')
  try {
    try {
      for (let ofs = 0; ofs < size; ofs += block) {
        fillBlock(buffer, template, ofs)
        fs.writeSync(fd, buffer, 0, Math.min(block, size - ofs), ofs)
      }
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch (error) {
    // A full disk, say: the half-written file goes too.
    fs.rmSync(partial, { force: true })
    throw error
  }
  fs.renameSync(partial, file)
}

function write(file, log) {
  writePatterned(file, SIZE, BLOCK)
  log(`wrote ${file} (${SIZE / MiB} MiB); later runs reuse it`)
}

/** Reads the whole file once so that it sits in the page cache. Returns the seconds it took. */
function prewarm(file) {
  const start = process.hrtime.bigint()
  const fd = fs.openSync(file, 'r')
  const block = Buffer.allocUnsafe(BLOCK)
  try {
    for (let ofs = 0; ofs < SIZE; ofs += BLOCK) fs.readSync(fd, block, 0, BLOCK, ofs)
  } finally {
    fs.closeSync(fd)
  }
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** The path of a complete, page-cached test file (written when missing or incomplete). */
function testFile(log) {
  if (!looksComplete(FILE)) write(FILE, log)
  const seconds = prewarm(FILE)
  log(`test file ${FILE} in the page cache (read in ${seconds.toFixed(2)} s)`)
  return FILE
}

module.exports = { testFile, writePatterned, patternByte, SIZE, MiB }
