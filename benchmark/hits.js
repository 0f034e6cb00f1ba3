#!/usr/bin/env node
// Checks that a hit makes no system call: N hits of each hit path between marker writes on
// stderr, so a trace of this process shows what happened in each stretch:
//   reads:           SlidingWindowMapBuffer.readUInt32LE
//   memory-reads:    Buffer.readUInt32LE on a Buffer in memory (the same loop without smmap)
//   cursor:          cursor.useRegion(o, 64).buffer()[0] (one new Buffer per hit)
//   memory-subarray: Buffer.subarray(o, o + 64)[0] on a Buffer in memory (the same allocation)
// Allocation means garbage collections (a uint32 above 2^30 is a heap number, too), and V8's
// collector makes a system call of its own per scavenge (getpid, for its tracer); each memory
// stretch shows how many that alone makes, so any difference would be smmap's.
// Usage, after the README's set-up:
//   strace -f -o /tmp/hits.trace node benchmark/hits.js 1000000
//   awk -f benchmark/stretches.awk /tmp/hits.trace
// (the system calls any thread of the process made during each stretch, by name).
'use strict'
const fs = require('node:fs')
const { SlidingWindowMapBuffer, SlidingWindowMapManager } = require('..')
const { randomOffsets } = require('./harness')
const { testFile, SIZE } = require('./testfile')

const HITS = Number(process.argv[2] ?? 1_000_000)
const PAGE = 4096

function main() {
  const file = testFile(() => {})
  const offsets = randomOffsets(HITS, SIZE - 64, 1, 0x9e3779b9)
  const manager = new SlidingWindowMapManager()
  const buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
  const cursor = manager.makeCursor(file)
  // Map and fault in everything first, and let the JIT compile both loops, so the measured
  // stretch holds nothing but hits.
  for (let ofs = 0; ofs < SIZE; ofs += PAGE) buf.readUInt8(ofs)
  cursor.useRegion(0, 64)
  const memory = Buffer.alloc(SIZE >>> 10, 7)
  const near = offsets.map((o) => o % (memory.length - 64))
  const stretches = {
    reads(count, sum) {
      for (let i = 0; i < count; i++) sum = (sum + buf.readUInt32LE(offsets[i])) >>> 0
      return sum
    },
    'memory-reads'(count, sum) {
      for (let i = 0; i < count; i++) sum = (sum + memory.readUInt32LE(near[i])) >>> 0
      return sum
    },
    cursor(count, sum) {
      for (let i = 0; i < count; i++) sum += cursor.useRegion(offsets[i], 64).buffer()[0]
      return sum
    },
    'memory-subarray'(count, sum) {
      for (let i = 0; i < count; i++) sum += memory.subarray(near[i], near[i] + 64)[0]
      return sum
    },
  }
  let sum = 0
  for (const [name, stretch] of Object.entries(stretches)) {
    // Many short calls first, so the JIT optimizes each stretch as a whole (not just its loop).
    for (let warm = 0; warm < 50; warm++) sum = stretch(Math.min(HITS, 100_000), sum)
    fs.writeSync(2, `smmap-hits begin ${name}\n`)
    sum = stretch(HITS, sum)
    fs.writeSync(2, `smmap-hits end ${name}\n`)
  }
  const { misses } = manager.stats()
  cursor.release()
  buf.endAccess()
  manager.close()
  if (misses !== 1) throw new Error(`expected one window for every hit, the manager mapped ${misses}`)
  fs.writeSync(2, `${HITS} hits in each stretch, 1 miss in all (checksum ${sum})\n`)
}

main()
