// Worker side of worker.spec.ts: takes, uses and releases exports of a SharedArrayBuffer on the main thread's request.
// Plain ES module importing parabuf by its package name, so the worker needs no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads'

import { borrow, BorrowError, exportsOf, liveExportCount, sum, sumSync } from 'parabuf'

const shared = workerData.shared
const held = new Map()

/** A view of elements [start, end) of the shared memory, as `type` ('f64' or 'u8'). */
function window({ type = 'f64', start = 0, end }) {
  if (type === 'u8') return new Uint8Array(shared, start, (end ?? shared.byteLength) - start)
  return new Float64Array(shared, start * 8, (end ?? shared.byteLength / 8) - start)
}

function run(message) {
  switch (message.cmd) {
    case 'borrow':
      held.set(message.key, borrow(window(message), message.mode))
      return { held: [...held.keys()] }
    case 'release':
      held.get(message.key).release()
      held.delete(message.key)
      return { held: [...held.keys()] }
    case 'sumSync':
      return { value: sumSync(message.key === undefined ? window(message) : held.get(message.key)) }
    case 'startSum':
      // Left running on purpose: the main thread terminates the worker while it is in flight.
      sum(window(message)).catch(() => {})
      return { value: liveExportCount() }
    case 'liveExportCount':
      return { value: liveExportCount() }
    case 'exportsOf':
      return { value: exportsOf(window(message)).map(({ mode, byteOffset, byteLength }) => ({ mode, byteOffset, byteLength })) }
    default:
      throw new Error(`unknown command ${message.cmd}`)
  }
}

parentPort.on('message', (message) => {
  let reply
  try {
    reply = { ok: true, ...run(message) }
  } catch (e) {
    reply = { ok: false, borrowError: e instanceof BorrowError, name: e.name, code: e.code, message: e.message }
  }
  parentPort.postMessage({ seq: message.seq, ...reply })
})
parentPort.postMessage({ ready: true })
