// searchsorted against a counting reference written from numpy's rule (how many elements sort before the needle, or
// not after it for side 'right'; NaN last, -0 equal to +0, numbers and bigints compared exactly), for every element
// type, needles of every form, the sampled path over large data, and the errors.
import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { ALL_TYPES, arrayOf, BLOCK, element, isBig } from './helpers/arrays.js'
import { borrowError, rangeError, throwsError, typeError } from './helpers/ledger.js'

type Value = number | bigint

/** The exact order of a number and a bigint: NaN after everything. */
function mixedOrder(x: number, n: bigint): number {
  if (Number.isNaN(x) || x === Infinity) return 1
  if (x === -Infinity) return -1
  const whole = BigInt(Math.floor(x))
  return whole < n ? -1 : whole > n ? 1 : x === Math.floor(x) ? 0 : 1
}

/** numpy's searching order: NaN last and equal to NaN, -0 equal to +0, numbers and bigints exactly. */
function order(x: Value, y: Value): number {
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0
  if (typeof x === 'bigint') return -mixedOrder(y as number, x)
  if (typeof y === 'bigint') return mixedOrder(x, y)
  if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y))
  return x < y ? -1 : x > y ? 1 : 0
}

/** The insertion index by counting: elements before the needle ('left'), or not after it ('right'). */
const counted = (sorted: readonly Value[], needle: Value, right: boolean): number =>
  sorted.filter((x) => (right ? order(x, needle) <= 0 : order(x, needle) < 0)).length

/** `values` in sort()'s order (NaN last, -0 before +0), as the data searchsorted expects. */
const sortedValues = (values: readonly Value[]): Value[] =>
  [...values].sort((x, y) => order(x, y) || Number(Object.is(y, -0)) - Number(Object.is(x, -0)))

for (const T of ALL_TYPES) {
  test(`searchsorted in ${T.name}: the counting reference, both sides, every needle form`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), fc.array(element(T), { maxLength: 12 }), fc.boolean(), async ({ array, values }, needles, right) => {
        pb.sortSync(array)
        const sorted = sortedValues(values)
        const side = right ? 'right' : 'left'
        const want = needles.map((n) => counted(sorted, n, right))
        const asArray = isBig(T) ? (needles as bigint[]) : (needles as number[])
        const typed = (T as unknown as { from(v: readonly Value[]): Uint8Array }).from(needles)
        const typedWant = Array.from(typed as ArrayLike<Value>, (n) => counted(sorted, n, right))
        const results = [
          [pb.searchsortedSync(array, asArray, { side }), want],
          [await pb.searchsorted(array, asArray, { side }), want],
          [await pb.searchsorted(array, typed, { side }), typedWant],
        ] as const
        for (const [got, expected] of results) {
          if (!(got instanceof Uint32Array) || got.length !== expected.length || expected.some((w, i) => got[i] !== w)) return false
        }
        for (const n of needles.slice(0, 3)) {
          if (pb.searchsortedSync(array, n, { side }) !== counted(sorted, n, right)) return false
          if ((await pb.searchsorted(array, n, { side })) !== counted(sorted, n, right)) return false
        }
        return true
      }),
      { numRuns: 40 },
    )
    t.pass()
  })
}

test('numpy examples: sides, NaN last, -0 equal to +0', (t) => {
  const sorted = Float64Array.from([-1, -0, 0, 0, 2.5, 2.5, 7, NaN, NaN])
  const needles = [-2, -1, 0, -0, 1, 2.5, 7, 8, Infinity, NaN, -Infinity]
  t.deepEqual(Array.from(pb.searchsortedSync(sorted, needles)), [0, 0, 1, 1, 4, 4, 6, 7, 7, 7, 0])
  t.deepEqual(Array.from(pb.searchsortedSync(sorted, needles, { side: 'right' })), [0, 1, 4, 4, 4, 6, 7, 7, 7, 9, 0])
  t.is(pb.searchsortedSync(new Float64Array(0), 1), 0)
  t.deepEqual(Array.from(pb.searchsortedSync(sorted, [])), [])
})

test('numbers, bigints and 64-bit elements compare exactly', (t) => {
  const big = 2n ** 53n + 1n
  const sorted = BigInt64Array.from([-(2n ** 63n), -1n, big - 1n, big, big + 1n, 2n ** 63n - 1n])
  // 2^53 + 1 is no double: the double 2^53 sorts before it, 2^53 + 2 after.
  const needles = [2 ** 53, 2 ** 53 + 2, NaN, -0.5, -Infinity, 9.3e18]
  t.deepEqual(Array.from(pb.searchsortedSync(sorted, needles)), [2, 4, 6, 2, 0, 6])
  t.deepEqual(Array.from(pb.searchsortedSync(sorted, needles, { side: 'right' })), [3, 5, 6, 2, 0, 6])
  t.is(pb.searchsortedSync(Float64Array.from([1, 2 ** 53, 2 ** 60, NaN]), 2n ** 53n + 1n), 2)
  t.is(pb.searchsortedSync(Float64Array.from([1, 2 ** 64, NaN]), 2n ** 64n - 1n), 1)
  t.is(pb.searchsortedSync(BigUint64Array.from([0n, 2n ** 63n, 2n ** 64n - 1n]), 2n ** 64n - 1n), 2)
  t.is(pb.searchsortedSync(BigUint64Array.from([0n, 2n ** 63n]), -1n), 0)
  t.deepEqual(Array.from(pb.searchsortedSync(Uint8Array.from([0, 1, 1, 200]), Int8Array.from([1, -1]), { side: 'right' })), [3, 0])
})

