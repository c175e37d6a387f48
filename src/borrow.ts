// Export handles (`borrow`), the ledger listing (`exportsOf`), parabuf-owned arrays (`alloc`), and the guards that make
// an exported buffer refuse `resize()` and `transfer()`.
import { constants as bufferConstants } from 'node:buffer'

import { makeError, refuseExtraArguments, translate } from './errors.js'
import { apply, freeze, getPrototypeOf, typedArrayBuffer, typedArrayByteOffset, typedArrayLength } from './intrinsics.js'
import { bytesPerElementOf, describe, FLOAT16, type Kind, kindOf, nativeView } from './kinds.js'
import { native } from './native.js'
import type { BigIntArray, Mode, NumericArray, ReadonlyArrayView } from './types.js'
import { type NdArrayLike, type StridedView, viewParts } from './view.js'

/** The binding's opaque value for a handle's export (a type-tagged external that only the binding can read). */
export type NativeHandle = object

// Set only while borrow() constructs a handle: the constructor is internal, and these are what it stores.
let issuing: { native: NativeHandle; array: NumericArray } | undefined
// Filled by Export's static block: they read the private fields, which only real handles have.
let isExportImpl: (value: object) => boolean
let nativeOfImpl: (handle: Export) => NativeHandle
let arrayOfImpl: (handle: Export) => NumericArray

/**
 * Whether `value` is a handle made by {@link borrow}. The check is a private-field brand check: an object inheriting
 * from `Export.prototype`, a proxy of a handle or a copy of one is not a handle. @internal
 */
export function isExport(value: unknown): value is Export {
  return typeof value === 'object' && value !== null && isExportImpl(value)
}

/** The binding's value for a handle made by {@link borrow}. @internal */
export function nativeOf(handle: Export): NativeHandle {
  return nativeOfImpl(handle)
}

/** The array a handle made by {@link borrow} was taken on. @internal */
export function arrayOf(handle: Export): NumericArray {
  return arrayOfImpl(handle)
}

/** The elements a handle made by {@link borrow} exports (a view's count, for an export of a view), from its native
 * record (its array may since have grown). @internal */
export function exportedLength(handle: Export): number {
  return native.exportState(nativeOfImpl(handle)).elements
}

function stateOf(value: unknown, what: string) {
  if (!isExport(value)) {
    throw makeError('ERR_INVALID_ARG_TYPE', `Export.prototype.${what} called on an object that is not an export handle from borrow()`)
  }
  return native.exportState(nativeOfImpl(value))
}

/**
 * A live export of an array's memory, returned by {@link borrow}. While it lives, parabuf refuses conflicting exports of
 * the same bytes (from any array, buffer or worker thread) and the buffer refuses `resize()` and `transfer()`.
 *
 * Pass it to any operation instead of the array to reuse the export. Release it with {@link Export.release} or a
 * `using` declaration. A handle is frozen, and its fields are read-only views of parabuf's own record: nothing done to
 * the object changes which memory the export covers.
 *
 * @typeParam A - the array's type.
 * @typeParam M - the export's mode.
 *
 * @example
 * ```ts
 * import { borrow, sumSync } from 'parabuf'
 * const a = new Float64Array([1, 2, 3])
 * {
 *   using view = borrow(a, 'read')
 *   console.log(sumSync(view), view.byteLength) // 6 24
 * } // released here
 * ```
 *
 * @category Exports
 */
export class Export<A extends NumericArray = NumericArray, M extends Mode = Mode> {
  // Private fields: what parabuf uses of a handle lives here and in the binding, out of reach of any script.
  readonly #native: NativeHandle
  readonly #array: A

  static {
    isExportImpl = (value) => #native in value
    nativeOfImpl = (handle) => handle.#native
    arrayOfImpl = (handle) => handle.#array
  }

  /** @internal */
  constructor() {
    if (issuing === undefined) {
      throw makeError('ERR_INVALID_ARG_TYPE', 'Export handles are made by borrow(); the Export constructor is not public')
    }
    this.#native = issuing.native
    this.#array = issuing.array as A
  }

