// The built-ins the facade and the binding use to read engine state, captured once when parabuf loads. Each reads an
// internal slot and brand-checks its receiver (it throws for anything that is not of its kind), so a script that later
// redefines a property, a prototype or a global cannot change what parabuf reads. Code that ran before parabuf loaded
// is outside the threat model (docs/safety.md).

import { types } from 'node:util'

const typedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object

function getterOf(target: object, key: PropertyKey): (this: unknown) => unknown {
  const get = Object.getOwnPropertyDescriptor(target, key)?.get
  if (typeof get !== 'function') throw new Error(`parabuf: the built-in getter ${String(key)} is missing`)
  return get
}

/** `Reflect.apply` as it was when parabuf loaded. */
export const apply = Reflect.apply
/** `Object`'s functions the facade calls after load, as they were when parabuf loaded. */
export const { defineProperty, freeze, getPrototypeOf, setPrototypeOf } = Object
/** `Array.isArray` as it was when parabuf loaded. */
export const isArray = Array.isArray
/** `Reflect.construct` as it was when parabuf loaded. */
export const construct = Reflect.construct

/**
 * Appends `value` to `list` as an own data property (the way an array literal defines its elements), so that neither a
 * setter on `Array.prototype` nor a replaced `push` can change what the list holds.
 */
export function append<T>(list: T[], value: T): void {
  defineProperty(list, list.length, { value, writable: true, enumerable: true, configurable: true })
}

/** `%TypedArray%.prototype[@@toStringTag]`: the element type's name, `undefined` for anything not a typed array. */
export const typedArrayTag = getterOf(typedArrayPrototype, Symbol.toStringTag) as (this: unknown) => string | undefined
/** `%TypedArray%.prototype.buffer`'s getter. */
export const typedArrayBuffer = getterOf(typedArrayPrototype, 'buffer') as (this: unknown) => ArrayBufferLike
/** `%TypedArray%.prototype.byteOffset`'s getter (0 when detached or out of bounds). */
export const typedArrayByteOffset = getterOf(typedArrayPrototype, 'byteOffset') as (this: unknown) => number
/** `%TypedArray%.prototype.length`'s getter (0 when detached or out of bounds). */
export const typedArrayLength = getterOf(typedArrayPrototype, 'length') as (this: unknown) => number
/** `%TypedArray%.prototype.includes`: throws on a detached or out-of-bounds view, and on nothing else when empty. */
export const typedArrayIncludes = (typedArrayPrototype as { includes: (this: unknown) => boolean }).includes
/** The `Uint16Array` constructor, for the alias a `Float16Array` is passed to the binding as. */
export const Uint16ArrayConstructor = Uint16Array

/** The typed array's element type name from its internal slot, or `undefined` for anything else. */
export function tagOf(value: unknown): string | undefined {
  return apply(typedArrayTag, value, [])
}

/** `AbortSignal.prototype.aborted`'s getter: throws for anything that is not an AbortSignal. */
export const abortSignalAborted = getterOf(AbortSignal.prototype, 'aborted') as (this: unknown) => boolean
/** `AbortSignal.prototype.reason`'s getter. */
export const abortSignalReason = getterOf(AbortSignal.prototype, 'reason') as (this: unknown) => unknown
/** `EventTarget.prototype.addEventListener`. */
export const addEventListener: (this: unknown, type: string, listener: () => void, options?: object) => void =
  EventTarget.prototype.addEventListener
/** `EventTarget.prototype.removeEventListener`. */
export const removeEventListener: (this: unknown, type: string, listener: () => void) => void =
  EventTarget.prototype.removeEventListener
/** The `Promise` constructor. */
export const NativePromise = Promise

/** Whether `value` is an AbortSignal by its internal slots (a look-alike or an object inheriting from its prototype is not). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  try {
    apply(abortSignalAborted, value, [])
    return true
  } catch {
    return false
  }
}

/** `util.types.isNativeError`: whether a value is an Error by its internal slots. */
export const isNativeError = types.isNativeError
