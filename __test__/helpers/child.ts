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
}

/**
 * Runs `__test__/fixtures/<name>.js`, asserts it ended by itself (no signal) with exit code 0,
 * and returns the report it printed.
 * @example const report = runFixture(t, 'truncate-child')
 */
export function runFixture(t: ExecutionContext, name: string, options: FixtureOptions = {}): any {
  const script = path.join(__dirname, '..', 'fixtures', `${name}.js`)
  const env = { ...process.env, ...options.env }
  const child =
    options.maxOpenFiles === undefined
      ? spawnSync(process.execPath, [script], { encoding: 'utf8', env })
      : spawnSync('sh', ['-c', `ulimit -n ${options.maxOpenFiles} && exec "$0" "$1"`, process.execPath, script], { encoding: 'utf8', env })
  t.is(child.signal, null, `killed by a signal: ${child.stderr}`)
  t.is(child.status, 0, child.stderr)
  return JSON.parse(child.stdout)
}
