// Strided views: every whole-array operation on random 0-D to 4-D views (negative, zero, transposed and sliced strides,
// offsets) against the same operation on a contiguous array of the view's elements in row-major order; in-place
// operations written through views, touching nothing else; scijs ndarray objects; disjoint interleaved views written at
// once; every bad view refused before anything is touched.
import test from 'ava'
import fc from 'fast-check'
import ndarray from 'ndarray'

import * as pb from 'parabuf'

import { borrowError, ledgerBaseline, rangeError, throwsError, typeError } from './helpers/ledger.js'
import { REDUCTIONS } from './helpers/reductions.js'
import { indices, layout } from './helpers/views.js'

const value = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, -0, 1, -1, NaN, Infinity, 2.5))

/** What a call gives: its value, or its error's code. */
function outcome(f: () => unknown): unknown {
  try {
    const result = f()
    return ArrayBuffer.isView(result) ? Array.from(result as Float64Array) : result
  } catch (error) {
    return (error as { code?: string }).code
  }
}

test('every reduction of a random view is the reduction of its elements in row-major order', (t) => {
  fc.assert(
    fc.property(layout(false), fc.array(value, { minLength: 64, maxLength: 64 }), (l, values) => {
      const data = Float64Array.from({ length: l.length }, (_, i) => values[i % values.length]!)
      const v = pb.view(data, { shape: l.shape, strides: l.strides, offset: l.offset })
      const elements = Float64Array.from(indices(l), (i) => data[i]!)
      for (const [name, reduce] of REDUCTIONS) {
        let got = outcome(() => reduce(v))
        // Along one axis only: searchsorted refuses a view of more dimensions (numpy's takes none), argsort orders
        // each row along the last axis, as numpy's does.
        const oneAxis = name === 'searchsorted' && l.shape.length > 1
        let want = oneAxis ? 'ERR_INVALID_ARG_VALUE' : outcome(() => reduce(elements))
        if (name === 'argsort' && l.shape.length > 1) {
          const n = l.shape[l.shape.length - 1]!
          const rows = n === 0 ? [] : Array.from({ length: elements.length / n }, (_, r) => elements.subarray(r * n, (r + 1) * n))
          want = rows.flatMap((row) => Array.from(pb.argsortSync(row)))
          got = Array.from((reduce(v) as pb.StridedView).data as Uint32Array)
        }
        if (!Object.is(got, want) && JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(`${name} of ${JSON.stringify(l)}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`)
        }
      }
    }),
    { numRuns: 300 },
  )
  t.pass()
})

test('operations along one axis refuse views of more dimensions, and sort and argsort work along the last axis or the one given', (t) => {
  const data = new Float64Array([3, 1, 2, 6, 5, 4])
  const m = pb.view(data, { shape: [2, 3] })
  for (const call of [() => pb.dotSync(m, m), () => pb.searchsortedSync(m, 1)]) {
    throwsError(t, call, typeError('ERR_INVALID_ARG_VALUE', /works along one axis/))
  }
  const order = pb.argsortSync(m) as pb.StridedView
  t.deepEqual([[...order.shape], Array.from(order.data as Uint32Array)], [[2, 3], [1, 2, 0, 2, 1, 0]])
  t.deepEqual(Array.from((pb.argsortSync(m, { axis: 0 }) as pb.StridedView).data as Uint32Array), [0, 0, 0, 1, 1, 1])
  t.deepEqual(Array.from(data), [3, 1, 2, 6, 5, 4])
  t.deepEqual(Array.from(pb.argsortSync(pb.view(data, { shape: [3], strides: [2] })) as Uint32Array), [1, 0, 2])
  // sort works along the last axis of a view, as numpy's does, or along the axis given.
  t.is(pb.sortSync(m), data)
  t.deepEqual(Array.from(data), [1, 2, 3, 4, 5, 6])
  // Both axes reversed: each column (data[5 - j], data[2 - j]) ascending, then each row (data[5 - 3i - j]).
  pb.sortSync(pb.view(data, { shape: [2, 3], strides: [-3, -1], offset: 5 }), { axis: 0 })
  t.deepEqual(Array.from(data), [4, 5, 6, 1, 2, 3])
  pb.sortSync(pb.view(data, { shape: [2, 3], strides: [-3, -1], offset: 5 }))
  t.deepEqual(Array.from(data), [6, 5, 4, 3, 2, 1])
  throwsError(t, () => pb.sortSync(m, { axis: [0, 1] }), typeError('ERR_INVALID_ARG_VALUE', /sort\(\) works along one axis/))
  throwsError(t, () => pb.sortSync(m, { axis: 2 }), rangeError('ERR_OUT_OF_RANGE', /sort\(\) options.axis: axis 2/))
  t.deepEqual(Array.from(data), [6, 5, 4, 3, 2, 1])
})

