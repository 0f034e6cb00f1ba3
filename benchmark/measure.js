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

/** The first byte of every page of `block[0, length)`: proof that a pass read what it claims. */
function pageSum(block, length) {
  let sum = 0
  for (let i = 0; i < length; i += PAGE) sum += block[i]
  return sum
}

module.exports = { PAGE, done, manager, pageSum }
