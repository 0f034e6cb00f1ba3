// The generated loader (binding.js, patched by scripts/patch-loader.mjs) picks the musl binary
// from what the running Node reports, not from /usr/bin/ldd: minimal containers have no ldd,
// and a musl Node on a glibc system finds glibc's. The loader is run here with a stand-in
// `process`, `fs` and `require`, and the test checks which binary it asks for.
import test from 'ava'
import childProcess = require('node:child_process')
import fs = require('node:fs')
import path = require('node:path')

const dist = path.join(path.dirname(require.resolve('smmap/package.json')), 'dist')
const source = fs.readFileSync(path.join(dist, 'binding.js'), 'utf8')

interface Machine {
  arch: 'x64' | 'arm64'
  /** What /usr/bin/ldd contains; undefined: there is none. */
  ldd?: string
  /** The running Node's `header.glibcVersionRuntime`; 'no report': Node has no process.report. */
  glibc?: string | 'no report'
}

/** Runs binding.js on `machine` and returns the local binaries it tried to load, in order. */
function load(machine: Machine): string[] {
  const tried: string[] = []
  const fakeFs = {
    readFileSync(file: string) {
      if (file === '/usr/bin/ldd' && machine.ldd !== undefined) return machine.ldd
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' })
    },
  }
  const fakeRequire = Object.assign(
    (id: string) => {
      if (id === 'fs' || id === 'node:fs') return fakeFs
      if (id === 'child_process') {
        return {
          execSync: () => {
            throw new Error('ldd: not found')
          },
        }
      }
      if (id.startsWith('./smmap.')) {
        tried.push(id.slice(2))
        // Stands in for the binary: an object with whatever the loader re-exports.
        return new Proxy({}, { get: (_, key) => (key === '__napiBindingTarget' ? undefined : () => undefined) })
      }
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
    },
    {
      resolve: (id: string) => {
        throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
      },
    },
  )
  const report =
    machine.glibc === 'no report'
      ? undefined
      : { excludeNetwork: false, getReport: () => ({ header: machine.glibc ? { glibcVersionRuntime: machine.glibc } : {} }) }
  const fakeProcess = { platform: 'linux', arch: machine.arch, env: {}, report, versions: process.versions }
  const module = { exports: {} }
  // eslint-disable-next-line no-new-func
  new Function('require', 'module', 'exports', 'process', '__dirname', '__filename', source)(
    fakeRequire,
    module,
    module.exports,
    fakeProcess,
    dist,
    path.join(dist, 'binding.js'),
  )
  return tried
}

test('a musl Node with no /usr/bin/ldd loads the musl binary', (t) => {
  t.deepEqual(load({ arch: 'x64' }), ['smmap.linux-x64-musl.node'])
  t.deepEqual(load({ arch: 'arm64' }), ['smmap.linux-arm64-musl.node'])
})

test('a glibc Node with no /usr/bin/ldd loads the gnu binary', (t) => {
  t.deepEqual(load({ arch: 'x64', glibc: '2.36' }), ['smmap.linux-x64-gnu.node'])
  t.deepEqual(load({ arch: 'arm64', glibc: '2.17' }), ['smmap.linux-arm64-gnu.node'])
})

test('the running Node decides, not the /usr/bin/ldd it happens to find', (t) => {
  const glibcLdd = '#!/bin/bash\n# This file is part of the GNU C Library.\n'
  t.deepEqual(load({ arch: 'x64', ldd: glibcLdd }), ['smmap.linux-x64-musl.node'], 'musl Node, glibc ldd')
  t.deepEqual(load({ arch: 'x64', ldd: 'musl libc (x86_64)\n', glibc: '2.36' }), ['smmap.linux-x64-gnu.node'], 'glibc Node, musl ldd')
})

test('without process.report the loader still reads /usr/bin/ldd', (t) => {
  t.deepEqual(load({ arch: 'x64', ldd: 'musl libc (x86_64)\n', glibc: 'no report' }), ['smmap.linux-x64-musl.node'])
  t.deepEqual(load({ arch: 'x64', ldd: '# GNU C Library\n', glibc: 'no report' }), ['smmap.linux-x64-gnu.node'])
})

// Off Linux there is no libc choice to check.
const onLinux = process.platform === 'linux' ? test : test.skip

onLinux('this Node loads the binary of its own libc', (t) => {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
  const expected = `smmap.linux-${process.arch}-${header.glibcVersionRuntime ? 'gnu' : 'musl'}.node`
  // In a child without the suite's NAPI_RS_NATIVE_LIBRARY_PATH (the test-hooks addon), so the
  // loader chooses as it does for users.
  const env = { ...process.env }
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  const script =
    `require(${JSON.stringify(path.join(dist, 'binding.js'))});` +
    'console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.endsWith(".node")).map((f) => require("path").basename(f))))'
  const out = childProcess.execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' })
  t.deepEqual(JSON.parse(out), [expected])
})
