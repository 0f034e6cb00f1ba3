// What every timed child (workloads.js, event-loop.js) shares: the manager a spec describes,
// the page sum that proves a pass read its bytes, and the result a run prints.
'use strict'
const { SlidingWindowMapManager } = require('..')
const { elapsed } = require('./harness')

const PAGE = 4096

/** A manager from a spec: `window` and `budget` in bytes, 0 or absent for the defaults; `advice`. */
function manager(spec) {
  const options = {}
  if (spec.window) options.windowSize = spec.window
  if (spec.budget) options.maxMemorySize = spec.budget
  if (spec.advice) options.advice = spec.advice
  return new SlidingWindowMapManager(options)
}

/** Finishes a run: times, checksum, and what the manager saw. */
function done(start, sum, extra = {}, man = null) {
  const times = elapsed(start)
  const out = { ...times, sum, ...extra }
  if (man) {
    out.stats = man.stats()
    out.peakMapped = out.stats.peakMappedBytes
  }
  return out
}

/**
 * Runs `loop` over the warm-up list twice before the timed call. Once is not enough: V8 then
 * compiled only the loop's running frame (on-stack replacement), and compiled the loop whole
 * on its helper threads during the timed call, which process CPU counts. And the list must be
 * long enough for what each read calls to be compiled too: with 2,000 reads before W2's timed
 * 20,000, V8 compiled the whole miss path during the timed loop (process CPU 12% above the
 * main thread's); with 2 x 10,000, only 4% (`node --trace-opt`).
 */
function warmUp(loop, list) {
  loop(list)
  loop(list)
}

/** The first byte of every page of `block[0, length)`: proof that a pass read what it claims. */
function pageSum(block, length) {
  let sum = 0
  for (let i = 0; i < length; i += PAGE) sum += block[i]
  return sum
}

module.exports = { PAGE, done, manager, pageSum, warmUp }
