// The plumbing every operation shares: argument intake, the sync and async calls into the binding, abort handling.
import type { CancelToken } from './binding/index.js'
import { AbortError, makeError, translate } from './errors.js'
import { isExport, nativeOf, requireArray } from './borrow.js'
import type { WritableInput } from './borrow.js'
import {
  abortSignalAborted,
  abortSignalReason,
  addEventListener,
  append,
  apply,
  isAbortSignal,
  NativePromise,
  removeEventListener,
  setPrototypeOf,
  typedArrayIncludes,
  typedArrayLength,
} from './intrinsics.js'
import { describe, FLOAT16, type Kind, kindOf, nativeView } from './kinds.js'
import { type ViewParts, viewParts, writtenArray } from './view.js'
import { native } from './native.js'
import type { NumericArray } from './types.js'

/** Every shape of result the binding returns. */
export type JsOutput =
  | number
  | bigint
  | { min: number | bigint; max: number | bigint }
  | NumericArray
  | { readonly [name: string]: NumericArray }
  | undefined

/** An operation's parameters, as one object: the binding reads the fields the operation declares. */
export type OpParams = Record<string, number | bigint | boolean | string | readonly number[]>

/**
 * Options every async operation accepts.
 *
 * @example
 * ```ts
 * import { sum } from 'parabuf'
 * // Rejects with an AbortError if the sum takes more than a second.
 * const total = await sum(new Float64Array(1e7), { signal: AbortSignal.timeout(1000) })
 * ```
 * @category Configuration
 */
export interface AsyncOptions {
  /** Aborts the operation: the promise rejects with an {@link AbortError} and its exports are released. */
  signal?: AbortSignal
}

/** One array argument, ready for the binding: the array (its `Uint16Array` alias for a `Float16Array`) or the native
 * handle of an export, and its kind code (ignored for a handle, whose kind comes from its native record). */
export interface Prepared {
  readonly value: unknown
  readonly kind: Kind
  /** For a strided view, its `[shape, strides, offset]` (and `kind` has the binding's view flag). */
  readonly view?: ViewParts['layout']
}

/** What the facade knows of each operation, from the core's table through the binding. */
interface Operation {
  /** The binding's code: a number, which crosses into Rust for free. */
  readonly code: number
  /** How error messages name each array argument: `first` for the only one, else `"a"`, `"b"`. */
  readonly arrayNames: readonly string[]
}

/** The flag of an array's kind code that makes the binding ask the engine whether an empty array is out of bounds. */
const ASK_BOUNDS: number = native.constants().askBounds
/** The flag of an array's kind code that says a view's layout follows it. */
const VIEW: number = native.constants().view

const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  native.operationTable().map((op, code) => [
    op.name,
    {
      code,
      // An array the facade makes (quantile's q) is not one of the caller's, who then passed only the first.
      arrayNames:
        op.arrays.filter((array) => !array.internal).length === 1
          ? ['first', ...op.arrays.slice(1).map((array) => `"${array.name}"`)]
          : op.arrays.map((array) => `"${array.name}"`),
    },
  ]),
)

// Nothing here decides anything about memory: an array's kind is read from its internal slot, the binding checks it
// against Node-API's own report, and a handle is passed as its native record alone (its array, bytes, kind and mode
// live there). Whether a buffer is detached, out of bounds or resizable is decided natively, at the moment of use.
export function prepare(value: unknown, what: string, operation: string, known: Kind | undefined = kindOf(value)): Prepared {
  // A typed array, the common case, is known by its internal slot first: it is neither a handle nor a view.
  let array = value as NumericArray
  let kind = known as Kind
  if (known === undefined) {
    if (isExport(value)) return { value: nativeOf(value), kind: 0 }
    const parts = viewParts(value)
    if (parts !== undefined) {
      const data = prepare(parts.data, what, operation)
      return { value: data.value, kind: data.kind | VIEW, view: parts.layout }
    }
    ;({ array, kind } = requireArray(value, what))
  }
  // A Float16Array travels as a Uint16Array alias (Node-API has no float16 type), which refuses detached and
  // out-of-bounds arrays itself.
  if (kind === FLOAT16) return { value: nativeView(array, kind, `${operation}() ${what} argument`), kind }
  // An empty array may be detached or out of bounds, which the binding tells apart by a call into the engine that
  // costs more than the rest of a small call: it asks only when the captured `includes` refuses the array here.
  if (apply(typedArrayLength, array, []) === 0) {
    try {
      apply(typedArrayIncludes, array, [])
    } catch {
      return { value: array, kind: kind | ASK_BOUNDS }
    }
  }
  return { value: array, kind }
}

/**
 * The parameters as the binding must see them: only the facade's own fields. The binding reads every field it knows
 * by name, so a key a script put on `Object.prototype` would otherwise answer for a field the call did not set.
 */
function ownOnly(params: OpParams | undefined): OpParams | undefined {
  if (params !== undefined) setPrototypeOf(params, null)
  return params
}

/** The facts of `operation`, which the facade's own wrappers name. */
function operationNamed(operation: string): Operation {
  return OPERATIONS.get(operation)!
}