  /**
   * The exported array; read-only to the type checker for a `'read'` export.
   *
   * @throws TypeError `ERR_INVALID_ARG_TYPE` when read from an object that is not a handle from {@link borrow}.
   * @example
   * ```ts
   * import { borrow } from 'parabuf'
   * const a = new Int16Array(4)
   * using w = borrow(a, 'write')
   * console.log(w.array === a) // true
   * ```
   */
  get array(): M extends 'read' ? ReadonlyArrayView<A> : A {
    if (!isExport(this)) stateOf(this, 'array')
    return this.#array as M extends 'read' ? ReadonlyArrayView<A> : A
  }

  /**
   * The export's mode.
   *
   * @throws TypeError `ERR_INVALID_ARG_TYPE` when read from an object that is not a handle from {@link borrow}.
   * @example
   * ```ts
   * import { borrow } from 'parabuf'
   * using r = borrow(new Uint8Array(4), 'read')
   * console.log(r.mode) // 'read'
   * ```
   */
  get mode(): M {
    return stateOf(this, 'mode').mode as M
  }

  /**
   * The array's `byteOffset` within its buffer when the export was taken.
   *
   * @throws TypeError `ERR_INVALID_ARG_TYPE` when read from an object that is not a handle from {@link borrow}.
   * @example
   * ```ts
   * import { borrow } from 'parabuf'
   * using r = borrow(new Float64Array(8).subarray(2), 'read')
   * console.log(r.byteOffset) // 16
   * ```
   */
  get byteOffset(): number {
    return stateOf(this, 'byteOffset').byteOffset
  }

  /**
   * The number of exported bytes.
   *
   * @throws TypeError `ERR_INVALID_ARG_TYPE` when read from an object that is not a handle from {@link borrow}.
   * @example
   * ```ts
   * import { borrow } from 'parabuf'
   * using r = borrow(new Float64Array(8), 'read')
   * console.log(r.byteLength) // 64
   * ```
   */
  get byteLength(): number {
    return stateOf(this, 'byteLength').byteLength
  }

  /**
   * Whether {@link Export.release} has been called.
   *
   * @throws TypeError `ERR_INVALID_ARG_TYPE` when read from an object that is not a handle from {@link borrow}.
   * @example
   * ```ts
   * import { borrow } from 'parabuf'
   * const r = borrow(new Float64Array(8), 'read')
   * r.release()
   * console.log(r.released) // true
   * ```
   */
  get released(): boolean {
    return stateOf(this, 'released').released
  }

  /**
   * Ends the export. Idempotent. If an operation in flight is using it, the export ends when that operation settles.
   *
   * @throws TypeError `ERR_INVALID_ARG_TYPE` when called on an object that is not a handle from {@link borrow}.
   * @example
   * ```ts
   * import { borrow } from 'parabuf'
   * const view = borrow(new Int32Array(8), 'write')
   * view.release()
   * view.release() // no-op
   * ```
   */
  release(): void {
    refuseExtraArguments('release', arguments.length, 0)
    releaseHandle(this, 'release')
  }

  /**
   * Releases the export at the end of a `using` block.
   *
   * @throws TypeError `ERR_INVALID_ARG_TYPE` when called on an object that is not a handle from {@link borrow}.
   * @example
   * ```ts
   * import { borrow } from 'parabuf'
   * { using view = borrow(new Float32Array(4), 'read') }
   * ```
   */
  [Symbol.dispose](): void {
    refuseExtraArguments('[Symbol.dispose]', arguments.length, 0)
    releaseHandle(this, '[Symbol.dispose]')
  }
}

function releaseHandle(value: unknown, what: string): void {
  if (!isExport(value)) {
    throw makeError('ERR_INVALID_ARG_TYPE', `Export.prototype.${what} called on an object that is not an export handle from borrow()`)
  }
  native.exportRelease(nativeOfImpl(value))
}

/**
 * An array, an export handle of it, or a strided view of either ({@link view}, or a scijs `ndarray`), as operations
 * accept.
 *
 * @typeParam A - the array's type.
 *
 * @example
 * ```ts
 * import { borrow, meanSync, type Input } from 'parabuf'
 * function centre(input: Input): number {
 *   return meanSync(input)
 * }
 * const a = new Float64Array([1, 3])
 * using r = borrow(a, 'read')
 * console.log(centre(a), centre(r)) // 2 2
 * ```
 * @category Types
 */
