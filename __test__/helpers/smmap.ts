// The package as its users load it (by name, resolved through package.json "exports"), and
// the napi-rs binding module the facade itself uses (the same module object, so tests can
// count native calls).
import path = require('node:path')
import smmap = require('smmap')

function binding(): any {
  return require(path.join(path.dirname(require.resolve('smmap')), 'binding.js'))
}

export = { smmap, binding }
