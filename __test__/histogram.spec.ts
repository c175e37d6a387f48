// histogram: numpy.histogram's counts, bin for bin. The cases in data/histogram-cases.json were computed by numpy 2.x
// (scripts/gen-histogram-cases.py: numpy's own test_histograms.py cases, every edge and one ulp either side of it,
// tiny values in symmetric ranges, huge ranges, every integer type, float32 and float16); the properties compare
// against a port of numpy's rule (helpers/reference.ts) on adversarial data: values on the edges and one ulp beside.
import { readFileSync } from 'node:fs'

import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { binTypeOf, histogramOf, sameElements } from './helpers/reference.js'

interface Case {
  name: string
  type: string
  data: number
  bins: number
  min?: number | string
  max?: number | string
  counts?: [number, number][]
  error?: string
}
const file = JSON.parse(readFileSync(new URL('data/histogram-cases.json', import.meta.url), 'utf8')) as {
  numpy: string
  data: (number | string)[][]
  cases: Case[]
}

const number = (x: number | string): number => (typeof x === 'number' ? x : Number(x))
type Typed = Float64Array | Float32Array | Int32Array | BigInt64Array
const arrayOf = (type: string, values: (number | string)[]): Typed => {
  const T = (globalThis as unknown as Record<string, new (values: unknown[]) => Typed>)[type]!
  return new T(type.startsWith('Big') ? values.map((x) => BigInt(x)) : values.map(number))
}

/** Runs one case sync and async; returns a description of the mismatch, or undefined. */
async function run(c: Case): Promise<string | undefined> {
  const array = arrayOf(c.type, file.data[c.data]!)
  const options = {
    bins: c.bins,
    ...(c.min === undefined ? {} : { min: number(c.min) }),
    ...(c.max === undefined ? {} : { max: number(c.max) }),
  }
  const label = `${c.name} (${c.type}, ${c.bins} bins${c.min === undefined ? '' : `, min ${c.min}`}${c.max === undefined ? '' : `, max ${c.max}`})`
  if (c.error !== undefined) {
    for (const call of [() => pb.histogramSync(array, options), () => pb.histogram(array, options)]) {
      try {
        await call()
        return `${label}: numpy raises (${c.error}), parabuf answered`
      } catch (error) {
        const e = error as Error & { code?: string }
        if (!(e instanceof RangeError) || e.code !== 'ERR_OUT_OF_RANGE') return `${label}: ${e.name} ${e.code}: ${e.message}`
      }
    }
    return undefined
  }
  const expected = new Float64Array(c.bins)
  for (const [i, n] of c.counts!) expected[i] = n
  for (const got of [pb.histogramSync(array, options), await pb.histogram(array, options)]) {
    if (!sameElements(got, expected)) {
      const diff = [...expected.keys()].filter((i) => got[i] !== expected[i]).slice(0, 5)
      return `${label}: bins ${diff.map((i) => `${i}: ${got[i]} (numpy ${expected[i]})`).join(', ')}`
    }
  }
  return undefined
}

const TYPES = [...new Set(file.cases.map((c) => c.type))].filter((type) => type !== 'Float16Array')

