// Worker side of hardening-faults.spec.ts: takes exports of a SharedArrayBuffer (handles it never releases) and starts
// asynchronous operations on it and on memory of its own, then reports and waits to be terminated mid-flight.
//
// The shared doubles are cut in four quarters: [0] a write handle, filled with 7 through it; [1] a read handle and
// sums through it and on the bare array; [2] a fill in flight; [3] a sort in flight.
import { parentPort, workerData } from 'node:worker_threads'

import { borrow, fill, fillSync, liveExportCount, sort, sum, sumSync } from 'parabuf'

const doubles = new Float64Array(workerData.shared)
const q = doubles.length / 4
const quarter = (i) => doubles.subarray(i * q, (i + 1) * q)

const writer = borrow(quarter(0), 'write')
fillSync(writer, 7)
const reader = borrow(quarter(1), 'read')
const own = new Float64Array(2e6).fill(1)
const pending = [
  sum(reader),
  sum(quarter(1)),
  sum(quarter(1)),
  fill(quarter(2), 3),
  sort(quarter(3)),
  sum(own),
  sum(own),
  sort(own),
]
for (const p of pending) p.catch(() => {})
parentPort.postMessage({ ready: true, live: liveExportCount(), checked: sumSync(writer) === 7 * q, held: [writer, reader].length })
// Keep the handles reachable and the worker alive: only its termination may end their exports.
globalThis.keep = [writer, reader]
setInterval(() => {}, 1000)
