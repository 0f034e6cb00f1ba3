// examples/log-index.js against a plain in-memory reference: counts, random lines and tails of
// patterned logs (empty lines, CRLF, UTF-8, lines longer than several windows, with and without
// a final newline) read through 64 KiB windows under a 256 KiB budget.
import childProcess = require('node:child_process')
import path = require('node:path')
import test from 'ava'

import files = require('./helpers/files')

const { mulberry32, randInt, scope, tempFile, testSeed } = files

interface LineIndex {
  readonly count: number
  readonly size: number
  lineBytes(i: number): Buffer
  line(i: number): string
  tail(n: number): string[]
  stats(): { mappedBytes: number; peakMappedBytes: number; evictions: number }
  close(): void
  [Symbol.dispose](): void
}
interface LineIndexOptions {
  windowSize?: number
  maxMemorySize?: number
  every?: number
}
interface LineIndexClass {
  open(file: string, options?: LineIndexOptions): LineIndex
  build(file: string, options?: LineIndexOptions): LineIndex
}

const script = path.join(path.dirname(require.resolve('smmap/package.json')), 'examples', 'log-index.js')
const { LineIndex } = require(script) as { LineIndex: LineIndexClass }

const KiB = 1024
const MiB = 1024 * KiB
const WINDOW = 64 * KiB
const BUDGET = 256 * KiB

/** The lines of `data` as latin1 strings (one char per byte), by the example's documented rules. */
function referenceLines(data: Buffer): string[] {
  if (data.length === 0) return []
  const lines = data.toString('latin1').split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
}

const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1')

/** A log of about `size` bytes: varied line lengths, empty and CRLF lines, UTF-8, and `long` lines of several windows. */
function patternedLog(seed: number, size: number, long: number[]): Buffer {
  const rand = mulberry32(seed)
  const parts: string[] = []
  let bytes = 0
  // Past `size`, not just to it: callers rely on having more than `size` bytes.
  for (let n = 0; bytes <= size; n++) {
    const kind = rand()
    let line: string
    if (kind < 0.02) line = ''
    else if (kind < 0.04) line = `crlf ${n}\r`
    else if (kind < 0.06) line = `ünïcødé ${n} ✓`
    else line = `${n} level=${['info', 'warn', 'error'][n % 3]} ${'abcdefghij'.repeat(randInt(rand, 0, 20))}`
    if (long.includes(parts.length)) line = `long ${n} ${'L'.repeat(randInt(rand, 3 * WINDOW, 5 * WINDOW))}`
    parts.push(line)
    bytes += Buffer.byteLength(line) + 1
  }
  return Buffer.from(`${parts.join('\n')}\n`)
}

function checkAgainstReference(t: import('ava').ExecutionContext, data: Buffer, options: LineIndexOptions, seed: number): void {
  scope((use) => {
    const file = use(tempFile(data, 'smmap-log'))
    const expected = referenceLines(data)
    const index = use(LineIndex.open(file.path, { windowSize: WINDOW, maxMemorySize: BUDGET, ...options }))
    t.is(index.size, data.length)

    // tail() first: it must not need the index (and it scans backwards only as far as it must).
    for (const n of [0, 1, 2, 3, 10, 1000]) t.deepEqual(index.tail(n).map(latin1), expected.slice(expected.length - n), `tail(${n})`)

    t.is(index.count, expected.length)
    const rand = mulberry32(seed)
    const every = options.every ?? 1024
    const probes = [0, 1, expected.length - 1, expected.length - 2, every - 1, every, every + 1, 5 * every]
    for (let i = 0; i < 2000; i++) probes.push(randInt(rand, 0, expected.length - 1))
    // Every long line, and a few hundred of the empty and CRLF ones.
    const kinds = { empty: 0, crlf: 0 }
    expected.forEach((line, i) => {
      if (line.startsWith('long')) probes.push(i)
      else if (line === '' && kinds.empty++ < 300) probes.push(i)
      else if (line.startsWith('crlf') && kinds.crlf++ < 300) probes.push(i)
    })
    let wrong = 0
    for (const i of probes.filter((i) => i >= 0 && i < expected.length)) {
      if (index.lineBytes(i).toString('latin1') !== expected[i] && wrong++ < 5) t.fail(`line(${i}) differs`)
    }
    t.is(wrong, 0, `${wrong} lines differ (SMMAP_TEST_SEED=${seed})`)
    const unicode = expected.findIndex((line) => line.startsWith(latin1('ünïcødé')))
    t.is(index.line(unicode), Buffer.from(expected[unicode], 'latin1').toString('utf8'))

    t.deepEqual(index.tail(expected.length + 5).map(latin1), expected, 'tail longer than the file')
    t.throws(() => index.line(expected.length), { instanceOf: RangeError })
    t.throws(() => index.line(-1), { instanceOf: RangeError })
    t.throws(() => index.tail(1.5), { instanceOf: RangeError })

    const stats = index.stats()
    t.true(stats.evictions > 0, 'the file is larger than the budget, so windows were evicted')
    t.true(stats.peakMappedBytes <= BUDGET + WINDOW, `peak ${stats.peakMappedBytes} bytes mapped, budget ${BUDGET} + a window`)
  })
}

