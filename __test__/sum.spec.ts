import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import test from 'ava'
import fc from 'fast-check'

import { mean, meanSync, sum, sumSync, threads } from 'parabuf'

import { BLOCK } from './helpers/binding.js'
import { dataCases, sameDouble as same, exactSum } from './helpers/exact.js'

/** `__test__/data/fsum-cases.txt` (scripts/gen-exact-cases.py): [expected, terms] as doubles from their bit patterns. */
function fsumCases(): Array<[number, Float64Array]> {
  return dataCases('fsum-cases.txt').map((doubles) => [doubles[0]!, doubles.subarray(1)])
}

test('sumSync of [1, 2, 3] is 6', (t) => {
  t.is(sumSync(new Float64Array([1, 2, 3])), 6)
})

test('sum resolves to the JS loop result for random data', async (t) => {
  const a = new Float64Array(300_000).map(() => Math.random())
  let loop = 0
  for (const x of a) loop += x
  const got = await sum(a)
  t.is(got, exactSum(a))
  t.true(Math.abs(got - loop) <= 1e-9 * Math.abs(loop))
})

test('sum returns a promise even for small inputs, and sumSync does not', async (t) => {
  const small = new Float64Array([0.5, 0.25])
  const pending = sum(small)
  t.true(pending instanceof Promise)
  t.is(await pending, 0.75)
  t.is(typeof sumSync(small), 'number')
})

test('float sums are the exact sum rounded once: the cases of the issue', (t) => {
  t.is(sumSync(new Float64Array([1e308, -1e308, 1e308])), 1e308)
  t.is(sumSync(new Float64Array([1e308, -1e308, 1e308, -1e308, 1e308])), 1e308)
  t.is(sumSync(new Float64Array([1e308, 1e308])), Infinity)
  t.is(sumSync(new Float64Array([Infinity, -Infinity])), NaN)
  // CPython's telescoping series: exact differences of powers of 1.7, then the last power taken away: exactly -1.
  const powers = Array.from({ length: 1001 }, (_, i) => 1.7 ** i)
  const telescoping = [...powers.slice(1).map((p, i) => p - powers[i]!), -powers[1000]!]
  t.is(sumSync(new Float64Array(telescoping)), -powers[0]!)
  t.is(sumSync(new Float64Array([-0, -0])), 0)
  t.true(Object.is(sumSync(new Float64Array([-0])), 0))
})

test('float sums of CPython\'s fsum series and other peer cases are the exact sum rounded once, sync and async', async (t) => {
  const cases = fsumCases()
  t.is(cases.length, 140)
  for (const [expected, terms] of cases) {
    t.true(same(sumSync(terms), expected), `${terms.join(', ')}`)
    t.true(same(await sum(terms), expected))
    t.true(same(meanSync(terms), expected / terms.length))
  }
})

/** Doubles of every magnitude, with exact opposites and values one ulp apart: sums that cancel to anything. */
const adversarial = fc
  .array(
    fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.integer({ min: -1074, max: 1023 }).map((e) => 2 ** e),
      fc.constantFrom(1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 1, -1),
    ),
    { maxLength: 60 },
  )
  .chain((xs) =>
    fc.tuple(fc.constant(xs), fc.subarray(xs), fc.array(fc.integer({ min: -2, max: 2 }), { maxLength: 60 })).map(
      ([xs, negated, ulps]) => {
        // The terms, the negation of some of them, and some of them moved by a few ulps: huge cancellations.
        const out = [...xs, ...negated.map((x) => -x)]
        ulps.forEach((k, i) => {
          const x = xs[i]
          if (x !== undefined && Number.isFinite(x)) out.push(-nextAfter(x, k))
        })
        return out
      },
    ),
  )

/** `x` moved by `k` ulps. */
function nextAfter(x: number, k: number): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigInt64(0)
  view.setBigInt64(0, bits + (x >= 0 ? BigInt(k) : -BigInt(k)))
  return view.getFloat64(0)
}

