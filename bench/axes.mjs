// Reductions along axes against the in-run read limit of the same array, numpy's `a.sum(axis=…)` and a JS loop: an
// 8192 × 8192 float64 matrix summed over each axis (row-major and transposed), many short rows (1e6 × 4, mean over
// axis 1, also of random significands, and its 4 × 1e6 transpose over axis 0), a few long ones (4 × 1e7), a 512 × 512 × 3 byte image's per-channel mean, and a whole-array sum through a
// contiguous view against the array itself.
import * as parabuf from 'parabuf'

import { uniform, xorshift32 } from './expressions.mjs'
import * as peers from './peers.mjs'

const { timed } = peers

/**
 * Measures the axes section; `readBytesPerSecond(array)` is the in-run read bandwidth of that array's memory (every
 * pool thread reading it as the kernels do). Returns the results, and logs as it goes.
 */
export async function axesSection({ readBytesPerSecond, log, side = 8192 }) {
  const result = { side, rows: [], notes: [] }
  const np = peers.numpy()
  const hasNumpy = /^\d/.test(np)
  if (!hasNumpy) result.notes.push(`numpy not measured: ${np}`)
  log(`\naxes (${parabuf.threads()} pool threads${hasNumpy ? `; numpy ${np}` : ''}):`)
  const rounds = 5
  const limitMs = (array) => {
    // The probe reads doubles: other arrays are read as the doubles of their bytes (whole ones: the bench's are).
    const doubles = array instanceof Float64Array ? array : new Float64Array(array.buffer, array.byteOffset, array.byteLength / 8)
    const best = Math.max(...[0, 1, 2].map(() => readBytesPerSecond(doubles)))
    return (array.byteLength / best) * 1e3
  }
  const record = (row) => {
    result.rows.push(row)
    log(
      `  ${row.id}: ${row.ms.toFixed(2)} ms; read limit ${row.limitMs.toFixed(2)} ms (${(row.limitMs / row.ms).toFixed(2)} of it)` +
        (row.numpyMs == null ? '' : `; numpy ${row.numpyMs.toFixed(2)} ms (${(row.numpyMs / row.ms).toFixed(2)}×)`) +
        (row.jsMs == null ? '' : `; JS loop ${row.jsMs.toFixed(2)} ms`),
    )
  }

  {
    const m = uniform(side * side, 5)
    const square = parabuf.view(m, { shape: [side, side] })
    const transposed = parabuf.view(m, { shape: [side, side], strides: [1, side] })
    const limit = limitMs(m)
    const numpy = hasNumpy
      ? peers.timeNumpy(
          m,
          {
            axis0: 'm.sum(axis=0)',
            axis1: 'm.sum(axis=1)',
            transposed0: 'm.T.sum(axis=0)',
            transposed1: 'm.T.sum(axis=1)',
          },
          rounds,
          `m = a.reshape(${side}, ${side})`,
        )
      : {}
    for (const [id, input, axis, peer] of [
      [`sum over axis 0 of ${side}² f64`, square, 0, numpy.axis0],
      [`sum over axis 1 of ${side}² f64`, square, 1, numpy.axis1],
      [`sum over axis 0 of the transposed ${side}² view`, transposed, 0, numpy.transposed0],
      [`sum over axis 1 of the transposed ${side}² view`, transposed, 1, numpy.transposed1],
    ]) {
      record({ id, ms: timed(() => parabuf.sumSync(input, { axis }), rounds), limitMs: limit, numpyMs: peer ?? null })
    }
    // Whole-array sum of a contiguous view against the array itself.
    const [viewMs, arrayMs] = [timed(() => parabuf.sumSync(square), rounds), timed(() => parabuf.sumSync(m), rounds)]
    result.contiguous = { viewMs, arrayMs }
    log(`  whole-array sum of the ${side}² matrix through a contiguous view: ${viewMs.toFixed(2)} ms; of the array: ${arrayMs.toFixed(2)} ms`)
  }

  {
    const rows = 1_000_000
    const a = uniform(rows * 4, 7)
    const ms = timed(() => parabuf.meanSync(parabuf.view(a, { shape: [rows, 4] }), { axis: 1 }), rounds)
    const jsMs = timed(() => {
      const out = new Float64Array(rows)
      for (let i = 0; i < rows; i++) out[i] = (a[4 * i] + a[4 * i + 1] + a[4 * i + 2] + a[4 * i + 3]) / 4
      return out
    }, rounds)
    const numpyMs = hasNumpy ? peers.timeNumpy(a, { mean: 'm.mean(axis=1)' }, rounds, `m = a.reshape(${rows}, 4)`).mean : null
    record({ id: 'mean over axis 1 of 1e6 × 4 f64', ms, limitMs: limitMs(a), numpyMs, jsMs })
  }

  // The same short sums over data with every significand bit random (as measured data has it): their exact sums often
  // land halfway between two doubles, which the error bound alone cannot prove (docs/numerics.md).
  {
    const rows = 1_000_000
    const a = significands(rows * 4, 11)
    const jsMs = timed(() => {
      const out = new Float64Array(rows)
      for (let i = 0; i < rows; i++) out[i] = (a[4 * i] + a[4 * i + 1] + a[4 * i + 2] + a[4 * i + 3]) / 4
      return out
    }, rounds)
    const byRows = parabuf.view(a, { shape: [rows, 4] })
    const ms = timed(() => parabuf.meanSync(byRows, { axis: 1 }), rounds)
    record({ id: 'random-significand mean over axis 1 of 1e6 × 4 f64', ms, limitMs: limitMs(a), jsMs })
    const byColumns = parabuf.view(a, { shape: [4, rows] })
    const columnsMs = timed(() => parabuf.meanSync(byColumns, { axis: 0 }), rounds)
    record({ id: 'random-significand mean over axis 0 of 4 × 1e6 f64', ms: columnsMs, limitMs: limitMs(a) })
  }

  {
    const a = uniform(4e7, 9)
    const ms = timed(() => parabuf.sumSync(parabuf.view(a, { shape: [4, 1e7] }), { axis: 1 }), rounds)
    const numpyMs = hasNumpy ? peers.timeNumpy(a, { sum: 'm.sum(axis=1)' }, rounds, 'm = a.reshape(4, 10000000)').sum : null
    record({ id: 'sum over axis 1 of 4 × 1e7 f64', ms, limitMs: limitMs(a), numpyMs })
  }

  {
    const bytes = new Uint8Array(512 * 512 * 3)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24
    const image = parabuf.view(bytes, { shape: [512, 512, 3] })
    const ms = timed(() => parabuf.meanSync(image, { axis: [0, 1] }), 21)
    // numpy reads the bytes the harness hands it as doubles: the same values, so the same means.
    const numpyMs = hasNumpy
      ? peers.timeNumpy(Float64Array.from(bytes), { mean: 'm.mean(axis=(0, 1))' }, 21, 'm = a.astype(np.uint8).reshape(512, 512, 3)').mean
      : null
    record({ id: 'per-channel mean over axes [0, 1] of a 512 × 512 × 3 Uint8 image', ms, limitMs: limitMs(bytes), numpyMs })
  }
  return result
}

