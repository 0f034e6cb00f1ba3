#!/usr/bin/env node
// The cursor hit path, side by side with fs.readSync of the same bytes and with a Buffer
// already in memory: a cursor moving inside its current window makes no native call.
// Run: node benchmark/hitpath.js   (after the README's set-up command)
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require('..')

const WINDOW = 1 << 20
const READ = 64
const ROUNDS = 2_000_000

function timeIt(label, fn) {
  fn(ROUNDS / 10) // warm up (JIT)
  const start = process.hrtime.bigint()
  const sink = fn(ROUNDS)
  const ns = Number(process.hrtime.bigint() - start) / ROUNDS
  return { label, ns, sink }
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmap-hitpath-'))
  const file = path.join(dir, 'data.bin')
  const data = Buffer.alloc(WINDOW)
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >>> 12) * 7) % 251
  fs.writeFileSync(file, data)
  const offsets = new Uint32Array(4096).map(() => Math.floor(Math.random() * (WINDOW - READ)))
  const manager = new SlidingWindowMapManager({ windowSize: WINDOW })
  const cursor = manager.makeCursor(file)
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
  const fd = fs.openSync(file, 'r')
  const scratch = Buffer.alloc(READ)
  try {
    const results = [
      timeIt('cursor.useRegion(ofs, 64).buffer()[0] (hit)', (n) => {
        let sum = 0
        for (let i = 0; i < n; i++) sum += cursor.useRegion(offsets[i & 4095], READ).buffer()[0]
        return sum
      }),
      timeIt('fs.readSync(fd, buf, 0, 64, ofs); buf[0]', (n) => {
        let sum = 0
        for (let i = 0; i < n; i++) {
          fs.readSync(fd, scratch, 0, READ, offsets[i & 4095])
          sum += scratch[0]
        }
        return sum
      }),
      timeIt('inMemory.subarray(ofs, ofs + 64)[0]', (n) => {
        let sum = 0
        for (let i = 0; i < n; i++) sum += data.subarray(offsets[i & 4095], offsets[i & 4095] + READ)[0]
        return sum
      }),
      timeIt('mapBuffer.readUInt32LE(ofs) (in window)', (n) => {
        let sum = 0
        for (let i = 0; i < n; i++) sum += buf.readUInt32LE(offsets[i & 4095])
        return sum
      }),
      timeIt('inMemory.readUInt32LE(ofs)', (n) => {
        let sum = 0
        for (let i = 0; i < n; i++) sum += data.readUInt32LE(offsets[i & 4095])
        return sum
      }),
    ]
    const base = results[1].ns
    for (const r of results) console.log(`${r.label.padEnd(48)} ${r.ns.toFixed(1).padStart(8)} ns/op  ${(base / r.ns).toFixed(1).padStart(6)}x vs readSync`)
    const stats = manager.stats()
    console.log(`manager: ${stats.misses} miss(es), ${stats.hits} hits`)
  } finally {
    fs.closeSync(fd)
    cursor.release()
    buf.endAccess()
    manager.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main()
