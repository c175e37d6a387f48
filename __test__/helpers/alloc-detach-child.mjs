// Run by alloc.spec.ts in a child process with --expose-gc (and, on Node 20, --harmony-rab-gsab-transfer).
//
// Detaches an alloc()ed buffer while an async sum reads it on the pool, drops every reference to the memory's new owner
// and collects garbage, then reports (one JSON line) how the sum settled, the ledger, and whether the memory was
// released once the operation and the array were gone. Node marks external buffers untransferable, so structuredClone
// and postMessage cannot detach them; ArrayBuffer.prototype.transfer can, and a copy of it captured before parabuf
// loaded is not guarded against live exports: this is that worst case.
import { createRequire } from 'node:module'

const transfer = ArrayBuffer.prototype.transfer

const { alloc, allocIsExternal, liveExportCount, sum } = await import('parabuf')
// The package does not export the binding's leak counter; the facade loads this same file, so this is its instance.
const { ownedBufferCount } = createRequire(import.meta.url)('../../dist/native.js').native

const MiB = 1 << 20
const turn = () => new Promise((resolve) => setImmediate(resolve))
async function collect(times) {
  for (let i = 0; i < times; i++) {
    globalThis.gc()
    await turn()
  }
}

await collect(2)
const baseline = process.memoryUsage()
const ownedAtStart = ownedBufferCount()
let array = alloc(Float64Array, 2e7)
array.fill(1)
const allocated = process.memoryUsage()
const ownedAfterAlloc = ownedBufferCount()

const running = sum(array)
const liveWhileRunning = liveExportCount()
let moved = transfer.call(array.buffer)
const detached = array.length === 0 && moved.byteLength === 16e7
moved = null
globalThis.gc()
globalThis.gc()
// The operation's export holds a reference, whatever the engine has done with the buffer by now.
const ownedWhileRunning = ownedBufferCount()

let outcome
try {
  outcome = { resolved: await running }
} catch (e) {
  outcome = { name: e.name, code: e.code, message: e.message }
}
const liveAfter = liveExportCount()

array = null
await collect(6)
const released = process.memoryUsage()
const ownedAtEnd = ownedBufferCount()

console.log(
  JSON.stringify({
    external: allocIsExternal(),
    detached,
    liveWhileRunning,
    outcome,
    liveAfter,
    ownedAtStart,
    ownedAfterAlloc,
    ownedWhileRunning,
    ownedAtEnd,
    // qemu-user reports a zero RSS (helpers/rss.ts): the RSS figures below then mean nothing, and the test says so.
    rssUnmeasurable: baseline.rss > 0 ? null : `process.memoryUsage().rss reads ${baseline.rss} in the child`,
    rssGrowthMiB: Math.round((allocated.rss - baseline.rss) / MiB),
    rssLeftMiB: Math.round((released.rss - baseline.rss) / MiB),
    externalGrowthMiB: Math.round((allocated.external - baseline.external) / MiB),
    externalLeftMiB: Math.round((released.external - baseline.external) / MiB),
  }),
)