test('other element types, and dot and add between views and arrays', (t) => {
  const data = Int16Array.from({ length: 24 }, (_, i) => i * 3 - 20)
  const columns = pb.view(data, { shape: [6], strides: [4], offset: 1 }) // 1, 5, 9, …
  const elements = Int16Array.from([1, 5, 9, 13, 17, 21], (i) => data[i]!)
  t.is(pb.sumSync(columns), pb.sumSync(elements))
  t.is(pb.dotSync(columns, elements), pb.dotSync(elements, elements))
  const big = new BigInt64Array([1n, 2n, 3n, 4n])
  t.is(pb.sumSync(pb.view(big, { shape: [2], strides: [-2], offset: 3 })), 6n)
})

test('in-place operations write through the view and nowhere else', (t) => {
  fc.assert(
    fc.property(layout(true), fc.array(value, { minLength: 64, maxLength: 64 }), (l, values) => {
      const original = Float64Array.from({ length: l.length }, (_, i) => values[i % values.length]!)
      const reached = indices(l)
      const check = (name: string, apply: (target: pb.WritableInput<Float64Array>) => unknown, reference: (xs: Float64Array) => void) => {
        const data = original.slice()
        const v = pb.view(data, { shape: l.shape, strides: l.strides, offset: l.offset })
        t.is(apply(v), data, `${name} returns the view's array`)
        const expected = original.slice()
        const xs = Float64Array.from(reached, (i) => expected[i]!)
        reference(xs)
        reached.forEach((i, k) => (expected[i] = xs[k]!))
        if (!expected.every((x, i) => Object.is(x, data[i]))) throw new Error(`${name} through ${JSON.stringify(l)}`)
      }
      check('fill', (v) => pb.fillSync(v, 7), (xs) => xs.fill(7))
      check('scale', (v) => pb.scaleSync(v, 2, 1), (xs) => xs.forEach((x, i) => (xs[i] = x * 2 + 1)))
      // sort: each lane along the last axis (numpy's default), or along every other axis when told.
      for (let axis = 0; axis < Math.max(l.shape.length, 1); axis++) {
        const last = l.shape.length === 0 || axis === l.shape.length - 1
        check(
          `sort along ${axis}`,
          (v) => (last ? pb.sortSync(v) : pb.sortSync(v, { axis })),
          (xs) => {
            if (l.shape.length === 0) return
            // xs is row-major over the shape: sort the elements that differ only in `axis`.
            const stride = l.shape.slice(axis + 1).reduce((p, n) => p * n, 1)
            const n = l.shape[axis]!
            for (let start = 0; start < xs.length; start++) {
              if (Math.floor(start / stride) % n !== 0) continue
              const lane = Float64Array.from({ length: n }, (_, k) => xs[start + k * stride]!).sort()
              lane.forEach((x, k) => (xs[start + k * stride] = x))
            }
          },
        )
      }
      // add pairs elements by index: the source has the view's shape.
      const src = Float64Array.from(reached, (_, k) => k / 4)
      check('add', (v) => pb.addSync(v, pb.view(src, { shape: l.shape })), (xs) => xs.forEach((x, i) => (xs[i] = x + src[i]!)))
    }),
    { numRuns: 200 },
  )
})

