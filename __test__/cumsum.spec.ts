// cumsum against plain-JavaScript references for every element type: exact BigInt prefixes for integers (and the
// refusals past the output's range), a sequential Neumaier running sum and the exact prefix rounded once for floats;
// `out`, in place and through exports; sync and async alike; abort.
import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { ALL_TYPES, arrayOf, BLOCK, type Ctor, isBig, isFloat } from './helpers/arrays.js'
import { roundUnits, units } from './helpers/exact.js'
import { borrowError, rangeError, rejectsError, throwsError, typeError } from './helpers/ledger.js'

type Value = number | bigint

/** The elements of a block whose float prefixes one sequential scan computes, from the carry into them (see
 * `cumsum.rs`, `SEGMENT`). */
const SEGMENT = BLOCK / 8

/** The running sum of numbers as the kernel's segment does it: a Neumaier pair from (-0, 0), rounded once per element,
 * a zero compensation adding nothing (so `-0` stays `-0`) and a non-finite sum standing alone. */
function neumaierPrefixes(values: readonly number[]): number[] {
  let sum = -0
  let compensation = 0
  return values.map((x) => {
    const t = sum + x
    const part = t - sum
    compensation += sum - (t - part) + (x - part)
    sum = t
    return compensation === 0 || !Number.isFinite(sum) ? sum : sum + compensation
  })
}

/** The exact prefixes of integers, as BigInts. */
function exactPrefixes(values: readonly Value[]): bigint[] {
  let total = 0n
  return values.map((x) => (total += BigInt(x)))
}

/** The exact prefixes of finite doubles, each rounded once. */
const roundedPrefixes = (values: readonly number[]): number[] => {
  let total = 0n
  return values.map((x) => roundUnits((total += units(x))))
}

const sameBits = (got: ArrayLike<Value>, want: readonly Value[]): boolean =>
  got.length === want.length && want.every((w, i) => Object.is(got[i], w))

/** What `cumsum` gives for `values` of type `T`: the prefixes, or the code it refuses them with. */
function expected(T: Ctor, values: readonly Value[]): Value[] | 'ERR_OUT_OF_RANGE' {
  if (isFloat(T)) return neumaierPrefixes(values as number[])
  const exact = exactPrefixes(values)
  const [min, max] =
    T === BigInt64Array ? [-(2n ** 63n), 2n ** 63n - 1n] : T === BigUint64Array ? [0n, 2n ** 64n - 1n] : [-(2n ** 53n), 2n ** 53n]
  if (exact.some((p) => p < min || p > max)) return 'ERR_OUT_OF_RANGE'
  return isBig(T) ? exact : exact.map(Number)
}

const outputType = (T: Ctor) => (T === BigInt64Array ? BigInt64Array : T === BigUint64Array ? BigUint64Array : Float64Array)

for (const T of ALL_TYPES) {
  test(`cumsum of ${T.name}: the reference, sync and async, into a new array and into out`, async (t) => {
    await fc.assert(
      fc.asyncProperty(arrayOf(T), async ({ array, values }) => {
        // One segment (an eighth of a block, which the shorter generated lengths stay in): within a segment the kernel
        // is exactly a sequential Neumaier sum; across segments and blocks its carries are checked by the exact test
        // below.
        const want = expected(T, values)
        const Out = outputType(T)
        const out = new Out(values.length)
        if (isFloat(T) && values.length > SEGMENT) return true
        if (want === 'ERR_OUT_OF_RANGE') {
          const sentinel = Out === Float64Array ? 7 : 7n
          out.fill(sentinel as never)
          try {
            pb.cumsumSync(array, { out })
            return false
          } catch (error) {
            if ((error as { code?: string }).code !== want) return false
          }
          await pb.cumsum(array).then(
            () => false,
            (error: { code?: string }) => error.code === want,
          )
          return out.every((x: Value) => x === sentinel)
        }
        const fresh = pb.cumsumSync(array)
        const given = await pb.cumsum(array, { out })
        return fresh.constructor === Out && given === out && sameBits(fresh, want) && sameBits(out, want)
      }),
      { numRuns: 60 },
    )
    t.pass()
  })
}

