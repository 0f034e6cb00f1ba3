#!/usr/bin/env node
// The packaging check (`npm run test:pack`, the last step of `npm test`): what `npm i smmap`
// would install must work, and the tarball must ship exactly what runs.
//
// 1. On every platform: the npm/<platform> packages are the ones `napi create-npm-dirs` makes
//    for package.json's napi.targets (name, os, cpu, libc, main, files), for the 8 targets.
// 2. On linux-x64-gnu only (the binary this machine can build and load): `npm pack` the root
//    and the linux-x64-gnu package (a temp copy holding the freshly built binary, placed as
//    `napi artifacts` places it), install both tarballs offline into a fresh project under
//    os.tmpdir(), and there: require and import the package and do real reads, check both give
//    the same objects, and type-check TypeScript consumers that use `using` with tsc --strict
//    (module node16 and nodenext) against the shipped declarations. The root tarball must hold
//    no .node file and nothing beyond what the consumers load (JS) or tsc reads (types).
//
// Runs offline after `npm ci` + `npm run build`: no registry, the repository's own tsc and
// @types/node. Temp directories are removed.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CONSUMERS = path.join(ROOT, 'scripts', 'consumer')
const PLATFORM = 'linux-x64-gnu'
/** The targets the package ships for; dropping one must be a decision, not an accident. */
const TARGETS = [
  'x86_64-unknown-linux-gnu',
  'aarch64-unknown-linux-gnu',
  'x86_64-unknown-linux-musl',
  'aarch64-unknown-linux-musl',
  'x86_64-apple-darwin',
  'aarch64-apple-darwin',
  'x86_64-pc-windows-msvc',
  'aarch64-pc-windows-msvc',
]

const rootManifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

function log(message) {
  console.log(`pack-check: ${message}`)
}

function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

function withTempDir(prefix, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  try {
    return fn(dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Packs `dir` into `dest` without lifecycle scripts (the build already ran); returns the tarball and its file list. */
function pack(dir, dest) {
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], dir))
  return { tarball: path.join(dest, info.filename), files: info.files.map((f) => f.path).sort() }
}

function checkPlatformPackages() {
  assert.deepEqual([...rootManifest.napi.targets].sort(), [...TARGETS].sort(), 'package.json napi.targets')
  const napi = path.join(ROOT, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
  withTempDir('smmap-npm-dirs-', (dir) => {
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'))
    run(process.execPath, [napi, 'create-npm-dirs'], dir)
    const expected = fs.readdirSync(path.join(dir, 'npm')).sort()
    assert.deepEqual(fs.readdirSync(path.join(ROOT, 'npm')).sort(), expected, 'the npm/ directories')
    for (const platform of expected) {
      const ours = JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', platform, 'package.json'), 'utf8'))
      const napis = JSON.parse(fs.readFileSync(path.join(dir, 'npm', platform, 'package.json'), 'utf8'))
      assert.deepEqual(ours, napis, `npm/${platform}/package.json is what napi create-npm-dirs makes`)
    }
    log(`npm/ has the ${expected.length} packages napi makes for napi.targets: ${expected.join(', ')}`)
  })
}

function isLinuxX64Gnu() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false
  return Boolean(process.report.getReport().header.glibcVersionRuntime)
}

