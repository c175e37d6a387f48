import { defineProperty, isNativeError } from './intrinsics.js'
import { native } from './native.js'

/**
 * Every `code` a parabuf error can carry: the codes of the core's error catalog (`CATALOG` in
 * `crates/parabuf-core/src/error.rs`), which the facade reads at run time through the binding to choose each error's
 * class, and the code of the error importing parabuf throws when it cannot load the binding. The tests hold this type
 * to the catalog and that code, member for member (`__test__/error-codes.spec.ts`).
 *
 * Each code is raised as one class, named first in its description below: parabuf's {@link BorrowError},
 * {@link AbortError} or {@link ParabufError}, or the built-in `TypeError`, `RangeError` or `SyntaxError` with `code` as
 * an own property, as Node's own errors carry it.
 *
 * @category Errors
 * @example
 * ```ts
 * import { minSync, type ParabufErrorCode } from 'parabuf'
 * try {
 *   minSync(new Float64Array(0))
 * } catch (e) {
 *   const code = (e as { code?: ParabufErrorCode }).code
 *   if (code === 'ERR_PARABUF_EMPTY') console.log('nothing to take the minimum of')
 * }
 * ```
 */
export type ParabufErrorCode =
  /**
   * {@link BorrowError}: an export (by {@link borrow}, or the one an operation takes for its run) overlaps a live
   * export of the same bytes in a conflicting mode; a `'read'` export handle was passed to a writing operation; or an
   * `ArrayBuffer` with live exports was resized or transferred.
   */
  | 'ERR_PARABUF_BORROWED'
  /**
   * {@link BorrowError}: an export handle was used after {@link Export.release}, or while an operation in flight holds
   * it exclusively.
   */
  | 'ERR_PARABUF_RELEASED'
  /** `TypeError`: an argument's memory is detached (its `ArrayBuffer` was transferred or detached). */
  | 'ERR_PARABUF_DETACHED'
  /**
   * `TypeError`: an async operation was given an array over a resizable, non-shared `ArrayBuffer`, which could shrink
   * under the native thread; the `…Sync` twin accepts it.
   */
  | 'ERR_PARABUF_RESIZABLE'
  /** `TypeError`: a view whose resizable `ArrayBuffer` shrank below the view's end. */
  | 'ERR_PARABUF_OUT_OF_BOUNDS'
  /**
   * `RangeError`: the memory is not aligned for its element type (memory from the JavaScript engine always is; only
   * external memory from elsewhere can fail this).
   */
  | 'ERR_PARABUF_MISALIGNED'
  /** `TypeError`: the two arrays of {@link dot} or {@link add} have different element types. */
  | 'ERR_PARABUF_TYPE_MISMATCH'
  /** `RangeError`: the two arrays of {@link dot} or {@link add} have different lengths. */
  | 'ERR_PARABUF_LENGTH_MISMATCH'
  /** `RangeError`: {@link min}, {@link max}, {@link minmax}, {@link argmin} or {@link argmax} of an empty array. */
  | 'ERR_PARABUF_EMPTY'
  /**
   * `TypeError`: an argument or option of the wrong type, such as a plain array where a typed array is expected, a
   * `number` for a `BigInt64Array`'s value, or a `signal` that is not an `AbortSignal`.
   */
  | 'ERR_INVALID_ARG_TYPE'
  /**
   * `TypeError`: an argument of the right type but an unusable value, such as a {@link borrow} mode other than
   * `'read'` or `'write'`, or more arguments than the function declares.
   */
  | 'ERR_INVALID_ARG_VALUE'
  /**
   * `RangeError`: a number out of its range: {@link histogram}'s `bins` or range, {@link variance}'s `ddof`,
   * {@link alloc}'s length, a 64-bit integer {@link dot} beyond 2^127, or memory {@link sort} could not allocate.
   */
  | 'ERR_OUT_OF_RANGE'
  /** {@link AbortError}: the operation's `AbortSignal` fired. */
  | 'ABORT_ERR'
  /**
   * `SyntaxError`: the source of an expression cannot be compiled: a character or token out of place, an unknown
   * function, a wrong number of arguments to a function, or parentheses or operators nested deeper than the compiler
   * takes. The message gives the column and repeats the source line with a caret under the offending character.
   */
  | 'ERR_PARABUF_EXPRESSION_SYNTAX'
  /** {@link ParabufError}: a bug inside parabuf, such as a caught panic in a kernel. */
  | 'ERR_PARABUF_INTERNAL'
  /**
   * `Error`: importing parabuf found no native binary it could load for this platform (the platform package
   * `@parabuf/<platform>` is not installed, is at another version, or failed to load). The message names the package
   * and the command that installs it.
   */
  | 'ERR_PARABUF_NO_NATIVE_BINARY'