test('float prefixes across many blocks are the exact prefixes rounded once', async (t) => {
  // Multiples of 2^-20 below 2^40 in magnitude: the compensated pair holds every prefix exactly, so each output is the
  // exact prefix rounded once, carries between blocks included, while a plain running sum drifts.
  const values = fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: 3 * BLOCK, maxLength: 7 * BLOCK + 5 })
  await fc.assert(
    fc.asyncProperty(values, async (ints) => {
      const a = Float64Array.from(ints, (k) => k * 2 ** -20)
      const want = roundedPrefixes(Array.from(a))
      return sameBits(await pb.cumsum(a), want) && sameBits(pb.cumsumSync(Float32Array.from(a.map(Math.fround))), roundedPrefixes(Array.from(a.map(Math.fround))))
    }),
    { numRuns: 6 },
  )
  const a = Float64Array.from({ length: 4 * BLOCK }, (_, i) => ((i * 7919) % 1000) * 0.1)
  let plain = 0
  const naive = Array.from(a, (x) => (plain += x))
  t.notDeepEqual(naive, roundedPrefixes(Array.from(a)), 'the data must defeat a plain running sum')
  t.true(sameBits(pb.cumsumSync(a), roundedPrefixes(Array.from(a))))
})

test('float edge cases: -0, infinities, NaN, cancellation', (t) => {
  const cases: [number[], number[]][] = [
    [[-0, -0], [-0, -0]],
    [[-0, 0, -0], [-0, 0, 0]],
    [[1, -1, -0], [1, 0, 0]],
    [[1, Infinity, 1, -Infinity, 2], [1, Infinity, Infinity, NaN, NaN]],
    [[NaN, 1], [NaN, NaN]],
    [[1e100, 1, -1e100, 1], [1e100, 1e100, 1, 2]],
    [[0.1, 0.2, 0.3], [0.1, 0.30000000000000004, 0.6]],
    // The exact prefix decides an overflow: 2·MAX rounds to Infinity, MAX comes back (numpy's running sum stays
    // infinite), and an infinite element outweighs the finite 2·MAX.
    [[Number.MAX_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE], [Number.MAX_VALUE, Infinity, Number.MAX_VALUE]],
    [[Number.MAX_VALUE, Number.MAX_VALUE, -Infinity, 1], [Number.MAX_VALUE, Infinity, -Infinity, -Infinity]],
  ]
  for (const [values, want] of cases) {
    t.true(sameBits(pb.cumsumSync(Float64Array.from(values)), want), `${values}`)
    const floats = Float32Array.from(values)
    t.true(sameBits(pb.cumsumSync(floats), neumaierPrefixes(Array.from(floats))), `${values} as floats`)
  }
  // Every element -0 over several blocks: the carry keeps the sign; one +0 ends it.
  const zeros = new Float64Array(3 * BLOCK + 1).fill(-0)
  t.true(pb.cumsumSync(zeros).every((x) => Object.is(x, -0)))
  zeros[BLOCK + 2] = 0
  const out = pb.cumsumSync(zeros)
  t.true(out.subarray(0, BLOCK + 2).every((x) => Object.is(x, -0)) && out.subarray(BLOCK + 2).every((x) => Object.is(x, 0)))
  // Overflows where blocks fall: lanes of a block's sum that take every term of one sign, a prefix beyond the largest
  // double in one block and back in the next. Each prefix is the exact one rounded once.
  const alternating = Float64Array.from({ length: BLOCK + 1 }, (_, i) => (i === BLOCK ? 1 : i % 2 ? -1e308 : 1e308))
  t.true(sameBits(pb.cumsumSync(alternating), roundedPrefixes(Array.from(alternating))))
  const spread = new Float64Array(3 * BLOCK)
  spread[0] = 1e308
  spread[BLOCK] = 1e308
  spread[BLOCK + 1] = -1e308
  spread[2 * BLOCK] = 1
  const spreadWant = roundedPrefixes(Array.from(spread))
  t.is(spreadWant[BLOCK], Infinity)
  t.true(sameBits(pb.cumsumSync(spread), spreadWant))
  // An infinity in the first block reaches the last through the carries.
  const ones = new Float64Array(3 * BLOCK).fill(1)
  ones[3] = -Infinity
  t.deepEqual(Array.from(pb.cumsumSync(ones).subarray(0, 5)), [1, 2, 3, -Infinity, -Infinity])
  t.is(pb.cumsumSync(ones)[3 * BLOCK - 1], -Infinity)
})

