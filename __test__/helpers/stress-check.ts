// The invariants the stress engine checks after every step, reading the
// manager's bookkeeping through its internal native handle: the published types leave the
// internals out, so they are described here.
import fs = require('node:fs')
import smmap = require('smmap')

/** The parts of the facade's internals the checks read (see lib/cursor.ts). */
interface NativeManager {
  file(key: string | number): number
  /** A region id, -1, or the ArrayBuffer of a region new to the facade. */
  useRegion(...args: unknown[]): unknown
  stats(): { misses: number }
  mappedMemorySize(): number
  regionsOf(file: number): number[]
  /** Every region the manager counts, in its file's list or pushed out of it (see checkManager). */
  regionIds(): number[]
  /** `"<id>\t<path>"` or `"<id>\tfd:<fd>"` for every file the manager knows. */
  fileEntries(): string[]
  /** `[id, ofsBegin, size, clientCount]` of each region of a file, flat, in offset order. */
  regionTable(file: number): number[]
  regionBounds(region: number): number[] | null
  clientCount(region: number): number
}
interface ManagerInside {
  _native: NativeManager
}
interface CursorInside {
  _hold: { region: number } | null
}

export function native(manager: smmap.StaticWindowMapManager): NativeManager {
  return (manager as unknown as ManagerInside)._native
}

/** The id of the region a cursor holds (-1 if none). */
export function heldRegion(cursor: smmap.WindowCursor): number {
  return (cursor as unknown as CursorInside)._hold?.region ?? -1
}

/** Whether the manager still has region `id` mapped. */
export function isMapped(manager: smmap.StaticWindowMapManager, id: number): boolean {
  return native(manager).regionBounds(id) !== null
}

/**
 * Whether region `id` is in its file's list with no cursor on it: the only kind collect() lets
 * go of. A count of 1 alone does not say so: a region pushed out of its list (see checkManager)
 * has lost the manager's hold, and its 1 is a cursor.
 */
export function isIdle(manager: smmap.StaticWindowMapManager, id: number): boolean {
  const nat = native(manager)
  if (nat.clientCount(id) !== 1) return false
  return nat.fileEntries().some((entry) => nat.regionsOf(Number(entry.split('\t')[0])).includes(id))
}

/** What the checks know about one manager between steps. */
export interface Watched {
  manager: smmap.StaticWindowMapManager
  /** Each stress file by index: its key (absolute path, or the fd) and its size now (files grow). */
  files: ReadonlyArray<{ readonly key: string | number; readonly size: number }>
  maxOpenHandles: number
  maxMemorySize: number
  /** The most a single new region may add: the window, or the largest file for whole-file maps. */
  window: number
  /** The first broken budget rule seen by {@link watchBudget}, or null. */
  overBudget: string | null
  /** Every cursor alive on this manager (those inside buffers too). */
  cursors(): Iterable<smmap.WindowCursor>
}

export interface Snapshot {
  misses: number
}

/**
 * Every file id the manager knows with the index of its stress file: one path may name several
 * ids once its file was replaced (the old one still mapped or read, the new one at the path).
 */
function fileIdsOf(w: Watched): Array<[id: number, f: number]> {
  return native(w.manager)
    .fileEntries()
    .map((entry) => {
      const [id, key] = entry.split('\t')
      const f = w.files.findIndex(({ key: k }) => (typeof k === 'number' ? key === `fd:${k}` : key === k))
      if (f < 0) throw new Error(`the manager knows a file no stress file is: ${key}`)
      return [Number(id), f] as [number, number]
    })
}

