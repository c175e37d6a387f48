// Recognising typed arrays and their element kinds, across realms and for subclasses such as Buffer.
import { types } from 'node:util'

import { makeError } from './errors.js'
import type { NumericArray } from './types.js'

/** Element kind codes: the order of `ElementKind::ALL` in parabuf-core. */
export const enum Kind {
  Int8 = 0,
  Uint8 = 1,
  Uint8Clamped = 2,
  Int16 = 3,
  Uint16 = 4,
  Int32 = 5,
  Uint32 = 6,
  Float16 = 7,
  Float32 = 8,
  Float64 = 9,
  BigInt64 = 10,
  BigUint64 = 11,
}

const KIND_OF_TAG: Record<string, Kind> = {
  Int8Array: Kind.Int8,
  Uint8Array: Kind.Uint8,
  Uint8ClampedArray: Kind.Uint8Clamped,
  Int16Array: Kind.Int16,
  Uint16Array: Kind.Uint16,
  Int32Array: Kind.Int32,
  Uint32Array: Kind.Uint32,
  Float16Array: Kind.Float16,
  Float32Array: Kind.Float32,
  Float64Array: Kind.Float64,
  BigInt64Array: Kind.BigInt64,
  BigUint64Array: Kind.BigUint64,
}

// %TypedArray%.prototype[@@toStringTag] reads the internal slot, so it cannot be spoofed by a plain object and it
// names the real type of subclasses (Buffer → 'Uint8Array') and of arrays from other realms.
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag)!
  .get as (this: unknown) => string | undefined

/** The kind of a typed array, or `undefined` for anything else. */
export function kindOf(value: unknown): Kind | undefined {
  const tag = typedArrayTag.call(value)
  return tag === undefined ? undefined : KIND_OF_TAG[tag]
}

/** Whether a kind's elements are `bigint`. */
export function isBigIntKind(kind: Kind): boolean {
  return kind === Kind.BigInt64 || kind === Kind.BigUint64
}

/** A short description of a value for error messages, in the style of Node's ERR_INVALID_ARG_TYPE. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`
  // A proxy answers `constructor` for its target: `new Proxy(new Float64Array(1), {})` is not a typed array.
  if (types.isProxy(value)) return 'a Proxy'
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name
    return name ? `an instance of ${name}` : 'an object'
  }
  if (typeof value === 'bigint') return `type bigint (${value}n)`
  let shown = String(value)
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`
  if (typeof value === 'string') shown = `'${shown}'`
  return `type ${typeof value} (${shown})`
}

/** The array itself or, for a `Float16Array`, a `Uint16Array` over the same bytes (Node-API has no float16 type). */
export function nativeView(array: NumericArray, kind: Kind, what: string): ArrayBufferView {
  if (kind !== Kind.Float16) return array
  try {
    return new Uint16Array(array.buffer, array.byteOffset, array.length)
  } catch {
    throw makeError('ERR_PARABUF_DETACHED', `${what} is detached: its memory was transferred or freed`)
  }
}

/** Whether the array's buffer is a resizable, non-shared `ArrayBuffer` (whose shrinking would free memory under a thread). */
export function isResizable(array: ArrayBufferView): boolean {
  const buffer = array.buffer as ArrayBuffer & { resizable?: boolean }
  return buffer.resizable === true && !(typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer)
}
