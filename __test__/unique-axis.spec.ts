// unique along an axis (numpy's np.unique(a, axis=k, return_counts=True)): numpy's answers for fixed views of every
// type (data/unique-axis-cases.json, written by scripts/gen-unique-axis-cases.py), random 0-D to 4-D views of every
// type (negative, zero, transposed and sliced strides, offsets) against a JavaScript reference, many slices (the
// parallel rank and sort), exports, scijs ndarrays, abort, async against sync, and every bad axis refused with the
// ledger clean.
import { readFileSync } from 'node:fs'

import test from 'ava'
import fc from 'fast-check'
import ndarray from 'ndarray'

import * as pb from 'parabuf'

import { ALL_TYPES, BLOCK, type Ctor, element, isBig } from './helpers/arrays.js'
import { fromBits, sameDouble } from './helpers/exact.js'
import { compare } from './helpers/reference.js'
import { borrowError, ledgerBaseline, rangeError, throwsError, typeError } from './helpers/ledger.js'
import { axisOf, dataOf, indices, layout, type Layout, outcome, plain, same, show, subLayout } from './helpers/views.js'

type Value = number | bigint

const Float16 = (globalThis as unknown as Record<string, Ctor | undefined>).Float16Array
/** Every element type this runtime has: Float16Array where it exists (Node 24 on). */
const TYPES: readonly Ctor[] = Float16 ? [...ALL_TYPES, Float16] : ALL_TYPES

/** For each index along `axis` of `l`, the data indices of its slice, in row-major order of the other axes. */
function slicesOf(l: Layout, axis: number): number[][] {
  const others = l.shape.map((_, k) => k).filter((k) => k !== axis)
  return indices(subLayout(l, [axis], l.offset)).map((base) => indices(subLayout(l, others, base)))
}

/** sort's order with the two zeros one value. */
const elementOrder = (x: Value, y: Value): number => (x === 0 && y === 0 ? 0 : compare(x, y))

/**
 * numpy's unique along `axis` (counted from 0) of the view `l` of `data`, written apart from parabuf: one dimension is
 * the whole-array unique (all NaNs one value, numpy's 1-D path); otherwise the slices sorted stably element by element,
 * runs of slices equal by `===` (a NaN equals nothing) counted, each shown by its first slice in index order, and put
 * back in the input's shape with the axis as long as the number of distinct slices.
 */
function uniqueExpected(T: Ctor, data: ArrayLike<Value>, l: Layout, axis: number): unknown {
  if (l.shape.length === 0) return 'ERR_OUT_OF_RANGE'
  if (l.shape.length === 1) {
    const elements = indices(l).map((i) => data[i]!)
    const whole = pb.uniqueSync((T as unknown as { from(v: Value[]): pb.NumericArray }).from(elements))
    return { values: { shape: [whole.values.length], type: T.name, values: Array.from(whole.values as ArrayLike<Value>) }, counts: plain(whole.counts) }
  }
  const slices = slicesOf(l, axis).map((slice) => slice.map((i) => data[i]!))
  const order = slices.map((_, i) => i)
  order.sort((i, j) => {
    for (let k = 0; k < slices[i]!.length; k++) {
      const c = elementOrder(slices[i]![k]!, slices[j]![k]!)
      if (c !== 0) return c
    }
    return 0
  })
  const equal = (a: Value[], b: Value[]) => a.every((x, k) => x === b[k])
  const distinct: Value[][] = []
  const counts: number[] = []
  for (const i of order) {
    if (distinct.length > 0 && equal(distinct[distinct.length - 1]!, slices[i]!)) counts[counts.length - 1]!++
    else {
      distinct.push(slices[i]!)
      counts.push(1)
    }
  }
  const shape = l.shape.map((n, k) => (k === axis ? distinct.length : n))
  const outer = l.shape.slice(0, axis).reduce((p, n) => p * n, 1)
  const inner = l.shape.slice(axis + 1).reduce((p, n) => p * n, 1)
  const values: Value[] = []
  for (let b = 0; b < outer; b++) for (const slice of distinct) values.push(...slice.slice(b * inner, (b + 1) * inner))
  // Slices of no element are all equal: one of them (numpy: np.unique(np.zeros((2, 0)), axis=0) has counts [2]).
  return { values: { shape, type: T.name, values }, counts: { type: 'Float64Array', values: counts } }
}

