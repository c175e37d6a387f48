// Every operation × every element type against a plain-JavaScript reference (fast-check properties).
import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { ALL_TYPES, arrayOf, BLOCK, type Ctor, element, finiteElement, isBig, isFloat } from './helpers/arrays.js'
import { exactDot, exactSum, exactVariance } from './helpers/exact.js'
import { argExtreme, binTypeOf, extreme, fsum, histogramOf, sameElements } from './helpers/reference.js'

const RUNS = { numRuns: 40 }
type Values = (number | bigint)[]

const numbers = (values: Values): number[] => values as number[]
const bigints = (values: Values): bigint[] => values as bigint[]
const copy = <A>(array: A): A => (array as unknown as { slice(): A }).slice()

/** Checks sync and async agree exactly (Object.is), then returns the result. */
async function both<R>(sync: () => R, async: () => Promise<R>): Promise<R> {
  const a = sync()
  const b = await async()
  if (typeof a === 'object' && a !== null) {
    if (JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : v)) !==
      JSON.stringify(b, (_, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : v))) {
      throw new Error(`sync and async disagree: ${String(a)} vs ${String(b)}`)
    }
  } else if (!Object.is(a, b)) {
    throw new Error(`sync and async disagree: ${String(a)} vs ${String(b)}`)
  }
  return a
}

