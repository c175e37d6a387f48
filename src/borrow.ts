// Export handles (`borrow`), the ledger listing (`exportsOf`), parabuf-owned arrays (`alloc`), and the guards that make
// an exported buffer refuse `resize()` and `transfer()`.
import { constants as bufferConstants } from 'node:buffer'

import type { NativeExport } from './binding/index.js'
import { makeError, refuseExtraArguments, translate } from './errors.js'
import { describe, isBigIntKind, Kind, kindOf, nativeView } from './kinds.js'
import { native } from './native.js'
import type { BigIntArray, Mode, NumericArray, ReadonlyArrayView } from './types.js'

/** @internal */
export const NATIVE = Symbol('parabuf.native')
/** @internal */
export const KIND = Symbol('parabuf.kind')

// The handles borrow() made. `instanceof Export` is not enough to trust an object: `Object.create(Export.prototype)`
// passes it without ever running the constructor, and then has no native export behind it.
const issued = new WeakSet<object>()
// Set only while borrow() constructs a handle: the constructor is internal.
let issuing = false

/** Whether `value` is a handle made by {@link borrow} (not merely an object inheriting from `Export.prototype`). @internal */
export function isExport(value: unknown): value is Export {
  return typeof value === 'object' && value !== null && issued.has(value)
}

function requireHandle(value: unknown, what: string): Export {
  if (!isExport(value)) {
    throw makeError('ERR_INVALID_ARG_TYPE', `Export.prototype.${what} called on an object that is not an export handle from borrow()`)
  }
  return value
}

/**
 * A live export of an array's memory, returned by {@link borrow}. While it lives, parabuf refuses conflicting exports of
 * the same bytes (from any array, buffer or worker thread) and the buffer refuses `resize()` and `transfer()`.
 *
 * Pass it to any operation instead of the array to reuse the export. Release it with {@link Export.release} or a
 * `using` declaration.
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
 */
export class Export<A extends NumericArray = NumericArray, M extends Mode = Mode> {
  /** The exported array; read-only to the type checker for a `'read'` export. */
  readonly array: M extends 'read' ? ReadonlyArrayView<A> : A
  /** The export's mode. */
  readonly mode: M
  /** The array's `byteOffset` within its buffer when the export was taken. */
  readonly byteOffset: number
  /** The number of exported bytes. */
  readonly byteLength: number
  /** @internal */
  readonly [NATIVE]: NativeExport
  /** @internal */
  readonly [KIND]: Kind

  /** @internal */
  constructor(array: A, mode: M, handle: NativeExport, kind: Kind) {
    if (!issuing) {
      throw makeError('ERR_INVALID_ARG_TYPE', 'Export handles are made by borrow(); the Export constructor is not public')
    }
    this.array = array as M extends 'read' ? ReadonlyArrayView<A> : A
    this.mode = mode
    this.byteOffset = array.byteOffset
    this.byteLength = array.byteLength
    this[NATIVE] = handle
    this[KIND] = kind
  }

  /** Whether {@link Export.release} has been called. */
  get released(): boolean {
    return requireHandle(this, 'released')[NATIVE].released
  }

  /**
   * Ends the export. Idempotent. If an operation in flight is using it, the export ends when that operation settles.
   *
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
    requireHandle(this, 'release')[NATIVE].release()
  }

  /**
   * Releases the export at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { borrow } from 'parabuf'
   * { using view = borrow(new Float32Array(4), 'read') }
   * ```
   */
  [Symbol.dispose](): void {
    refuseExtraArguments('[Symbol.dispose]', arguments.length, 0)
    requireHandle(this, '[Symbol.dispose]').release()
  }
}

/**
 * An array or an export handle of it, as operations accept.
 *
 * @typeParam A - the array's type.
 */
export type Input<A extends NumericArray = NumericArray> = A | Export<A, Mode>
/**
 * An array or a write export of it, as writing operations accept.
 *
 * @typeParam A - the array's type.
 */
