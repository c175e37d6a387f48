// One worker of the bench's worker_threads pool: reduces its slice [lo, hi) of arrays that live in SharedArrayBuffers
// with the plain-JavaScript kernels, and posts the partial result back. See pool.mjs.
import { parentPort } from 'node:worker_threads'

import * as js from './kernels.mjs'

const TYPES = { Float64Array, Float32Array, Int32Array }

function view({ buffer, type, byteOffset, length }) {
  return new TYPES[type](buffer, byteOffset, length)
}

parentPort.on('message', ({ id, op, arrays, lo, hi, params }) => {
  const [a, b] = arrays.map(view)
  let result
  switch (op) {
    case 'sum':
      result = js.sum(a, lo, hi)
      break
    case 'minmax':
      result = js.minmax(a, lo, hi)
      break
    case 'moments':
      result = js.moments(a, lo, hi)
      break
    case 'dot':
      result = js.dot(a, b, lo, hi)
      break
    case 'histogram':
      result = js.histogramInto(new Float64Array(params.bins), a, params.bins, params.min, params.max, lo, hi)
      break
    case 'sort':
      a.subarray(lo, hi).sort()
      result = null
      break
    case 'ping':
      result = null
      break
    default:
      throw new Error(`unknown op ${op}`)
  }
  parentPort.postMessage({ id, result })
})
