// Recognising typed arrays and their element kinds, across realms and for subclasses such as Buffer.
import { types } from 'node:util'

import { makeError } from './errors.js'
import { native } from './native.js'
import {
  apply,
  tagOf,
  typedArrayBuffer,
  typedArrayByteOffset,
  typedArrayIncludes,
  typedArrayLength,
  Uint16ArrayConstructor,
} from './intrinsics.js'
import type { NumericArray } from './types.js'

/** An element kind's code: its index in the binding's `elementKinds()`, the order of `ElementKind::ALL` in the core. */
export type Kind = number

/** Every element kind, as the core defines them. */
const KINDS = native.elementKinds()

/** The code of each typed array type, by constructor name. */
const KIND_OF_TAG: Readonly<Record<string, Kind>> = Object.fromEntries(KINDS.map((kind, code) => [kind.name, code]))

/** Whether elements of `kind` are bigints. */
export function isBigIntKind(kind: Kind): boolean {
  return KINDS[kind]?.bigint === true
}

/** The kinds the facade treats specially. */
export const FLOAT16: Kind = KIND_OF_TAG['Float16Array']!

// Bytes per element of each type, from the core's table (a subclass's own BYTES_PER_ELEMENT is the subclass's to
// redefine, and the built-in constructors' own are the same numbers).
const BYTES_OF_TAG: Readonly<Record<string, number>> = Object.fromEntries(KINDS.map((kind) => [kind.name, kind.bytes]))

/** The element size of a typed array, from its internal slot's type; `undefined` for anything else. */
export function bytesPerElementOf(value: unknown): number | undefined {
  const tag = tagOf(value)
  return tag === undefined ? undefined : BYTES_OF_TAG[tag]
}

/** The kind of a typed array, from its internal slot (`%TypedArray%.prototype[@@toStringTag]`, captured at load: a
 * plain object cannot spoof it, and it names the real type of subclasses such as `Buffer` and of arrays from other
 * realms), or `undefined` for anything else. */
export function kindOf(value: unknown): Kind | undefined {
  const tag = tagOf(value)
  return tag === undefined ? undefined : KIND_OF_TAG[tag]
}

/** A short description of a value for error messages, in the style of Node's ERR_INVALID_ARG_TYPE. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') {
    let name: unknown
    try {
      // As for objects below: a throwing `name` getter must not replace the coded error with its own.
      name = value.name
    } catch {
      name = undefined
    }
    return `function ${typeof name === 'string' && name ? name : '<anonymous>'}`
  }
  // A proxy answers `constructor` for its target: `new Proxy(new Float64Array(1), {})` is not a typed array.
  if (types.isProxy(value)) return 'a Proxy'
  if (typeof value === 'object') {
    let name: unknown
    try {
      // Only for the message: a hostile getter that throws must not replace the coded error with its own.
      name = (value as object).constructor?.name
    } catch {
      name = undefined
    }
    return typeof name === 'string' && name ? `an instance of ${name}` : 'an object'
  }
  if (typeof value === 'bigint') return `type bigint (${value}n)`
  let shown = String(value)
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`
  if (typeof value === 'string') shown = `'${shown}'`
  return `type ${typeof value} (${shown})`
}

/**
 * The array itself or, for a `Float16Array`, a `Uint16Array` over the same bytes (Node-API has no float16 type), built
 * from the array's internal slots through the built-ins captured at load, never from its properties. The binding checks
 * whatever it is given against the engine's own record, so this alias decides nothing about memory by itself.
 */
export function nativeView(array: NumericArray, kind: Kind, what: string): ArrayBufferView {
  if (kind !== FLOAT16) return array
  const length = apply(typedArrayLength, array, [])
  let alias: Uint16Array
  try {
    alias = new Uint16ArrayConstructor(apply(typedArrayBuffer, array, []), apply(typedArrayByteOffset, array, []), length)
  } catch {
    throw makeError('ERR_PARABUF_DETACHED', `${what} is detached: its memory was transferred or freed`)
  }
  if (length === 0) {
    try {
      apply(typedArrayIncludes, array, [])
    } catch {
      throw makeError(
        'ERR_PARABUF_OUT_OF_BOUNDS',
        `${what} is out of bounds: its resizable ArrayBuffer shrank below the end of the view`,
      )
    }
  }
  return alias
}
