// Worker side of hardening-canary.spec.ts: on each message, writes its ranges of a SharedArrayBuffer (asynchronous
// operations, and synchronous ones while those are in flight) at the same time as the main thread writes the
// neighbouring ranges, then reports.
import { parentPort } from 'node:worker_threads'

import { add, addSync, fill, fillSync, scale, scaleSync, sort, sortSync } from 'parabuf'

const TYPES = { Uint8Array, Uint8ClampedArray, Int16Array, Float32Array, Float64Array, BigInt64Array }

/** Starts the operation of one range; sync ones run at once and return undefined. */
function write(array, src, range, sync) {
  const view = array.subarray(range.start, range.end)
  const w = range.write
  switch (w.op) {
    case 'fill':
      return sync ? void fillSync(view, w.value) : fill(view, w.value)
    case 'scale':
      return sync ? void scaleSync(view, w.factor, w.offset) : scale(view, w.factor, w.offset)
    case 'sort':
      return sync ? void sortSync(view) : sort(view)
    case 'add': {
      const from = src.subarray(range.start, range.end)
      return sync ? void addSync(view, from) : add(view, from)
    }
  }
}

parentPort.on('message', async ({ round, type, shared, src, ranges }) => {
  const T = TYPES[type]
  const array = new T(shared)
  const errors = []
  try {
    const pending = ranges.filter((r) => !r.sync).map((r) => write(array, src, r, false))
    for (const r of ranges.filter((r) => r.sync)) write(array, src, r, true)
    for (const settled of await Promise.allSettled(pending)) {
      if (settled.status === 'rejected') errors.push(`${settled.reason?.name} ${settled.reason?.code}: ${settled.reason?.message}`)
    }
  } catch (e) {
    errors.push(`${e?.name} ${e?.code}: ${e?.message}`)
  }
  parentPort.postMessage({ round, errors })
})
parentPort.postMessage({ ready: true })
