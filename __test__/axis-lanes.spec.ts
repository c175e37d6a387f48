// cumsum, argsort and quantile along an axis: numpy's answers for fixed views of every type
// (data/axis-lane-cases.json, written by scripts/gen-axis-lane-cases.py), every type over random 0-D to 4-D views
// (negative, zero, transposed and sliced strides, offsets) against a JavaScript reference per lane or output, `out`
// in every form, exports, abort, async against sync, and every bad axis refused with nothing written and the ledger
// clean.
import { readFileSync } from 'node:fs'

import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { ALL_TYPES, BLOCK, type Ctor, element, isBig, isFloat } from './helpers/arrays.js'
import { fromBits, sameDouble } from './helpers/exact.js'
import { compare } from './helpers/reference.js'
import { borrowError, ledgerBaseline, rangeError, throwsError, typeError } from './helpers/ledger.js'
import { axisOf, dataOf, indices, layout, type Layout, outcome, plain, same, show, subLayout } from './helpers/views.js'

type Value = number | bigint

/** For each lane of `l` along `axis` (the other axes' indices in row-major order), the data indices of its elements. */
function lanesOf(l: Layout, axis: number): number[][] {
  const others = l.shape.map((_, k) => k).filter((k) => k !== axis)
  return indices(subLayout(l, others, l.offset)).map((base) => indices(subLayout(l, [axis], base)))
}

/** `lanes` (each a lane's values along `axis` of `shape`) as one array in row-major order of `shape`. */
function rowMajor<X>(lanes: X[][], shape: number[], axis: number): X[] {
  const n = shape[axis]!
  const inner = shape.slice(axis + 1).reduce((p, x) => p * x, 1)
  const out: X[] = new Array(lanes.length * n)
  lanes.forEach((lane, l) => lane.forEach((x, j) => (out[Math.floor(l / inner) * n * inner + j * inner + (l % inner)] = x)))
  return out
}

const cumsumType = (T: Ctor) => (isBig(T) ? T.name : 'Float64Array')

/** cumsum of a view along `axis`: each lane's prefix sums, exact for integers (a range error past ±2^53 or the 64-bit
 * range), and for floats what the whole-array cumsum gives for the lane's elements (its accuracy is cumsum.spec.ts's). */
function cumsumExpected(T: Ctor, data: ArrayLike<Value>, l: Layout, axis: number): unknown {
  const lanes = lanesOf(l, axis).map((lane) => lane.map((i) => data[i]!))
  const prefixes: Value[][] = []
  for (const lane of lanes) {
    if (isFloat(T)) {
      prefixes.push(Array.from(pb.cumsumSync((T as Float64ArrayConstructor).from(lane as number[]))))
      continue
    }
    let total = 0n
    const [min, max] =
      T === BigInt64Array ? [-(2n ** 63n), 2n ** 63n - 1n] : T === BigUint64Array ? [0n, 2n ** 64n - 1n] : [-(2n ** 53n), 2n ** 53n]
    const out: Value[] = []
    for (const x of lane) {
      total += BigInt(x)
      if (total < min || total > max) return 'ERR_OUT_OF_RANGE'
      out.push(isBig(T) ? total : Number(total))
    }
    prefixes.push(out)
  }
  return { shape: l.shape, type: cumsumType(T), values: rowMajor(prefixes, l.shape, axis) }
}

/** argsort of a view along `axis`: each lane's stable order (the exact reverse when `descending`, ties by index). */
function argsortExpected(data: ArrayLike<Value>, l: Layout, axis: number, descending: boolean): unknown {
  const orders = lanesOf(l, axis).map((lane) => {
    const values = lane.map((i) => data[i]!)
    return values.map((_, i) => i).sort((i, j) => (descending ? -1 : 1) * compare(values[i]!, values[j]!))
  })
  return { shape: l.shape, type: 'Uint32Array', values: rowMajor(orders, l.shape, axis) }
}

/** quantile of a view along `reduced` axes: shape `[qs.length, ...kept]` (no leading axis for a number `q`), each
 * output what the whole-array quantile gives for its elements (in row-major order of the reduced axes), or its error. */
