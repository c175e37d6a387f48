import { defineProperty, isNativeError } from './intrinsics.js'
import { native } from './native.js'

/**
 * Thrown (or rejected with) when an export cannot be taken because a live export of the same memory is in the way,
 * when a read export handle is passed to a writing operation, or when a buffer with live exports is resized or
 * transferred. `code` is `'ERR_PARABUF_BORROWED'` or, for a released handle, `'ERR_PARABUF_RELEASED'`.
 *
 * @example
 * ```ts
 * import { borrow, BorrowError } from 'parabuf'
 * const a = new Float64Array(4)
 * using w = borrow(a, 'write')
 * try { borrow(a, 'read') } catch (e) { console.log(e instanceof BorrowError, (e as BorrowError).code) }
 * ```
 */
export class BorrowError extends Error {
  /** The stable error code. */
  readonly code: string
  /**
   * Builds the error; parabuf raises it itself, but code that wraps parabuf may construct one too.
   *
   * @param message - what was asked and what blocked it.
   * @param code - `'ERR_PARABUF_BORROWED'` (the default) or `'ERR_PARABUF_RELEASED'`.
   */
  constructor(message: string, code = 'ERR_PARABUF_BORROWED') {
    super(message)
    this.name = 'BorrowError'
    this.code = code
  }
}

/**
 * The rejection of an operation whose `AbortSignal` fired. `name` is `'AbortError'` and `code` is `'ABORT_ERR'`, as in
 * Node's own APIs; `cause` is the signal's `reason`.
 *
 * @example
 * ```ts
 * import { sum, AbortError } from 'parabuf'
 * const controller = new AbortController()
 * const pending = sum(new Float64Array(1e8), { signal: controller.signal })
 * controller.abort()
 * await pending.catch((e) => console.log(e instanceof AbortError, e.name))
 * ```
 */
export class AbortError extends Error {
  /** Always `'ABORT_ERR'`. */
  readonly code = 'ABORT_ERR'
  /**
   * Builds the error, as parabuf does when a signal fires.
   *
   * @param message - which operation was aborted.
   * @param options - `cause`: the signal's `reason`.
   */
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AbortError'
  }
}

/**
 * An internal failure of parabuf (`code === 'ERR_PARABUF_INTERNAL'`), such as a caught panic in a kernel. The process
 * and the library stay usable.
 *
 * @example
 * ```ts
 * import { ParabufError } from 'parabuf'
 * const e = new ParabufError('details')
 * console.log(e.code) // 'ERR_PARABUF_INTERNAL'
 * ```
 */
export class ParabufError extends Error {
  /** The stable error code. */
  readonly code: string
  /**
   * Builds the error, as parabuf does for an internal failure.
   *
   * @param message - what went wrong.
   * @param code - the catalog code, `'ERR_PARABUF_INTERNAL'` by default.
   */
  constructor(message: string, code = 'ERR_PARABUF_INTERNAL') {
    super(message)
    this.name = 'ParabufError'
    this.code = code
  }
}

type ErrorWithCode = Error & { code: string }

const CLASS_OF_CODE = new Map<string, string>(native.errorCatalog().map(([code, cls]) => [code, cls] as [string, string]))

/** Builds the public error for a catalog code. */
export function makeError(code: string, message: string, cause?: unknown): ErrorWithCode {
  const cls = CLASS_OF_CODE.get(code) ?? 'Error'
  let error: Error
  switch (cls) {
    case 'TypeError':
      error = new TypeError(message)
      break
    case 'RangeError':
      error = new RangeError(message)
      break
    case 'BorrowError':
      return new BorrowError(message, code)
    case 'AbortError':
      return new AbortError(message, { cause })
    default:
      return new ParabufError(message, code)
  }
  defineProperty(error, 'code', { value: code, enumerable: true, writable: true, configurable: true })
  return error as ErrorWithCode
}

/**
 * Throws `ERR_INVALID_ARG_VALUE` when a function is called with more arguments than it declares (`count` is
 * `arguments.length`), as every public function of parabuf refuses extra arguments rather than ignore them.
 */
export function refuseExtraArguments(operation: string, count: number, allowed: number): void {
  if (count > allowed) {
    throw makeError('ERR_INVALID_ARG_VALUE', `${operation}() takes at most ${allowed} arguments, got ${count}`)
  }
}

/** Turns an error from the binding into its public class; anything else passes through unchanged. */
export function translate(error: unknown, abortReason?: unknown): unknown {
  // A brand check, not `instanceof` (a script can redefine Error[Symbol.hasInstance]); the binding's errors carry
  // `code` as an own property.
  if (isNativeError(error) && typeof (error as ErrorWithCode).code === 'string') {
    const { code, message } = error as ErrorWithCode
    if (CLASS_OF_CODE.has(code)) return makeError(code, message, abortReason)
  }
  return error
}