test('over large data, many needles: the sampled search finds what counting finds', async (t) => {
  const n = 70 * 512 + 13
  const sorted = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 3))
  sorted[n - 1] = NaN
  const needles = Float64Array.from({ length: 3 * BLOCK + 5 }, (_, i) => ((i * 7919) % (n / 3 + 40)) - 20 + (i % 4) / 4)
  needles[5] = NaN
  needles[6] = -0
  // Counting over data of consecutive runs of three: a formula rather than a scan per needle.
  const values = Array.from(sorted)
  for (const right of [false, true]) {
    const got = await pb.searchsorted(sorted, needles, { side: right ? 'right' : 'left' })
    const wrong = Array.from(needles).findIndex((x, i) => got[i] !== binarySearch(values, x, right))
    t.is(wrong, -1, `needle ${wrong}: ${needles[wrong]}`)
  }
})

/** A plain binary search by `order`, written apart from the kernel. */
function binarySearch(sorted: readonly Value[], needle: Value, right: boolean): number {
  let [lo, hi] = [0, sorted.length]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const c = order(sorted[mid]!, needle)
    if (c < 0 || (right && c === 0)) lo = mid + 1
    else hi = mid
  }
  return lo
}

test('needles and sorted data through exports', async (t) => {
  const sorted = Float64Array.from([1, 2, 3])
  const needles = Float32Array.from([0.5, 2, 9])
  const s = pb.borrow(sorted, 'read')
  const w = pb.borrow(needles, 'write')
  t.deepEqual(Array.from(await pb.searchsorted(s, w)), [0, 1, 3])
  t.deepEqual(Array.from(pb.searchsortedSync(s, w, { side: 'right' })), [0, 2, 3])
  // The needles' array under the write export cannot be read besides it.
  throwsError(t, () => pb.searchsortedSync(s, needles), borrowError('ERR_PARABUF_BORROWED'))
  s.release()
  w.release()
})

test.serial('bad needles and sides are coded errors, and leave the ledger clean', (t) => {
  const sorted = Float64Array.from([1, 2, 3])
  throwsError(t, () => pb.searchsortedSync(sorted, 1, { side: 'middle' as 'left' }), typeError('ERR_INVALID_ARG_VALUE', /side/))
  throwsError(t, () => pb.searchsortedSync(sorted, 1, { side: 1 as unknown as 'left' }), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => pb.searchsortedSync(sorted, [1, 1n] as unknown as number[]), typeError('ERR_INVALID_ARG_TYPE', /not both/))
  throwsError(t, () => pb.searchsortedSync(sorted, ['1'] as unknown as number[]), typeError('ERR_INVALID_ARG_TYPE'))
  for (const bad of ['1', null, undefined, true, Symbol('x')]) {
    throwsError(t, () => pb.searchsortedSync(sorted, bad as unknown as number), typeError('ERR_INVALID_ARG_TYPE', /"needles"/))
  }
  throwsError(t, () => pb.searchsortedSync(sorted, {} as unknown as number[]), typeError('ERR_INVALID_ARG_TYPE'))
  // Arrays no caller builds by hand: a hole is refused at once, not after copying four billion of them; a proxy's
  // impossible length and a revoked proxy are coded errors too.
  const sparse: number[] = []
  sparse.length = 2 ** 32 - 1
  throwsError(t, () => pb.searchsortedSync(sorted, sparse), typeError('ERR_INVALID_ARG_TYPE', /at index 0/))
  for (const length of [2 ** 32, Infinity, -1, 1.5, '3']) {
    const liar = new Proxy([1, 2], { get: (target, key) => (key === 'length' ? length : Reflect.get(target, key)) })
    throwsError(t, () => pb.searchsortedSync(sorted, liar), typeError('ERR_INVALID_ARG_TYPE', /length/))
  }
  const { proxy, revoke } = Proxy.revocable([1], {})
  revoke()
  throwsError(t, () => pb.searchsortedSync(sorted, proxy), typeError('ERR_INVALID_ARG_TYPE', /revoked/))
  throwsError(t, () => pb.searchsortedSync(sorted, 2n ** 64n), rangeError('ERR_OUT_OF_RANGE', /64-bit/))
  throwsError(t, () => pb.searchsortedSync(sorted, [-1n, 2n ** 63n]), rangeError('ERR_OUT_OF_RANGE'))
  throwsError(t, () => pb.searchsortedSync([1, 2] as unknown as Float64Array, 1), typeError('ERR_INVALID_ARG_TYPE'))
  t.is(pb.liveExportCount(), 0)
})

test.serial('searchsorted aborts and leaves the ledger clean', async (t) => {
  const sorted = Float64Array.from({ length: 1 << 20 }, (_, i) => i)
  const controller = new AbortController()
  const running = pb.searchsorted(sorted, Float64Array.from({ length: 1 << 20 }, (_, i) => i / 2), { signal: controller.signal })
  controller.abort()
  await t.throwsAsync(running, { name: 'AbortError' })
  t.is(pb.liveExportCount(), 0)
})