for (const type of TYPES) {
  test(`numpy ${file.numpy}'s counts, every case of ${type}`, async (t) => {
    const cases = file.cases.filter((c) => c.type === type)
    const failures: string[] = []
    for (const c of cases) {
      const failure = await run(c)
      if (failure !== undefined) failures.push(failure)
    }
    t.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${cases.length} cases differ`)
    t.true(cases.length > 20)
  })
}

test('the port of numpy in helpers/reference.ts agrees with numpy on every case (Float16Array: needs Math.f16round)', (t) => {
  let checked = 0
  for (const c of file.cases.filter((c) => c.type !== 'Float16Array')) {
    const values = file.data[c.data]!.map((x) => (c.type.startsWith('Big') ? BigInt(x) : number(x)))
    const got = histogramOf(values, c.bins, c.min === undefined ? undefined : number(c.min), c.max === undefined ? undefined : number(c.max), binTypeOf(c.type))
    if (c.error !== undefined) t.is(got, null, c.name)
    else {
      const expected = new Float64Array(c.bins)
      for (const [i, n] of c.counts!) expected[i] = n
      t.true(got !== null && sameElements(got, expected), `${c.name} ${c.type}`)
    }
    checked++
  }
  t.true(checked > 1000)
})

/** An adversarial double: one of the range's edges (as numpy computes them), one ulp beside one, a tiny value, or any. */
const nextUp = (x: number, up: boolean): number => {
  if (Number.isNaN(x) || x === (up ? Infinity : -Infinity)) return x
  if (x === 0) return up ? 5e-324 : -5e-324
  const b = new DataView(new ArrayBuffer(8))
  b.setFloat64(0, x)
  const bits = b.getBigUint64(0)
  b.setBigUint64(0, (x > 0) === up ? bits + 1n : bits - 1n)
  return b.getFloat64(0)
}
const near = (edges: number[]): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...edges), fc.integer({ min: -2, max: 2 })).map(([e, k]) => {
      let x = e
      for (let i = 0; i < Math.abs(k); i++) x = nextUp(x, k > 0)
      return x
    }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-17, -1e-17, 5e-324, -5e-324, NaN, Infinity, -Infinity) },
    { weight: 1, arbitrary: fc.double() },
  )
const ranges = fc.oneof(
  fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true })).map(([a, w]) => [a, a + w] as const),
  fc.constantFrom([0, 1] as const, [-1, 1] as const, [-1e20, 1e20] as const, [0.1, 0.7] as const, [-3.7, 11.2] as const, [1e-300, 3e-300] as const),
  fc.tuple(fc.integer({ min: -1074, max: 1023 }), fc.integer({ min: 1, max: 1000 })).map(([e, k]) => [-(2 ** e), k * 2 ** e] as const),
)
const linspace = (a: number, b: number, bins: number): number[] => {
  const step = (b - a) / bins
  return [...Array(bins + 1).keys()].map((k) => (k === bins ? b : k * step + a))
}

const cases = fc
  .tuple(ranges, fc.integer({ min: 1, max: 300 }), fc.constantFrom('given', 'data', 'min', 'max'))
  .chain(([[a, b], bins, how]) =>
    fc.record({
      a: fc.constant(a),
      b: fc.constant(b),
      bins: fc.constant(bins),
      how: fc.constant(how),
      values: fc.array(near(linspace(a, b, bins)), { minLength: 0, maxLength: 100 }),
    }),
  )

for (const type of ['Float64Array', 'Float32Array', 'Int32Array', 'BigInt64Array'] as const) {
  test(`${type}: elements on numpy's edges and one ulp beside land where numpy puts them (property)`, async (t) => {
    let compared = 0
    await fc.assert(
      fc.asyncProperty(cases, async ({ a, b, bins, how, values }) => {
        const array =
          type === 'BigInt64Array'
            ? new BigInt64Array(values.filter(Number.isFinite).map((x) => BigInt(Math.max(-(2 ** 62), Math.min(2 ** 62, Math.round(x))))))
            : new (globalThis[type] as Float64ArrayConstructor)(values)
        const options = { bins, ...(how === 'given' || how === 'min' ? { min: a } : {}), ...(how === 'given' || how === 'max' ? { max: b } : {}) }
        const elements = Array.from(array as ArrayLike<number | bigint>)
        const expected = histogramOf(elements, bins, options.min, options.max, binTypeOf(type))
        compared += elements.length
        if (expected === null) {
          const e1 = t.throws(() => pb.histogramSync(array, options))
          const e2 = await t.throwsAsync(pb.histogram(array, options))
          return e1 instanceof RangeError && e2 instanceof RangeError && (e1 as Error & { code: string }).code === 'ERR_OUT_OF_RANGE'
        }
        const sync = pb.histogramSync(array, options)
        const async = await pb.histogram(array, options)
        return sameElements(sync, expected) && sameElements(async, expected)
      }),
      { numRuns: 2000 },
    )
    t.log(`${compared} elements compared`)
    t.true(compared > 5000)
  })
}

test('errors say what was asked and why numpy refuses it', (t) => {
  const code = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }
  t.throws(() => pb.histogramSync(new Float64Array([NaN, NaN]), { bins: 2 }), { ...code, message: /every element is NaN/ })
  t.throws(() => pb.histogramSync(new Float64Array([1, Infinity]), { bins: 2 }), { ...code, message: /finite range/ })
  t.throws(() => pb.histogramSync(new Float64Array([1]), { bins: 10, min: 1, max: 1 + 2 ** -52 }), {
    ...code,
    message: /cannot split \[1, 1\.0000000000000002\] into 10 bins.*Too many bins/,
  })
  t.throws(() => pb.histogramSync(new Float64Array([-Number.MAX_VALUE, Number.MAX_VALUE]), { bins: 2 }), { ...code, message: /overflows/ })
  t.throws(() => pb.histogramSync(new Float64Array([-Number.MAX_VALUE, Number.MAX_VALUE]), { bins: 1 }), { ...code, message: /IndexError/ })
  t.throws(() => pb.histogramSync(new Float64Array([1, 3]), { bins: 2, min: 5 }), { ...code, message: /min \(5\) must not exceed max \(3\)/ })
})

test("issue 19's cases", async (t) => {
  t.deepEqual(pb.histogramSync(new Float64Array([-1, -1e-17, 1e-17, 1]), { bins: 2 }), new Float64Array([2, 2]))
  const counts = await pb.histogram(new Float64Array([0.3]), { bins: 10, min: 0, max: 1 })
  t.is(counts.indexOf(1), 2)
})
