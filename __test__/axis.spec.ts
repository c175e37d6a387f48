// Reductions along axes: every reduction of random 0-D to 4-D views (negative, zero, transposed and sliced strides,
// offsets) of every element type, along every random choice of axes, against a JavaScript reference per output
// element (exact sums, Math.min/max semantics, counts) or, for the reductions whose references are tested in their own
// files (variance, std, norm, median), against the whole-array reduction of that output's elements; numpy's shapes
// and result types; scijs ndarrays; every bad axis refused before anything runs, and the ledger clean after.
import test from 'ava'
import fc from 'fast-check'
import ndarray from 'ndarray'

import * as pb from 'parabuf'

import { ALL_TYPES, type Ctor, element, isBig } from './helpers/arrays.js'
import { exactSum } from './helpers/exact.js'
import { argExtreme, extreme } from './helpers/reference.js'
import { ledgerBaseline, rangeError, throwsError, typeError } from './helpers/ledger.js'
import { dataOf, indices, layout, type Layout, outcome, plain, subLayout } from './helpers/views.js'

type Value = number | bigint
type Reduce = (a: pb.Input, options: pb.AxisOptions) => unknown

/** Every reduction that takes `axis`, each with its synchronous and async forms. */
const ALONG: [string, Reduce, (a: pb.Input, options: pb.AxisOptions) => Promise<unknown>][] = [
  ['sum', (a, o) => pb.sumSync(a, o), (a, o) => pb.sum(a, o)],
  ['mean', (a, o) => pb.meanSync(a, o), (a, o) => pb.mean(a, o)],
  ['min', (a, o) => pb.minSync(a, o), (a, o) => pb.min(a, o)],
  ['max', (a, o) => pb.maxSync(a, o), (a, o) => pb.max(a, o)],
  ['minmax', (a, o) => pb.minmaxSync(a, o), (a, o) => pb.minmax(a, o)],
  ['argmin', (a, o) => pb.argminSync(a, o), (a, o) => pb.argmin(a, o)],
  ['argmax', (a, o) => pb.argmaxSync(a, o), (a, o) => pb.argmax(a, o)],
  ['variance', (a, o) => pb.varianceSync(a, { ...o, ddof: 1 }), (a, o) => pb.variance(a, { ...o, ddof: 1 })],
  ['std', (a, o) => pb.stdSync(a, o), (a, o) => pb.std(a, o)],
  ['norm', (a, o) => pb.normSync(a, o), (a, o) => pb.norm(a, o)],
  ['countNonZero', (a, o) => pb.countNonZeroSync(a, o), (a, o) => pb.countNonZero(a, o)],
  ['median', (a, o) => pb.medianSync(a, o), (a, o) => pb.median(a, o)],
]

/** For each index of the kept axes (row-major), the data indices of its elements in row-major order of `reduced`. */
function lanes(l: Layout, reduced: number[]): { shape: number[]; lanes: number[][] } {
  const kept = l.shape.map((_, k) => k).filter((k) => !reduced.includes(k))
  const shape = kept.map((k) => l.shape[k]!)
  return { shape, lanes: indices(subLayout(l, kept, l.offset)).map((base) => indices(subLayout(l, reduced, base))) }
}

/** The JavaScript reference of one output element, or `undefined` to compare with the whole-array reduction. */
function reference(name: string, T: Ctor, lane: Value[]): Value | { min: Value; max: Value } | undefined {
  const big = isBig(T)
  const bigSum = () => lane.reduce((s: bigint, x) => s + (x as bigint), 0n)
  switch (name) {
    case 'sum':
      return big ? bigSum() : exactSum(lane as number[])
    case 'mean':
      return lane.length === 0 ? NaN : (big ? Number(bigSum()) : exactSum(lane as number[])) / lane.length
    case 'min':
    case 'max':
      return extreme(lane, name)
    case 'minmax':
      return { min: extreme(lane, 'min'), max: extreme(lane, 'max') }
    case 'argmin':
    case 'argmax':
      return argExtreme(lane, name === 'argmin' ? 'min' : 'max')
    case 'countNonZero':
      return lane.filter((x) => x !== 0 && x !== 0n).length
    default:
      return undefined
  }
}

