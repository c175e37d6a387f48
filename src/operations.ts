// The plumbing every operation shares: argument intake, the sync and async calls into the binding, abort handling.
import type { CancelToken, MinMax, OpParams } from './binding/index.js'
import { AbortError, makeError, translate } from './errors.js'
import { arrayOf as handleArray, isExport, nativeOf, type NativeHandle, requireArray } from './borrow.js'
import type { Export } from './borrow.js'
import {
  abortSignalAborted,
  abortSignalReason,
  addEventListener,
  apply,
  isAbortSignal,
  NativePromise,
  removeEventListener,
  setPrototypeOf,
} from './intrinsics.js'
import { describe, Kind, nativeView } from './kinds.js'
import { native } from './native.js'
import type { NumericArray } from './types.js'

/** Every shape of result the binding returns. */
export type JsOutput = number | bigint | MinMax | Float64Array | undefined

/** Options every async operation accepts. */
export interface AsyncOptions {
  /** Aborts the operation: the promise rejects with an {@link AbortError} and its exports are released. */
  signal?: AbortSignal
}

/** One array argument, ready for the binding. */
interface Prepared {
  /** The array as the caller sees it (returned by in-place operations). */
  readonly array: NumericArray
  /** The array as the binding sees it (a Uint16Array alias for Float16Array); none for a handle. */
  readonly view: ArrayBufferView | undefined
  readonly kind: Kind
  readonly handle: NativeHandle | undefined
}

/** The binding's code for each operation name: the binding takes a number, which crosses into Rust for free. */
const OPERATION_CODE: Readonly<Record<string, number>> = Object.fromEntries(
  native.operationNames().map((name, code) => [name, code]),
)

/** The operations that take two arrays (`dot(a, b)`, `add(dst, src)`); every other one takes one. */
const TWO_ARRAYS: ReadonlySet<string> = new Set(['dot', 'add'])

/** {@link nativeView}, naming the argument only when it is needed (a Float16Array), so other calls build no string. */
function viewFor(array: NumericArray, kind: Kind, operation: string, what: string): ArrayBufferView {
  return kind === Kind.Float16 ? nativeView(array, kind, `${operation}() ${what} argument`) : array
}

// Nothing here decides anything about memory: an array's kind is read from its internal slot, the binding checks it
// against Node-API's own report, and a handle is passed as its native record alone (its array, bytes, kind and mode
// live there). Whether a buffer is detached, out of bounds or resizable is decided natively, at the moment of use.
function prepare(value: unknown, what: string, operation: string): Prepared {
  // A handle's kind, like its array, comes from its native record: the kind passed beside it is ignored.
  if (isExport(value)) return { array: handleArray(value), view: undefined, kind: Kind.Int8, handle: nativeOf(value) }
  const { array, kind } = requireArray(value, what)
  return { array, view: viewFor(array, kind, operation, what), kind, handle: undefined }
}

/**
 * The parameters as the binding must see them: only the facade's own fields. The binding reads every field it knows
 * by name, so a key a script put on `Object.prototype` would otherwise answer for a field the call did not set.
 */
function ownOnly(params: OpParams | undefined): OpParams | undefined {
  if (params !== undefined) setPrototypeOf(params, null)
  return params
}

/** Runs `operation` synchronously on one or two arrays. */
export function runSync(operation: string, params: OpParams | undefined, a: unknown, b?: unknown): JsOutput {
  // The operation, not the value of `b`, says how many arrays there are: a missing second array is a bad argument.
  const two = TWO_ARRAYS.has(operation)
  try {
    const first = prepare(a, two ? '"a"' : 'first', operation)
    const code = OPERATION_CODE[operation]!
    if (!two) return native.runSync(code, ownOnly(params), first.view, first.kind, first.handle)
    const second = prepare(b, '"b"', operation)
    return native.runSync(code, ownOnly(params), first.view, first.kind, first.handle, second.view, second.kind, second.handle)
  } catch (error) {
    throw translate(error)
  }
}

/** Runs `operation` off the JavaScript thread (inline when tiny); rejects instead of throwing. */
export async function runAsync(
  operation: string,
  params: OpParams | undefined,
  options: AsyncOptions | undefined,
  a: unknown,
  b?: unknown,
): Promise<JsOutput> {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "options" argument must be an object. Received ${describe(options)}`)
  }
  const signal = options?.signal
  // Brand-checked, and read through the built-ins: a look-alike, or a real signal whose properties were redefined,
  // cannot hide an abort or keep parabuf's listener off.
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw makeError('ERR_INVALID_ARG_TYPE', 'The "options.signal" property must be an AbortSignal')
  }
  const reasonOf = () => (signal === undefined ? undefined : apply(abortSignalReason, signal, []))
  if (signal !== undefined && apply(abortSignalAborted, signal, [])) {
    throw new AbortError(`${operation}() was aborted`, { cause: reasonOf() })
  }
  let token: CancelToken | undefined
  let onAbort: (() => void) | undefined
  try {
    const two = TWO_ARRAYS.has(operation)
    const first = prepare(a, two ? '"a"' : 'first', operation)
    const second = two ? prepare(b, '"b"', operation) : undefined
    if (signal) {
      const cancel = new native.CancelToken()
      token = cancel
      onAbort = () => cancel.cancel()
      apply(addEventListener, signal, ['abort', onAbort, { once: true }])
    }
    const started = native.runAsync(
      OPERATION_CODE[operation]!,
      ownOnly(params),
      token,
      first.view,
      first.kind,
      first.handle,
      second?.view,
      second?.kind,
      second?.handle,
    )
    return started instanceof NativePromise ? ((await started) as JsOutput) : (started as JsOutput)
  } catch (error) {
    throw translate(error, reasonOf())
  } finally {
    if (onAbort) apply(removeEventListener, signal, ['abort', onAbort])
  }
}

/** The array an in-place operation returns: the argument itself, or the array of the export passed. */
export function arrayOf<A extends NumericArray>(input: A | Export<A, 'write'>): A {
  return isExport(input) ? (handleArray(input) as A) : (input as A)
}