export type Input<A extends NumericArray = NumericArray> = A | Export<A, Mode> | StridedView<A> | NdArrayLike<A>
/**
 * An array, a write export of it, or a strided view of either, as writing operations accept (a view is written
 * through: only the elements it reaches change).
 *
 * @typeParam A - the array's type.
 *
 * @example
 * ```ts
 * import { borrow, fillSync, type WritableInput } from 'parabuf'
 * function reset(target: WritableInput<Float64Array>): Float64Array {
 *   return fillSync(target, 0)
 * }
 * const a = new Float64Array([1, 2])
 * using w = borrow(a, 'write')
 * reset(w) // Float64Array [0, 0]
 * ```
 * @category Types
 */
export type WritableInput<A extends NumericArray = NumericArray> = A | Export<A, 'write'> | StridedView<A> | NdArrayLike<A>
/**
 * A 64-bit integer array or an export of one.
 *
 * @example
 * ```ts
 * import { borrow, sumSync, type BigIntInput } from 'parabuf'
 * function total(input: BigIntInput): bigint {
 *   return sumSync(input)
 * }
 * const a = new BigInt64Array([1n, 2n])
 * using r = borrow(a, 'read')
 * console.log(total(a), total(r)) // 3n 3n
 * ```
 * @category Types
 */
export type BigIntInput = Input<BigIntArray>

/**
 * The array and kind code of a typed array argument, or throws `ERR_INVALID_ARG_TYPE` (whose message mentions export
 * handles only where they are accepted: `handles`).
 */
export function requireArray(value: unknown, what: string, handles = true): { array: NumericArray; kind: Kind } {
  const kind = kindOf(value)
  if (kind === undefined) {
    const accepted = handles
      ? 'a TypedArray (Int8Array … BigUint64Array, Float16Array), a Buffer or a parabuf export'
      : 'a TypedArray (Int8Array … BigUint64Array, Float16Array) or a Buffer'
    throw makeError('ERR_INVALID_ARG_TYPE', `The ${what} argument must be ${accepted}. Received ${describe(value)}`)
  }
  return { array: value as NumericArray, kind }
}

/**
 * Takes an export of `array`'s memory and returns its handle. A `'read'` export shares with other reads; a `'write'`
 * export excludes every other export of the same bytes, whichever array, `Buffer` or worker thread they come through.
 *
 * A {@link StridedView} (or a scijs ndarray) of an array exports exactly the elements it reaches: two views that share
 * no element, such as the even and odd columns of a matrix, can be borrowed for writing at the same time. Operations
 * given the handle see the view's elements, in its shape; the handle's `array` is the view's array.
 *
 * @typeParam A - the array's type.
 * @typeParam M - the mode, as a literal type: a `'read'` export's `array` is read-only to the type checker.
 * @param array - any typed array, `Buffer` or subarray, or a view of one.
 * @param mode - `'read'` or `'write'`.
 * @returns a handle to pass to operations; release it when done (`using` does so automatically).
 * @throws {@link BorrowError} (`ERR_PARABUF_BORROWED`) when a conflicting export is live.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a value that is not a typed array or a view of one (a view of an
 *   export is refused: borrow the view of the array), `ERR_PARABUF_DETACHED` for a detached one,
 *   `ERR_INVALID_ARG_VALUE` for an unknown mode, or a `'write'` view that reaches an element twice; RangeError
 *   `ERR_OUT_OF_RANGE` for a view that reaches outside its array.
 *
 * @example
 * ```ts
 * import { borrow, fillSync, view } from 'parabuf'
 * const a = new Float64Array(1000)
 * using left = borrow(a.subarray(0, 500), 'write')
 * using right = borrow(a.subarray(500), 'write') // disjoint bytes: no conflict
 * // The even and odd elements of another array share no element either.
 * const b = new Float64Array(1000)
 * using even = borrow(view(b, { shape: [500], strides: [2] }), 'write')
 * using odd = borrow(view(b, { shape: [500], strides: [2], offset: 1 }), 'write')
 * fillSync(odd, 1)
 * ```
 *
 * @category Exports
 */
