// W6's contenders: an asynchronous pass over the file with the event loop watched (the worst
// lateness of a 1 ms timer) and what the machine did to the process meanwhile.
'use strict'
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { SlidingWindowMapBuffer } = require('..')
const { clock } = require('./harness')
const { done, manager, pageSum } = require('./measure')

/**
 * Watches the event loop; `result()` is the worst delay seen (`stallMs`, milliseconds) with what
 * the machine did to the process meanwhile, to tell a stall of the scan's own making from one
 * the machine imposed: page faults that waited for the disk (`majorFaults`: pages of the file
 * or of Node's own code that reclaim took away) and CPU time the hypervisor gave to others
 * (`stealMs`, all CPUs, Linux only). `mainMs` is the JavaScript thread's own CPU time over the
 * pass (Linux only): the time the event loop was not free, whatever the other threads did.
 */
function loopWatch() {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  const faults = process.resourceUsage().majorPageFault
  const steal = stolenMs()
  const main = mainThreadMs()
  histogram.enable()
  return {
    result() {
      histogram.disable()
      const stolen = stolenMs()
      const mainNow = mainThreadMs()
      return {
        stallMs: histogram.max / 1e6,
        majorFaults: process.resourceUsage().majorPageFault - faults,
        stealMs: stolen === null || steal === null ? null : stolen - steal,
        mainMs: mainNow === null || main === null ? null : mainNow - main,
      }
    },
  }
}

/** Milliseconds the calling (JavaScript) thread has run on a CPU (/proc/thread-self/schedstat), or null. */
function mainThreadMs() {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]) / 1e6
  } catch {
    return null
  }
}

/** Milliseconds of CPU time stolen by the hypervisor since boot (/proc/stat), or null. */
function stolenMs() {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/)
    return (Number(fields[8]) * 1000) / 100 // USER_HZ is 100 on Linux
  } catch {
    return null
  }
}

/**
 * A pass over the file through a buffer of the spec's manager, its chunks taken from
 * `chunksOf(buf)` (an async iterable), with the event loop watched.
 */
async function bufferPass(spec, chunksOf) {
  const man = manager(spec)
  const buf = new SlidingWindowMapBuffer(man.makeCursor(spec.file), 0, spec.size)
  const watch = loopWatch()
  let sum = 0
  try {
    const start = clock()
    for await (const chunk of chunksOf(buf)) sum += pageSum(chunk, chunk.length)
    return done(start, sum, watch.result(), man)
  } finally {
    buf.endAccess()
    man.close()
  }
}

const asyncForAwait = (spec) => bufferPass(spec, (buf) => buf.chunksAsync(spec.chunk))

/** The package's own stream over the same pass, consumed as `fs.createReadStream`'s is. */
const asyncBufferStream = (spec) => bufferPass(spec, (buf) => buf.createReadStream({ highWaterMark: spec.chunk }))

async function asyncReadStream(spec) {
  const watch = loopWatch()
  let sum = 0
  const start = clock()
  for await (const chunk of fs.createReadStream(spec.file, { highWaterMark: spec.chunk, end: spec.size - 1 })) sum += pageSum(chunk, chunk.length)
  return done(start, sum, watch.result())
}

/**
 * W6's control: this event loop does nothing but watch itself while another process (`dd`)
 * reads the cold file, so its worst stall is what the machine alone imposes (scheduling and
 * I/O completion on few cores), a floor under both contenders'. Reads nothing itself: no sum.
 */
async function asyncIdleWhileRead(spec) {
  const watch = loopWatch()
  const start = clock()
  const dd = spawn('dd', [`if=${spec.file}`, 'of=/dev/null', 'bs=1M', `count=${Math.ceil(spec.size / (1 << 20))}`], { stdio: 'ignore' })
  const code = await new Promise((resolve, reject) => dd.on('error', reject).on('exit', resolve))
  if (code !== 0) throw new Error(`dd exited with ${code}`)
  return done(start, undefined, watch.result())
}

module.exports = { asyncForAwait, asyncBufferStream, asyncReadStream, asyncIdleWhileRead }
