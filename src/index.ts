/**
 * parabuf: hand big TypedArrays to native code without copying, and get reductions and in-place operations back,
 * computed on every core while the JavaScript thread keeps running. Native code touches JavaScript memory only under
 * an export (`read`: shared, `write`: exclusive) that parabuf tracks across threads and async work.
 *
 * @packageDocumentation
 */
import type { BigIntInput, Input } from './borrow.js'
import { native } from './native.js'
import { type AsyncOptions, runAsync, runSync } from './operations.js'
import type { NumericArray } from './types.js'

export { AbortError, BorrowError, ParabufError } from './errors.js'
export {
  alloc,
  allocIsExternal,
  type ArrayConstructorOf,
  borrow,
  type BigIntInput,
  Export,
  type ExportInfo,
  exportsOf,
  type Input,
  liveExportCount,
  type WritableInput,
} from './borrow.js'
export type { AsyncOptions } from './operations.js'
export type {
  BigIntArray,
  ElementOf,
  Float16ArrayLike,
  Mode,
  NumberArray,
  NumericArray,
  ReadonlyArrayView,
} from './types.js'

/**
 * The number of threads parabuf's pool uses: `PARABUF_THREADS` if set to a positive integer when parabuf first runs
 * an operation, else the machine's available parallelism.
 *
 * @throws never
 *
 * @example
 * ```ts
 * import { threads } from 'parabuf'
 * console.log(threads()) // e.g. 8
 * ```
 */
export function threads(): number {
  return native.threads()
}

/**
 * The sum of every element, computed on all cores off the JavaScript thread.
 *
 * Integer arrays sum exactly and round once to the nearest double (`bigint`, exact, for 64-bit arrays). Float arrays
 * sum with Neumaier compensation in double precision over fixed blocks combined in a fixed order, so the result is
 * bit-identical for any thread count and every run. The sum of an empty array is `0` (`0n`).
 *
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 * @returns a promise of the sum.
 * @throws (rejects) {@link BorrowError} when a write export of the bytes is live; TypeError `ERR_INVALID_ARG_TYPE`,
 *   `ERR_PARABUF_DETACHED` or `ERR_PARABUF_RESIZABLE`; {@link AbortError} when aborted.
 *
 * @example
 * ```ts
 * import { sum } from 'parabuf'
 * const a = new Float64Array(10_000_000).fill(0.1)
 * console.log(await sum(a)) // 1000000
 * ```
 */
export function sum(a: BigIntInput, options?: AsyncOptions): Promise<bigint>
export function sum(a: Input<Exclude<NumericArray, BigInt64Array | BigUint64Array>>, options?: AsyncOptions): Promise<number>
export function sum(a: Input, options?: AsyncOptions): Promise<number | bigint>
export async function sum(a: Input, options?: AsyncOptions): Promise<number | bigint> {
  return (await runAsync('sum', undefined, options, a)) as number | bigint
}

/**
 * The sum of every element, computed on all cores while the calling thread waits. Same results as {@link sum}.
 *
 * @param a - the array, or an export of it.
 * @returns the sum.
 * @throws {@link BorrowError} when a write export of the bytes is live; TypeError `ERR_INVALID_ARG_TYPE` or
 *   `ERR_PARABUF_DETACHED`.
 *
 * @example
 * ```ts
 * import { sumSync } from 'parabuf'
 * console.log(sumSync(new Float64Array([1, 2, 3]))) // 6
 * console.log(sumSync(new BigInt64Array([1n, 2n]))) // 3n
 * ```
 */
export function sumSync(a: BigIntInput): bigint
export function sumSync(a: Input<Exclude<NumericArray, BigInt64Array | BigUint64Array>>): number
export function sumSync(a: Input): number | bigint
export function sumSync(a: Input): number | bigint {
  return runSync('sum', undefined, a) as number | bigint
}
