// variance and std: within 4 ulps of the exact rational value on hard cases, and never NaN from finite data.
import test from 'ava'

import { std, stdSync, variance, varianceSync } from 'parabuf'

import { dataCases } from './helpers/exact.js'

/** `__test__/data/variance-cases.txt` (scripts/gen-exact-cases.py): [population, sample, values], by rational
 * arithmetic, each rounded once. */
function varianceCases(): Array<[number, number, Float64Array]> {
  return dataCases('variance-cases.txt').map((doubles) => [doubles[0]!, doubles[1]!, doubles.subarray(2)])
}

/** How many doubles apart `a` and `b` are (Infinity for different signs or infinities that differ). */
function ulpsApart(a: number, b: number): number {
  if (Object.is(a, b) || a === b) return 0
  if (!Number.isFinite(a) || !Number.isFinite(b) || Math.sign(a) !== Math.sign(b)) return Infinity
  const bits = (x: number) => new BigInt64Array(new Float64Array([x]).buffer)[0]!
  const d = bits(a) - bits(b)
  return Number(d < 0n ? -d : d)
}

test('variances of offset, near-overflow, subnormal and two-element data are within 4 ulps of the exact value', async (t) => {
  const cases = varianceCases()
  t.is(cases.length, 82)
  for (const [population, sample, values] of cases) {
    for (const [ddof, expected] of [[0, population], [1, sample]] as const) {
      const got = varianceSync(values, { ddof })
      t.true(ulpsApart(got, expected) <= 4, `ddof ${ddof}: ${got} vs ${expected} for ${values.join(', ')}`)
      t.is(await variance(values, { ddof }), got)
      t.is(stdSync(values, { ddof }), Math.sqrt(got))
    }
  }
})

test('finite data never gives NaN: a variance past the largest double is Infinity', async (t) => {
  t.is(varianceSync(new Float64Array([1e200, 1e200, -1e200])), Infinity)
  t.is(varianceSync(new Float64Array([Number.MAX_VALUE, -Number.MAX_VALUE])), Infinity)
  t.is(varianceSync(new Float64Array([Number.MAX_VALUE, Number.MAX_VALUE])), 0)
  t.is(varianceSync(new Float64Array([1e154, -1e154])), 1e308)
  t.is(await std(new Float64Array([1e200, 1e200, -1e200])), Infinity)
  // Offset data: 1e9 plus small noise keeps its digits.
  t.is(varianceSync(new Float64Array([1, 2, 3, 4, 5, 6].map((x) => x + 1e10)), { ddof: 1 }), 3.5)
  t.true(Number.isNaN(varianceSync(new Float64Array([1, Infinity]))))
})

test("numpy's TestStdVar cases: [1, -1, 1, -1] with ddof 0, 1, 2, and a single element", async (t) => {
  // numpy/_core/tests/test_numeric.py, TestStdVar: real_var = 1; ddof 1 scales it by n / (n - 1), ddof 2 by n / (n - 2).
  const A = new Float64Array([1, -1, 1, -1])
  t.is(varianceSync(A), 1)
  t.is(stdSync(A) ** 2, 1)
  t.is(varianceSync(A, { ddof: 1 }), 4 / 3)
  t.is(stdSync(A, { ddof: 1 }) ** 2, Math.sqrt(4 / 3) ** 2)
  t.is(varianceSync(A, { ddof: 2 }), 2)
  t.is(await variance(new Float32Array(A), { ddof: 2 }), 2)
  t.is(varianceSync(new Float64Array([1])), 0)
  t.is(stdSync(new Float64Array([1])), 0)
  // n - ddof <= 0: numpy warns and returns NaN (or Infinity for n - ddof = 0 with data); parabuf gives NaN.
  t.true(Number.isNaN(varianceSync(A, { ddof: 4 })))
})
