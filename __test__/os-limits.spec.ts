// OS limits give a coded error with the limit to raise, or an eviction; never an abort. Each
// case runs in a child process, since the failure they guard against kills it.
import test from 'ava'
import child = require('./helpers/child')

const linux = process.platform === 'linux' ? test : test.skip // vm.max_map_count is Linux's

linux('at vm.max_map_count, a new window is ENOMEM naming the limit; the process lives and recovers', (t) => {
  t.deepEqual(child.runFixture(t, 'os-limits-child', { env: { SMMAP_LIMITS_CASE: 'mapping-count' } }), {
    refused: true,
    code: 'ENOMEM',
    hint: true,
    booksTrue: true,
    allocates: true,
    mapsAgain: true,
  })
})

linux('a synchronous loop handing out Buffers that meets the mapping limit is told to let the event loop turn, which cures it', (t) => {
  const env = { SMMAP_LIMITS_CASE: 'retained-windows', SMMAP_TEST_MAX_MAPPINGS: '2000' }
  t.deepEqual(child.runFixture(t, 'os-limits-child', { env, nodeArgs: ['--expose-gc'] }), {
    refused: true,
    code: 'ENOMEM',
    namesTheEventLoop: true,
    retained: true,
    freedByATurn: true,
    mapsAgain: true,
  })
})
