#!/usr/bin/env node
// `build:native` runs `node scripts/prebuilt.mjs || napi build …`: this exits 0 (skipping the
// compile) only when SMMAP_PREBUILT is set and a binary is in place, so CI's test jobs run
// `npm test` against the binary the build job made (the artifact that ships) instead of a
// fresh compile. Without SMMAP_PREBUILT it exits 1 and the addon is built as usual.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
if (!process.env.SMMAP_PREBUILT) process.exit(1)
const binaries = fs.readdirSync(path.join(root, 'dist')).filter((f) => /^smmap\..+\.node$/.test(f))
if (binaries.length === 0 || !fs.existsSync(path.join(root, 'dist', 'binding.js'))) {
  console.error('SMMAP_PREBUILT is set but no smmap.*.node and binding.js are in place: building instead')
  process.exit(1)
}
console.log(`SMMAP_PREBUILT: using ${binaries.join(', ')} as built elsewhere (no compile)`)
