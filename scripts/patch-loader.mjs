#!/usr/bin/env node
// Runs after every `build:native` (npm's `postbuild:native`): the loader that `napi build --js`
// writes (@napi-rs/cli 3.10.12, the newest there is) decides between the glibc and the musl
// binary by reading /usr/bin/ldd first. That file describes the file system, not the running
// Node: minimal containers have none, and a musl Node on a glibc system (or the reverse) finds
// the other libc's. Node's own report says which glibc the process runs on (`header.
// glibcVersionRuntime`, present whenever Node was built against glibc), so the patched loader
// asks that first and keeps the generated checks as fallbacks for a Node without a report.
//
//   node scripts/patch-loader.mjs [binding.js]     idempotent; exits 1 if the template changed
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const file = path.resolve(process.argv[2] || path.join(root, 'dist', 'binding.js'))
const MARKER = 'isMuslFromRuntime'

const generated = `const isMusl = () => {
  let musl = false
  if (process.platform === 'linux') {
    musl = isMuslFromFilesystem()
    if (musl === null) {`

const patched = `const isMusl = () => {
  let musl = false
  if (process.platform === 'linux') {
    // Patched by scripts/patch-loader.mjs: the running Node's libc first, /usr/bin/ldd after.
    musl = isMuslFromRuntime()
    if (musl === null) {
      musl = isMuslFromFilesystem()
    }
    if (musl === null) {`

const helper = `
// Node built against glibc always reports the glibc it runs on; a Linux Node that reports none
// was built against musl. null when this Node has no report to ask.
const isMuslFromRuntime = () => {
  if (!process.report || typeof process.report.getReport !== 'function') {
    return null
  }
  const excludeNetwork = process.report.excludeNetwork
  try {
    process.report.excludeNetwork = true
    const header = process.report.getReport().header
    return header ? !header.glibcVersionRuntime : null
  } catch {
    return null
  } finally {
    process.report.excludeNetwork = excludeNetwork
  }
}
`

if (!fs.existsSync(file)) {
  // SMMAP_PREBUILT with no loader yet, or a build that failed: nothing to patch.
  console.error(`patch-loader: ${path.relative(root, file)} does not exist`)
  process.exit(1)
}
const source = fs.readFileSync(file, 'utf8')
if (source.includes(MARKER)) process.exit(0)
const at = source.indexOf(generated)
if (at === -1) {
  console.error(
    `patch-loader: ${path.relative(root, file)} no longer has the isMusl() this script patches; ` +
      'check whether the new @napi-rs/cli template asks process.report first and drop this step if so',
  )
  process.exit(1)
}
const next = source.slice(0, at) + patched + source.slice(at + generated.length)
const anchor = next.indexOf('const isFileMusl')
fs.writeFileSync(file, `${next.slice(0, anchor)}${helper.trimStart()}\n${next.slice(anchor)}`)
console.log(`patch-loader: ${path.relative(root, file)} now asks process.report for the libc first`)