export type WritableInput<A extends NumericArray = NumericArray> = A | Export<A, 'write'>
/** A 64-bit integer array or an export of one. */
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
 * @typeParam A - the array's type.
 * @typeParam M - the mode, as a literal type: a `'read'` export's `array` is read-only to the type checker.
 * @param array - any typed array, `Buffer` or subarray.
 * @param mode - `'read'` or `'write'`.
 * @returns a handle to pass to operations; release it when done (`using` does so automatically).
 * @throws {@link BorrowError} (`ERR_PARABUF_BORROWED`) when a conflicting export is live.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a value that is not a typed array, `ERR_PARABUF_DETACHED` for a detached
 *   one, `ERR_INVALID_ARG_VALUE` for an unknown mode.
 *
 * @example
 * ```ts
 * import { borrow, fillSync } from 'parabuf'
 * const a = new Float64Array(1000)
 * using left = borrow(a.subarray(0, 500), 'write')
 * using right = borrow(a.subarray(500), 'write') // disjoint bytes: no conflict
 * ```
 */
export function borrow<A extends NumericArray, M extends Mode>(array: A, mode: M): Export<A, M> {
  refuseExtraArguments('borrow', arguments.length, 2)
  const { kind } = requireArray(array, '"array"', false)
  if (mode !== 'read' && mode !== 'write') {
    throw makeError('ERR_INVALID_ARG_VALUE', `The "mode" argument must be 'read' or 'write'. Received ${describe(mode)}`)
  }
  try {
    const handle = native.exportOpen(nativeView(array, kind, 'borrow() argument'), kind, mode)
    issuing = true
    let made: Export<A, M>
    try {
      made = new Export(array, mode, handle, kind)
    } finally {
      issuing = false
    }
    issued.add(made)
    return made
  } catch (error) {
    throw translate(error)
  }
}

/** One live export, as listed by {@link exportsOf}. */
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

/** The number of live exports in the whole process (for tests and leak checks). */
export function liveExportCount(): number {
  refuseExtraArguments('liveExportCount', arguments.length, 0)
  return native.liveExportCount()
}

/**
 * Constructors {@link alloc} accepts: `Float64Array`, `Int32Array`, `BigInt64Array` and the other typed arrays.
 *
 * @typeParam A - the arrays the constructor makes.
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
 */
export function alloc<A extends NumericArray>(Type: ArrayConstructorOf<A>, length: number): A {
  refuseExtraArguments('alloc', arguments.length, 2)
  let kind: Kind | undefined
  let bytesPerElement = 1
  try {
    const probe = typeof Type === 'function' ? (Reflect.construct(Type as unknown as Function, [0]) as unknown) : undefined
    kind = kindOf(probe)
    if (kind !== undefined) bytesPerElement = (probe as NumericArray).BYTES_PER_ELEMENT
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
  if (kind === Kind.Float16 || Object.getPrototypeOf(view) !== Type.prototype) {
    return new Type(view.buffer as ArrayBuffer, 0, length)
  }
  return view as A
}

/** Whether {@link alloc} has been able to hand out parabuf-owned (external) memory on this runtime so far. */
export function allocIsExternal(): boolean {
  refuseExtraArguments('allocIsExternal', arguments.length, 0)
  return !externalRefused
}

export { isBigIntKind }

// While any export of a buffer's bytes is live, the buffer refuses to resize or transfer itself, as CPython refuses to
// resize an exported bytearray. The check asks the ledger itself, so it sees exports taken through any view or thread.
function guardBufferMethod(name: 'resize' | 'transfer' | 'transferToFixedLength'): void {
  const proto = ArrayBuffer.prototype as unknown as Record<string, unknown>
  const original = proto[name]
  if (typeof original !== 'function') return
  const guarded = {
    [name](this: ArrayBuffer, ...args: unknown[]): unknown {
      if (this instanceof ArrayBuffer && this.byteLength > 0) {
        const live = native.exportsOverlapping(new Uint8Array(this))
        if (live.length > 0) {
          const e = live[0]!
          throw makeError(
            'ERR_PARABUF_BORROWED',
            `cannot ${name}() an ArrayBuffer with live exports: a '${e.mode}' export holds bytes ${e.byteOffset}..${e.byteOffset + e.byteLength} (${live.length} live export${live.length === 1 ? '' : 's'})`,
          )
        }
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args)
    },
  }[name]!
  Object.defineProperty(proto, name, { value: guarded, writable: true, configurable: true, enumerable: false })
}

guardBufferMethod('resize')
guardBufferMethod('transfer')
guardBufferMethod('transferToFixedLength')
