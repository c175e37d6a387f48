// A hand-rolled worker_threads pool, one worker per core: the way a careful user parallelises a reduction in plain
// JavaScript. The arrays live in SharedArrayBuffers (nothing is copied); each worker reduces one contiguous slice and
// the main thread combines the partials. Sorting sorts the slices in the workers and merges them on the main thread.
import { Worker } from 'node:worker_threads'

import { combineMoments, mergeRuns } from './kernels.mjs'

function describe(array) {
  if (!(array.buffer instanceof SharedArrayBuffer)) throw new TypeError('the worker pool needs SharedArrayBuffer-backed arrays')
  return { buffer: array.buffer, type: array.constructor.name, byteOffset: array.byteOffset, length: array.length }
}

export class WorkerPool {
  /** @param {number} size workers (one per core) */
  constructor(size) {
    this.size = size
    this.pending = new Map()
    this.nextId = 0
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./worker.mjs', import.meta.url))
      worker.on('message', ({ id, result }) => {
        const resolve = this.pending.get(id)
        this.pending.delete(id)
        resolve(result)
      })
      worker.on('error', (error) => {
        console.error('bench worker failed:', error)
        process.exit(1)
      })
      return worker
    })
    this.scratch = null
  }

  #call(worker, message) {
    return new Promise((resolve) => {
      const id = this.nextId++
      this.pending.set(id, resolve)
      this.workers[worker].postMessage({ ...message, id })
    })
  }

  /** Runs `op` on every worker, each over its own contiguous slice of [0, n); resolves to the partials in order. */
  #map(op, arrays, n, params) {
    const step = Math.ceil(n / this.size)
    const described = arrays.map(describe)
    const calls = []
    for (let w = 0; w < this.size; w++) {
      const lo = Math.min(n, w * step)
      const hi = Math.min(n, lo + step)
      calls.push(this.#call(w, { op, arrays: described, lo, hi, params }))
    }
    return Promise.all(calls)
  }

  /** Lets every worker start and compile its kernels. */
  async warmUp() {
    await Promise.all(this.workers.map((_, w) => this.#call(w, { op: 'ping', arrays: [] })))
  }

  async sum(a) {
    return (await this.#map('sum', [a], a.length)).reduce((s, x) => s + x, 0)
  }

  async minmax(a) {
    const parts = await this.#map('minmax', [a], a.length)
    return { min: Math.min(...parts.map((p) => p.min)), max: Math.max(...parts.map((p) => p.max)) }
  }

  async variance(a) {
    const { n, m2 } = (await this.#map('moments', [a], a.length)).reduce(combineMoments)
    return m2 / n
  }

  async dot(a, b) {
    return (await this.#map('dot', [a, b], a.length)).reduce((s, x) => s + x, 0)
  }

  async histogram(a, { bins, min, max }) {
    const parts = await this.#map('histogram', [a], a.length, { bins, min, max })
    const counts = parts[0]
    for (const part of parts.slice(1)) for (let i = 0; i < bins; i++) counts[i] += part[i]
    return counts
  }

  /** Sorts `a` in place: each worker sorts its slice, then the main thread merges the sorted slices. */
  async sort(a) {
    const n = a.length
    await this.#map('sort', [a], n)
    const step = Math.ceil(n / this.size)
    const starts = Array.from({ length: this.size }, (_, w) => Math.min(n, w * step))
    if (this.scratch === null || this.scratch.length < n || this.scratch.constructor !== a.constructor) {
      this.scratch = new a.constructor(n)
    }
    const sorted = mergeRuns(a, this.scratch.subarray(0, n), starts, n)
    if (sorted !== a) a.set(sorted)
    return a
  }

  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