function quantileExpected(T: Ctor, data: ArrayLike<Value>, l: Layout, reduced: number[], q: number | number[], method: pb.QuantileMethod): unknown {
  const kept = l.shape.map((_, k) => k).filter((k) => !reduced.includes(k))
  const outputs = indices(subLayout(l, kept, l.offset)).map((base) => indices(subLayout(l, reduced, base)).map((i) => data[i]!))
  const qs = typeof q === 'number' ? [q] : q
  const values: number[] = new Array(qs.length * outputs.length)
  for (const [o, elements] of outputs.entries()) {
    const whole = (T as unknown as { from(v: Value[]): Float64Array }).from(elements)
    let got: Float64Array
    try {
      // As given: numpy (and parabuf) interpolate a number q in a float32 or float16 array's own type, an array of
      // them in double, and the two can differ in the last bit (a subnormal in float32 is 0).
      const result: number | Float64Array = typeof q === 'number' ? pb.quantileSync(whole, q, { method }) : pb.quantileSync(whole, qs, { method })
      got = typeof result === 'number' ? Float64Array.of(result) : result
    } catch (error) {
      return (error as { code: string }).code
    }
    qs.forEach((_, i) => (values[i * outputs.length + o] = got[i]!))
  }
  const shape = kept.map((k) => l.shape[k]!)
  return { shape: typeof q === 'number' ? shape : [qs.length, ...shape], type: 'Float64Array', values }
}

/** A random view of every type with its data, and an axis of it (any, counted either way; 0 for no dimension). */
const scenario = fc
  .tuple(layout(false), fc.constantFrom(...ALL_TYPES))
  .chain(([l, T]) =>
    fc.record({
      l: fc.constant(l),
      T: fc.constant(T),
      values: fc.array(element(T), { minLength: 32, maxLength: 32 }),
      axis: axisOf(l),
      descending: fc.boolean(),
      reduced: fc.subarray(l.shape.map((_, k) => k)),
      q: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.constantFrom(0, 0.1, 0.25, 0.5, 0.9, 1), { maxLength: 3 })),
      method: fc.constantFrom<pb.QuantileMethod>('linear', 'lower', 'higher', 'nearest', 'midpoint'),
    }),
  )

test('cumsum, argsort and quantile along random axes of random views of every type match the reference', (t) => {
  fc.assert(
    fc.property(scenario, ({ l, T, values, axis, descending, reduced, q, method }) => {
      const data = dataOf(T, l, values)
      const v = pb.view(data, { shape: l.shape, strides: l.strides, offset: l.offset })
      const k = axis < 0 ? axis + l.shape.length : axis
      const along = l.shape.length === 0 ? 'ERR_OUT_OF_RANGE' : undefined
      const checks: [string, unknown, () => unknown][] = [
        ['cumsum', along ?? cumsumExpected(T, data, l, k), () => pb.cumsumSync(v, { axis })],
        ['argsort', along ?? argsortExpected(data, l, k, descending), () => pb.argsortSync(v, { axis, descending })],
      ]
      // quantile needs elements, and 64-bit data within ±2^53 where it interpolates: the whole-array rules decide.
      const axes = reduced.map((r, i) => (i % 2 === 0 ? r : r - l.shape.length))
      checks.push(['quantile', quantileExpected(T, data, l, reduced, q, method), () => pb.quantileSync(v, q, { axis: axes, method })])
      for (const [name, want, run] of checks) {
        const got = outcome(run)
        if (!same(got, want)) throw new Error(`${name} of ${T.name} ${JSON.stringify(l)} along ${axis}: ${show(got)} vs ${show(want)}`)
      }
    }),
    { numRuns: 600 },
  )
  t.pass()
})

interface LaneCase {
  name: string
  type: string
  shape: number[]
  strides: number[]
  offset: number
  op: 'cumsum' | 'argsort' | 'quantile'
  options: { axis: number | number[]; descending?: boolean; q?: number | number[]; method?: pb.QuantileMethod }
  resultShape: number[]
  expected: string[]
}
const file = JSON.parse(readFileSync(new URL('data/axis-lane-cases.json', import.meta.url), 'utf8')) as {
  numpy: string
  data: Record<string, (number | string)[]>
  cases: LaneCase[]
}