/** `n` doubles uniform in [0, 1) with all 53 significand bits random (pairs of xorshift32 values, seeded). */
function significands(n, seed) {
  const a = new Float64Array(n)
  const next = xorshift32(seed)
  for (let i = 0; i < n; i++) a[i] = ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992
  return a
}

/** The issue's targets for the axes section, added through `add(description, measured, pass)`. */
export function axesTargets(result, add) {
  if (!result) return
  const find = (prefix) => result.rows.find((r) => r.id.startsWith(prefix))
  const fraction = (row) => row.limitMs / row.ms
  const side = `${result.side}²`
  for (const axis of [0, 1]) {
    const row = find(`sum over axis ${axis} of ${side}`)
    add(`sum over axis ${axis} of ${side} f64 ≥ 0.7 of the read limit`, `${fraction(row).toFixed(2)} (${row.ms.toFixed(1)} ms vs ${row.limitMs.toFixed(1)} ms)`, fraction(row) >= 0.7)
    const target = axis === 0 ? 1.5 : 1
    add(
      `sum over axis ${axis} of ${side} f64 ≥ ${target}× numpy`,
      row.numpyMs == null ? 'not measured (numpy)' : `${(row.numpyMs / row.ms).toFixed(2)}× (${row.ms.toFixed(1)} ms vs ${row.numpyMs.toFixed(1)} ms)`,
      row.numpyMs == null ? null : row.numpyMs / row.ms >= target,
    )
    const t = find(`sum over axis ${axis} of the transposed`)
    add(`sum over axis ${axis} of the transposed ${side} view ≥ 0.5 of the read limit`, `${fraction(t).toFixed(2)} (${t.ms.toFixed(1)} ms)`, fraction(t) >= 0.5)
  }
  const short = find('mean over axis 1 of 1e6')
  add('mean over axis 1 of 1e6 × 4 f64 ≥ 0.5 of the read limit', `${fraction(short).toFixed(2)} (${short.ms.toFixed(2)} ms vs ${short.limitMs.toFixed(2)} ms)`, fraction(short) >= 0.5)
  const image = find('per-channel mean')
  add('per-channel mean of a 512 × 512 × 3 Uint8 image ≥ 0.5 of the read limit', `${fraction(image).toFixed(2)} (${(image.ms * 1e3).toFixed(0)} µs vs ${(image.limitMs * 1e3).toFixed(0)} µs)`, fraction(image) >= 0.5)
  const { viewMs, arrayMs } = result.contiguous
  add('whole-array sum through a contiguous view costs no more than on the array (within 5 %)', `${viewMs.toFixed(2)} ms vs ${arrayMs.toFixed(2)} ms`, viewMs <= arrayMs * 1.05)
}