for (const T of ALL_TYPES) {
  test(`sum of ${T.name}`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), async ({ array, values }) => {
        const got = await both(() => pb.sumSync(array), () => pb.sum(array))
        if (isBig(T)) return got === bigints(values).reduce((s, x) => s + x, 0n)
        if (isFloat(T)) return Object.is(got, exactSum(numbers(values))) || (Number.isNaN(got) && Number.isNaN(exactSum(numbers(values))))
        return got === Number(numbers(values).reduce((s, x) => s + BigInt(x), 0n))
      }),
      RUNS,
    )
    t.pass()
  })

  test(`mean of ${T.name}`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), async ({ array, values }) => {
        const got = await both(() => pb.meanSync(array), () => pb.mean(array))
        if (values.length === 0) return Number.isNaN(got)
        if (isFloat(T)) {
          // The correctly rounded sum, divided: one more rounding.
          const expected = exactSum(numbers(values)) / values.length
          return Object.is(got, expected) || (Number.isNaN(got) && Number.isNaN(expected))
        }
        const integerSum = values.reduce<bigint>((s, x) => s + BigInt(x), 0n)
        return got === Number(integerSum) / values.length
      }),
      RUNS,
    )
    t.pass()
  })

  for (const which of ['min', 'max'] as const) {
    test(`${which} and arg${which} of ${T.name}`, async (t) => {
      await fc.assert(
        fc.asyncProperty(arrayOf(T), async ({ array, values }) => {
          if (values.length === 0) {
            const sync = which === 'min' ? () => pb.minSync(array) : () => pb.maxSync(array)
            const error = t.throws(sync, { instanceOf: RangeError })
            await t.throwsAsync(which === 'min' ? pb.argmin(array) : pb.argmax(array), { instanceOf: RangeError })
            return (error as Error & { code: string }).code === 'ERR_PARABUF_EMPTY'
          }
          const value =
            which === 'min'
              ? await both(() => pb.minSync(array), () => pb.min(array))
              : await both(() => pb.maxSync(array), () => pb.max(array))
          const index =
            which === 'min'
              ? await both(() => pb.argminSync(array), () => pb.argmin(array))
              : await both(() => pb.argmaxSync(array), () => pb.argmax(array))
          const range = await both(() => pb.minmaxSync(array), () => pb.minmax(array))
          const expected = extreme(values, which)
          return Object.is(value, expected) && Object.is(range[which], expected) && index === argExtreme(values, which)
        }),
        RUNS,
      )
      t.pass()
    })
  }

  test(`variance and std of ${T.name}`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T, finiteElement(T)), fc.constantFrom(0, 1, 2), async ({ array, values }, ddof) => {
        const v = await both(() => pb.varianceSync(array, { ddof }), () => pb.variance(array, { ddof }))
        const s = await both(() => pb.stdSync(array, { ddof }), () => pb.std(array, { ddof }))
        const n = values.length
        if (n - ddof <= 0) return Number.isNaN(v) && Number.isNaN(s)
        let expected: number
        let slack: number
        if (isFloat(T)) {
          expected = exactVariance(values.map(Number), ddof)
          // The guarantee is 4 ulps; a subnormal variance has ulps of Number.MIN_VALUE.
          slack = 4 * Number.MIN_VALUE
        } else {
          // Exact: Σ(x - S/n)² = (nΣx² - S²) / n, in bigints.
          const xs = values.map((x) => BigInt(x))
          const total = xs.reduce((a, x) => a + x, 0n)
          const squares = xs.reduce((a, x) => a + x * x, 0n)
          expected = Number(BigInt(n) * squares - total * total) / (n * (n - ddof))
          slack = 0
        }
        const ok = Math.abs(v - expected) <= 1e-12 * Math.abs(expected) + slack
        return ok && Object.is(s, Math.sqrt(v))
      }),
      RUNS,
    )
    t.pass()
  })

  test(`dot of ${T.name}`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T, finiteElement(T)), fc.integer(), async ({ array, values }, shift) => {
        const other = copy(array)
        const rotated = values.map((_, i) => values[(i + Math.abs(shift)) % values.length]!)
        ;(other as unknown as { set(v: Values): void }).set(rotated)
        const b = Array.from(other as unknown as ArrayLike<number | bigint>)
        if (isBig(T)) {
          const exact = bigints(values).reduce((s, x, i) => s + x * (b[i] as bigint), 0n)
          if (exact >= 2n ** 127n || exact < -(2n ** 127n)) {
            // Documented: a 64-bit dot product beyond the 128-bit range is refused rather than wrapped.
            const error = t.throws(() => pb.dotSync(array, other), { instanceOf: RangeError })
            return (error as Error & { code: string }).code === 'ERR_OUT_OF_RANGE'
          }
          return (await both(() => pb.dotSync(array, other), () => pb.dot(array, other))) === exact
        }
        const got = await both(() => pb.dotSync(array, other), () => pb.dot(array, other))
        if (!isFloat(T)) return got === Number(numbers(values).reduce((s, x, i) => s + BigInt(x) * BigInt(b[i] as number), 0n))
        const expected = exactDot(numbers(values), numbers(b))
        return Object.is(got, expected) || (Number.isNaN(got) && Number.isNaN(expected))
      }),
      RUNS,
    )
    t.pass()
  })

  test(`norm of ${T.name}`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), async ({ array, values }) => {
        const got = await both(() => pb.normSync(array), () => pb.norm(array))
        const xs = values.map(Number)
        if (xs.some(Number.isNaN)) return Number.isNaN(got)
        if (xs.some((x) => !Number.isFinite(x))) return got === Infinity
        const big = xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0)
        if (big === 0) return got === 0
        const expected = big * Math.sqrt(fsum(xs.map((x) => (x / big) ** 2)))
        if (!Number.isFinite(expected)) return got === expected
        return Math.abs(got - expected) <= 1e-14 * expected
      }),
      RUNS,
    )
    t.pass()
  })

  test(`histogram of ${T.name}`, async (t) => {
    await fc.assert(
      fc.asyncProperty(
        arrayOf(T, finiteElement(T)),
        fc.integer({ min: 1, max: 40 }),
        fc.option(fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }))),
        async ({ array }, bins, range) => {
          const options = range ? { bins, min: range[0], max: range[0] + range[1] } : { bins }
          // numpy's rule (helpers/reference.ts); null where numpy raises, e.g. a range taken from infinite data.
          const expected = histogramOf(Array.from(array as ArrayLike<number | bigint>), bins, options.min, options.max, binTypeOf(T.name))
          if (expected === null) {
            const error = t.throws(() => pb.histogramSync(array, options), { instanceOf: RangeError })
            return (error as Error & { code: string }).code === 'ERR_OUT_OF_RANGE'
          }
          const got = await both(() => pb.histogramSync(array, options), () => pb.histogram(array, options))
          return got instanceof Float64Array && sameElements(got, expected)
        },
      ),
      RUNS,
    )
    t.pass()
  })

  test(`fill of ${T.name} stores what assignment stores`, async (t) => {
    const value = isBig(T) ? element(T) : fc.oneof(element(T), fc.double(), fc.constantFrom(0.5, 1.5, 2.5, -0.5, 255.5, 256, -1))
    await fc.assert(
      fc.asyncProperty(arrayOf(T), value, fc.boolean(), async ({ array }, v, async) => {
        const expected = copy(array) as unknown as { fill(v: number | bigint): ArrayLike<number | bigint> }
        expected.fill(v)
        const returned = async ? await pb.fill(array as never, v as never) : pb.fillSync(array as never, v as never)
        return returned === array && sameElements(array as never, expected as never)
      }),
      RUNS,
    )
    t.pass()
  })

  test(`scale of ${T.name} computes and stores as JavaScript does`, async (t) => {
    const factor = isBig(T) ? element(T) : fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 }))
    const offset = isBig(T) ? element(T) : fc.oneof(fc.double(), fc.constantFrom(0, 0.5, -1))
    await fc.assert(
      fc.asyncProperty(arrayOf(T), factor, offset, fc.boolean(), async ({ array }, f, o, async) => {
        const expected = copy(array) as unknown as (number | bigint)[]
        for (let i = 0; i < expected.length; i++) {
          expected[i] = isBig(T)
            ? (expected[i] as bigint) * (f as bigint) + (o as bigint)
            : (expected[i] as number) * (f as number) + (o as number)
        }
        const returned = async ? await pb.scale(array as never, f as never, o as never) : pb.scaleSync(array as never, f as never, o as never)
        return returned === array && sameElements(array as never, expected as never)
      }),
      RUNS,
    )
    t.pass()
  })

  test(`add of ${T.name} stores what += stores`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), fc.boolean(), async ({ array, values }, async) => {
        const src = copy(array)
        ;(src as unknown as { reverse(): void }).reverse()
        const expected = copy(array) as unknown as (number | bigint)[]
        const s = Array.from(src as unknown as ArrayLike<number | bigint>)
        for (let i = 0; i < values.length; i++) {
          if (isBig(T)) (expected[i] as bigint) += s[i] as bigint
          else (expected[i] as number) += s[i] as number
        }
        const returned = async ? await pb.add(array as never, src as never) : pb.addSync(array as never, src as never)
        return returned === array && sameElements(array as never, expected as never)
      }),
      RUNS,
    )
    t.pass()
  })

  test(`sort of ${T.name} orders as TypedArray.prototype.sort`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), fc.boolean(), async ({ array }, async) => {
        const expected = copy(array) as unknown as { sort(): ArrayLike<number | bigint> }
        expected.sort()
        const returned = async ? await pb.sort(array as never) : pb.sortSync(array as never)
        return returned === array && sameElements(array as never, expected as never)
      }),
      RUNS,
    )
    t.pass()
  })
}

