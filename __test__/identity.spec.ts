// File identity: a cursor or buffer reads the file it started on, as an open fd does, and one
// made later reads the file at the path then. Never bytes of two files from one reader.
import test from 'ava'
import fs = require('node:fs')
import { SlidingWindowMapBuffer, SlidingWindowMapManager } from 'smmap'
import files = require('./helpers/files')

const page = 4096
const posix = process.platform !== 'win32' ? test : test.skip // Windows refuses to replace a mapped file

/** A file of `size` bytes all `byte`, distinct from the patterned one. */
const filled = (size: number, byte: number) => Buffer.alloc(size, byte)

posix('a path replaced by rename(): the old buffer reads only the old file, a new one only the new file', (t) => {
  using file = files.patternedFile(128 * page, 'identity-rename')
  using manager = new SlidingWindowMapManager({ windowSize: 16 * page })
  using old = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  t.is(old.readUInt32LE(0), file.data.readUInt32LE(0)) // one window of the old file is mapped
  const replacement = filled(64 * page, 0x5a)
  fs.writeFileSync(`${file.path}.new`, replacement)
  fs.renameSync(`${file.path}.new`, file.path)
  files.sameBytes(t, old.slice(), file.data, 'the old buffer, across all its windows')
  using fresh = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  t.is(fresh.length, replacement.length, 'the new buffer has the new length')
  files.sameBytes(t, fresh.slice(), replacement, 'and only the new bytes')
  files.sameBytes(t, old.slice(100 * page, 101 * page), file.data.subarray(100 * page, 101 * page), 'the old buffer still')
})

posix('an fd closed and its number reused: a cursor made on it reads the new file', (t) => {
  using one = files.patternedFile(8 * page, 'identity-fd-one')
  using two = files.tempFile(filled(8 * page, 0x33), 'identity-fd-two')
  using manager = new SlidingWindowMapManager({ windowSize: 4 * page })
  const first = fs.openSync(one.path, 'r')
  const before = manager.makeCursor(first).useRegion(0, 16)
  files.sameBytes(t, before.buffer(), one.data.subarray(0, 16))
  before.release()
  fs.closeSync(first)
  const second = fs.openSync(two.path, 'r')
  try {
    t.is(second, first, 'the OS gave the number back')
    const after = manager.makeCursor(second).useRegion(0, 16)
    files.sameBytes(t, after.buffer(), two.data.subarray(0, 16), 'the new file, not the cached window of the old one')
    after.release()
  } finally {
    fs.closeSync(second)
  }
})

posix('a file deleted while a buffer reads it: the buffer goes on reading it, as an open fd would', (t) => {
  using file = files.patternedFile(64 * page, 'identity-deleted')
  using manager = new SlidingWindowMapManager({ windowSize: 8 * page })
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file.path))
  t.is(buf.readUInt8(0), file.data[0])
  fs.rmSync(file.path)
  files.sameBytes(t, buf.slice(40 * page, 50 * page), file.data.subarray(40 * page, 50 * page))
  t.is(buf.readUInt32LE(60 * page), file.data.readUInt32LE(60 * page), 'positional reads too')
})
