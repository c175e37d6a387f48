// quantile and median: numpy's answers (data/quantile-cases.json, written by scripts/gen-quantile-cases.py from numpy
// 2.x, every method, q as a number and as an array, ties, NaN, -0, infinities, integer extremes, empty and length-1
// input), and a plain-JavaScript port of numpy's formulas on sorted data for sizes past the sample-bracket threshold.
import { readFileSync } from 'node:fs'

import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { BLOCK } from './helpers/binding.js'
import { fromBits } from './helpers/exact.js'

interface Case {
  name: string
  type: string
  data: (number | string)[]
  q: number | number[]
  method: pb.QuantileMethod
  skipNaN?: boolean
  expected?: string[]
  adjusted?: boolean
  error?: string
}
const file = JSON.parse(readFileSync(new URL('data/quantile-cases.json', import.meta.url), 'utf8')) as {
  numpy: string
  cases: Case[]
}

const decode = (x: number | string): number => (x === '-0' ? -0 : typeof x === 'number' ? x : Number(x))
const same = (a: number, b: number): boolean => Object.is(a, b)

type Constructor = new (values: unknown[]) => ArrayLike<number | bigint>
function arrayOf(type: string, values: (number | string)[]): ArrayLike<number | bigint> | undefined {
  const T = (globalThis as unknown as Record<string, Constructor | undefined>)[type]
  if (T === undefined) return undefined // Float16Array before Node 24
  return new T(type.startsWith('Big') ? values.map((x) => BigInt(x)) : values.map(decode))
}

/** Runs one case, sync and async; a description of the mismatch, or undefined. */
async function run(c: Case, array: ArrayLike<number | bigint>): Promise<string | undefined> {
  const options = { method: c.method, ...(c.skipNaN ? { skipNaN: true } : {}) }
  const label = `${c.name} (${c.type} [${c.data.join(', ')}], q ${JSON.stringify(c.q)}, ${c.method}${c.skipNaN ? ', skipNaN' : ''})`
  const calls = [
    () => pb.quantileSync(array as Float64Array, c.q as number[], options),
    () => pb.quantile(array as Float64Array, c.q as number[], options),
  ]
  for (const call of calls) {
    let got: number | Float64Array
    try {
      got = await call()
    } catch (error) {
      const e = error as Error & { code?: string }
      if (c.error !== undefined && e instanceof RangeError && e.code === 'ERR_PARABUF_EMPTY') continue
      return `${label}: ${e.name} ${e.code}: ${e.message}`
    }
    if (c.error !== undefined) return `${label}: numpy raises ${c.error}, parabuf answered ${String(got)}`
    const values = typeof got === 'number' ? [got] : Array.from(got)
    if (typeof c.q === 'number' ? typeof got !== 'number' : !(got instanceof Float64Array)) return `${label}: wrong shape`
    const expected = c.expected!.map(fromBits)
    // Which zero numpy returns when -0 and +0 are both in the data depends on its partition's order (they compare
    // equal); parabuf orders -0 before +0. Zeros are compared by value there.
    const bothZeros = c.data.includes('-0') && c.data.includes(0)
    const agrees = (v: number, e: number) => same(v, e) || (bothZeros && v === 0 && e === 0)
    if (values.length !== expected.length || values.some((v, i) => !agrees(v, expected[i]!))) {
      return `${label}: ${values.join(', ')}; numpy ${expected.join(', ')}`
    }
  }
  return undefined
}