test(`numpy ${file.numpy}: cumsum, argsort and quantile along axes of strided views, sync and async`, async (t) => {
  t.true(file.cases.length > 200)
  for (const c of file.cases) {
    const T = (globalThis as unknown as Record<string, Ctor>)[c.type]!
    const raw = file.data[c.type]!
    const data = (T as unknown as { from(v: unknown[]): InstanceType<Ctor> }).from(
      isBig(T) ? raw.map((x) => BigInt(x)) : raw.map((x) => (typeof x === 'number' ? x : Number(x))),
    )
    const v = pb.view(data, { shape: c.shape, strides: c.strides, offset: c.offset })
    const { axis, descending, q, method } = c.options
    const runs: [() => unknown, () => Promise<unknown>] =
      c.op === 'cumsum'
        ? [() => pb.cumsumSync(v, { axis }), () => pb.cumsum(v, { axis })]
        : c.op === 'argsort'
          ? [() => pb.argsortSync(v, { axis, descending }), () => pb.argsort(v, { axis, descending })]
          : [() => pb.quantileSync(v, q!, { axis, method }), () => pb.quantile(v, q!, { axis, method })]
    for (const result of [runs[0](), await runs[1]()]) {
      const got = result as pb.StridedView
      t.deepEqual([...got.shape], c.resultShape, c.name)
      const values = Array.from(got.data as ArrayLike<Value>)
      const want =
        c.op === 'argsort' ? c.expected.map(Number) : isBig(T) && c.op === 'cumsum' ? c.expected.map((x) => BigInt(x)) : c.expected.map(fromBits)
      const ok = values.length === want.length && values.every((x, i) => (typeof x === 'number' ? sameDouble(x, want[i] as number) : x === want[i]))
      t.true(ok, `${c.type} ${c.name}: ${show(values)} vs numpy ${show(want)}`)
      t.is(got.data.constructor.name, c.op === 'argsort' ? 'Uint32Array' : c.op === 'cumsum' ? cumsumType(T) : 'Float64Array', c.name)
    }
  }
})

test('defaults: argsort along the last axis, cumsum flattened; a plain array has the one axis 0', (t) => {
  const m = pb.view(new Int32Array([3, 1, 2, 9, 7, 8]), { shape: [2, 3] })
  t.deepEqual(plain(pb.argsortSync(m)), { shape: [2, 3], type: 'Uint32Array', values: [1, 2, 0, 1, 2, 0] })
  t.deepEqual(plain(pb.argsortSync(m, { axis: 0 })), { shape: [2, 3], type: 'Uint32Array', values: [0, 0, 0, 1, 1, 1] })
  // numpy's cumsum without an axis flattens: the prefix sums of the row-major elements, a plain array.
  t.deepEqual(plain(pb.cumsumSync(m)), { type: 'Float64Array', values: [3, 4, 6, 15, 22, 30] })
  t.deepEqual(plain(pb.cumsumSync(m, { axis: 0 })), { shape: [2, 3], type: 'Float64Array', values: [3, 1, 2, 12, 8, 10] })
  t.deepEqual(plain(pb.cumsumSync(m, { axis: -1 })), { shape: [2, 3], type: 'Float64Array', values: [3, 4, 6, 9, 16, 24] })
  t.deepEqual(plain(pb.quantileSync(m, 0.5, { axis: 1 })), { shape: [2], type: 'Float64Array', values: [2, 8] })
  t.deepEqual(plain(pb.quantileSync(m, [0, 1], { axis: 0 })), { shape: [2, 3], type: 'Float64Array', values: [3, 1, 2, 9, 7, 8] })
  t.deepEqual(plain(pb.quantileSync(m, [0.5], { axis: [0, 1] })), { shape: [1], type: 'Float64Array', values: [5] })
  const a = new Float64Array([2, NaN, 1])
  t.deepEqual(plain(pb.argsortSync(a)), { type: 'Uint32Array', values: [2, 0, 1] })
  t.deepEqual(plain(pb.argsortSync(a, { axis: 0 })), { shape: [3], type: 'Uint32Array', values: [2, 0, 1] })
  t.deepEqual(plain(pb.cumsumSync(new BigInt64Array([1n, 2n]), { axis: 0 })), { shape: [2], type: 'BigInt64Array', values: [1n, 3n] })
  t.deepEqual(plain(pb.quantileSync(a, 0.5, { axis: 0, skipNaN: true })), { shape: [], type: 'Float64Array', values: [1.5] })
  // Empty axes: empty results of numpy's shapes.
  const empty = pb.view(new Float64Array(0), { shape: [0, 3] })
  t.deepEqual(plain(pb.argsortSync(empty, { axis: 0 })), { shape: [0, 3], type: 'Uint32Array', values: [] })
  t.deepEqual(plain(pb.cumsumSync(empty, { axis: 1 })), { shape: [0, 3], type: 'Float64Array', values: [] })
  t.deepEqual(plain(pb.quantileSync(empty, [0.5, 1], { axis: 1 })), { shape: [2, 0], type: 'Float64Array', values: [] })
  t.is(outcome(() => pb.quantileSync(empty, 0.5, { axis: 0 })), 'ERR_PARABUF_EMPTY')
})

