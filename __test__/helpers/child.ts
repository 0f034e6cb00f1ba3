// Fixtures that may kill their process (SIGBUS, resource limits) or need process-wide settings
// run in a child Node process; each prints a JSON report of what happened.
import type { ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import path = require('node:path')

export interface FixtureOptions {
  /** Variables added to this process's environment. */
  env?: NodeJS.ProcessEnv
  /** Start the child under `ulimit -n` of this many open files (POSIX shells only). */
  maxOpenFiles?: number
  /** Node options before the script (`--expose-gc`, say). */
  nodeArgs?: string[]
}

/** A child that has not ended by itself after this long is killed, and the test fails. */
const TIMEOUT_MS = 120_000

/**
 * Runs `__test__/fixtures/<name>.js`, asserts it ended by itself (no signal) with exit code 0,
 * and returns the report it printed.
 * @example const report = runFixture(t, 'truncate-child')
 */
export function runFixture(t: ExecutionContext, name: string, options: FixtureOptions = {}): any {
  const script = path.join(__dirname, '..', 'fixtures', `${name}.js`)
  const env = { ...process.env, ...options.env }
  const args = [...(options.nodeArgs ?? []), script]
  const spawnOptions = { encoding: 'utf8', env, timeout: TIMEOUT_MS } as const
  const child =
    options.maxOpenFiles === undefined
      ? spawnSync(process.execPath, args, spawnOptions)
      : spawnSync('sh', ['-c', `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`, process.execPath, ...args], spawnOptions)
  t.is(child.signal, null, `killed by a signal: ${child.stderr}`)
  t.is(child.status, 0, child.stderr)
  return JSON.parse(child.stdout)
}