test('large sorts in a row, which reuse the memory the one before kept, order as TypedArray.prototype.sort', async (t) => {
  // 2^23 elements: the private keys and scratch of each sort (8 bytes per element, or 4) are big enough to be kept
  // for the next sort of a similar size, so every sort after the first starts from buffers holding its keys.
  const n = 2 ** 23
  let seed = 7
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1
  for (const [T, scale] of [[Float64Array, 1e300], [Float64Array, 1e3], [Float32Array, 1e30], [Float32Array, 1]] as const) {
    const array = new T(n)
    for (let i = 0; i < n; i++) array[i] = random() * scale
    array[n >> 1] = NaN
    const expected = array.slice().sort()
    t.is(await pb.sort(array), array)
    t.true(sameElements(array as never, expected as never), `${T.name} × ${scale}`)
    // Descending, NaN last, into the same array.
    array.set(expected.slice().reverse().subarray(1))
    array[n - 1] = NaN
    t.true(sameElements(pb.sortSync(array) as never, expected as never), `${T.name} × ${scale}, from descending`)
  }
})

test('documented exact results', async (t) => {
  t.is(await pb.sum(new Float64Array([1, 1e100, 1, -1e100])), 2)
  t.is(pb.sumSync(new Float64Array(10).fill(0.1)), 1)
  t.is(await pb.variance(new Float64Array([1, 2, 3, 4, 5, 6].map((x) => x + 1e10)), { ddof: 1 }), 3.5)
  t.true(Object.is(pb.minSync(new Float64Array([0, -0])), -0))
  t.true(Object.is(pb.maxSync(new Float64Array([-0, 0])), 0))
  t.is(pb.argminSync(new Float64Array([0, -0])), 1)
  t.true(Number.isNaN(pb.minSync(new Float64Array([1, NaN, 0]))))
  t.is(pb.argmaxSync(new Float64Array([1, NaN, 5, NaN])), 1)
  t.true(Number.isNaN(pb.meanSync(new Float64Array(0))))
  t.true(Number.isNaN(pb.varianceSync(new Float64Array([1]), { ddof: 1 })))
  t.is(pb.sumSync(new BigInt64Array(0)), 0n)
  t.deepEqual(pb.histogramSync(new Float64Array([0, 1, 1, 2, NaN, 5]), { bins: 2, min: 0, max: 2 }), new Float64Array([1, 3]))
  t.is(pb.normSync(new Float64Array([3 * 2 ** 600, -4 * 2 ** 600])), 5 * 2 ** 600)
  t.deepEqual(pb.fillSync(new Uint8ClampedArray(3), 2.5), new Uint8ClampedArray([2, 2, 2]))
  t.deepEqual(pb.scaleSync(new Int8Array([100]), 2, 0), new Int8Array([-56]))
})

