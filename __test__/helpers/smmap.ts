// The package as its users load it (by name, resolved through package.json "exports"), and
// the napi-rs binding module the facade itself uses (the same module object, so tests can
// count native calls).
import path = require('node:path')
import smmap = require('smmap')

function binding(): any {
  return require(path.join(path.dirname(require.resolve('smmap')), 'binding.js'))
}

/** Counts calls to every method of the binding's NativeManager until `restore()`. */
function countNativeCalls(): { calls: Map<string, number>; total(): number; reset(): void; restore(): void } {
  const proto = binding().NativeManager.prototype as Record<string, unknown>
  const calls = new Map<string, number>()
  const originals = new Map<string, (...args: unknown[]) => unknown>()
  for (const key of Object.getOwnPropertyNames(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key)
    if (key === 'constructor' || !descriptor || typeof descriptor.value !== 'function') continue
    const original = descriptor.value as (...args: unknown[]) => unknown
    originals.set(key, original)
    proto[key] = function (this: unknown, ...args: unknown[]) {
      calls.set(key, (calls.get(key) ?? 0) + 1)
      return original.apply(this, args)
    }
  }
  if (originals.size < 10) throw new Error('the binding has fewer NativeManager methods than expected')
  return {
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    reset: () => calls.clear(),
    restore() {
      for (const [key, original] of originals) proto[key] = original
    },
  }
}

export = { smmap, binding, countNativeCalls }