test('long lanes and many short ones, as tasks split them, match the reference both ways round', (t) => {
  for (const [rows, columns] of [
    [3, 70_001],
    [70_001, 3],
    [3, BLOCK + 5],
  ] as const) {
    const data = Int32Array.from({ length: rows * columns }, (_, i) => ((i * 7919) % 1013) - 500)
    for (const strides of [undefined, [1, rows]]) {
      const l: Layout = { shape: [rows, columns], strides: strides ?? [columns, 1], offset: 0, length: data.length }
      const v = pb.view(data, { shape: l.shape, strides: l.strides })
      for (const axis of [0, 1]) {
        const label = `${rows} × ${columns} ${strides ? 'transposed' : 'row-major'} along ${axis}`
        t.true(same(plain(pb.cumsumSync(v, { axis })), cumsumExpected(Int32Array, data, l, axis)), `cumsum ${label}`)
        t.true(same(plain(pb.argsortSync(v, { axis })), argsortExpected(data, l, axis, false)), `argsort ${label}`)
      }
    }
  }
})

test.serial('cumsum along an axis into `out`: an array, a view of the input shape or of another, in place', async (t) => {
  const ledger = ledgerBaseline(t)
  const data = new Float64Array([1, 2, 3, 4, 5, 6])
  const m = pb.view(data, { shape: [2, 3] })
  // An array: filled in the row-major order of the input's indices, and returned as itself.
  const out = new Float64Array(6)
  t.is(pb.cumsumSync(m, { axis: 0, out }), out)
  t.deepEqual(Array.from(out), [1, 2, 3, 5, 7, 9])
  t.is(await pb.cumsum(m, { axis: 1, out }), out)
  t.deepEqual(Array.from(out), [1, 3, 6, 4, 9, 15])
  // A transposed view of the input's shape: element for element.
  const backing = new Float64Array(6)
  const transposed = pb.view(backing, { shape: [2, 3], strides: [1, 2] })
  t.is(pb.cumsumSync(m, { axis: 0, out: transposed }), backing)
  t.deepEqual(Array.from(backing), [1, 5, 2, 7, 3, 9])
  // A view of another shape: its row-major order receives the input's.
  const wide = new Float64Array(12).fill(-1)
  pb.cumsumSync(m, { axis: 0, out: pb.view(wide, { shape: [6], strides: [2] }) })
  t.deepEqual(Array.from(wide), [1, -1, 2, -1, 3, -1, 5, -1, 7, -1, 9, -1])
  // In place: the input's own array, each row's prefix sums.
  t.is(pb.cumsumSync(m, { axis: 1, out: data }), data)
  t.deepEqual(Array.from(data), [1, 3, 6, 4, 9, 15])
  // A wrong length or type is refused, nothing written.
  const short = new Float64Array(5).fill(-1)
  throwsError(t, () => pb.cumsumSync(m, { axis: 0, out: short }), rangeError('ERR_PARABUF_LENGTH_MISMATCH'))
  t.deepEqual(Array.from(short), [-1, -1, -1, -1, -1])
  throwsError(t, () => pb.cumsumSync(m, { axis: 0, out: new Float32Array(6) as never }), typeError('ERR_PARABUF_TYPE_MISMATCH'))
  // A prefix beyond ±2^53 in one lane refuses the call: no lane is written.
  const big = pb.view(new Uint32Array([2 ** 32 - 1, 1, 1, 1]), { shape: [2, 2], strides: [1, 2] })
  // One lane of 2^21 + 1 elements of 2^32 - 1 passes 2^53; the other lane is fine.
  const target = new Float64Array(2 ** 22 + 2).fill(-1)
  const huge = pb.view(new Uint32Array(2 ** 22 + 2).fill(2 ** 32 - 1).fill(0, 2 ** 21 + 1), { shape: [2, 2 ** 21 + 1] })
  throwsError(t, () => pb.cumsumSync(huge, { axis: 1, out: target }), rangeError('ERR_OUT_OF_RANGE', /cumsum\(\).*2\^53/))
  t.true(target.every((x) => x === -1))
  t.deepEqual(plain(pb.cumsumSync(big, { axis: 1 })), { shape: [2, 2], type: 'Float64Array', values: [2 ** 32 - 1, 2 ** 32, 1, 2] })
  ledger.clean()
})

