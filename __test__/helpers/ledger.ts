// Shared assertions for the export-model suites: BorrowError messages parsed back into modes and byte ranges, exact
// error expectations for sync throws and async rejections, and the ledger baseline every test returns to.
import type { ExecutionContext } from 'ava'
import { BorrowError, liveExportCount, type Mode } from 'parabuf'

export { INLINE_BYTES } from './binding.js'

/** A byte range as a BorrowError message prints it: byte offsets within the requested array's buffer, half-open. */
export interface AddressRange {
  readonly start: bigint
  readonly end: bigint
  readonly bytes: number
}

/** A conflict as a BorrowError message describes it. */
export interface Conflict {
  readonly requested: Mode
  readonly requestedRange: AddressRange
  readonly blocking: Mode
  readonly blockingRange: AddressRange
}

const RANGE = String.raw`\[(\d+), (\d+)\) \((\d+) bytes\)`
const CONFLICT = new RegExp(
  `^cannot take a '(read|write)' export of bytes ${RANGE}: a live '(read|write)' export holds bytes ${RANGE}$`,
)

/** Parses a conflict message (`ERR_PARABUF_BORROWED` from the ledger), or `undefined` when it has another shape. */
export function parseConflict(message: string): Conflict | undefined {
  const m = CONFLICT.exec(message)
  if (!m) return undefined
  const range = (start: string, end: string, bytes: string): AddressRange => ({
    start: BigInt(start),
    end: BigInt(end),
    bytes: Number(bytes),
  })
  return {
    requested: m[1] as Mode,
    requestedRange: range(m[2]!, m[3]!, m[4]!),
    blocking: m[5] as Mode,
    blockingRange: range(m[6]!, m[7]!, m[8]!),
  }
}

/**
 * What a conflict must say, independent of where the allocator put the buffer: the two modes, the two lengths, and
 * where the blocking export starts relative to the requested bytes (`blockingStart - requestedStart`, in bytes).
 */
export interface ExpectedConflict {
  readonly requested: Mode
  readonly requestedBytes: number
  readonly blocking: Mode
  readonly blockingBytes: number
  readonly blockingOffset: number
}

/** The conflict as {@link ExpectedConflict} spells it, for `t.deepEqual`. */
export function relativeConflict(c: Conflict): ExpectedConflict {
  return {
    requested: c.requested,
    requestedBytes: c.requestedRange.bytes,
    blocking: c.blocking,
    blockingBytes: c.blockingRange.bytes,
    blockingOffset: Number(c.blockingRange.start - c.requestedRange.start),
  }
}

/** Asserts `error` is a BorrowError `ERR_PARABUF_BORROWED` whose message describes exactly `expected`. */
export function assertConflict(t: ExecutionContext, error: unknown, expected: ExpectedConflict): void {
  t.true(error instanceof BorrowError, `expected a BorrowError, got ${String(error)}`)
  const e = error as BorrowError
  t.is(e.name, 'BorrowError')
  t.is(e.code, 'ERR_PARABUF_BORROWED')
  const parsed = parseConflict(e.message)
  t.truthy(parsed, `unexpected conflict message: ${e.message}`)
  if (!parsed) return
  t.is(parsed.requestedRange.end - parsed.requestedRange.start, BigInt(parsed.requestedRange.bytes))
  t.is(parsed.blockingRange.end - parsed.blockingRange.start, BigInt(parsed.blockingRange.bytes))
  t.deepEqual(relativeConflict(parsed), expected)
}

/** Asserts `fn` throws (synchronously) the conflict `expected`. */
export function throwsConflict(t: ExecutionContext, fn: () => unknown, expected: ExpectedConflict): void {
  const error = t.throws(fn, { instanceOf: BorrowError })
  assertConflict(t, error, expected)
}

/**
 * Asserts `start` returns a promise without throwing, and that the promise rejects with the conflict `expected`.
 */