/** Throws with a description when the manager breaks an invariant; returns what the next check compares against. */
export function checkManager(w: Watched, before: Snapshot | null): Snapshot {
  const nat = native(w.manager)
  const G = smmap.ALLOCATIONGRANULARITY
  let regions = 0
  let openFiles = 0
  let mapped = 0
  const counts = new Map<number, number>()
  for (const [file, f] of fileIdsOf(w)) {
    const table = nat.regionTable(file)
    if (table.length > 0) openFiles++
    let end = 0
    for (let i = 0; i < table.length; i += 4) {
      const [id, ofs, size, count] = [table[i], table[i + 1], table[i + 2], table[i + 3]]
      if (ofs % G !== 0) throw new Error(`file ${f}: region ${id} starts at ${ofs}, not a multiple of ${G}`)
      if (ofs < end) throw new Error(`file ${f}: region ${id} at ${ofs} overlaps or precedes the previous one ending at ${end}`)
      if (size <= 0 || ofs + size > w.files[f].size)
        throw new Error(`file ${f}: region ${id} [${ofs}, ${ofs + size}) is empty or past the end (${w.files[f].size})`)
      end = ofs + size
      counts.set(id, count)
      regions++
      mapped += size
    }
  }
  // A region pushed out of its list by a newer one that overlaps it (the file grew past a
  // region that ended at its old, unaligned end) stays counted while cursors use it: it has no
  // hold of the manager's, only theirs.
  const outOfList = new Set<number>()
  for (const id of nat.regionIds()) {
    if (counts.has(id)) continue
    const [, size] = nat.regionBounds(id)!
    const count = nat.clientCount(id)
    if (count < 1) throw new Error(`region ${id}, out of its list, is counted with no cursor on it`)
    counts.set(id, count)
    outOfList.add(id)
    regions++
    mapped += size
  }
  expectEqual('numFileHandles()', w.manager.numFileHandles(), regions)
  expectEqual('numOpenFiles()', w.manager.numOpenFiles(), openFiles)
  expectEqual('mappedMemorySize()', w.manager.mappedMemorySize(), mapped)
  const stats = w.manager.stats()
  expectEqual('stats().regions', stats.regions, regions)
  expectEqual('stats().openFiles', stats.openFiles, openFiles)
  expectEqual('stats().mappedBytes', stats.mappedBytes, mapped)
  if (regions > w.maxOpenHandles) throw new Error(`${regions} regions exceed maxOpenHandles ${w.maxOpenHandles}`)

  // Client counts as smmap keeps them: 1 for the manager (none for a region out of its list)
  // plus one per cursor on the region.
  const users = new Map<number, number>()
  for (const cursor of w.cursors()) {
    const id = heldRegion(cursor)
    if (id < 0) continue
    if (!counts.has(id)) throw new Error(`a cursor holds region ${id}, which the manager does not count`)
    users.set(id, (users.get(id) ?? 0) + 1)
  }
  for (const [id, count] of counts) expectEqual(`client count of region ${id}`, count, (outOfList.has(id) ? 0 : 1) + (users.get(id) ?? 0))

  if (w.overBudget !== null) throw new Error(w.overBudget)
  return { misses: stats.misses }
}

/**
 * Checks the soft memory budget right after every native useRegion that maps a region (a step may map several
 * windows, and let go of the last but one after mapping the last): a new region leaves at most
 * one window over the budget, unless nothing unused was left to evict. The first violation is
 * kept in `w.overBudget` for checkManager to report.
 */
export function watchBudget(w: Watched): void {
  const nat = native(w.manager)
  const useRegion = nat.useRegion
  nat.useRegion = function (...args: unknown[]): unknown {
    // A miss is what maps a region (the return value is an id or, for a region new to the
    // facade, its ArrayBuffer, so the counter is the one reliable sign).
    const missesBefore = nat.stats().misses
    const result = useRegion.apply(this, args)
    if (nat.stats().misses === missesBefore) return result
    const mapped = nat.mappedMemorySize()
    if (w.overBudget === null && mapped > w.maxMemorySize + w.window) {
      const unused = fileIdsOf(w)
        .flatMap(([file]) => nat.regionsOf(file))
        .filter((region) => nat.clientCount(region) === 1)
      if (unused.length > 0) {
        w.overBudget = `after useRegion(${args.slice(2).join(', ')}) ${mapped} bytes are mapped, over maxMemorySize ${w.maxMemorySize} + one window ${w.window}, with ${unused.length} unused regions: ${describeRegions(w)}`
      }
    }
    return result
  }
}

/** Every region as `file:[begin, end)×count`, for failure messages. */
function describeRegions(w: Watched): string {
  const nat = native(w.manager)
  return fileIdsOf(w)
    .flatMap(([file, f]) =>
      nat.regionsOf(file).map((id) => {
        const [ofs, size] = nat.regionBounds(id)!
        return `${f}:[${ofs}, ${ofs + size})x${nat.clientCount(id)}`
      }),
    )
    .join(' ')
}

/** After ERR_SMMAP_LIMIT: the limit was really reached and nothing could have been evicted. */
export function checkLimitError(w: Watched): void {
  const nat = native(w.manager)
  for (const [file] of fileIdsOf(w)) {
    for (const id of nat.regionsOf(file)) {
      if (nat.clientCount(id) === 1) throw new Error(`ERR_SMMAP_LIMIT thrown while region ${id} was unused (evictable)`)
    }
  }
  // Regions pushed out of their lists count towards the limit too (see checkManager).
  const regions = nat.regionIds().length
  if (regions < w.maxOpenHandles) throw new Error(`ERR_SMMAP_LIMIT thrown with ${regions} regions, under maxOpenHandles ${w.maxOpenHandles}`)
}

export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what} is ${String(actual)}, expected ${String(expected)}`)
}

/** Throws unless `actual` holds `expected`'s bytes. */
export function expectBytes(what: string, actual: Uint8Array, expected: Uint8Array): void {
  if (actual.length === expected.length && Buffer.compare(actual, expected) === 0) return
  let i = 0
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++
  throw new Error(`${what}: lengths ${actual.length} vs expected ${expected.length}, first difference at ${i}`)
}

/** Lines of /proc/self/maps that map one of `paths` (empty where /proc is missing). */
export function mappingsOf(paths: readonly string[]): string[] {
  let maps: string
  try {
    maps = fs.readFileSync('/proc/self/maps', 'utf8')
  } catch {
    return []
  }
  return maps.split('\n').filter((line) => paths.some((p) => line.includes(p)))
}