test('a 40 MiB log: count, random lines and tails match the reference under a 256 KiB budget', (t) => {
  const seed = testSeed()
  const data = patternedLog(seed, 40 * MiB, [3, 50_000, 150_000])
  t.true(data.length > 40 * MiB)
  checkAgainstReference(t, data, {}, seed)
})

test('a log without a final newline, ending in a line longer than a window; every 7th line start kept', (t) => {
  const seed = testSeed()
  const body = patternedLog(seed, 3 * MiB, [2, 100])
  const data = Buffer.concat([body, Buffer.from(`last ${'T'.repeat(3 * WINDOW)}`)])
  checkAgainstReference(t, data, { every: 7 }, seed)
})

test('small files: empty, only newlines, CRLF, no final newline', (t) => {
  const cases = ['', '\n', '\n\n', 'a', 'a\n', 'a\nb', 'a\r\nb\r\n', '\r\n', 'a\n\nb\n\n', 'x\r']
  for (const text of cases) {
    scope((use) => {
      const data = Buffer.from(text)
      const file = use(tempFile(data, 'smmap-log'))
      const expected = referenceLines(data)
      const index = use(LineIndex.build(file.path))
      const what = JSON.stringify(text)
      t.is(index.count, expected.length, `count of ${what}`)
      t.deepEqual(
        expected.map((_, i) => index.line(i)),
        expected,
        `lines of ${what}`,
      )
      for (const n of [1, 2, 5]) t.deepEqual(index.tail(n), expected.slice(Math.max(expected.length - n, 0)), `tail(${n}) of ${what}`)
    })
  }
})

test('the command line prints count, line N (from 1) and tail N', (t) =>
  scope((use) => {
    const data = patternedLog(testSeed(), 2 * MiB, [10])
    const file = use(tempFile(data, 'smmap-log'))
    const expected = referenceLines(data).map((line) => Buffer.from(line, 'latin1').toString('utf8'))
    const run = (...args: string[]) => childProcess.execFileSync(process.execPath, [script, file.path, ...args], { encoding: 'utf8' })
    t.is(run('count'), `${expected.length}\n`)
    t.is(run('line', '1'), `${expected[0]}\n`)
    t.is(run('line', '11'), `${expected[10]}\n`)
    t.is(run('tail', '4'), `${expected.slice(-4).join('\n')}\n`)
    const usage = childProcess.spawnSync(process.execPath, [script, file.path, 'line', '0'], { encoding: 'utf8' })
    t.is(usage.status, 2)
    t.regex(usage.stderr, /^usage:/)
    const missing = childProcess.spawnSync(process.execPath, [script, `${file.path}.missing`, 'count'], { encoding: 'utf8' })
    t.is(missing.status, 1)
    t.regex(missing.stderr, /^ENOENT: .*\n$/, 'a one-line message, no stack trace')
  }))

// The fds are counted in /proc/self/fd, which only Linux has.
const countingFds = files.openFdCount() >= 0 ? test.serial : test.serial.skip

countingFds('close() leaves no fd open on the log, even after reads far from any window', (t) =>
  scope((use) => {
    const log = use(tempFile(patternedLog(testSeed(), 2 * MiB, [5]), 'log-index-fds'))
    const before = files.openFdCount()
    const index = LineIndex.build(log.path, { windowSize: WINDOW, maxMemorySize: BUDGET, every: 64 })
    const lines = referenceLines(log.data)
    const rand = mulberry32(testSeed())
    for (let k = 0; k < 50; k++) {
      const i = randInt(rand, 0, lines.length - 1)
      t.is(index.line(i), Buffer.from(lines[i], 'latin1').toString('utf8'))
    }
    t.deepEqual(
      index.tail(3),
      lines.slice(-3).map((l) => Buffer.from(l, 'latin1').toString('utf8')),
    )
    index.close()
    t.is(files.openFdCount(), before, 'every fd the index opened is closed')
    index.close()
    t.is(files.openFdCount(), before, 'close() is idempotent')
  }),
)
