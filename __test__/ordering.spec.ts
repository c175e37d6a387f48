// argsort, topk and unique against plain-JavaScript references (a stable sort of indices, its first k, and a grouping),
// for every element type, at sizes across the block size, sync and async alike; stability checked explicitly.
import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { ALL_TYPES, arrayOf, BLOCK } from './helpers/arrays.js'
import { compare } from './helpers/reference.js'

type Value = number | bigint

/** The stable order by index: ascending, or the exact reverse of it; ties by index either way (Array sort is stable). */
const argsortOf = (values: readonly Value[], descending = false): number[] =>
  values.map((_, i) => i).sort((i, j) => (descending ? -1 : 1) * compare(values[i]!, values[j]!))

/** The distinct values in sort's order, NaN one value and -0 and +0 one value (shown as the first zero in the array). */
function uniqueOf(values: readonly Value[]): { values: Value[]; counts: number[] } {
  const out: { values: Value[]; counts: number[] } = { values: [], counts: [] }
  const firstZero = values.find((v) => v === 0)
  const sorted = [...values].sort(compare)
  for (const v of sorted) {
    const last = out.values.length - 1
    const prev = out.values[last]
    const same = last >= 0 && (compare(prev!, v) === 0 || (v === 0 && prev === 0))
    if (same) out.counts[last]! += 1
    else {
      out.values.push(v === 0 && typeof v === 'number' ? (firstZero as number) : Number.isNaN(v as number) ? NaN : v)
      out.counts.push(1)
    }
  }
  return out
}

const sameValues = (got: ArrayLike<Value>, want: readonly Value[]): boolean =>
  got.length === want.length && want.every((w, i) => Object.is(got[i], w))

for (const T of ALL_TYPES) {
  test(`argsort, topk and unique of ${T.name}: the references, sync and async alike`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), fc.boolean(), fc.nat(), async ({ array, values }, descending, seed) => {
        const order = argsortOf(values, descending)
        for (const got of [pb.argsortSync(array, { descending }), await pb.argsort(array, { descending })]) {
          if (!(got instanceof Uint32Array) || !sameValues(got, order)) return false
        }
        const k = values.length === 0 ? 0 : seed % (values.length + 1)
        for (const got of [pb.topkSync(array, k, { largest: descending }), await pb.topk(array, k, { largest: descending })]) {
          const want = order.slice(0, k)
          if (!sameValues(got.indices, want) || !sameValues(got.values, want.map((i) => values[i]!))) return false
          if (got.values.constructor !== T) return false
        }
        const expected = uniqueOf(values)
        for (const got of [pb.uniqueSync(array), await pb.unique(array)]) {
          if (!sameValues(got.values, expected.values) || !sameValues(got.counts, expected.counts)) return false
          if (got.values.constructor !== T) return false
        }
        return true
      }),
      { numRuns: 40 },
    )
    t.pass()
  })
}

test('argsort is stable: equal keys keep their index order, ascending and descending, across blocks', async (t) => {
  const n = 5 * BLOCK + 3
  const a = new Float64Array(n).map((_, i) => [1, NaN, -0, 0, 1][i % 5]!)
  for (const descending of [false, true]) {
    const got = await pb.argsort(a, { descending })
    t.deepEqual(Array.from(got), argsortOf(Array.from(a), descending))
    // Within each run of equal keys, indices increase.
    for (let i = 1; i < n; i++) {
      if (compare(a[got[i - 1]!]!, a[got[i]!]!) === 0) t.true(got[i - 1]! < got[i]!)
    }
  }
})

test('large inputs on the pool: argsort and topk of random doubles, unique of 1,000 distinct integers', async (t) => {
  const n = 300_003
  let s = 12345
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0), s / 2 ** 32)
  const a = new Float64Array(n).map(() => Math.floor(next() * 50_000) / 7)
  const order = argsortOf(Array.from(a))
  t.deepEqual(Array.from(await pb.argsort(a)), order)
  const top = await pb.topk(a, 100)
  t.deepEqual(Array.from(top.indices), argsortOf(Array.from(a), true).slice(0, 100))
  const ints = new Int32Array(n).map(() => Math.floor(next() * 1000) - 500)
  const u = await pb.unique(ints)
  const expected = uniqueOf(Array.from(ints))
  t.deepEqual(Array.from(u.values), expected.values)
  t.deepEqual(Array.from(u.counts), expected.counts)
})

test('the documented cases', (t) => {
  t.deepEqual(pb.argsortSync(new Float64Array([3, NaN, -0, 0, 1])), new Uint32Array([2, 3, 4, 0, 1]))
  t.deepEqual(pb.argsortSync(new Float64Array([3, NaN, -0, 0, 1]), { descending: true }), new Uint32Array([1, 0, 4, 3, 2]))
  t.deepEqual(pb.topkSync(new Float64Array([0.5, 9, 3, 9]), 2), { values: new Float64Array([9, 9]), indices: new Uint32Array([1, 3]) })
  t.deepEqual(pb.uniqueSync(new Float64Array([0, -0, 0])).counts, new Float64Array([3]))
  t.true(Object.is(pb.uniqueSync(new Float64Array([-0, 0])).values[0], -0))
  t.true(Object.is(pb.uniqueSync(new Float64Array([0, -0])).values[0], 0))
  t.deepEqual(pb.uniqueSync(new Uint8ClampedArray([3, 3])).values, new Uint8ClampedArray([3]))
  t.deepEqual(pb.topkSync(new Int8Array([1, 2]), 0), { values: new Int8Array(0), indices: new Uint32Array(0) })
  t.deepEqual(pb.uniqueSync(new Float32Array(0)), { values: new Float32Array(0), counts: new Float64Array(0) })
})

test('bad k and flags are coded errors before anything runs', (t) => {
  const a = new Float64Array([1, 2, 3])
  for (const k of [-1, 1.5, 4, NaN, Infinity]) t.throws(() => pb.topkSync(a, k), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never)
  t.throws(() => pb.topkSync(a, '1' as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
  t.throws(() => pb.topkSync(a, 1, { largest: 1 as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
  t.throws(() => pb.argsortSync(a, { descending: 'yes' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
})

test.serial('exports and abort: a read handle works, a live write export refuses, an abort releases', async (t) => {
  const a = new Float64Array(4 * BLOCK).map((_, i) => -i)
  {
    using read = pb.borrow(a, 'read')
    // A handle may be of a view of several dimensions (then a view comes back): here it is of an array.
    t.is(((await pb.argsort(read)) as Uint32Array)[0], 4 * BLOCK - 1)
    t.deepEqual(pb.topkSync(read, 1).indices, new Uint32Array([0]))
  }
  {
    using write = pb.borrow(a.subarray(2, 3), 'write')
    t.throws(() => pb.uniqueSync(a), { instanceOf: pb.BorrowError, code: 'ERR_PARABUF_BORROWED' } as never)
    t.false(write.released)
  }
  const controller = new AbortController()
  controller.abort()
  await t.throwsAsync(pb.argsort(a, { signal: controller.signal }), { instanceOf: pb.AbortError } as never)
  t.is(pb.liveExportCount(), 0)
})