/** A unique result as plain data. */
function plainUnique(result: unknown): unknown {
  const { values, counts } = result as { values: unknown; counts: unknown }
  return { values: plain(values), counts: plain(counts) }
}

const outcomeOf = (f: () => unknown): unknown => {
  const got = outcome(f)
  return typeof got === 'object' && got !== null && 'values' in got ? plainUnique(got) : got
}

/** A random view of every type, over data of few distinct values (so that slices repeat) or any values, and an axis. */
const scenario = fc
  .tuple(layout(false), fc.constantFrom(...TYPES))
  .chain(([l, T]) =>
    fc.record({
      l: fc.constant(l),
      T: fc.constant(T),
      values: fc.oneof(
        fc.array(element(T === Float16 ? Float64Array : T), { minLength: 32, maxLength: 32 }),
        fc.array(isBig(T) ? fc.constantFrom<Value>(0n, 1n) : fc.constantFrom<Value>(0, 1, -0, NaN), { minLength: 32, maxLength: 32 }),
      ),
      axis: axisOf(l),
    }),
  )

test('unique along random axes of random views of every type matches the reference, sync and async', async (t) => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ l, T, values, axis }) => {
      const data = dataOf(T, l, values)
      const v = pb.view(data, { shape: l.shape, strides: l.strides, offset: l.offset })
      const want = uniqueExpected(T, data, l, axis < 0 ? axis + l.shape.length : axis)
      const sync = outcomeOf(() => pb.uniqueSync(v, { axis }))
      if (!same(sync, want)) throw new Error(`uniqueSync of ${T.name} ${JSON.stringify(l)} along ${axis}: ${show(sync)} vs ${show(want)}`)
      const async = await pb.unique(v, { axis }).then(plainUnique, (error: { code: string }) => error.code)
      if (!same(async, want)) throw new Error(`unique of ${T.name} ${JSON.stringify(l)} along ${axis}: ${show(async)} vs ${show(want)}`)
    }),
    { numRuns: 500 },
  )
  t.pass()
})

interface UniqueCase {
  name: string
  type: string
  data: (number | string)[]
  shape: number[]
  strides: number[]
  offset: number
  axis: number
  error?: string
  resultShape?: number[]
  expected?: string[]
  counts?: number[]
  zeroTies?: boolean
}
const file = JSON.parse(readFileSync(new URL('data/unique-axis-cases.json', import.meta.url), 'utf8')) as {
  numpy: string
  cases: UniqueCase[]
}