export function borrow<A extends NumericArray, M extends Mode>(array: A | StridedView<A> | NdArrayLike<A>, mode: M): Export<A, M> {
  refuseExtraArguments('borrow', arguments.length, 2)
  const parts = viewParts(array)
  if (parts !== undefined && isExport(parts.data)) {
    throw makeError('ERR_INVALID_ARG_TYPE', 'The "array" argument is a view of an export: borrow the view of the array itself')
  }
  const data = (parts === undefined ? array : parts.data) as A
  const { kind } = requireArray(data, '"array"', false)
  if (mode !== 'read' && mode !== 'write') {
    throw makeError('ERR_INVALID_ARG_VALUE', `The "mode" argument must be 'read' or 'write'. Received ${describe(mode)}`)
  }
  let handle: NativeHandle
  try {
    handle = native.exportOpen(nativeView(data, kind, 'borrow() argument'), kind, mode === 'read' ? 0 : 1, parts?.layout)
  } catch (error) {
    throw translate(error)
  }
  issuing = { native: handle, array: data }
  try {
    const made = new Export<A, M>()
    freeze(made)
    return made
  } finally {
    issuing = undefined
  }
}

/**
 * One live export, as listed by {@link exportsOf}.
 *
 * @example
 * ```ts
 * import { borrow, exportsOf, type ExportInfo } from 'parabuf'
 * const a = new Uint8Array(64)
 * using r = borrow(a.subarray(8, 16), 'read')
 * const [info]: ExportInfo[] = exportsOf(a)
 * console.log(info) // { id: 1, mode: 'read', byteOffset: 8, byteLength: 8 }
 * ```
 * @category Exports
 */
export interface ExportInfo {
  /** A number unique to the export within the process. */
  readonly id: number
  /** Its mode. */
  readonly mode: Mode
  /** Its first byte, relative to the start of the queried array's buffer. */
  readonly byteOffset: number
  /** Its length in bytes. */
  readonly byteLength: number
}

/**
 * Lists the live exports that share at least one byte with `array` (from any handle, operation in flight or worker
 * thread), oldest first; for an empty array, the exports whose bytes surround its position. For debugging
 * `BorrowError`s.
 *
 * @param array - any typed array, `Buffer` or subarray.
 * @returns one entry per live export, with byte ranges relative to `array`'s buffer.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a value that is not a typed array, `ERR_PARABUF_DETACHED` for a detached
 *   one.
 *
 * @example
 * ```ts
 * import { borrow, exportsOf } from 'parabuf'
 * const a = new Float64Array(8)
 * using w = borrow(a.subarray(2, 4), 'write')
 * console.log(exportsOf(a)) // [{ id: 1, mode: 'write', byteOffset: 16, byteLength: 16 }]
 * ```
 *
 * @category Exports
 */
export function exportsOf(array: NumericArray): ExportInfo[] {
  refuseExtraArguments('exportsOf', arguments.length, 1)
  const { kind } = requireArray(array, '"array"', false)
  try {
    return native.exportsOverlapping(nativeView(array, kind, 'exportsOf() argument')).map((e) => ({
      id: e.id,
      mode: e.mode as Mode,
      byteOffset: e.byteOffset,
      byteLength: e.byteLength,
    }))
  } catch (error) {
    throw translate(error)
  }
}

/**
 * The number of live exports in the whole process (for tests and leak checks).
 *
 * @throws TypeError `ERR_INVALID_ARG_VALUE` when given arguments.
 *
 * @example
 * ```ts
 * import { borrow, liveExportCount } from 'parabuf'
 * const before = liveExportCount()
 * const r = borrow(new Float64Array(4), 'read')
 * console.log(liveExportCount() - before) // 1
 * r.release()
 * console.log(liveExportCount() - before) // 0
 * ```
 * @category Exports
 */
export function liveExportCount(): number {
  refuseExtraArguments('liveExportCount', arguments.length, 0)
  return native.liveExportCount()
}

/**
 * Constructors {@link alloc} accepts: `Float64Array`, `Int32Array`, `BigInt64Array` and the other typed arrays.
 *
 * @typeParam A - the arrays the constructor makes.
 *
 * @example
 * ```ts
 * import { alloc, type ArrayConstructorOf, type NumericArray } from 'parabuf'
 * function zeros<A extends NumericArray>(Type: ArrayConstructorOf<A>, n: number): A {
 *   return alloc(Type, n)
 * }
 * const a = zeros(Int32Array, 16) // Int32Array(16)
 * ```
 * @category Types
 */
export type ArrayConstructorOf<A extends NumericArray> = {
  /**
   * @param buffer - the memory.
   * @param byteOffset - where the array starts in it.
   * @param length - how many elements it has.
   */
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): A
  /** Bytes per element. */
  readonly BYTES_PER_ELEMENT: number
  /** The constructor's name, such as `'Float64Array'`. */
  readonly name: string
}