const same = (a: unknown, b: unknown): boolean =>
  Object.is(a, b) || JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v)) ===
    JSON.stringify(b, (_, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v))

/** The expected outcome of reduction `name` of a view of `data` with layout `l` along `reduced` (given as `axis`). */
function expected(name: string, reduce: Reduce, T: Ctor, data: InstanceType<Ctor>, l: Layout, reduced: number[]): unknown {
  if ((name === 'argmin' || name === 'argmax') && reduced.length !== 1) return 'ERR_INVALID_ARG_VALUE'
  const { shape, lanes: all } = lanes(l, reduced)
  const values = all.map((lane) => lane.map((i) => data[i] as Value))
  const needsElement = ['min', 'max', 'minmax', 'argmin', 'argmax'].includes(name)
  if (needsElement && values.some((v) => v.length === 0)) return 'ERR_PARABUF_EMPTY'
  const results: Value[] = []
  for (const lane of values) {
    const want = reference(name, T, lane)
    if (want !== undefined) {
      results.push(want as Value)
      continue
    }
    // Tested against references in their own files: here, the same as the whole-array reduction of these elements,
    // or its error (the first output's, in row-major order).
    const whole = (T as unknown as { from(v: Value[]): InstanceType<Ctor> }).from(lane)
    try {
      results.push((reduce as (a: pb.Input) => unknown)(whole) as Value)
    } catch (error) {
      return (error as { code: string }).code
    }
  }
  if (name === 'sum' && isBig(T)) {
    const fits = (x: bigint) => (T === BigInt64Array ? BigInt.asIntN(64, x) === x : BigInt.asUintN(64, x) === x)
    if (!(results as bigint[]).every(fits)) return 'ERR_OUT_OF_RANGE'
  }
  const type = ['min', 'max', 'minmax'].includes(name) || (name === 'sum' && isBig(T)) ? T.name : name.startsWith('arg') ? 'Uint32Array' : 'Float64Array'
  const column = (xs: Value[]) => ({ shape, type, values: type === 'Float64Array' ? xs.map(Number) : xs })
  if (name === 'minmax') {
    const pairs = results as unknown as { min: Value; max: Value }[]
    return { min: column(pairs.map((p) => p.min)), max: column(pairs.map((p) => p.max)) }
  }
  return column(results as Value[])
}

/** A random choice of distinct axes of `ndim` dimensions, each given as itself or counted from the end, in any order;
 * a single axis sometimes as a number. */
function axesOf(ndim: number): fc.Arbitrary<{ reduced: number[]; axis: number | number[] }> {
  const all = Array.from({ length: ndim }, (_, k) => k)
  return fc
    .tuple(fc.shuffledSubarray(all), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.boolean())
    .map(([chosen, negative, asNumber]) => {
      const given = chosen.map((k, i) => (negative[i] ? k - ndim : k))
      return { reduced: [...chosen].sort((a, b) => a - b), axis: asNumber && given.length === 1 ? given[0]! : given }
    })
}

const scenario = fc
  .tuple(layout(false), fc.constantFrom(...ALL_TYPES))
  .chain(([l, T]) =>
    fc.record({
      l: fc.constant(l),
      T: fc.constant(T),
      values: fc.array(element(T), { minLength: 32, maxLength: 32 }),
      axes: axesOf(l.shape.length),
    }),
  )

test('every reduction along random axes of random views of every type is the reference for each output element', (t) => {
  fc.assert(
    fc.property(scenario, ({ l, T, values, axes }) => {
      const data = dataOf(T, l, values)
      const v = pb.view(data, { shape: l.shape, strides: l.strides, offset: l.offset })
      for (const [name, reduce] of ALONG) {
        const got = outcome(() => reduce(v, { axis: axes.axis }))
        const want = expected(name, reduce, T, data, l, axes.reduced)
        if (!same(got, want)) {
          throw new Error(`${name} of ${T.name} ${JSON.stringify(l)} along ${JSON.stringify(axes.axis)}: ${String(JSON.stringify(got, (_, x) => (typeof x === 'bigint' ? `${x}n` : x)))} vs ${String(JSON.stringify(want, (_, x) => (typeof x === 'bigint' ? `${x}n` : x)))}`)
        }
      }
    }),
    { numRuns: 1000 },
  )
  t.pass()
})