test('overflow follows IEEE arithmetic', (t) => {
  const max = Number.MAX_VALUE
  t.is(pb.sumSync(new Float64Array([max, max])), Infinity)
  t.is(pb.sumSync(new Float64Array([-max, -max, 1])), -Infinity)
  t.is(pb.meanSync(new Float64Array([max, max])), Infinity)
  t.is(pb.normSync(new Float64Array([max, max])), Infinity)
  t.is(pb.normSync(new Float64Array([max])), max)
  t.is(pb.dotSync(new Float64Array([1e200, 1e200]), new Float64Array([1e200, 1e200])), Infinity)
  // The sum of squared deviations overflows here (numpy gives Infinity), but the variance itself fits: (x/2)².
  t.is(pb.varianceSync(new Float64Array([1.8961503816218355e154, 0])), 8.988465674311582e307)
})

test('lengths around block boundaries reduce like one pass', (t) => {
  for (const n of [BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 7]) {
    const a = new Int32Array(n).map((_, i) => (i * 7919) % 1000 - 500)
    let expected = 0
    for (const x of a) expected += x
    t.is(pb.sumSync(a), expected, `n = ${n}`)
    t.is(pb.argmaxSync(a), a.indexOf(Math.max(...a)), `n = ${n}`)
  }
})

test.serial('two-array operations need one element type and one length', async (t) => {
  const type = t.throws(() => pb.dotSync(new Float64Array(2), new Float32Array(2) as never), { instanceOf: TypeError })
  t.is((type as Error & { code: string }).code, 'ERR_PARABUF_TYPE_MISMATCH')
  const length = await t.throwsAsync(pb.add(new Int32Array(2), new Int32Array(3)), { instanceOf: RangeError })
  t.is((length as Error & { code: string }).code, 'ERR_PARABUF_LENGTH_MISMATCH')
  const a = new Float64Array([1, 2])
  const alias = t.throws(() => pb.addSync(a, a), { instanceOf: pb.BorrowError })
  t.is((alias as Error & { code: string }).code, 'ERR_PARABUF_BORROWED')
  t.deepEqual(a, new Float64Array([1, 2]))
  t.is(pb.liveExportCount(), 0)
})

test('Buffer and subarrays at odd offsets are accepted', (t) => {
  const buf = Buffer.from([1, 2, 3, 4, 5])
  t.is(pb.sumSync(buf.subarray(1)), 14)
  const big = new Float64Array(100).map((_, i) => i)
  t.is(pb.sumSync(big.subarray(37, 41)), 37 + 38 + 39 + 40)
})
