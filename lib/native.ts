// The generated napi-rs loader (`napi build --platform` writes binding.js/binding.d.ts at the
// package root). Kept behind this module so the facade names one place for native calls.
import binding = require('../binding')

export = binding