test(`numpy ${file.numpy}: unique along axes of strided views of every type, sync and async`, async (t) => {
  t.true(file.cases.length > 300)
  let ran = 0
  for (const c of file.cases) {
    const T = (globalThis as unknown as Record<string, Ctor | undefined>)[c.type]
    if (T === undefined) continue // Float16Array before Node 24
    ran++
    const data = (T as unknown as { from(v: unknown[]): InstanceType<Ctor> }).from(
      isBig(T) ? c.data.map((x) => BigInt(x)) : c.data.map((x) => (typeof x === 'number' ? x : Number(x))),
    )
    const v = pb.view(data, { shape: c.shape, strides: c.strides, offset: c.offset })
    const label = `${c.type} ${c.name}`
    if (c.error !== undefined) {
      // numpy's AxisError: parabuf's out-of-range axis.
      t.is(c.error, 'AxisError', label)
      throwsError(t, () => pb.uniqueSync(v, { axis: c.axis }), rangeError('ERR_OUT_OF_RANGE', /^unique\(\) options\.axis: axis/))
      await t.throwsAsync(pb.unique(v, { axis: c.axis }), { code: 'ERR_OUT_OF_RANGE' }, label)
      continue
    }
    const want = isBig(T) ? c.expected!.map((x) => BigInt(x)) : c.expected!.map(fromBits)
    // Where numpy's pick between slices equal up to their zeros' signs is its unstable sort's, zeros compare
    // without their sign; parabuf's own pick (the first in index order) is the reference's, checked exactly.
    const reference = uniqueExpected(T, data, { ...c, length: data.length }, c.axis < 0 ? c.axis + c.shape.length : c.axis)
    for (const result of [pb.uniqueSync(v, { axis: c.axis }), await pb.unique(v, { axis: c.axis })]) {
      t.true(result.values instanceof pb.StridedView, label)
      t.deepEqual([...result.values.shape], c.resultShape, label)
      t.is(result.values.data.constructor, T, label)
      t.deepEqual(Array.from(result.counts), c.counts, label)
      t.true(result.counts instanceof Float64Array, label)
      const got = Array.from(result.values.data as ArrayLike<Value>)
      const ok =
        got.length === want.length &&
        got.every((x, i) =>
          typeof x === 'bigint' ? x === want[i] : c.zeroTies && x === 0 ? want[i] === 0 : sameDouble(x, want[i] as number),
        )
      t.true(ok, `${label}: ${show(got)} vs numpy ${show(want)}`)
      t.true(same(plainUnique(result), reference), `${label}: ${show(plainUnique(result))} vs the reference ${show(reference)}`)
    }
  }
  t.true(ran > 300)
})

test('numpy quirks: a slice with NaN is never a copy, zeros are one, empty slices are one, 1-D is the whole array', (t) => {
  const nan = NaN
  const m = pb.view(new Float64Array([1, nan, 1, nan, 0, 2, -0, 2, 1, 1]), { shape: [5, 2] })
  const rows = pb.uniqueSync(m, { axis: 0 })
  t.deepEqual(plainUnique(rows), {
    values: { shape: [4, 2], type: 'Float64Array', values: [0, 2, 1, 1, 1, nan, 1, nan] },
    counts: { type: 'Float64Array', values: [2, 1, 1, 1] },
  })
  // The zero row first seen is shown: -0 when it comes first.
  const negative = pb.uniqueSync(pb.view(new Float32Array([-0, 2, 0, 2]), { shape: [2, 2] }), { axis: 0 })
  t.true(Object.is((negative.values.data as Float32Array)[0], -0))
  // The whole-array unique makes every NaN one value; along the one axis of a 1-D array too (numpy's 1-D path).
  const flat = new Float64Array([nan, 1, nan])
  t.deepEqual(plainUnique(pb.uniqueSync(flat, { axis: 0 })), {
    values: { shape: [2], type: 'Float64Array', values: [1, nan] },
    counts: { type: 'Float64Array', values: [1, 2] },
  })
  t.deepEqual(plainUnique(pb.uniqueSync(flat, { axis: -1 })), plainUnique(pb.uniqueSync(flat, { axis: 0 })))
  // A column of one NaN per row: every row distinct.
  t.deepEqual(Array.from(pb.uniqueSync(pb.view(new Float64Array([nan, nan, nan]), { shape: [3, 1] }), { axis: 0 }).counts), [1, 1, 1])
  // Empty: np.unique(np.zeros((0, 3)), axis=0) has shape (0, 3); np.unique(np.zeros((2, 0)), axis=0) shape (1, 0)
  // and counts [2].
  const empty = (shape: number[], axis: number) => plainUnique(pb.uniqueSync(pb.view(new Float64Array(0), { shape }), { axis }))
  t.deepEqual(empty([0, 3], 0), { values: { shape: [0, 3], type: 'Float64Array', values: [] }, counts: { type: 'Float64Array', values: [] } })
  t.deepEqual(empty([2, 0], 0), { values: { shape: [1, 0], type: 'Float64Array', values: [] }, counts: { type: 'Float64Array', values: [2] } })
  t.deepEqual(empty([2, 0], 1), { values: { shape: [2, 0], type: 'Float64Array', values: [] }, counts: { type: 'Float64Array', values: [] } })
  // Without an axis, a view is flattened, as before.
  t.deepEqual(plain(pb.uniqueSync(m).counts), { type: 'Float64Array', values: [2, 4, 2, 2] })
  // Types that share a representation keep their own.
  t.is(pb.uniqueSync(pb.view(new Uint8ClampedArray([3, 3, 1, 1]), { shape: [2, 2] }), { axis: 1 }).values.data.constructor, Uint8ClampedArray)
  const big = pb.uniqueSync(pb.view(new BigUint64Array([2n ** 64n - 1n, 0n, 2n ** 64n - 1n, 0n]), { shape: [2, 2] }), { axis: 0 })
  t.deepEqual(plainUnique(big), {
    values: { shape: [1, 2], type: 'BigUint64Array', values: [2n ** 64n - 1n, 0n] },
    counts: { type: 'Float64Array', values: [2] },
  })
})

