#!/usr/bin/env node
// `npm run soak:hostile`: the package in a hostile environment, round after round, each case in
// a child process of its own: SIGBUS handlers added and removed by other code, a SIGBUS sent by
// kill (which must end the child, as without the package), more regions than any fixed table,
// files truncated under mappings, under a single copy and under a Buffer read on the thread
// pool, asynchronous consumers holding views,
// an open-file limit reached, and the stress engine under a low `ulimit -n`. Exits 1 with the
// round and case at the first failure. SMMAP_SOAK_ROUNDS (default 10) sets the rounds.
'use strict'
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const fixtures = path.join(__dirname, '..', 'test-build', '__test__', 'fixtures')
const engine = path.join(__dirname, '..', 'test-build', '__test__', 'helpers', 'stress.js')
const rounds = Number(process.env.SMMAP_SOAK_ROUNDS || 10)
const posix = process.platform !== 'win32'

/** Each case: the fixture, its environment, and what a correct run ends with. */
const CASES = [
  { name: 'SIGBUS listener added and removed', fixture: 'sigbus-child', env: { SMMAP_SIGBUS_CASE: 'rearm' }, posix: true },
  { name: 'kill -BUS', fixture: 'sigbus-child', env: { SMMAP_SIGBUS_CASE: 'foreign-kill' }, signal: 'SIGBUS', posix: true },
  { name: '20,000 guarded regions', fixture: 'sigbus-child', env: { SMMAP_SIGBUS_CASE: 'many-regions' }, posix: true },
  { name: 'truncated under a mapping', fixture: 'truncate-child', posix: true },
  { name: 'truncated under one copy', fixture: 'truncate-within-call-child', posix: true },
  { name: 'truncated under a Buffer read on the thread pool', fixture: 'truncate-async-child', posix: true },
  { name: 'asynchronous consumers', fixture: 'async-consumers-child', args: ['--expose-gc'] },
  { name: 'open-file limit', fixture: 'emfile-child', ulimit: 64, posix: true },
  {
    name: 'stress under ulimit -n 256',
    script: `require(${JSON.stringify(engine)}).runStress({ seed: Number(process.env.SEED), ops: 50000 }).then((r) => process.stdout.write(JSON.stringify(r)))`,
    ulimit: 256,
    args: ['--expose-gc'],
    posix: true,
  },
]

function run(spec, round) {
  const node = [process.execPath, ...(spec.args ?? [])]
  const target = spec.script ? ['-e', spec.script] : [path.join(fixtures, `${spec.fixture}.js`)]
  const env = { ...process.env, ...spec.env, SEED: String((round * 2654435761) >>> 0) }
  const argv = [...node, ...target]
  const child = spec.ulimit
    ? spawnSync('sh', ['-c', `ulimit -n ${spec.ulimit} && exec "$@"`, 'sh', ...argv], { encoding: 'utf8', env, timeout: 300_000 })
    : spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env, timeout: 300_000 })
  const expected = spec.signal ?? null
  if (child.error || child.signal !== expected || (expected === null && child.status !== 0)) {
    return `exit ${child.status}, signal ${child.signal} (expected ${expected ?? 'exit 0'}), ${child.error ?? ''}\n${child.stderr}`
  }
  if (expected === null) JSON.parse(child.stdout) // a report, not a crash half-way
  return null
}

const started = Date.now()
for (let round = 0; round < rounds; round++) {
  for (const spec of CASES) {
    if (spec.posix && !posix) continue
    const failure = run(spec, round)
    if (failure !== null) {
      console.error(`soak:hostile: round ${round}, ${spec.name}: ${failure}`)
      process.exit(1)
    }
  }
  console.log(`round ${round}: ${CASES.length} hostile cases passed`)
}
console.log(`soak:hostile passed: ${rounds} rounds in ${Math.round((Date.now() - started) / 1000)} s`)