test('async reductions along axes give the synchronous results, for exports and views of exports too', async (t) => {
  const data = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i) * 1e3)
  const inputs: pb.Input[] = [
    pb.view(data, { shape: [3, 4, 5] }),
    pb.view(data, { shape: [5, 4], strides: [1, 15], offset: 3 }),
    ndarray(data, [6, 10]).transpose(1, 0),
  ]
  for (const input of inputs) {
    for (const [name, sync, run] of ALONG) {
      for (const axis of [0, -1, [0, 1]]) {
        const got = await run(input, { axis }).then(plain, (error: { code?: string }) => error.code)
        t.deepEqual(got, outcome(() => sync(input, { axis })), `${name} ${JSON.stringify(axis)}`)
      }
    }
  }
  using handle = pb.borrow(data, 'read')
  t.deepEqual(plain(await pb.sum(pb.view(handle, { shape: [6, 10] }), { axis: 1 })), plain(pb.sumSync(pb.view(data, { shape: [6, 10] }), { axis: 1 })))
})

test('numpy shapes and types: column means, per-channel means, 1-D arrays, no axes, empty axes', (t) => {
  // A 3 × 2 matrix: the column means and the row sums.
  const m = pb.view(new Float64Array([1, 10, 2, 20, 3, 30]), { shape: [3, 2] })
  t.deepEqual(plain(pb.meanSync(m, { axis: 0 })), { shape: [2], type: 'Float64Array', values: [2, 20] })
  t.deepEqual(plain(pb.sumSync(m, { axis: 1 })), { shape: [3], type: 'Float64Array', values: [11, 22, 33] })
  t.deepEqual(plain(pb.sumSync(m, { axis: [] })), { shape: [3, 2], type: 'Float64Array', values: [1, 10, 2, 20, 3, 30] })
  t.deepEqual(plain(pb.sumSync(m, { axis: [1, 0] })), { shape: [], type: 'Float64Array', values: [66] })
  // A 2 × 2 RGB image of bytes: the mean of each channel over the rows and columns.
  const image = pb.view(new Uint8Array([255, 0, 10, 255, 0, 20, 0, 0, 30, 0, 0, 40]), { shape: [2, 2, 3] })
  t.deepEqual(plain(pb.meanSync(image, { axis: [0, 1] })), { shape: [3], type: 'Float64Array', values: [127.5, 0, 25] })
  t.deepEqual(plain(pb.maxSync(image, { axis: [0, 1] })), { shape: [3], type: 'Uint8Array', values: [255, 0, 40] })
  t.deepEqual(plain(pb.argmaxSync(image, { axis: 2 })), { shape: [2, 2], type: 'Uint32Array', values: [0, 0, 2, 2] })
  // A plain array has the one axis 0.
  t.deepEqual(plain(pb.sumSync(new Int16Array([1, 2, 3]), { axis: 0 })), { shape: [], type: 'Float64Array', values: [6] })
  t.deepEqual(plain(pb.sumSync(new BigUint64Array([2n ** 63n, 5n]), { axis: -1 })), { shape: [], type: 'BigUint64Array', values: [2n ** 63n + 5n] })
  t.deepEqual(plain(pb.minmaxSync(new Uint8ClampedArray([3, 9, 1]), { axis: 0 })), {
    min: { shape: [], type: 'Uint8ClampedArray', values: [1] },
    max: { shape: [], type: 'Uint8ClampedArray', values: [9] },
  })
  // Without `axis` (or with it undefined), every element: a scalar as before.
  t.is(pb.sumSync(m), 66)
  t.is(pb.sumSync(m, { axis: undefined } as unknown as pb.AxisOptions) as unknown, 66)
  // An empty axis of outputs: no output, no error; empty reduced elements: the whole-array result, or its error.
  const empty = pb.view(new Float64Array(0), { shape: [0, 3] })
  t.is(outcome(() => pb.minSync(empty, { axis: 0 })), 'ERR_PARABUF_EMPTY')
  t.deepEqual(plain(pb.sumSync(empty, { axis: 0 })), { shape: [3], type: 'Float64Array', values: [0, 0, 0] })
  t.deepEqual(plain(pb.minSync(empty, { axis: 1 })), { shape: [0], type: 'Float64Array', values: [] })
  const halves = (globalThis as { Float16Array?: new (v: number[]) => pb.Float16ArrayLike }).Float16Array
  if (halves !== undefined) {
    const h = pb.view(new halves([1.5, -2, 0.25, 8]), { shape: [2, 2] })
    t.deepEqual(plain(pb.maxSync(h, { axis: 0 })), { shape: [2], type: 'Float16Array', values: [1.5, 8] })
    t.deepEqual(plain(pb.sumSync(h, { axis: 1 })), { shape: [2], type: 'Float64Array', values: [-0.5, 8.25] })
  }
})

