// fast-check arbitraries for typed arrays of every kind, at any offset inside a larger buffer.
import fc from 'fast-check'

export type Ctor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor

export const NUMBER_TYPES = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
] as const
export const BIGINT_TYPES = [BigInt64Array, BigUint64Array] as const
export const ALL_TYPES: readonly Ctor[] = [...NUMBER_TYPES, ...BIGINT_TYPES]

import { BLOCK } from './binding.js'

export { BLOCK }

export const isFloat = (T: Ctor): boolean => T === Float32Array || T === Float64Array
export const isBig = (T: Ctor): boolean => T === BigInt64Array || T === BigUint64Array

// Values near ±MAX_VALUE are left out of the generators: sums of several overflow, and overflow is tested with explicit
// cases instead.
const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5, 1e300, -1e300, 5e-324, 2 ** 53, 0.1]

/** One element value of the given type, as a JS number or bigint (not yet stored, so conversions apply on store). */
export function element(T: Ctor): fc.Arbitrary<number | bigint> {
  if (T === BigInt64Array) return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
  if (T === BigUint64Array) return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
  if (isFloat(T)) {
    return fc.oneof(fc.constantFrom(...SPECIAL), fc.double({ min: -1e300, max: 1e300 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }))
  }
  const bits = (T as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * 8
  const signed = T === Int8Array || T === Int16Array || T === Int32Array
  return signed
    ? fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 })
    : fc.integer({ min: 0, max: 2 ** bits - 1 })
}

/** Finite element values whose squares and products cannot overflow (for variance and dot references). */
export function finiteElement(T: Ctor): fc.Arbitrary<number | bigint> {
  if (!isFloat(T)) return element(T)
  // Float32Array stores anything beyond ±3.4e38 as ±Infinity.
  const limit = T === Float32Array ? 1e30 : 1e150
  return fc.oneof(fc.double({ noNaN: true, min: -limit, max: limit }), fc.double({ noNaN: true, min: -10, max: 10 }))
}

/** Lengths: mostly small, sometimes around block boundaries. */
export const lengths = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 3) },
)

export interface Case {
  readonly array: InstanceType<Ctor>
  readonly values: (number | bigint)[]
}

/** A typed array of `T` at a random element offset inside a larger buffer, filled from `values`. */
export function arrayOf(T: Ctor, values: fc.Arbitrary<number | bigint> = element(T)): fc.Arbitrary<Case> {
  return fc
    .record({ length: lengths, offset: fc.integer({ min: 0, max: 7 }), seed: fc.array(values, { minLength: 1, maxLength: 64 }) })
    .map(({ length, offset, seed }) => {
      const buffer = new ArrayBuffer((length + offset + 3) * T.BYTES_PER_ELEMENT)
      const array = new (T as Float64ArrayConstructor)(buffer, offset * T.BYTES_PER_ELEMENT, length) as unknown as InstanceType<Ctor>
      for (let i = 0; i < length; i++) (array as unknown as (number | bigint)[])[i] = seed[i % seed.length]!
      return { array, values: Array.from(array as unknown as ArrayLike<number | bigint>) }
    })
}
