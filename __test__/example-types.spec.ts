// The examples are plain JavaScript with JSDoc types; checking them against the package's
// own declarations keeps them in step with the API they teach.
import childProcess = require('node:child_process')
import path = require('node:path')
import test from 'ava'

const root = path.dirname(require.resolve('smmap/package.json'))

test("the examples type-check against the package's declarations (tsc --checkJs --strict)", (t) => {
  const tsc = require.resolve('typescript/bin/tsc')
  const args = [
    '--noEmit',
    '--allowJs',
    '--checkJs',
    '--strict',
    '--target',
    'es2022',
    '--lib',
    'es2022,esnext.disposable',
    '--module',
    'node16',
    '--moduleResolution',
    'node16',
    '--types',
    'node',
    'examples/log-index.js',
    'examples/pack-index.js',
    'examples/zip-list.js',
  ]
  const result = childProcess.spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8' })
  t.is(result.stdout + result.stderr, '')
  t.is(result.status, 0)
})