test('outputs with many elements and many outputs with few, as tasks split them, match the reference', (t) => {
  // Long reduced axes (pieces of blocks on several threads) and many short outputs (many per task), both ways round.
  for (const [rows, columns] of [
    [3, 70_001],
    [70_001, 3],
    [257, 263],
  ] as const) {
    const data = Float64Array.from({ length: rows * columns }, (_, i) => ((i * 7919) % 1013) * (i % 3 === 0 ? 1e10 : -1e-3))
    const ints = Int32Array.from(data, (x) => Math.trunc(x / 1e6))
    for (const strides of [undefined, [1, rows]]) {
      const layout: Layout = { shape: [rows, columns], strides: strides ?? [columns, 1], offset: 0, length: data.length }
      for (const axis of [0, 1]) {
        const { shape, lanes: all } = lanes(layout, [axis])
        const v = pb.view(data, { shape: layout.shape, strides: layout.strides })
        const w = pb.view(ints, { shape: layout.shape, strides: layout.strides })
        const floats = all.map((lane) => lane.map((i) => data[i]!))
        const integers = all.map((lane) => lane.map((i) => ints[i]!))
        const label = `${rows} × ${columns} ${strides ? 'transposed' : 'row-major'} along ${axis}`
        t.deepEqual(plain(pb.sumSync(v, { axis })), { shape, type: 'Float64Array', values: floats.map((l) => exactSum(l)) }, label)
        t.deepEqual(plain(pb.meanSync(w, { axis })), { shape, type: 'Float64Array', values: integers.map((l) => l.reduce((a, b) => a + b, 0) / l.length) }, label)
        t.deepEqual(plain(pb.argmaxSync(v, { axis })), { shape, type: 'Uint32Array', values: floats.map((l) => argExtreme(l, 'max')) }, label)
        t.deepEqual(plain(pb.minSync(w, { axis })), { shape, type: 'Int32Array', values: integers.map((l) => extreme(l, 'min')) }, label)
      }
    }
  }
})

test('the exact-sum guarantee holds per output element, for float64 along every axis', (t) => {
  // Each column cancels to a value a naive loop loses: the correctly rounded sums.
  const rows = [
    [1e308, 1, 1e16],
    [-1e308, 1e-16, 1],
    [1e308, -1, -1e16],
    [-1e308, 1e-16, 1],
  ]
  const m = pb.view(Float64Array.from(rows.flat()), { shape: [4, 3] })
  t.deepEqual(pb.sumSync(m, { axis: 0 }).data, Float64Array.from([0, 2e-16, 2]))
  const t2 = pb.view(Float64Array.from(rows.flat()), { shape: [3, 4], strides: [1, 3] })
  t.deepEqual(pb.sumSync(t2, { axis: 1 }).data, Float64Array.from([0, 2e-16, 2]))
})