let externalRefused = false

/** The largest `Buffer`, and so the largest external buffer, Node.js can make. */
const MAX_BYTES = bufferConstants.MAX_LENGTH

/**
 * Allocates a zero-filled typed array whose memory parabuf owns: an external `ArrayBuffer` over a reference-counted
 * native allocation. The memory stays valid until the array is garbage-collected **and** every export of it has ended,
 * so even detaching the buffer while an operation runs cannot free memory under a native thread.
 *
 * If the runtime refuses external buffers (for example under a V8 memory sandbox), a normal buffer is returned instead
 * and {@link allocIsExternal} reports `false`.
 *
 * @typeParam A - the array type `Type` makes.
 * @param Type - the typed array constructor, such as `Float64Array`.
 * @param length - the number of elements.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for an unsupported constructor.
 * @throws RangeError `ERR_OUT_OF_RANGE` for a negative, fractional or too large length.
 *
 * @example
 * ```ts
 * import { alloc, sum } from 'parabuf'
 * const a = alloc(Float64Array, 1_000_000)
 * a.fill(0.5)
 * console.log(await sum(a)) // 500000
 * ```
 *
 * @category Exports
 */
export function alloc<A extends NumericArray>(Type: ArrayConstructorOf<A>, length: number): A {
  refuseExtraArguments('alloc', arguments.length, 2)
  let kind: Kind | undefined
  let bytesPerElement = 1
  try {
    const probe = typeof Type === 'function' ? (Reflect.construct(Type as unknown as Function, [0]) as unknown) : undefined
    kind = kindOf(probe)
    if (kind !== undefined) bytesPerElement = bytesPerElementOf(probe) ?? 1
  } catch {
    kind = undefined
  }
  if (kind === undefined) {
    throw makeError(
      'ERR_INVALID_ARG_TYPE',
      `The "Type" argument must be a typed array constructor such as Float64Array. Received ${describe(Type)}`,
    )
  }
  if (typeof length !== 'number') {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "length" argument must be of type number. Received ${describe(length)}`)
  }
  if (Number.isInteger(length) && length * bytesPerElement > MAX_BYTES) {
    // Refused before allocating: the runtime would refuse the buffer only after the memory was committed.
    throw makeError(
      'ERR_OUT_OF_RANGE',
      `alloc() of ${length} elements (${length * bytesPerElement} bytes) exceeds the largest buffer this runtime supports (${MAX_BYTES} bytes)`,
    )
  }
  let made: [ArrayBufferView, boolean]
  try {
    made = native.alloc(kind, length) as [ArrayBufferView, boolean]
  } catch (error) {
    throw translate(error)
  }
  const [view, external] = made
  if (!external && length > 0) externalRefused = true
  if (kind !== FLOAT16 && getPrototypeOf(view) === Type.prototype) return view as A
  // A subclass (or Float16Array, which Node-API cannot make) is constructed over the allocated memory. Its
  // constructor is the caller's code: what it returns is checked through the internal slots, not trusted.
  const buffer = apply(typedArrayBuffer, view, [])
  const result: unknown = new Type(buffer as ArrayBuffer, 0, length)
  const fits =
    kindOf(result) === kind &&
    apply(typedArrayBuffer, result, []) === buffer &&
    apply(typedArrayByteOffset, result, []) === 0 &&
    apply(typedArrayLength, result, []) === length
  if (!fits) {
    throw makeError(
      'ERR_INVALID_ARG_TYPE',
      `The "Type" constructor must build a ${describe(view).replace('an instance of ', '')} of ${length} elements over the memory alloc() passed it. Received ${describe(result)}`,
    )
  }
  return result as A
}

/**
 * Whether {@link alloc} has been able to hand out parabuf-owned (external) memory on this runtime so far.
 *
 * @throws TypeError `ERR_INVALID_ARG_VALUE` when given arguments.
 *
 * @example
 * ```ts
 * import { alloc, allocIsExternal } from 'parabuf'
 * const a = alloc(Float64Array, 1024)
 * console.log(allocIsExternal()) // true, or false under a V8 memory sandbox
 * ```
 * @category Exports
 */
export function allocIsExternal(): boolean {
  refuseExtraArguments('allocIsExternal', arguments.length, 0)
  return !externalRefused
}
