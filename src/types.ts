/**
 * A `Float16Array` (ES2025), typed structurally so parabuf's types work on runtimes and TypeScript versions without it.
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

/** The typed arrays whose elements are `bigint`. */
export type BigIntArray = BigInt64Array | BigUint64Array

/** The typed arrays whose elements are `number`. `Buffer` is a `Uint8Array`. */
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

/** Every array parabuf accepts. */
export type NumericArray = NumberArray | BigIntArray

/**
 * The element type of an array: `bigint` for 64-bit integer arrays, `number` otherwise.
 *
 * @typeParam A - the array's type.
 */
export type ElementOf<A extends NumericArray> = A extends BigIntArray ? bigint : number

/** The access an export grants: `'read'` (shared) or `'write'` (exclusive). */
export type Mode = 'read' | 'write'

/**
 * An array as seen through a read export: the type checker refuses element assignment and the mutating methods
 * (`fill`, `set`, `copyWithin`, `sort`, `reverse`). JavaScript itself can still write; see docs/safety.md.
 *
 * @typeParam A - the array's type.
 */
export type ReadonlyArrayView<A extends NumericArray> = Omit<A, 'fill' | 'set' | 'copyWithin' | 'sort' | 'reverse' | number> & {
  /** The element at an index, read-only. */
  readonly [index: number]: ElementOf<A>
}
