// Run by hardening-faults.spec.ts in a child process: starts long async operations (on the main thread, in a worker,
// or both) and then ends the process or the worker while they are in flight, in the way `mode` says. The parent checks
// the exit code and that nothing crashed (no signal, no "Segmentation fault", no Rust panic, no V8/N-API fatal error).
//
//   node exit-child.mjs <mode> <delayMs>
//
// Modes:
//   exit-now        process.exit(7) right after starting the operations
//   exit-later      process.exit(7) from a timer after `delayMs`
//   exit-in-then    process.exit(7) from the first operation's settlement while the others still run
//   throw           an uncaught exception after `delayMs` (exit code 1)
//   worker-exit     a worker starts operations on its own memory and on shared memory; main exits (7) while they run
//   worker-self     the worker calls process.exit(3) while its operations run; main then checks the ledger and exits 0
//   worker-drop     the worker is terminated while its operations run; main checks the ledger and exits 0
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

import * as pb from 'parabuf'

const [mode, delayArg] = isMainThread ? process.argv.slice(2) : [workerData.mode, workerData.delay]
const delay = Number(delayArg ?? 0)

/** Long operations: sums and minmax of a big array, a sort and fills of its own arrays, all on the pool. */
function startOperations(shared) {
  const big = new Float64Array(1e7).fill(0.5)
  const sortable = Float64Array.from({ length: 2e6 }, (_, i) => (i * 7919) % 1000)
  const pending = [
    ...Array.from({ length: 6 }, () => pb.sum(big)),
    pb.minmax(big),
    pb.sort(sortable),
    pb.fill(new Int32Array(4e6), 3),
    pb.scale(new Float32Array(4e6).fill(1), 2, 1),
  ]
  if (shared) {
    const doubles = new Float64Array(shared)
    pending.push(pb.sum(doubles), pb.fill(doubles.subarray(0, doubles.length / 2), 1), pb.sort(doubles.subarray(doubles.length / 2)))
  }
  for (const p of pending) p.catch(() => {})
  return pending
}

if (!isMainThread) {
  const pending = startOperations(workerData.shared)
  parentPort.postMessage({ started: pending.length, live: pb.liveExportCount() })
  if (mode === 'worker-self') setTimeout(() => process.exit(3), delay)
} else if (mode.startsWith('worker')) {
  const shared = new SharedArrayBuffer(8 * 4e6)
  new Float64Array(shared).fill(2)
  const worker = new Worker(new URL(import.meta.url), { workerData: { mode, delay, shared } })
  worker.once('message', async (m) => {
    if (mode === 'worker-exit') process.exit(7)
    if (mode === 'worker-drop') setTimeout(() => worker.terminate(), delay)
    const code = await new Promise((resolve) => worker.once('exit', resolve))
    // The worker's exports ended with its environment: main can write all of the shared memory.
    for (let i = 0; i < 50 && pb.liveExportCount() !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const live = pb.liveExportCount()
    const w = pb.borrow(new Float64Array(shared), 'write')
    w.release()
    console.log(JSON.stringify({ started: m.started, workerExit: code, live }))
    process.exit(0)
  })
} else {
  const pending = startOperations()
  switch (mode) {
    case 'exit-now':
      process.exit(7)
      break
    case 'exit-later':
      setTimeout(() => process.exit(7), delay)
      break
    case 'exit-in-then':
      Promise.race(pending).finally(() => process.exit(7))
      break
    case 'throw':
      setTimeout(() => {
        throw new Error('thrown while parabuf operations run')
      }, delay)
      break
    default:
      throw new Error(`unknown mode ${mode}`)
  }
}