/**
 * The codes a {@link BorrowError} carries: the members of {@link ParabufErrorCode} that the core's catalog raises as a
 * `BorrowError` (the tests hold the two to each other).
 *
 * @category Errors
 * @example
 * ```ts
 * import { BorrowError, type BorrowErrorCode } from 'parabuf'
 * function isReleased(e: unknown): boolean {
 *   const code: BorrowErrorCode | undefined = e instanceof BorrowError ? e.code : undefined
 *   return code === 'ERR_PARABUF_RELEASED'
 * }
 * ```
 */
export type BorrowErrorCode = 'ERR_PARABUF_BORROWED' | 'ERR_PARABUF_RELEASED'

/**
 * Thrown (or rejected with) when an export cannot be taken because a live export of the same memory is in the way,
 * when a read export handle is passed to a writing operation, or when a buffer with live exports is resized or
 * transferred. `code` is `'ERR_PARABUF_BORROWED'` or, for a released handle, `'ERR_PARABUF_RELEASED'`.
 *
 * @category Errors
 * @example
 * ```ts
 * import { borrow, BorrowError } from 'parabuf'
 * const a = new Float64Array(4)
 * using w = borrow(a, 'write')
 * try { borrow(a, 'read') } catch (e) { console.log(e instanceof BorrowError, (e as BorrowError).code) }
 * ```
 */
export class BorrowError extends Error {
  /** The stable error code: see {@link ParabufErrorCode} for what raises each. */
  readonly code: BorrowErrorCode
  /**
   * Builds the error; parabuf raises it itself, but code that wraps parabuf may construct one too.
   *
   * @param message - what was asked and what blocked it.
   * @param code - `'ERR_PARABUF_BORROWED'` or `'ERR_PARABUF_RELEASED'`.
   */
  constructor(message: string, code: BorrowErrorCode = 'ERR_PARABUF_BORROWED') {
    super(message)
    this.name = 'BorrowError'
    this.code = code
  }
}

/**
 * The rejection of an operation whose `AbortSignal` fired. `name` is `'AbortError'` and `code` is `'ABORT_ERR'`, as in
 * Node's own APIs; `cause` is the signal's `reason`.
 *
 * @category Errors
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
 * @category Errors
 * @example
 * ```ts
 * import { ParabufError } from 'parabuf'
 * const e = new ParabufError('details')
 * console.log(e.code) // 'ERR_PARABUF_INTERNAL'
 * ```
 */
export class ParabufError extends Error {
  /** The stable error code: see {@link ParabufErrorCode} for what raises each. */
  readonly code: ParabufErrorCode
  /**
   * Builds the error, as parabuf does for an internal failure.
   *
   * @param message - what went wrong.
   * @param code - the catalog code.
   */
  constructor(message: string, code: ParabufErrorCode = 'ERR_PARABUF_INTERNAL') {
    super(message)
    this.name = 'ParabufError'
    this.code = code
  }
}

type ErrorWithCode = Error & { code: ParabufErrorCode }

// The catalog as the binding reports it. Its codes are `ParabufErrorCode`s: the tests check the type against it.
const CLASS_OF_CODE = new Map<ParabufErrorCode, string>(
  native.errorCatalog().map(([code, cls]) => [code, cls] as [ParabufErrorCode, string]),
)

/** Builds the public error for a catalog code. */
export function makeError(code: ParabufErrorCode, message: string, cause?: unknown): ErrorWithCode {
  const cls = CLASS_OF_CODE.get(code) ?? 'Error'
  let error: Error
  switch (cls) {
    case 'TypeError':
      error = new TypeError(message)
      break
    case 'RangeError':
      error = new RangeError(message)
      break
    case 'SyntaxError':
      error = new SyntaxError(message)
      break
    case 'BorrowError':
      return new BorrowError(message, code as BorrowErrorCode)
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
  if (isNativeError(error) && typeof (error as { code?: unknown }).code === 'string') {
    const { code, message } = error as Error & { code: string }
    if (CLASS_OF_CODE.has(code as ParabufErrorCode)) return makeError(code as ParabufErrorCode, message, abortReason)
  }
  return error
}