test('float sums equal an exact BigInt reference on adversarial data (property), sync and async', async (t) => {
  let checked = 0
  await fc.assert(
    fc.asyncProperty(adversarial, fc.integer({ min: 0, max: 2 }), async (values, spread) => {
      // Spread over blocks among zeros, so that the terms meet in different blocks and threads.
      const array = new Float64Array(values.length * (1 + spread * Math.ceil(BLOCK / 7)))
      values.forEach((x, i) => (array[i * (1 + spread * Math.ceil(BLOCK / 7))] = x))
      const expected = exactSum(values)
      checked++
      return same(sumSync(array), expected) && same(await sum(array), expected)
    }),
    { numRuns: 5000 },
  )
  t.true(checked >= 5000)
})

test('Float32 sums are the exact sum of the values as doubles, rounded once (property)', (t) => {
  fc.assert(
    fc.property(fc.float32Array({ maxLength: 300 }), (array) => same(sumSync(array), exactSum(array))),
    { numRuns: 2000 },
  )
  t.pass()
})

test('a NaN among zeros makes the sum and the mean NaN wherever it is', (t) => {
  for (const at of [0, 31, 32, 50, 99, BLOCK + 7]) {
    const a = new Float64Array(BLOCK + 100)
    a[at] = NaN
    t.true(Number.isNaN(sumSync(a)), `NaN at ${at}`)
    t.true(Number.isNaN(meanSync(a)), `NaN at ${at}`)
  }
})

test('means are the correctly rounded sum divided by the length', async (t) => {
  const values = new Float64Array([1e308, -1e308, 1e308, 1, 2])
  t.is(meanSync(values), 1e308 / 5)
  t.is(await mean(new Float64Array([0.1, 0.2, 0.3])), exactSum([0.1, 0.2, 0.3]) / 3)
})

test('sum is compensated', (t) => {
  t.is(sumSync(new Float64Array([1, 1e100, 1, -1e100])), 2)
  t.is(sumSync(new Float64Array(10).fill(0.1)), 1)
})

test('empty arrays sum to zero', async (t) => {
  t.is(sumSync(new Float64Array(0)), 0)
  t.is(await sum(new Int32Array(0)), 0)
  t.is(sumSync(new BigInt64Array(0)), 0n)
})

test('64-bit integer arrays sum exactly to a bigint', async (t) => {
  const a = new BigUint64Array([2n ** 64n - 1n, 2n ** 64n - 1n, 5n])
  t.is(sumSync(a), 2n * (2n ** 64n - 1n) + 5n)
  t.is(await sum(new BigInt64Array([-(2n ** 63n), -1n])), -(2n ** 63n) - 1n)
})

test('integer sums are exact, then rounded once', (t) => {
  const a = new Int32Array(100_001).fill(2 ** 31 - 1)
  t.is(sumSync(a), Number(100_001n * (2n ** 31n - 1n)))
})

test('sum equals the exact BigInt reference for any Float64Array (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.float64Array({ min: -1e300, max: 1e300, noNaN: true, maxLength: 5000 }), async (values) => {
      const expected = exactSum(values)
      return same(await sum(values), expected) && same(sumSync(values), expected)
    }),
    { numRuns: 200 },
  )
  t.pass()
})

test('the pool reports its thread count', (t) => {
  t.true(Number.isInteger(threads()) && threads() >= 1)
})

test('the package loads by its own name from the repository root, as CommonJS and as an ES module', (t) => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  const cjs = execFileSync(process.execPath, ['-e', "console.log(require('parabuf').sumSync(new Float64Array([1, 2, 3])))"], {
    cwd: root,
    encoding: 'utf8',
  })
  const esm = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', "import { sum } from 'parabuf'; console.log(await sum(new Float64Array([4, 5])))"],
    { cwd: root, encoding: 'utf8' },
  )
  t.is(cjs.trim(), '6')
  t.is(esm.trim(), '9')
})
