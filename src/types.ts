/**
 * A `Float16Array` (ES2025), typed structurally so parabuf's types work on runtimes and TypeScript versions without it.
 *
 * @example
 * ```ts
 * import { sumSync, type Float16ArrayLike } from 'parabuf'
 * // Node 24 and later have Float16Array; it is a Float16ArrayLike to parabuf's types.
 * const halves: Float16ArrayLike = new Float16Array([0.5, 0.25])
 * console.log(sumSync(halves)) // 0.75
 * ```
 * @category Types
 */
export interface Float16ArrayLike extends ArrayBufferView {
  /** The number of elements. */
  readonly length: number
  /** Always 2. */
  readonly BYTES_PER_ELEMENT: 2
  /** Always `'Float16Array'`. */
  readonly [Symbol.toStringTag]: 'Float16Array'
  /** The element at an index, as a `number`. */
  [index: number]: number
}

/**
 * The typed arrays whose elements are `bigint`.
 *
 * @example
 * ```ts
 * import type { BigIntArray } from 'parabuf'
 * const ids: BigIntArray = new BigUint64Array([1n, 2n])
 * ```
 * @category Types
 */
export type BigIntArray = BigInt64Array | BigUint64Array

/**
 * The typed arrays whose elements are `number`. `Buffer` is a `Uint8Array`.
 *
 * @example
 * ```ts
 * import type { NumberArray } from 'parabuf'
 * const arrays: NumberArray[] = [new Uint8Array(2), new Float64Array(2), Buffer.alloc(2)]
 * ```
 * @category Types
 */
export type NumberArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | Float16ArrayLike

/**
 * Every array parabuf accepts.
 *
 * @example
 * ```ts
 * import { sumSync, type NumericArray } from 'parabuf'
 * const arrays: NumericArray[] = [new Int16Array([1, 2]), new BigInt64Array([3n])]
 * for (const a of arrays) console.log(sumSync(a)) // 3, then 3n
 * ```
 * @category Types
 */
export type NumericArray = NumberArray | BigIntArray

/**
 * The element type of an array: `bigint` for 64-bit integer arrays, `number` otherwise.
 *
 * @typeParam A - the array's type.
 *
 * @example
 * ```ts
 * import type { ElementOf } from 'parabuf'
 * const big: ElementOf<BigInt64Array> = 1n
 * const small: ElementOf<Float32Array> = 1.5
 * ```
 * @category Types
 */
export type ElementOf<A extends NumericArray> = A extends BigIntArray ? bigint : number

/**
 * The access an export grants: `'read'` (shared) or `'write'` (exclusive).
 *
 * @example
 * ```ts
 * import { borrow, type Mode } from 'parabuf'
 * const mode: Mode = 'read'
 * using view = borrow(new Float64Array(4), mode)
 * ```
 * @category Exports
 */
export type Mode = 'read' | 'write'

/**
 * An array as seen through a read export: the type checker refuses element assignment and the mutating methods
 * (`fill`, `set`, `copyWithin`, `sort`, `reverse`). JavaScript itself can still write; see docs/safety.md.
 *
 * @typeParam A - the array's type.
 *
 * @example
 * ```ts
 * import { borrow } from 'parabuf'
 * using r = borrow(new Float64Array(4), 'read')
 * const view = r.array // ReadonlyArrayView<Float64Array>
 * console.log(view[0]) // 0
 * // view[0] = 1 // a type error: the export is read-only
 * ```
 * @category Exports
 */
export type ReadonlyArrayView<A extends NumericArray> = Omit<A, 'fill' | 'set' | 'copyWithin' | 'sort' | 'reverse' | number> & {
  /** The element at an index, read-only. */
  readonly [index: number]: ElementOf<A>
}