test.serial('exports: read handles and views of them, and live write exports refuse before anything is written', async (t) => {
  const ledger = ledgerBaseline(t)
  const data = Float64Array.from({ length: 12 }, (_, i) => (i * 5) % 7)
  {
    using handle = pb.borrow(data, 'read')
    const v = pb.view(handle, { shape: [3, 4] })
    const direct = pb.view(data, { shape: [3, 4] })
    t.deepEqual(plain(await pb.argsort(v, { axis: 0 })), plain(pb.argsortSync(direct, { axis: 0 })))
    t.deepEqual(plain(await pb.cumsum(v, { axis: 1 })), plain(pb.cumsumSync(direct, { axis: 1 })))
    t.deepEqual(plain(await pb.quantile(v, [0.5], { axis: 1 })), plain(pb.quantileSync(direct, [0.5], { axis: 1 })))
    // A read export of `out` cannot be written.
    const out = new Float64Array(12).fill(-1)
    using reader = pb.borrow(out, 'read')
    throwsError(t, () => pb.cumsumSync(direct, { axis: 0, out: reader as never }), borrowError('ERR_PARABUF_BORROWED'))
    throwsError(t, () => pb.cumsumSync(direct, { axis: 0, out }), borrowError('ERR_PARABUF_BORROWED'))
    t.true(out.every((x) => x === -1))
  }
  {
    using writer = pb.borrow(data.subarray(4, 5), 'write')
    const out = new Float64Array(12).fill(-1)
    const v = pb.view(data, { shape: [3, 4], strides: [1, 3] })
    throwsError(t, () => pb.cumsumSync(v, { axis: 0, out }), borrowError('ERR_PARABUF_BORROWED'))
    await t.throwsAsync(pb.argsort(v, { axis: 1 }), { code: 'ERR_PARABUF_BORROWED' })
    throwsError(t, () => pb.quantileSync(v, 0.5, { axis: 1 }), borrowError('ERR_PARABUF_BORROWED'))
    t.true(out.every((x) => x === -1))
    t.truthy(writer)
  }
  ledger.clean()
})