/** Runs `operation` synchronously on its arrays. */
export function runSync(operation: string, params: OpParams | undefined, a: unknown, b?: unknown): JsOutput {
  // The operation, not the value of `b`, says how many arrays there are: a missing second array is a bad argument.
  const { code, arrayNames } = operationNamed(operation)
  try {
    const kind = kindOf(a)
    const call = kind === undefined && arrayNames.length === 1 ? expressionCallOf(a, operation) : undefined
    if (call !== undefined) return native.evaluateSync(code, ownOnly(params), call.expression, call.values) as JsOutput
    const first = prepare(a, arrayNames[0]!, operation, kind)
    const second = arrayNames.length === 1 ? undefined : prepare(b, arrayNames[1]!, operation)
    if (first.view !== undefined || second?.view !== undefined) {
      return apply(native.runSync, native, flat([code, ownOnly(params)], first, second)) as JsOutput
    }
    if (second === undefined) return native.runSync(code, ownOnly(params), first.value, first.kind) as JsOutput
    return native.runSync(code, ownOnly(params), first.value, first.kind, second.value, second.kind) as JsOutput
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
  const { code, arrayNames } = operationNamed(operation)
  return withSignal(operation, options, (token) => {
    const kind = kindOf(a)
    const call = kind === undefined && arrayNames.length === 1 ? expressionCallOf(a, operation) : undefined
    if (call !== undefined) return native.evaluateAsync(code, ownOnly(params), token, call.expression, call.values)
    const first = prepare(a, arrayNames[0]!, operation, kind)
    const second = arrayNames.length === 2 ? prepare(b, arrayNames[1]!, operation) : undefined
    if (first.view !== undefined || second?.view !== undefined) {
      return apply(native.runAsync, native, flat([code, ownOnly(params), token], first, second))
    }
    return second === undefined
      ? native.runAsync(code, ownOnly(params), token, first.value, first.kind)
      : native.runAsync(code, ownOnly(params), token, first.value, first.kind, second.value, second.kind)
  })
}

/** `leading` followed by the binding's array arguments for prepared arrays: `value, kind`, and a view's layout. */
function flat(leading: unknown[], first: Prepared, second: Prepared | undefined): unknown[] {
  const add = (array: Prepared) => {
    append(leading, array.value)
    append(leading, array.kind)
    if (array.view !== undefined) append(leading, array.view)
  }
  add(first)
  if (second !== undefined) add(second)
  return leading
}

/**
 * Starts native work with `start`, wired to `options.signal`: a signal already aborted rejects at once, a later abort
 * raises the cancel token `start` is given, and errors come back translated (an abort's with the signal's reason).
 * The result is the binding's, or what its promise settles to.
 */
async function withSignal(
  operation: string,
  options: AsyncOptions | undefined,
  start: (token: CancelToken | undefined) => unknown,
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
    if (signal) {
      const cancel = new native.CancelToken()
      token = cancel
      onAbort = () => cancel.cancel()
      apply(addEventListener, signal, ['abort', onAbort, { once: true }])
    }
    const started = start(token)
    return started instanceof NativePromise ? ((await started) as JsOutput) : (started as JsOutput)
  } catch (error) {
    throw translate(error, reasonOf())
  } finally {
    if (onAbort) apply(removeEventListener, signal, ['abort', onAbort])
  }
}

/**
 * An expression call as the binding takes it: the compiled expression's native handle and, in the order of its
 * variables, a `value, kind` pair for each (a number and 0, or a prepared array).
 */
export interface ExpressionCall {
  readonly expression: object
  readonly values: unknown[]
}

/** Reads a bound expression (see `expression.ts`, which sets it): `undefined` for anything else. */
let expressionCallOfImpl: (value: unknown, operation: string) => ExpressionCall | undefined = () => undefined

/** The call of `value` when it is a bound expression, with its arrays prepared for `operation`. */
function expressionCallOf(value: unknown, operation: string): ExpressionCall | undefined {
  return expressionCallOfImpl(value, operation)
}

/** Lets `expression.ts` teach the operations its bound expressions (it imports this module, not the reverse). */
export function recogniseBoundExpressions(reader: (value: unknown, operation: string) => ExpressionCall | undefined): void {
  expressionCallOfImpl = reader
}

/** Runs an expression synchronously into `out` (an array or write export, prepared here). */
export function evaluateSync(call: ExpressionCall, out: unknown): JsOutput {
  try {
    const target = prepare(out, 'options.out', 'evaluate')
    return native.evaluateSync(undefined, undefined, call.expression, call.values, target.value, target.kind, target.view) as JsOutput
  } catch (error) {
    throw translate(error)
  }
}

/** Runs an expression into `out` off the JavaScript thread (inline when tiny); rejects instead of throwing. */
export function evaluateAsync(call: ExpressionCall, out: unknown, options: AsyncOptions | undefined): Promise<JsOutput> {
  return withSignal('evaluate', options, (token) => {
    const target = prepare(out, 'options.out', 'evaluate')
    return native.evaluateAsync(undefined, undefined, token, call.expression, call.values, target.value, target.kind, target.view)
  })
}

/** The array an in-place operation returns: the argument itself, the array of the export passed, or a view's array. */
export function arrayOf<A extends NumericArray>(input: WritableInput<A>): A {
  return writtenArray(input) as A
}
