// Packaging check, TypeScript CommonJS consumer: type-checked (never run) with tsc --strict
// against the declarations the tarball ships, through the package's `require` condition.
import smmap = require('smmap')

export function lastByte(file: string): number | undefined {
  using manager = new smmap.StaticWindowMapManager()
  using cursor = manager.makeCursor(file).useRegion(0)
  if (!cursor.isValid()) return undefined
  const view: Buffer = cursor.buffer()
  // Fails to compile (an unused directive) if the shipped types collapsed to `any`.
  // @ts-expect-error a region is not a number
  const wrong: number = cursor.region()
  void wrong
  return view[view.length - 1]
}