for (const type of [...new Set(file.cases.map((c) => c.type))]) {
  test(`numpy ${file.numpy}'s quantiles, every case of ${type}`, async (t) => {
    const cases = file.cases.filter((c) => c.type === type)
    const failures: string[] = []
    let ran = 0
    for (const c of cases) {
      const array = arrayOf(c.type, c.data)
      if (array === undefined) continue
      ran++
      const failure = await run(c, array)
      if (failure !== undefined) failures.push(failure)
    }
    t.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${cases.length} cases differ`)
    if (type === 'Float16Array' && !('Float16Array' in globalThis)) t.log('no Float16Array in this Node: cases not run')
    else t.true(ran > 100)
  })
}

test('the documented differences from numpy are few, and every one is marked in the data', (t) => {
  const adjusted = file.cases.filter((c) => c.adjusted)
  t.true(adjusted.length > 0 && adjusted.length < 60)
  // Either an integer extreme (numpy wraps the difference in the integer type), or float data whose neighbours are
  // infinite or so far apart that their difference overflows.
  const huge = { Float16Array: 65504 / 2, Float32Array: 3.4028234663852886e38 / 2, Float64Array: Number.MAX_VALUE / 2 }
  for (const c of adjusted) {
    const limit = huge[c.type as keyof typeof huge]
    t.true(limit === undefined || c.data.some((x) => Math.abs(decode(x)) >= limit), c.name)
  }
})

/** numpy's quantile of `values` at `q` (method 'linear' and friends) in double, by sorting: the reference for sizes
 * the data file cannot hold. */
function reference(values: readonly number[], q: number, method: pb.QuantileMethod): number {
  const sorted = [...values].sort((a, b) => a - b || (Object.is(a, -0) ? -1 : Object.is(b, -0) ? 1 : 0))
  const last = sorted.length - 1
  const scaled = last * q
  const take = (i: number) => sorted[Math.min(i, last)]!
  if (method === 'lower') return take(Math.floor(scaled))
  if (method === 'higher') return take(Math.ceil(scaled))
  if (method === 'nearest') {
    const f = Math.floor(scaled)
    return take(scaled - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(scaled))
  }
  const index = method === 'midpoint' ? 0.5 * (Math.floor(scaled) + Math.ceil(scaled)) : scaled
  const above = index >= last
  const lower = above ? last : Math.floor(index)
  const upper = above ? last : lower + 1
  const t = method === 'midpoint' ? (index % 1 === 0 ? 0 : 0.5) : index - (above ? -1 : lower)
  const [a, b] = [sorted[lower]!, sorted[upper]!]
  const diff = b - a
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
}

test.serial('past the sample-bracket threshold: every method against a sort, for spread, tied and periodic data', async (t) => {
  const methods: pb.QuantileMethod[] = ['linear', 'lower', 'higher', 'nearest', 'midpoint']
  const n = 300_001 // above 4 · 2^16 elements the quantiles come from sample brackets
  const datasets: Record<string, Float64Array> = {
    spread: new Float64Array(n).map((_, i) => ((i * 7919) % 100_003) / 3 - 1000),
    tied: new Float64Array(n).map((_, i) => (i * 31) % 7),
    // Every element the sample reads (a fixed stride) is 0; the rest are distinct: the brackets miss.
    periodic: new Float64Array(n).map((_, i) => (i % 4 === 0 ? 0 : i)),
  }
  const qs = [0, 0.001, 0.25, 0.5, 0.75, 0.999, 1]
  for (const [name, data] of Object.entries(datasets)) {
    const values = Array.from(data)
    for (const method of methods) {
      const expected = qs.map((q) => reference(values, q, method))
      t.deepEqual(Array.from(pb.quantileSync(data, qs, { method })), expected, `${name} ${method}`)
      t.deepEqual(Array.from(await pb.quantile(data, qs, { method })), expected, `${name} ${method} async`)
    }
    t.is(pb.medianSync(data), reference(values, 0.5, 'linear'), name)
  }
})

test('property: random doubles, sizes across blocks, every method, against a sort', async (t) => {
  const methods: pb.QuantileMethod[] = ['linear', 'lower', 'higher', 'nearest', 'midpoint']
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 3 * BLOCK }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
      fc.constantFrom(...methods),
      async (values, qs, method) => {
        const data = Float64Array.from(values)
        const expected = qs.map((q) => reference(values, q, method))
        const got = Array.from(await pb.quantile(data, qs, { method }))
        return got.every((g, i) => same(g, expected[i]!))
      },
    ),
    { numRuns: 60 },
  )
  t.pass()
})

test('a number q gives a number, an array a Float64Array; the input is not changed', async (t) => {
  const a = new Float64Array([7, 1, 3, 5])
  t.is(await pb.quantile(a, 0.5), 4)
  t.deepEqual(await pb.quantile(a, [0, 0.25, 1]), new Float64Array([1, 2.5, 7]))
  t.deepEqual(pb.quantileSync(a, Float64Array.of(0.5)), new Float64Array([4]))
  t.deepEqual(pb.quantileSync(a, []), new Float64Array([]))
  t.deepEqual(a, new Float64Array([7, 1, 3, 5]))
})

test('median: quantile at 0.5, NaN for an empty array and for NaN data unless skipped', async (t) => {
  t.is(pb.medianSync(new Float64Array([5, 1, 4, 2])), 3)
  t.is(await pb.median(new Uint8Array([9, 1, 5])), 5)
  t.true(Number.isNaN(pb.medianSync(new Float64Array(0))))
  t.true(Number.isNaN(pb.medianSync(new Float64Array([1, NaN, 3]))))
  t.is(pb.medianSync(new Float64Array([1, NaN, 3]), { skipNaN: true }), 2)
  t.true(Number.isNaN(pb.medianSync(new Float64Array([NaN]), { skipNaN: true })))
  t.true(Object.is(pb.medianSync(new Float64Array([-0])), -0))
})

test('64-bit integers: exact up to 2^53, a RangeError beyond when the quantile reads such an element', (t) => {
  t.is(pb.quantileSync(new BigInt64Array([2n ** 53n, -(2n ** 53n), 0n]), 1), 2 ** 53)
  const wide = new BigUint64Array([1n, 2n, 2n ** 60n])
  // At 0.5 the upper neighbour has weight 0: the result does not depend on it.
  t.is(pb.quantileSync(wide, 0.5), 2)
  t.throws(() => pb.quantileSync(wide, 0.75), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never)
  t.throws(() => pb.quantileSync(wide, 1), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never)
  t.throws(() => pb.medianSync(new BigInt64Array([2n ** 62n])), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never)
})

test('bad q, method and skipNaN are coded errors', async (t) => {
  const a = new Float64Array([1, 2, 3])
  for (const q of [-0.1, 1.5, NaN, [0.5, 2]]) {
    t.throws(() => pb.quantileSync(a, q as number), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never)
    await t.throwsAsync(pb.quantile(a, q as number), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never)
  }
  for (const q of ['0.5', null, [0.5, '1']]) {
    t.throws(() => pb.quantileSync(a, q as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
  }
  const method = t.throws(() => pb.quantileSync(a, 0.5, { method: 'median' as never }), {
    instanceOf: TypeError,
    code: 'ERR_INVALID_ARG_VALUE',
  } as never)
  t.regex(method!.message, /'linear', 'lower', 'higher', 'nearest', 'midpoint'/)
  t.throws(() => pb.quantileSync(a, 0.5, { skipNaN: 1 as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
  t.throws(() => pb.quantileSync(new Float64Array(0), 0.5), { instanceOf: RangeError, code: 'ERR_PARABUF_EMPTY' } as never)
})

test.serial('exports: a read handle is accepted; a live write export refuses; an abort rejects and releases', async (t) => {
  const a = new Float64Array(4 * BLOCK).map((_, i) => i)
  {
    using read = pb.borrow(a, 'read')
    t.is(pb.medianSync(read), (4 * BLOCK - 1) / 2)
    t.is(await pb.quantile(read, 1), 4 * BLOCK - 1)
  }
  {
    using write = pb.borrow(a.subarray(5, 6), 'write')
    t.throws(() => pb.quantileSync(a, 0.5), { instanceOf: pb.BorrowError, code: 'ERR_PARABUF_BORROWED' } as never)
    t.false(write.released)
  }
  const controller = new AbortController()
  controller.abort()
  await t.throwsAsync(pb.median(a, { signal: controller.signal }), { instanceOf: pb.AbortError } as never)
  t.is(pb.liveExportCount(), 0)
})