test('many slices and few wide ones, as tasks split them, match the reference both ways round', async (t) => {
  for (const [rows, columns] of [
    [3 * BLOCK + 7, 3],
    [5, BLOCK + 9],
    [40_001, 2],
  ] as const) {
    // Few distinct rows and columns: rows repeat; a transposed view reads them across the other axis.
    const data = Int32Array.from({ length: rows * columns }, (_, i) => ((Math.floor(i / columns) * 7919) % 13) * ((i % columns) + 1) - 20)
    for (const strides of [undefined, [1, rows]]) {
      const l: Layout = { shape: [rows, columns], strides: strides ?? [columns, 1], offset: 0, length: data.length }
      const v = pb.view(data, { shape: l.shape, strides: l.strides })
      for (const axis of [0, 1]) {
        const label = `${rows} × ${columns} ${strides ? 'transposed' : 'row-major'} along ${axis}`
        const want = uniqueExpected(Int32Array, data, l, axis)
        t.true(same(plainUnique(pb.uniqueSync(v, { axis })), want), `sync ${label}`)
        t.true(same(plainUnique(await pb.unique(v, { axis })), want), `async ${label}`)
      }
    }
  }
})

test.serial('every input form: arrays, exports, views of exports, scijs ndarrays; live write exports refuse', async (t) => {
  const ledger = ledgerBaseline(t)
  const data = Float64Array.from({ length: 12 }, (_, i) => (i * 5) % 3)
  const direct = pb.view(data, { shape: [4, 3] })
  const want = plainUnique(pb.uniqueSync(direct, { axis: 0 }))
  t.deepEqual(want, uniqueExpected(Float64Array, data, { shape: [4, 3], strides: [3, 1], offset: 0, length: 12 }, 0))
  {
    using handle = pb.borrow(data, 'read')
    t.deepEqual(plainUnique(await pb.unique(pb.view(handle, { shape: [4, 3] }), { axis: 0 })), want)
    t.deepEqual(plainUnique(pb.uniqueSync(handle, { axis: 0 })), plainUnique(pb.uniqueSync(data, { axis: 0 })))
  }
  // A scijs ndarray, transposed: the columns of its transpose are the rows above.
  const transposed = ndarray(data, [4, 3]).transpose(1, 0)
  const columns = pb.uniqueSync(transposed, { axis: 1 })
  t.deepEqual([...columns.values.shape], [3, (want as { counts: { values: number[] } }).counts.values.length])
  t.deepEqual(plain(columns.counts), (want as { counts: unknown }).counts)
  {
    using writer = pb.borrow(data.subarray(4, 5), 'write')
    throwsError(t, () => pb.uniqueSync(direct, { axis: 0 }), borrowError('ERR_PARABUF_BORROWED'))
    await t.throwsAsync(pb.unique(direct, { axis: 1 }), { code: 'ERR_PARABUF_BORROWED' })
    t.truthy(writer)
  }
  ledger.clean()
})