test('64-bit integer sums that do not fit their type are refused, naming the output element', (t) => {
  const big = pb.view(new BigInt64Array([2n ** 62n, 1n, 2n ** 62n, 2n]), { shape: [2, 2] })
  t.deepEqual(plain(pb.sumSync(big, { axis: 1 })), { shape: [2], type: 'BigInt64Array', values: [2n ** 62n + 1n, 2n ** 62n + 2n] })
  throwsError(t, () => pb.sumSync(big, { axis: 0 }), rangeError('ERR_OUT_OF_RANGE', /sum\(\).*output element 0 is 9223372036854775808.*BigInt64Array/))
})

test.serial('bad axes are refused with coded errors before anything runs, and the ledger is clean', (t) => {
  const ledger = ledgerBaseline(t)
  const data = new Float64Array(12)
  const m = pb.view(data, { shape: [3, 4] })
  throwsError(t, () => pb.sumSync(m, { axis: 2 }), rangeError('ERR_OUT_OF_RANGE', /axis 2 is out of range for 2 dimensions/))
  throwsError(t, () => pb.sumSync(m, { axis: -3 }), rangeError('ERR_OUT_OF_RANGE', /axis -3/))
  throwsError(t, () => pb.sumSync(m, { axis: [1, -1] }), typeError('ERR_INVALID_ARG_VALUE', /already/))
  throwsError(t, () => pb.sumSync(m, { axis: 0.5 }), rangeError('ERR_OUT_OF_RANGE', /options.axis must be an integer/))
  throwsError(t, () => pb.sumSync(m, { axis: [0, NaN] }), rangeError('ERR_OUT_OF_RANGE', /options.axis\[1\] must be an integer/))
  throwsError(t, () => pb.sumSync(m, { axis: '0' } as never), typeError('ERR_INVALID_ARG_TYPE', /options.axis/))
  throwsError(t, () => pb.sumSync(m, { axis: ['0'] } as never), typeError('ERR_INVALID_ARG_TYPE', /options.axis\[0\] must be a number/))
  throwsError(t, () => pb.argminSync(m, { axis: [0, 1] }), typeError('ERR_INVALID_ARG_VALUE', /one axis/))
  // A list longer than any layout's dimensions is refused before its elements are read.
  const long = new Array(2 ** 31)
  throwsError(t, () => pb.sumSync(m, { axis: long }), rangeError('ERR_OUT_OF_RANGE', /options.axis has 2147483648 elements; at most 64/))
  throwsError(t, () => pb.sumSync(pb.compile('x + 1').bind({ x: data }) as unknown as pb.Input, { axis: 0 }), typeError('ERR_INVALID_ARG_VALUE', /bound expression takes no axis/))
  ledger.clean()
})

test.serial('operations with no axes refuse an axis rather than ignore it, and change nothing', async (t) => {
  const ledger = ledgerBaseline(t)
  const data = Float64Array.from({ length: 12 }, (_, i) => i)
  const m = pb.view(data, { shape: [3, 4] })
  const axis = { axis: 0 } as never
  const refused = (name: string) => ({ code: 'ERR_INVALID_ARG_VALUE', message: `${name}() takes no axis option` })
  throwsError(t, () => pb.histogramSync(m, { bins: 4, axis: 0 } as never), typeError('ERR_INVALID_ARG_VALUE', /^histogramSync\(\) takes no axis option$/))
  await t.throwsAsync(pb.histogram(m, { bins: 4, axis: 0 } as never), refused('histogram'))
  await t.throwsAsync(pb.dot(data, data, axis), refused('dot'))
  await t.throwsAsync(pb.fill(m, 7, axis), refused('fill'))
  await t.throwsAsync(pb.scale(m, 2, 1, axis), refused('scale'))
  await t.throwsAsync(pb.add(m, m, axis), refused('add'))
  t.deepEqual(Array.from(data), Array.from({ length: 12 }, (_, i) => i))
  ledger.clean()
})

test('a getter on the axis array runs before anything is leased, and cannot change what was checked', (t) => {
  const data = new Float64Array([1, 2, 3, 4])
  let reads = 0
  const axis = [0]
  Object.defineProperty(axis, 0, {
    get() {
      reads++
      return 1
    },
  })
  t.deepEqual(pb.sumSync(pb.view(data, { shape: [2, 2] }), { axis }).data, Float64Array.from([3, 7]))
  t.is(reads, 1)
})