export async function rejectsConflict(
  t: ExecutionContext,
  start: () => Promise<unknown>,
  expected: ExpectedConflict,
): Promise<void> {
  const pending = startWithoutThrowing(t, start)
  const error = await t.throwsAsync(pending, { instanceOf: BorrowError })
  assertConflict(t, error, expected)
}

/** The error classes parabuf raises, as expectations: class, `name` and `code`. */
export interface ErrorExpectation {
  readonly instanceOf: new (...args: never[]) => Error
  readonly name: string
  readonly code: string
  readonly message?: RegExp
}

export const typeError = (code: string, message?: RegExp): ErrorExpectation => ({
  instanceOf: TypeError,
  name: 'TypeError',
  code,
  ...(message ? { message } : {}),
})
export const rangeError = (code: string, message?: RegExp): ErrorExpectation => ({
  instanceOf: RangeError,
  name: 'RangeError',
  code,
  ...(message ? { message } : {}),
})
export const borrowError = (code: string, message?: RegExp): ErrorExpectation => ({
  instanceOf: BorrowError,
  name: 'BorrowError',
  code,
  ...(message ? { message } : {}),
})

function check(t: ExecutionContext, error: unknown, expected: ErrorExpectation): void {
  t.true(error instanceof expected.instanceOf, `expected ${expected.instanceOf.name}, got ${String(error)}`)
  const e = error as Error & { code?: unknown }
  t.is(e.name, expected.name)
  t.is(e.code, expected.code)
  if (expected.message) t.regex(e.message, expected.message)
}

/** Asserts `fn` throws synchronously an error matching `expected`, and returns it. */
export function throwsError(t: ExecutionContext, fn: () => unknown, expected: ErrorExpectation): Error {
  let thrown: unknown
  let threw = false
  try {
    fn()
  } catch (error) {
    threw = true
    thrown = error
  }
  t.true(threw, 'expected a synchronous throw')
  check(t, thrown, expected)
  return thrown as Error
}

/** Asserts `start()` returns a promise (it must not throw) that rejects with an error matching `expected`. */
export async function rejectsError(
  t: ExecutionContext,
  start: () => Promise<unknown>,
  expected: ErrorExpectation,
): Promise<Error> {
  const pending = startWithoutThrowing(t, start)
  let rejected: unknown
  let didReject = false
  try {
    await pending
  } catch (error) {
    didReject = true
    rejected = error
  }
  t.true(didReject, 'expected the promise to reject')
  check(t, rejected, expected)
  return rejected as Error
}

/** Calls `start`, asserting it returns a promise instead of throwing. A throw is turned into a rejection. */
export function startWithoutThrowing(t: ExecutionContext, start: () => Promise<unknown>): Promise<unknown> {
  let pending: unknown
  try {
    pending = start()
  } catch (error) {
    t.fail(`the async call threw synchronously instead of rejecting: ${String(error)}`)
    return Promise.reject(error)
  }
  t.true(pending instanceof Promise, 'the async call must return a promise')
  return pending as Promise<unknown>
}

/**
 * The number of live exports when a test starts, and a check that it is back there. Every suite that touches the
 * ledger runs its tests serially so the process-wide count is theirs alone.
 */
export function ledgerBaseline(t: ExecutionContext): { readonly baseline: number; clean(message?: string): void } {
  const baseline = liveExportCount()
  return {
    baseline,
    clean(message = 'the ledger is back to its baseline') {
      t.is(liveExportCount(), baseline, message)
    },
  }
}

/** Waits until the event loop has run pending callbacks (settled pool operations deliver their results there). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** The exact sum of a typed array's elements as a JS number (integer-valued data only), or a bigint for 64-bit arrays. */
export function plainSum(array: ArrayLike<number> | ArrayLike<bigint>): number | bigint {
  if (array instanceof BigInt64Array || array instanceof BigUint64Array) {
    let s = 0n
    for (const x of array) s += x
    return s
  }
  let s = 0
  for (let i = 0; i < array.length; i++) s += (array as ArrayLike<number>)[i]!
  return s
}