test('add of views pairs elements by index, so views of different shapes are refused, and nothing is written', (t) => {
  const data = new Float64Array([1, 2, 3, 4, 5, 6])
  const src = new Float64Array([10, 20, 30, 40, 50, 60])
  const wide = pb.view(data, { shape: [2, 3] })
  for (const other of [pb.view(src, { shape: [3, 2] }), src, pb.view(src, { shape: [6, 1] }), pb.view(src, { shape: [3, 2], strides: [1, 3] })]) {
    throwsError(t, () => pb.addSync(wide, other), typeError('ERR_INVALID_ARG_VALUE', /add\(\) needs its arrays in one shape, got \[2, 3\] and \[\d, \d\]|add\(\) needs its arrays in one shape, got \[2, 3\] and \[6\]/))
  }
  t.deepEqual(Array.from(data), [1, 2, 3, 4, 5, 6])
  // The same shape, whatever the strides: paired by index.
  pb.addSync(wide, pb.view(src, { shape: [2, 3], strides: [1, 2] }))
  t.deepEqual(Array.from(data), [11, 32, 53, 24, 45, 66])
  // One dimension on both sides: a view and an array of its length.
  pb.addSync(pb.view(data, { shape: [3], strides: [2] }), new Float64Array([1, 1, 1]))
  t.deepEqual(Array.from(data), [12, 32, 54, 24, 46, 66])
})

test('a contiguous row-major view is a subarray: it aliases as one', (t) => {
  const data = new Float64Array([1, 2, 3, 4, 5, 6])
  const rows = pb.view(data, { shape: [2, 2], offset: 1 }) // 2, 3, 4, 5
  t.deepEqual(Array.from(pb.cumsumSync(rows, { out: rows as never })), [1, 2, 5, 9, 14, 6])
})

test('scijs ndarray objects are accepted as they are', (t) => {
  const data = new Float64Array([1, 2, 3, 4, 5, 6])
  const m = ndarray(data, [2, 3])
  const transposed = m.transpose(1, 0)
  t.is(pb.sumSync(m), 21)
  t.is(pb.argmaxSync(transposed), 5)
  t.deepEqual(Array.from(pb.cumsumSync(transposed)), [1, 5, 7, 12, 15, 21])
  pb.scaleSync(m.pick(null, 1), 10, 0)
  t.deepEqual(Array.from(data), [1, 20, 3, 4, 50, 6])
  t.deepEqual(Array.from(pb.evaluateSync('x * 2', { x: m.hi(1, 2) })), [2, 40])
})

test.serial('the even and odd columns of one matrix are written at the same time; overlapping views are not', async (t) => {
  const { clean } = ledgerBaseline(t)
  const data = new Float64Array(2000 * 1000)
  const even = pb.view(data, { shape: [1000, 500], strides: [2000, 2] })
  const odd = pb.view(data, { shape: [1000, 500], strides: [2000, 2], offset: 1 })
  const both = [pb.fill(even, 1), pb.fill(odd, 2)]
  await Promise.all(both)
  t.is(data[0], 1)
  t.is(data[1], 2)
  t.is(data[2 * 1000 * 1000 - 1], 0, 'the second half of each row is untouched')
  t.is(data[1000 * 2000 - 1001], 2)
  const pending = pb.fill(even, 3)
  const overlapping = pb.view(data, { shape: [10], strides: [2000], offset: 4 })
  throwsError(t, () => pb.fillSync(overlapping, 9), borrowError('ERR_PARABUF_BORROWED'))
  await pending
  clean()
})

