// What /proc/self/smaps says of this process's mappings of a file (Linux only).
import fs = require('node:fs')

export interface Mapping {
  size: number
  rss: number
  /** Bytes of private copies (copy-on-write pages that were copied). */
  anonymous: number
  flags: string[]
}

/** The kernel's mappings of `file` in this process (/proc/self/smaps), in address order. */
export function mappingsOf(file: string): Mapping[] {
  const found: Mapping[] = []
  let current: Mapping | null = null
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (header) {
      current = header[3] === file ? { size: parseInt(header[2], 16) - parseInt(header[1], 16), rss: -1, anonymous: -1, flags: [] } : null
      if (current) found.push(current)
      continue
    }
    if (!current) continue
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss) current.rss = Number(rss[1]) * 1024
    const anonymous = /^Anonymous:\s+(\d+) kB/.exec(line)
    if (anonymous) current.anonymous = Number(anonymous[1]) * 1024
    if (line.startsWith('VmFlags:')) current.flags = line.slice('VmFlags:'.length).trim().split(/\s+/)
  }
  return found
}