test.serial('bad axes are refused with coded errors, and the ledger clean', async (t) => {
  const ledger = ledgerBaseline(t)
  const m = pb.view(Float64Array.from({ length: 12 }, (_, i) => i % 4), { shape: [3, 4] })
  const run = (axis: unknown) => pb.uniqueSync(m, { axis } as never)
  throwsError(t, () => run(2), rangeError('ERR_OUT_OF_RANGE', /^unique\(\) options.axis: axis 2 is out of range for 2 dimensions/))
  throwsError(t, () => run(-3), rangeError('ERR_OUT_OF_RANGE', /axis -3/))
  throwsError(t, () => run(0.5), rangeError('ERR_OUT_OF_RANGE', /options.axis must be an integer/))
  throwsError(t, () => run('0'), typeError('ERR_INVALID_ARG_TYPE', /options.axis/))
  throwsError(t, () => run([0, -2]), typeError('ERR_INVALID_ARG_VALUE', /already/))
  throwsError(t, () => run([0, 1]), typeError('ERR_INVALID_ARG_VALUE', /^unique\(\) works along one axis/))
  throwsError(t, () => run([]), typeError('ERR_INVALID_ARG_VALUE', /works along one axis/))
  // One axis in an array is that axis, as for argsort.
  t.deepEqual(plainUnique(run([1])), plainUnique(run(1)))
  // No dimension: numpy refuses any axis of a 0-d array.
  throwsError(t, () => pb.uniqueSync(pb.view(new Float64Array([1]), { shape: [] }), { axis: 0 }), rangeError('ERR_OUT_OF_RANGE'))
  throwsError(t, () => pb.uniqueSync(new Float64Array(3), { axis: 1 }), rangeError('ERR_OUT_OF_RANGE'))
  // A bound expression has a length, not a shape.
  const bound = pb.compile('x + 1').bind({ x: new Float64Array(3) })
  throwsError(t, () => pb.uniqueSync(bound as never, { axis: 0 }), typeError('ERR_INVALID_ARG_VALUE', /bound expression takes no axis/))
  t.deepEqual(plain(pb.uniqueSync(bound as never).values), { type: 'Float64Array', values: [1] })
  throwsError(t, () => (pb.uniqueSync as (...args: unknown[]) => unknown)(m, { axis: 0 }, 1), typeError('ERR_INVALID_ARG_VALUE'))
  throwsError(t, () => pb.uniqueSync(m, 5 as never), typeError('ERR_INVALID_ARG_TYPE'))
  // Asynchronously: rejections with the same codes, never a synchronous throw.
  await t.throwsAsync(pb.unique(m, { axis: 2 }), { code: 'ERR_OUT_OF_RANGE' })
  await t.throwsAsync(pb.unique(m, { axis: [0, 1] }), { code: 'ERR_INVALID_ARG_VALUE' })
  await t.throwsAsync(pb.unique(m, { axis: '0' } as never), { code: 'ERR_INVALID_ARG_TYPE' })
  ledger.clean()
})

test.serial('abort: along an axis, before and during the run; the ledger is clean after', async (t) => {
  const ledger = ledgerBaseline(t)
  const data = Float64Array.from({ length: 16 * BLOCK }, (_, i) => i % 7)
  for (const [shape, strides, axis] of [
    [[16, BLOCK], [1, 16], 0],
    [[4 * BLOCK, 4], [4, 1], 0],
    [[4, 4 * BLOCK], [1, 4], 1],
  ] as const) {
    const v = pb.view(data, { shape: [...shape], strides: [...strides] })
    const controller = new AbortController()
    const running = pb.unique(v, { axis, signal: controller.signal })
    controller.abort()
    await t.throwsAsync(running, { name: 'AbortError' })
    const aborted = new AbortController()
    aborted.abort()
    await t.throwsAsync(pb.unique(v, { axis, signal: aborted.signal }), { name: 'AbortError' })
  }
  ledger.clean()
})
