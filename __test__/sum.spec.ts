import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import test from 'ava'
import fc from 'fast-check'

import { sum, sumSync, threads } from 'parabuf'

/** Neumaier-compensated reference sum in plain JavaScript. */
function compensated(values: ArrayLike<number>): number {
  let s = 0
  let c = 0
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!
    const t = s + x
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s
    s = t
  }
  return Number.isFinite(s) ? s + c : s
}

test('sumSync of [1, 2, 3] is 6', (t) => {
  t.is(sumSync(new Float64Array([1, 2, 3])), 6)
})

test('sum resolves to the JS loop result for random data', async (t) => {
  const a = new Float64Array(300_000).map(() => Math.random())
  let loop = 0
  for (const x of a) loop += x
  const got = await sum(a)
  t.is(got, compensated(a))
  t.true(Math.abs(got - loop) <= 1e-9 * Math.abs(loop))
})

test('sum returns a promise even for small inputs, and sumSync does not', async (t) => {
  const small = new Float64Array([0.5, 0.25])
  const pending = sum(small)
  t.true(pending instanceof Promise)
  t.is(await pending, 0.75)
  t.is(typeof sumSync(small), 'number')
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

test('sum matches a compensated JS reference for any Float64Array (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.float64Array({ min: -1e300, max: 1e300, noNaN: true, maxLength: 5000 }), async (values) => {
      const expected = compensated(values)
      const got = await sum(values)
      // Compensated sums agree to within a few ulps of the larger partial sums; exact agreement is not promised
      // between two different summation orders.
      const scale = values.reduce((m, x) => Math.max(m, Math.abs(x)), 0) * values.length
      return Math.abs(got - expected) <= scale * 2 ** -90 + Math.abs(expected) * 2 ** -50 && got === sumSync(values)
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