test.serial('bad axes are refused with coded errors, nothing written, and the ledger clean', (t) => {
  const ledger = ledgerBaseline(t)
  const m = pb.view(Float64Array.from({ length: 12 }, (_, i) => i), { shape: [3, 4] })
  const out = new Float64Array(12).fill(-1)
  for (const [name, run] of [
    ['cumsum', (axis: unknown) => pb.cumsumSync(m, { axis, out } as never)],
    ['argsort', (axis: unknown) => pb.argsortSync(m, { axis } as never)],
    ['quantile', (axis: unknown) => pb.quantileSync(m, 0.5, { axis } as never)],
  ] as const) {
    throwsError(t, () => run(2), rangeError('ERR_OUT_OF_RANGE', new RegExp(`${name}\\(\\) options.axis: axis 2 is out of range for 2 dimensions`)))
    throwsError(t, () => run(-3), rangeError('ERR_OUT_OF_RANGE', /axis -3/))
    throwsError(t, () => run(0.5), rangeError('ERR_OUT_OF_RANGE', /options.axis must be an integer/))
    throwsError(t, () => run('0'), typeError('ERR_INVALID_ARG_TYPE', /options.axis/))
    throwsError(t, () => run([0, -2]), typeError('ERR_INVALID_ARG_VALUE', /already/))
    if (name !== 'quantile') {
      throwsError(t, () => run([0, 1]), typeError('ERR_INVALID_ARG_VALUE', new RegExp(`${name}\\(\\) works along one axis`)))
      throwsError(t, () => run([]), typeError('ERR_INVALID_ARG_VALUE', /works along one axis/))
    }
  }
  t.true(out.every((x) => x === -1))
  // Operations that take no axis refuse one with the same error.
  throwsError(t, () => pb.topkSync(m, 1, { axis: 0 } as never), typeError('ERR_INVALID_ARG_VALUE', /^topk\(\) takes no axis option$/))
  throwsError(t, () => pb.searchsortedSync(m, 1, { axis: 0 } as never), typeError('ERR_INVALID_ARG_VALUE', /searchsorted\(\) takes no axis/))
  const bound = pb.compile('x + 1').bind({ x: new Float64Array(3) })
  throwsError(t, () => pb.argsortSync(bound as never, { axis: 0 }), typeError('ERR_INVALID_ARG_VALUE', /bound expression takes no axis/))
  ledger.clean()
})

test.serial('async operations that take no axis reject one', async (t) => {
  const a = new Float64Array([1, 2])
  await t.throwsAsync(pb.topk(a, 1, { axis: 0 } as never), { code: 'ERR_INVALID_ARG_VALUE' })
  await t.throwsAsync(pb.searchsorted(a, 1, { axis: 0 } as never), { code: 'ERR_INVALID_ARG_VALUE' })
})

test('each option is read once, by a getter too', (t) => {
  const m = pb.view(new Float64Array([4, 3, 2, 1]), { shape: [2, 2] })
  const reads: Record<string, number> = {}
  const counted = (values: Record<string, unknown>) => {
    const o = {}
    for (const [name, value] of Object.entries(values)) {
      Object.defineProperty(o, name, {
        enumerable: true,
        get() {
          reads[name] = (reads[name] ?? 0) + 1
          return value
        },
      })
    }
    return o
  }
  t.deepEqual(plain(pb.cumsumSync(m, counted({ axis: 0 }) as never)), { shape: [2, 2], type: 'Float64Array', values: [4, 3, 6, 4] })
  t.deepEqual(plain(pb.argsortSync(m, counted({ axis: 1, descending: true }) as never)), { shape: [2, 2], type: 'Uint32Array', values: [0, 1, 0, 1] })
  t.deepEqual(plain(pb.quantileSync(m, 1, counted({ axis: 0, method: 'lower', skipNaN: false }) as never)), { shape: [2], type: 'Float64Array', values: [4, 3] })
  t.deepEqual(reads, { axis: 3, descending: 1, method: 1, skipNaN: 1 })
})

test.serial('abort: along an axis, before and during the run; the ledger is clean after', async (t) => {
  const ledger = ledgerBaseline(t)
  const data = new Float64Array(16 * BLOCK).fill(1)
  const v = pb.view(data, { shape: [16, BLOCK], strides: [1, 16] })
  for (const run of [
    (signal: AbortSignal) => pb.cumsum(v, { axis: 1, signal }),
    (signal: AbortSignal) => pb.argsort(v, { axis: 0, signal }),
    (signal: AbortSignal) => pb.quantile(v, 0.5, { axis: 1, signal }),
  ]) {
    const controller = new AbortController()
    const running = run(controller.signal)
    controller.abort()
    await t.throwsAsync(running, { name: 'AbortError' })
    const aborted = new AbortController()
    aborted.abort()
    await t.throwsAsync(run(aborted.signal), { name: 'AbortError' })
  }
  ledger.clean()
})