test.serial('integer prefixes: exact up to ±2^53 in a Float64Array and to the 64-bit ranges, refused beyond', (t) => {
  const limit = 2 ** 53
  // 2^21 elements of 2^32 - 1 stay below 2^53; one more passes it.
  const big = new Uint32Array(2 ** 21 + 1).fill(2 ** 32 - 1)
  t.is(pb.cumsumSync(big.subarray(0, 2 ** 21))[2 ** 21 - 1], 2 ** 21 * (2 ** 32 - 1))
  const out = new Float64Array(big.length).fill(7)
  throwsError(t, () => pb.cumsumSync(big, { out }), rangeError('ERR_OUT_OF_RANGE', /beyond ±2\^53/))
  t.true(out.every((x) => x === 7), 'a refused call writes nothing')
  // Down past -2^53 and back: the dip alone is refused.
  const dip = new Int32Array(2 ** 22 + 3).fill(-(2 ** 31))
  dip.fill(2 ** 31 - 1, 2 ** 22 + 1)
  throwsError(t, () => pb.cumsumSync(dip), rangeError('ERR_OUT_OF_RANGE'))
  t.is(pb.cumsumSync(dip.subarray(0, 2 ** 22))[2 ** 22 - 1], -limit)

  t.deepEqual(Array.from(pb.cumsumSync(new BigInt64Array([2n ** 63n - 1n, -1n, 1n]))), [2n ** 63n - 1n, 2n ** 63n - 2n, 2n ** 63n - 1n])
  throwsError(t, () => pb.cumsumSync(new BigInt64Array([2n ** 63n - 1n, 1n, -1n])), rangeError('ERR_OUT_OF_RANGE', /BigInt64Array/))
  throwsError(t, () => pb.cumsumSync(new BigInt64Array([-1n, -(2n ** 63n)])), rangeError('ERR_OUT_OF_RANGE'))
  t.deepEqual(Array.from(pb.cumsumSync(new BigUint64Array([2n ** 64n - 2n, 1n]))), [2n ** 64n - 2n, 2n ** 64n - 1n])
  throwsError(t, () => pb.cumsumSync(new BigUint64Array([2n ** 64n - 1n, 1n])), rangeError('ERR_OUT_OF_RANGE', /BigUint64Array/))
  t.deepEqual(Array.from(pb.cumsumSync(new Uint8ClampedArray([255, 255]))), [255, 510])
  t.is(pb.liveExportCount(), 0)
})