test.serial('borrow() of a view exports exactly its elements: disjoint views borrowed for writing at once', (t) => {
  const { clean } = ledgerBaseline(t)
  const data = Float64Array.from({ length: 24 }, (_, i) => i)
  {
    // A 4 × 6 matrix: its even and odd columns, and its rows 1–2.
    using even = pb.borrow(pb.view(data, { shape: [4, 3], strides: [6, 2] }), 'write')
    using odd = pb.borrow(pb.view(data, { shape: [4, 3], strides: [6, 2], offset: 1 }), 'write')
    t.is(even.array, data)
    t.is(odd.byteLength, 23 * 8, 'the span of the odd columns (elements 1 to 23), gaps included')
    throwsError(t, () => pb.borrow(pb.view(data, { shape: [2, 6], offset: 6 }), 'read'), borrowError('ERR_PARABUF_BORROWED'))
    throwsError(t, () => pb.borrow(data.subarray(3, 4), 'read'), borrowError('ERR_PARABUF_BORROWED'))
    // Operations through the handles see the views' elements, in their shape.
    t.is(pb.sumSync(odd), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23].reduce((a, b) => a + b))
    t.deepEqual(Array.from(pb.sumSync(even, { axis: 0 }).data as Float64Array), [36, 44, 52])
    t.is(pb.argmaxSync(even), 11)
    t.deepEqual(Array.from(pb.cumsumSync(odd)).slice(0, 4), [1, 4, 9, 16])
    t.is(pb.fillSync(odd, -1), data)
    t.deepEqual(Array.from(data.subarray(0, 8)), [0, -1, 2, -1, 4, -1, 6, -1])
    pb.scaleSync(even, -1, 0)
    pb.sortSync(even) // each row of the even columns, ascending
    t.deepEqual(Array.from(data.subarray(0, 6)), [-4, -1, -2, -1, 0, -1])
    // A view of an export of a view is refused: view the array itself.
    throwsError(t, () => pb.sumSync(pb.view(even, { shape: [2] })), typeError('ERR_INVALID_ARG_VALUE', /view of an export of a view/))
    throwsError(t, () => pb.borrow(pb.view(even, { shape: [2] }), 'read'), typeError('ERR_INVALID_ARG_TYPE', /view of an export/))
  }
  {
    // A row-major view is exported as its run of bytes, and keeps its shape.
    using rows = pb.borrow(pb.view(data, { shape: [2, 6], offset: 6 }), 'read')
    t.is(rows.byteOffset, 0)
    t.is(rows.byteLength, 12 * 8)
    t.deepEqual(Array.from(pb.meanSync(rows, { axis: 1 }).data as Float64Array), [pb.meanSync(data.subarray(6, 12)), pb.meanSync(data.subarray(12, 18))])
    t.deepEqual(pb.exportsOf(data).map(({ byteOffset, byteLength }) => [byteOffset, byteLength]), [[48, 96]])
  }
  // A view that reaches an element twice is never exported for writing; one outside its array never at all.
  throwsError(t, () => pb.borrow(pb.view(data, { shape: [3], strides: [0] }), 'write'), typeError('ERR_INVALID_ARG_VALUE'))
  throwsError(t, () => pb.borrow(pb.view(data, { shape: [25] }), 'read'), rangeError('ERR_OUT_OF_RANGE'))
  {
    using broadcast = pb.borrow(pb.view(data, { shape: [3], strides: [0] }), 'read')
    t.is(pb.sumSync(broadcast), 3 * data[0]!)
  }
  clean()
})

test.serial('bad views are refused with a coded error before anything is touched', (t) => {
  const { clean } = ledgerBaseline(t)
  const data = new Float64Array([1, 2, 3, 4])
  throwsError(t, () => pb.view(data, { shape: [-1] }), rangeError('ERR_OUT_OF_RANGE'))
  throwsError(t, () => pb.view(data, { shape: [1.5] }), rangeError('ERR_OUT_OF_RANGE'))
  throwsError(t, () => pb.view(data, { shape: 4 as never }), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => pb.view(data, { shape: [2], strides: [1, 1] }), typeError('ERR_INVALID_ARG_VALUE'))
  throwsError(t, () => pb.view([1, 2] as never, { shape: [2] }), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => pb.view(data, null as never), typeError('ERR_INVALID_ARG_TYPE'))
  // Past the end, or before the start, of the array: checked against its real length when used.
  throwsError(t, () => pb.sumSync(pb.view(data, { shape: [5] })), rangeError('ERR_OUT_OF_RANGE'))
  throwsError(t, () => pb.sumSync(pb.view(data, { shape: [2], strides: [-1] })), rangeError('ERR_OUT_OF_RANGE'))
  throwsError(t, () => pb.sumSync(pb.view(data, { shape: [2], strides: [3], offset: 1 })), rangeError('ERR_OUT_OF_RANGE'))
  // A view reaching one element twice is read, never written.
  const broadcast = pb.view(data, { shape: [3], strides: [0] })
  t.is(pb.sumSync(broadcast), 3)
  throwsError(t, () => pb.fillSync(broadcast, 0), typeError('ERR_INVALID_ARG_VALUE'))
  t.deepEqual(Array.from(data), [1, 2, 3, 4])
  throwsError(t, () => new (pb.StridedView as unknown as new () => unknown)(), typeError('ERR_INVALID_ARG_TYPE'))
  clean()
})

test('a view is immutable, with row-major strides by default', (t) => {
  const v = pb.view(new Int8Array(24), { shape: [2, 3, 4] })
  t.deepEqual(v.shape, [2, 3, 4])
  t.deepEqual(v.strides, [12, 4, 1])
  t.is(v.offset, 0)
  t.is(v.length, 24)
  t.true(Object.isFrozen(v) && Object.isFrozen(v.shape) && Object.isFrozen(v.strides))
})
