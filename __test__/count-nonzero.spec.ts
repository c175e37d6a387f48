// countNonZero against a plain-JavaScript count, for every element type, at every block boundary, through exports.
import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { ALL_TYPES, arrayOf, BLOCK } from './helpers/arrays.js'

/** numpy's count_nonzero, element by element as JavaScript reads them: NaN counts, -0 does not. */
const reference = (array: ArrayLike<number | bigint>): number => Array.from(array).filter((x) => x !== 0 && x !== 0n).length

for (const T of ALL_TYPES) {
  test(`countNonZero of ${T.name}: the count of elements that are not zero, sync and async alike`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), async ({ array }) => {
        const expected = reference(array as ArrayLike<number | bigint>)
        return pb.countNonZeroSync(array) === expected && (await pb.countNonZero(array)) === expected
      }),
      { numRuns: 40 },
    )
    t.pass()
  })
}

test('NaN counts, -0 and +0 do not, infinities and subnormals do', (t) => {
  t.is(pb.countNonZeroSync(new Float64Array([0, -0, NaN, Infinity, -Infinity, 5e-324, 1])), 5)
  t.is(pb.countNonZeroSync(new Float32Array([-0, NaN, 1e-45])), 2)
  t.is(pb.countNonZeroSync(new BigUint64Array([0n, 2n ** 64n - 1n])), 1)
  t.is(pb.countNonZeroSync(new Uint8ClampedArray([0, 300, -5])), 1)
})

test('an empty array counts 0', async (t) => {
  t.is(pb.countNonZeroSync(new Int16Array(0)), 0)
  t.is(await pb.countNonZero(new Float64Array(0)), 0)
})

test.serial('counts exactly across block boundaries and on the pool', async (t) => {
  for (const n of [BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK + 3, 40 * BLOCK]) {
    const a = new Float64Array(n).map((_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? NaN : i))
    const expected = reference(a)
    t.is(pb.countNonZeroSync(a), expected, `${n}`)
    t.is(await pb.countNonZero(a), expected, `${n}`)
  }
})

test.serial('takes a read export, and refuses while a write export of the bytes is live', async (t) => {
  const a = new Int32Array([0, 1, 2, 0])
  {
    using read = pb.borrow(a, 'read')
    t.is(pb.countNonZeroSync(read), 2)
    t.is(await pb.countNonZero(read), 2)
  }
  {
    using write = pb.borrow(a.subarray(1, 2), 'write')
    t.throws(() => pb.countNonZeroSync(a), { instanceOf: pb.BorrowError, code: 'ERR_PARABUF_BORROWED' } as never)
    t.false(write.released)
  }
  t.is(pb.liveExportCount(), 0)
})

test.serial('aborts with an AbortError and leaves no export behind', async (t) => {
  const a = new Float64Array(40 * BLOCK).fill(1)
  await t.throwsAsync(pb.countNonZero(a, { signal: AbortSignal.abort() }), { instanceOf: pb.AbortError })
  t.is(pb.liveExportCount(), 0)
})

test('refuses anything but an array or an export, and extra arguments', (t) => {
  t.throws(() => pb.countNonZeroSync([1, 2] as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
  // The second argument is the options object ({ axis }); a third is one too many.
  t.throws(() => (pb.countNonZeroSync as (...args: unknown[]) => number)(new Int8Array(1), 2), {
    instanceOf: TypeError,
    code: 'ERR_INVALID_ARG_TYPE',
  } as never)
  t.throws(() => (pb.countNonZeroSync as (...args: unknown[]) => number)(new Int8Array(1), {}, 2), {
    code: 'ERR_INVALID_ARG_VALUE',
  } as never)
})