test.serial('out: the input itself, through exports, and what is refused', async (t) => {
  for (const [T, values, want] of [
    [Float64Array, [0.1, 0.2, 0.3], [0.1, 0.30000000000000004, 0.6]],
    [BigInt64Array, [1n, -2n, 3n], [1n, -1n, 2n]],
    [BigUint64Array, [1n, 2n, 3n], [1n, 3n, 6n]],
  ] as const) {
    const a = (T as unknown as { from(v: readonly Value[]): Float64Array | BigInt64Array | BigUint64Array }).from(values)
    t.is(await pb.cumsum(a, { out: a } as never), a)
    t.deepEqual(Array.from(a as ArrayLike<Value>), want as readonly Value[])
    // Another view of the same bytes, as the same type, is the same memory: in place too.
    const twin = new T(a.buffer as ArrayBuffer, a.byteOffset, a.length)
    pb.cumsumSync(twin as never, { out: a } as never)
    const again = T === Float64Array ? neumaierPrefixes(want as readonly number[]) : exactPrefixes(want as readonly bigint[])
    t.true(sameBits(a as ArrayLike<Value>, again))
  }
  // A write export, passed as both, or as the input with its array as out.
  const x = new Float64Array([1, 2, 3])
  const handle = pb.borrow(x, 'write')
  t.is(pb.cumsumSync(handle, { out: handle }), x)
  t.deepEqual(Array.from(x), [1, 3, 6])
  t.is(await pb.cumsum(handle, { out: x }), x)
  t.deepEqual(Array.from(x), [1, 4, 10])
  handle.release()

  const buffer = new Float64Array(8)
  const before = () => Array.from(buffer)
  // Overlapping at a shift, or out under the caller's read export: the ledger refuses, nothing is written.
  buffer.set([1, 2, 3, 4, 5, 6, 7, 8])
  const snapshot = before()
  throwsError(t, () => pb.cumsumSync(buffer.subarray(0, 4), { out: buffer.subarray(1, 5) }), borrowError('ERR_PARABUF_BORROWED'))
  await rejectsError(t, () => pb.cumsum(buffer.subarray(1, 5), { out: buffer.subarray(0, 4) }), borrowError('ERR_PARABUF_BORROWED'))
  const read = pb.borrow(buffer, 'read')
  throwsError(t, () => pb.cumsumSync(read, { out: buffer }), borrowError('ERR_PARABUF_BORROWED'))
  read.release()
  // The same bytes as another type is not the same array.
  throwsError(t, () => pb.cumsumSync(new BigInt64Array(buffer.buffer), { out: new BigInt64Array(buffer.buffer, 8, 7) }), borrowError('ERR_PARABUF_BORROWED'))
  t.deepEqual(before(), snapshot)
  // The wrong type or length.
  throwsError(t, () => pb.cumsumSync(new Int32Array(3), { out: new Int32Array(3) } as never), typeError('ERR_PARABUF_TYPE_MISMATCH', /of an Int32Array writes a Float64Array, but options.out is an Int32Array/))
  throwsError(t, () => pb.cumsumSync(new Float32Array(3), { out: new Float32Array(3) } as never), typeError('ERR_PARABUF_TYPE_MISMATCH'))
  throwsError(t, () => pb.cumsumSync(new BigInt64Array(3), { out: new Float64Array(3) } as never), typeError('ERR_PARABUF_TYPE_MISMATCH'))
  throwsError(t, () => pb.cumsumSync(new Float64Array(3), { out: new Float64Array(4) }), rangeError('ERR_PARABUF_LENGTH_MISMATCH'))
  throwsError(t, () => pb.cumsumSync(new Float64Array(3), { out: [0, 0, 0] } as never), typeError('ERR_INVALID_ARG_TYPE', /"options.out"/))
  throwsError(t, () => pb.cumsumSync(new Float64Array(3), 5 as never), typeError('ERR_INVALID_ARG_TYPE'))
  t.is(pb.liveExportCount(), 0)
})

test.serial('the default out has the length of what an export covers, though its array grew since', (t) => {
  // A growable SharedArrayBuffer (ES2024, beyond this project's TypeScript lib).
  type Growable = SharedArrayBuffer & { grow(bytes: number): void }
  const buffer = new (SharedArrayBuffer as unknown as new (bytes: number, options: object) => Growable)(32, { maxByteLength: 1024 })
  const a = new Float64Array(buffer)
  a.set([1, 2, 3, 4])
  const handle = pb.borrow(a, 'read')
  buffer.grow(64)
  t.is(a.length, 8)
  t.deepEqual(Array.from(pb.cumsumSync(handle)), [1, 3, 6, 10])
  handle.release()
  t.is(pb.liveExportCount(), 0)
})

test.serial('cumsum aborts between blocks and leaves the ledger clean', async (t) => {
  const a = new Float64Array(64 * BLOCK).fill(1)
  const controller = new AbortController()
  const running = pb.cumsum(a, { signal: controller.signal })
  controller.abort()
  const error = await t.throwsAsync(running)
  t.is(error?.name, 'AbortError')
  t.is(pb.liveExportCount(), 0)
  const aborted = new AbortController()
  aborted.abort()
  await t.throwsAsync(pb.cumsum(a, { signal: aborted.signal }), { name: 'AbortError' })
  t.is(pb.liveExportCount(), 0)
})