/** The platform package as `napi artifacts` fills it: the binary beside its package.json. */
function packPlatformPackage(work) {
  const binary = `${rootManifest.napi.binaryName}.${PLATFORM}.node`
  const built = path.join(ROOT, 'dist', binary)
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`)
  const staged = path.join(work, 'platform')
  fs.cpSync(path.join(ROOT, 'npm', PLATFORM), staged, { recursive: true })
  fs.copyFileSync(built, path.join(staged, binary))
  const packed = pack(staged, work)
  assert.deepEqual(packed.files, ['README.md', binary, 'package.json'].sort(), `the ${PLATFORM} tarball`)
  return packed
}

/** Type-checks the TypeScript consumers; returns the files tsc read from the installed package. */
function typeCheck(project, pkgDir, moduleKind) {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = [
    '--noEmit',
    '--strict',
    '--listFiles',
    '--module',
    moduleKind,
    '--moduleResolution',
    moduleKind,
    '--target',
    'es2022',
    '--lib',
    'es2022,esnext.disposable',
    // The consumer brings its own @types/node; here it is the repository's (no download).
    '--typeRoots',
    path.join(ROOT, 'node_modules', '@types'),
    '--types',
    'node',
    'typed-import.mts',
    'typed-require.cts',
  ]
  const listed = run(process.execPath, [tsc, ...args], project)
    .split('\n')
    .map((f) => path.resolve(project, f.trim()))
  const read = listed.filter((f) => f.startsWith(pkgDir + path.sep)).map((f) => path.relative(pkgDir, f))
  assert.ok(read.includes('index.d.mts') && read.includes('dist/index.d.ts'), `tsc (${moduleKind}) read both entry declarations: ${read}`)
  return read
}

function installAndUse(work, rootPacked, platformPacked) {
  const project = path.join(work, 'consumer')
  fs.mkdirSync(project)
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'smmap-consumer', version: '1.0.0', private: true }))
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', rootPacked.tarball, platformPacked.tarball], project)
  for (const f of fs.readdirSync(CONSUMERS)) fs.copyFileSync(path.join(CONSUMERS, f), path.join(project, f))

  const cjs = JSON.parse(run(process.execPath, ['require.cjs'], project))
  const pkgDir = path.join(fs.realpathSync(project), 'node_modules', 'smmap')
  assert.equal(cjs.pkgDir, pkgDir, 'require resolves to the installed package')
  assert.deepEqual(
    cjs.nativeAddons,
    [path.join(fs.realpathSync(project), 'node_modules', `smmap-${PLATFORM}`, `smmap.${PLATFORM}.node`)],
    'the addon comes from the installed platform package',
  )
  log(`require('smmap') mapped and read a patterned file; loaded ${cjs.packageFiles.length} files and ${path.relative(project, cjs.nativeAddons[0])}`)

  assert.equal(run(process.execPath, ['import.mjs'], project), 'ok')
  log(`import { SlidingWindowMapManager } from 'smmap' read a patterned file and is the class require gives`)

  const bindingTypes = fs.readFileSync(path.join(pkgDir, 'dist', 'binding.d.ts'), 'utf8')
  for (const hook of ['regionTable', 'regionsOf']) assert.ok(!bindingTypes.includes(hook), `the shipped binding.d.ts has no test hook (${hook})`)

  const typesRead = new Set([...typeCheck(project, pkgDir, 'node16'), ...typeCheck(project, pkgDir, 'nodenext')])
  log(`tsc --noEmit --strict (node16, nodenext) accepted ESM and CJS consumers using \`using\`; read ${[...typesRead].sort().join(', ')}`)

  // Nothing beyond what runs: every shipped file is loaded by a consumer, read by tsc, or metadata.
  const metadata = rootPacked.files.filter((f) => f === 'package.json' || /^(README|LICENSE)/i.test(f))
  const used = new Set([...metadata, ...cjs.packageFiles, 'index.mjs', ...typesRead].map((f) => f.split(path.sep).join('/')))
  assert.deepEqual(rootPacked.files, [...used].sort(), 'the root tarball holds exactly what runs (JS loaded, types read)')
}

function main() {
  checkPlatformPackages()
  if (!isLinuxX64Gnu()) {
    const libc = process.platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime ? '-musl' : ''
    log(`SKIPPED the install check: it packs the ${PLATFORM} package and this is ${process.platform}-${process.arch}${libc}`)
    return
  }
  withTempDir('smmap-pack-check-', (work) => {
    const rootPacked = pack(ROOT, work)
    assert.deepEqual(
      rootPacked.files.filter((f) => f.endsWith('.node')),
      [],
      'the root tarball holds no .node file',
    )
    log(`root tarball ${path.basename(rootPacked.tarball)}: ${rootPacked.files.join(', ')}`)
    const platformPacked = packPlatformPackage(work)
    log(`platform tarball ${path.basename(platformPacked.tarball)}: ${platformPacked.files.join(', ')}`)
    installAndUse(work, rootPacked, platformPacked)
  })
  log('passed')
}

main()
