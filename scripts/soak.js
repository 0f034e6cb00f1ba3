#!/usr/bin/env node
// The long stress run (`npm run soak`): rounds of the engine that stress.spec.ts runs in
// `npm test`, each with fresh managers, files and a seed of its own, until SMMAP_SOAK_OPS
// operations (default 5,000,000) have run. Every round ends with collect(), no mapping of its
// files left and no extra fd open. SMMAP_TEST_SEED=<seed> repeats a failing round first.
'use strict'
const path = require('node:path')

const engine = path.join(__dirname, '..', 'test-build', '__test__', 'helpers', 'stress.js')
let runStress
try {
  ;({ runStress } = require(engine))
} catch (error) {
  console.error(`soak: cannot load ${engine} (run \`npm run build:tests\` first): ${error.message}`)
  process.exit(2)
}

const total = Number(process.env.SMMAP_SOAK_OPS || 5_000_000)
const perRound = Math.min(total, Number(process.env.SMMAP_SOAK_ROUND_OPS || 250_000))
if (!Number.isSafeInteger(total) || total <= 0 || !Number.isSafeInteger(perRound) || perRound <= 0) {
  console.error('soak: SMMAP_SOAK_OPS and SMMAP_SOAK_ROUND_OPS must be positive integers')
  process.exit(2)
}
const firstSeed = process.env.SMMAP_TEST_SEED ? Number(process.env.SMMAP_TEST_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0

const sums = { ops: 0, rounds: 0, cursorsMade: 0, buffersMade: 0, hits: 0, misses: 0, evictions: 0, limitErrors: 0, bytesVerified: 0 }
const started = Date.now()
async function main() {
  for (let round = 0; sums.ops < total; round++) {
    const seed = (firstSeed + round * 0x9e3779b9) >>> 0
    const ops = Math.min(perRound, total - sums.ops)
    let result
    try {
      result = await runStress({ seed, ops })
    } catch (error) {
      console.error(`soak: round ${round} failed after ${sums.ops} operations in earlier rounds\n${error.message}`)
      process.exit(1)
    }
    sums.rounds++
    for (const key of Object.keys(sums)) if (key !== 'rounds') sums[key] += result[key]
    console.log(
      `round ${round} seed ${seed}: ${result.ops} ops in ${result.ms} ms (${result.misses} maps, ${result.evictions} evictions, ${result.limitErrors} limit errors); ${sums.ops}/${total}`,
    )
  }
  console.log(`soak passed: ${JSON.stringify({ ...sums, seconds: Math.round((Date.now() - started) / 1000) })}`)
}
main()
