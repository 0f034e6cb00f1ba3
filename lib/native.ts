// The generated napi-rs loader (`napi build --platform` writes binding.js/binding.d.ts beside
// the compiled facade in dist/). Kept behind this module so the facade names one place for
// native calls, and so the native side's error factory is registered before any call.
import binding = require('../binding')
import { nativeError } from './errors'

binding.setErrorFactory(nativeError)

export = binding
