// Packaging check, TypeScript ESM consumer: type-checked (never run) with tsc --strict against
// the declarations the tarball ships, through the package's `import` condition.
import { SlidingWindowMapBuffer, SlidingWindowMapManager, type ManagerOptions, type PathOrFd } from 'smmap'

export function header(file: PathOrFd): { magic: number; first: Buffer; stats: number } {
  const options: ManagerOptions = { windowSize: 64 << 20, maxMemorySize: 256 << 20 }
  using manager = new SlidingWindowMapManager(options)
  using buf = new SlidingWindowMapBuffer(manager.makeCursor(file))
  const magic: number = buf.readUInt32BE(0)
  const first: Buffer = buf.slice(0, 12)
  for (const chunk of buf.chunks(1 << 20)) void chunk.byteLength
  // Fails to compile (an unused directive) if the shipped types collapsed to `any`.
  // @ts-expect-error the offset is a number
  buf.at('0')
  return { magic, first, stats: manager.stats().hits }
}
