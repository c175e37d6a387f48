/**
 * parabuf: hand big TypedArrays to native code without copying, and get reductions and in-place operations back,
 * computed on every core while the JavaScript thread keeps running. Native code touches JavaScript memory only under
 * an export (`read`: shared, `write`: exclusive) that parabuf tracks across threads and async work.
 *
 * @packageDocumentation
 */
import { type Export, exportedLength, type Input, isExport, type WritableInput } from './borrow.js'
import type { BoundExpression } from './expression.js'
import { elementCount, type NdArrayLike, type StridedView, view } from './view.js'
import { makeError, refuseExtraArguments } from './errors.js'
import './guards.js'
import { append, apply, isArray, typedArrayLength, typedArrayTag } from './intrinsics.js'
import { bytesPerElementOf, describe } from './kinds.js'
import { native } from './native.js'
import { arrayOf, type AsyncOptions, type JsOutput, type OpParams, runAsync, runSync } from './operations.js'
import type { BigIntArray, ElementOf, Mode, NumericArray } from './types.js'

export { AbortError, BorrowError, type BorrowErrorCode, ParabufError, type ParabufErrorCode } from './errors.js'
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
export { type NdArrayLike, StridedView, view, type ViewOptions } from './view.js'
export {
  BoundExpression,
  compile,
  evaluate,
  evaluateSync,
  Expression,
  type ExpressionInput,
  type ExpressionInputs,
  type OutputType,
  type RunOptions,
} from './expression.js'
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
 * @throws TypeError `ERR_INVALID_ARG_VALUE` when given arguments.
 *
 * @example
 * ```ts
 * import { threads } from 'parabuf'
 * console.log(threads()) // e.g. 8
 * ```
 *
 * @category Configuration
 */
export function threads(): number {
  refuseExtraArguments('threads', arguments.length, 0)
  return native.threads()
}

/**
 * What an operation on input `I` returns for one element-valued result: `bigint` for 64-bit integer arrays (and
 * exports of them), `number` for every other array.
 *
 * @typeParam I - the input's type.
 *
 * @example
 * ```ts
 * import { sumSync, type ScalarOf } from 'parabuf'
 * const exact: ScalarOf<BigInt64Array> = sumSync(new BigInt64Array([1n, 2n])) // 3n
 * const rounded: ScalarOf<Float32Array> = sumSync(new Float32Array([0.5, 0.25])) // 0.75
 * ```
 * @category Types
 */
export type ScalarOf<I> = I extends Input<BigIntArray> ? bigint : number

/**
 * What a reduction reads: an array, an export of one, or an expression bound to its inputs
 * ({@link Expression.bind}), whose values the reduction consumes as they are computed, without an array of them.
 *
 * @typeParam A - the array's type.
 *
 * @example
 * ```ts
 * import { compile, meanSync, type Reducible } from 'parabuf'
 * const x = new Float64Array([1, 2, 3])
 * const inputs: Reducible[] = [x, compile('x * x').bind({ x })]
 * console.log(inputs.map((a) => meanSync(a))) // [2, 4.666666666666667]
 * ```
 * @category Types
 */
export type Reducible<A extends NumericArray = NumericArray> = Input<A> | BoundExpression

/**
 * Options of {@link variance} and {@link std}.
 *
 * @example
 * ```ts
 * import { varianceSync, type VarianceOptions } from 'parabuf'
 * const sample: VarianceOptions = { ddof: 1 }
 * console.log(varianceSync(new Float64Array([1, 2, 3]), sample)) // 1
 * ```
 * @category Configuration
 */
export interface VarianceOptions {
  /**
   * Delta degrees of freedom: the divisor is `n - ddof`. `0` (population) or `1` (sample); any finite number from 0.
   *
   * @defaultValue `0`
   */
  ddof?: number
}

/**
 * How {@link quantile} picks a value between the two elements around a quantile, as numpy names its methods:
 * `'linear'` interpolates, `'lower'` and `'higher'` take the neighbour below or above, `'nearest'` the nearer one (the
 * even index on a tie), `'midpoint'` the mean of both.
 *
 * @example
 * ```ts
 * import { quantileSync, type QuantileMethod } from 'parabuf'
 * const method: QuantileMethod = 'lower'
 * console.log(quantileSync(new Float64Array([1, 2, 3, 4]), 0.5, { method })) // 2
 * ```
 * @category Configuration
 */
export type QuantileMethod = 'linear' | 'lower' | 'higher' | 'nearest' | 'midpoint'

/**
 * Options of {@link median}.
 *
 * @example
 * ```ts
 * import { medianSync, type MedianOptions } from 'parabuf'
 * const options: MedianOptions = { skipNaN: true }
 * console.log(medianSync(new Float64Array([3, NaN, 1]), options)) // 2
 * ```
 * @category Configuration
 */
export interface MedianOptions {
  /**
   * Leave `NaN` elements out (numpy's `nanmedian` / `nanquantile`) instead of answering `NaN`.
   *
   * @defaultValue `false`
   */
  skipNaN?: boolean
}

/**
 * Options of {@link quantile}.
 *
 * @example
 * ```ts
 * import { quantileSync, type QuantileOptions } from 'parabuf'
 * const options: QuantileOptions = { method: 'nearest' }
 * console.log(quantileSync(new Int32Array([10, 20, 30]), 0.4, options)) // 20
 * ```
 * @category Configuration
 */
export interface QuantileOptions extends MedianOptions {
  /**
   * How a quantile between two elements is chosen.
   *
   * @defaultValue `'linear'`
   */
  method?: QuantileMethod
}

/**
 * Options of {@link argsort}.
 *
 * @example
 * ```ts
 * import { argsortSync, type ArgsortOptions } from 'parabuf'
 * const options: ArgsortOptions = { descending: true }
 * console.log(argsortSync(new Float64Array([2, 9, 4]), options)) // Uint32Array [1, 2, 0]
 * ```
 * @category Configuration
 */
export interface ArgsortOptions {
  /**
   * Largest first: the exact reverse of the ascending order (`NaN` first, `+0` before `-0`), ties still by index.
   *
   * @defaultValue `false`
   */
  descending?: boolean
}

/**
 * The array type {@link cumsum} writes for an input of type `A`: the type {@link sum} returns, per element. A
 * `BigInt64Array` or `BigUint64Array` for 64-bit integers (exact), a `Float64Array` for every other type.
 *
 * @typeParam A - the input's array type.
 *
 * @example
 * ```ts
 * import { cumsumSync, type CumsumOf } from 'parabuf'
 * const prefix: CumsumOf<Int32Array> = cumsumSync(new Int32Array([1, 2, 3])) // a Float64Array
 * console.log(prefix) // Float64Array [1, 3, 6]
 * ```
 * @category Types
 */
export type CumsumOf<A extends NumericArray> = A extends BigInt64Array
  ? BigInt64Array
  : A extends BigUint64Array
    ? BigUint64Array
    : Float64Array

/**
 * Options of {@link cumsum}.
 *
 * @typeParam A - the input's array type.
 *
 * @example
 * ```ts
 * import { cumsumSync, type CumsumOptions } from 'parabuf'
 * const a = new Float64Array([1, 2, 3])
 * const options: CumsumOptions<Float64Array> = { out: a }
 * cumsumSync(a, options)
 * console.log(a) // Float64Array [1, 3, 6]
 * ```
 * @category Configuration
 */
export interface CumsumOptions<A extends NumericArray = NumericArray> {
  /**
   * Where to write the prefix sums: an array of {@link CumsumOf | the output type} and the input's length, or a write
   * export of one. It may be the input itself (the same memory as the same type: a `Float64Array`, `BigInt64Array` or
   * `BigUint64Array`), which is then overwritten: the same array, another view of its bytes, or, when the input is a
   * write export, that export or its array. Any other overlap with the input is refused, as is an input passed as a
   * plain array while a write export of it is live (export and array the other way round, the export lends the call
   * its memory).
   *
   * @defaultValue a new array
   */
  out?: WritableInput<CumsumOf<A>>
}

/**
 * Options of {@link searchsorted}.
 *
 * @example
 * ```ts
 * import { searchsortedSync, type SearchsortedOptions } from 'parabuf'
 * const options: SearchsortedOptions = { side: 'right' }
 * console.log(searchsortedSync(new Int32Array([1, 2, 2, 3]), 2, options)) // 3
 * ```
 * @category Configuration
 */
export interface SearchsortedOptions {
  /**
   * `'left'`: the first index whose element is not below the needle (equal elements end up after it); `'right'`: the
   * first index whose element is above it (equal elements end up before it). numpy's names.
   *
   * @defaultValue `'left'`
   */
  side?: 'left' | 'right'
}

/**
 * Options of {@link topk}.
 *
 * @example
 * ```ts
 * import { topkSync, type TopkOptions } from 'parabuf'
 * const options: TopkOptions = { largest: false }
 * console.log(topkSync(new Int32Array([5, 1, 3]), 2, options).values) // Int32Array [1, 3]
 * ```
 * @category Configuration
 */
export interface TopkOptions {
  /**
   * The largest elements, largest first; `false`: the smallest, smallest first.
   *
   * @defaultValue `true`
   */
  largest?: boolean
}

/**
 * What {@link topk} returns: the values, in their array's own type, and where they were.
 *
 * @typeParam A - the input's array type.
 * @example
 * ```ts
 * import { topkSync, type TopK } from 'parabuf'
 * const top: TopK<Float64Array> = topkSync(new Float64Array([0.5, 2, 1]), 2)
 * console.log(top.values, top.indices) // Float64Array [2, 1] Uint32Array [1, 2]
 * ```
 * @category Ordering
 */
export interface TopK<A extends NumericArray = NumericArray> {
  /** The k elements, in order. */
  readonly values: A
  /** Their indices in the input: a `Uint32Array`, or a `Float64Array` for inputs longer than 2^32 - 1. */
  readonly indices: Uint32Array | Float64Array
}

/**
 * What {@link unique} returns: the distinct values, sorted, in their array's own type, and how often each occurs.
 *
 * @typeParam A - the input's array type.
 * @example
 * ```ts
 * import { uniqueSync, type Unique } from 'parabuf'
 * const u: Unique<Int8Array> = uniqueSync(new Int8Array([3, 1, 3]))
 * console.log(u.values, u.counts) // Int8Array [1, 3] Float64Array [1, 2]
 * ```
 * @category Ordering
 */
export interface Unique<A extends NumericArray = NumericArray> {
  /** The distinct values, in `sort`'s order. */
  readonly values: A
  /** How many elements equal each value. */
  readonly counts: Float64Array
}

/**
 * What {@link unique} returns with `axis`: the distinct slices across that axis, sorted, as a new row-major view of
 * the input's own type (the input's shape with that axis as long as the number of distinct slices), and how often
 * each occurs.
 *
 * @typeParam A - the input's array type.
 * @example
 * ```ts
 * import { uniqueSync, view, type UniqueAlong } from 'parabuf'
 * const m = view(new Int8Array([3, 1, 0, 2, 3, 1]), { shape: [3, 2] })
 * const rows: UniqueAlong<Int8Array> = uniqueSync(m, { axis: 0 })
 * console.log(rows.values.shape, rows.values.data, rows.counts) // [2, 2] Int8Array [0, 2, 3, 1] Float64Array [1, 2]
 * ```
 * @category Ordering
 */
export interface UniqueAlong<A extends NumericArray = NumericArray> {
  /** The distinct slices, in order along the axis: a row-major view over a new array of the input's type. */
  readonly values: StridedView<A>
  /** How many slices equal each one. */
  readonly counts: Float64Array
}

/**
 * Options of {@link histogram}.
 *
 * @example
 * ```ts
 * import { histogramSync, type HistogramOptions } from 'parabuf'
 * const options: HistogramOptions = { bins: 10, min: 0, max: 1 }
 * const counts = histogramSync(new Float64Array([0.05, 0.5, 0.95, 1]), options) // Float64Array [1, 0, 0, 0, 0, 1, 0, 0, 0, 2]
 * ```
 * @category Configuration
 */
export interface HistogramOptions {
  /** The number of equal-width bins, an integer from 1 to 2^24. */
  bins: number
  /**
   * The lower edge of the first bin.
   *
   * @defaultValue the smallest non-NaN element
   */
  min?: number
  /**
   * The upper edge of the last bin (included in it, as in numpy).
   *
   * @defaultValue the largest non-NaN element
   */
  max?: number
}

/**
 * The smallest and largest elements, as returned by {@link minmax}.
 *
 * @typeParam T - `bigint` for 64-bit integer arrays, else `number`.
 *
 * @example
 * ```ts
 * import { minmaxSync, type MinMax } from 'parabuf'
 * const range: MinMax<bigint> = minmaxSync(new BigInt64Array([3n, -4n]))
 * console.log(range.max - range.min) // 7n
 * ```
 * @category Reductions
 */
export interface MinMax<T = number | bigint> {
  /** The smallest element. */
  readonly min: T
  /** The largest element. */
  readonly max: T
}

/**
 * The `axis` option of a reduction ({@link sum}, {@link mean}, {@link min}, {@link max}, {@link minmax},
 * {@link argmin}, {@link argmax}, {@link variance}, {@link std}, {@link norm}, {@link countNonZero}, {@link median},
 * {@link quantile}; and, along one axis without reducing it, {@link sort}, {@link argsort} and {@link cumsum}):
 * reduce along these axes of a {@link StridedView} (or a scijs ndarray; a plain array has the one axis `0`), and get
 * a new row-major {@link StridedView} of the remaining axes, one result per index of them, as numpy's
 * `a.sum(axis=...)` gives. Each result is exactly what the whole-array reduction gives for the elements it covers
 * (taken in row-major order of the reduced axes), with the same guarantees, for any thread count.
 *
 * The result's array type: `Float64Array` for {@link mean}, {@link variance}, {@link std}, {@link norm},
 * {@link countNonZero}, {@link median} and {@link quantile} (with a leading axis of one per quantile for an array
 * `q`); for {@link sum}, a `Float64Array`, or the input's own type for 64-bit
 * integer input (a sum that does not fit is refused); the input's own type for {@link min}, {@link max} and
 * {@link minmax}; for {@link argmin} and {@link argmax}, the index along the one reduced axis in a `Uint32Array` (a
 * `Float64Array` for an axis longer than 2^32 − 1).
 *
 * Errors: RangeError `ERR_OUT_OF_RANGE` for an axis outside the view's dimensions or not an integer; TypeError
 * `ERR_INVALID_ARG_TYPE` for an axis that is not a number or an array of numbers; TypeError `ERR_INVALID_ARG_VALUE`
 * for an axis named twice (or, for {@link argmin}, {@link argmax}, {@link sort}, {@link argsort}, {@link cumsum} and
 * {@link unique}, other than one), or for a bound expression, which has no axes; RangeError `ERR_OUT_OF_RANGE` for a
 * 64-bit integer sum that does not fit its type. {@link unique} takes one axis and gives the distinct slices across it
 * (numpy's `np.unique(a, axis=k)`, see {@link unique}). {@link topk}, {@link searchsorted}, {@link dot},
 * {@link histogram}, {@link fill}, {@link scale} and {@link add} take no axis (numpy's have none): TypeError
 * `ERR_INVALID_ARG_VALUE`.
 *
 * @example
 * ```ts
 * import { meanSync, view } from 'parabuf'
 * // 3 rows × 2 columns, row-major: the mean of each column.
 * const m = view(new Float64Array([1, 10, 2, 20, 3, 30]), { shape: [3, 2] })
 * const columns = meanSync(m, { axis: 0 })
 * console.log(columns.shape, columns.data) // [2] Float64Array [2, 20]
 * ```
 * @category Configuration
 */
export interface AxisOptions {
  /**
   * An axis, or an array of distinct axes; a negative one counts from the end (`-1` is the last), as in numpy. An
   * empty array reduces no axis. {@link argmin} and {@link argmax} take exactly one.
   *
   * @defaultValue none: every element is reduced to one value.
   */
  axis: number | readonly number[]
}

/**
 * The array type behind an input: the array itself, an export's array, or a view's data.
 *
 * @typeParam I - the input's type.
 *
 * @example
 * ```ts
 * import type { ArrayOf, StridedView } from 'parabuf'
 * const a: ArrayOf<StridedView<Int16Array>> = new Int16Array(2)
 * ```
 * @category Types
 */
export type ArrayOf<I> =
  I extends StridedView<infer A>
    ? A
    : I extends NdArrayLike<infer A>
      ? A
      : I extends Export<infer A, Mode>
        ? A
        : I extends NumericArray
          ? I
          : NumericArray

/**
 * The array type of sums along axes of an `A`: the 64-bit integer types keep their type, every other type sums
 * into a `Float64Array`.
 *
 * @typeParam A - the input's array type.
 *
 * @example
 * ```ts
 * import type { SumArrayOf } from 'parabuf'
 * const exact: SumArrayOf<BigInt64Array> = new BigInt64Array(1)
 * const doubles: SumArrayOf<Uint8Array> = new Float64Array(1)
 * ```
 * @category Types
 */
export type SumArrayOf<A> = A extends BigInt64Array ? BigInt64Array : A extends BigUint64Array ? BigUint64Array : Float64Array

/**
 * The parameters of a reduction, `rest`, with `options.axis` when given (passed as it is: the binding checks it). No
 * object at all without parameters or axis, so that the binding's hot path reads none.
 */
function axisParams(options: unknown, rest: OpParams | undefined): OpParams | undefined {
  if (options === undefined) return rest
  const axis = optionsObject(options, 'options').axis
  if (axis === undefined) return rest
  return { ...rest, axis: axis as number }
}

/**
 * Runs the reduction `operation` (its public function given `count` arguments) on `a` with `options` (`params` its
 * own parameters): along `options.axis` as views of `a`'s own type where `element` (see {@link alongOf}), else the
 * binding's result through `finish`.
 */
async function reduceAsync(
  operation: string,
  count: number,
  a: unknown,
  options: unknown,
  own: OpParams | undefined,
  element: boolean,
  finish: (out: JsOutput) => unknown = (out) => out,
): Promise<unknown> {
  refuseExtraArguments(operation, count, 2)
  const params = axisParams(options, own)
  const out = await runAsync(operation, params, options as AsyncOptions | undefined, a)
  return params?.axis === undefined ? finish(out) : alongOf(a, out, element)
}

/** The synchronous {@link reduceAsync}. */
function reduceSync(
  operation: string,
  count: number,
  a: unknown,
  options: unknown,
  own: OpParams | undefined,
  element: boolean,
  finish: (out: JsOutput) => unknown = (out) => out,
): unknown {
  if (count > 2) refuseExtraArguments(`${operation}Sync`, count, 2)
  const params = axisParams(options, own)
  const out = runSync(operation, params, a)
  return params?.axis === undefined ? finish(out) : alongOf(a, out, element)
}

/**
 * A reduction along axes as views: the binding's `{ shape, values }` (or `{ shape, values: { min, max } }`), each
 * array of values a row-major view of that shape; of `input`'s own constructor when `element` (where two types share
 * a representation: see {@link ofInputType}).
 */
function alongOf(input: unknown, out: JsOutput, element: boolean): StridedView | MinMax<StridedView> {
  const { values } = out as unknown as { values: NumericArray | { min: NumericArray; max: NumericArray } }
  const shape = alongShape(out)
  const wrap = (values: NumericArray) =>
    view(element ? ofInputType(input as Input, values) : values, { shape })
  if (apply(typedArrayTag, values, []) !== undefined) return wrap(values as NumericArray)
  const { min, max } = values as { min: NumericArray; max: NumericArray }
  return { min: wrap(min), max: wrap(max) }
}

/** The shape of a result along axes (the binding's `{ shape, values }`) from axis `from` on, as an array of numbers. */
function alongShape(out: JsOutput, from = 0): number[] {
  const dims = (out as unknown as { shape: Float64Array }).shape
  const shape: number[] = []
  for (let k = from; k < apply(typedArrayLength, dims, []); k++) append(shape, dims[k]!)
  return shape
}

/**
 * Refuses `options.axis` for an operation that takes none (numpy's has none, or means by it something parabuf does
 * not do), with the error the core gives such an operation along axes.
 */
function refuseAxis(operation: string, options: unknown): void {
  if (optionsObject(options, 'options').axis !== undefined) {
    throw makeError('ERR_INVALID_ARG_VALUE', `${operation}() takes no axis option`)
  }
}

function optionsObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object') {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be an object. Received ${describe(value)}`)
  }
  return value as Record<string, unknown>
}

function numberOption(options: Record<string, unknown>, key: string, fallback?: number): number | undefined {
  const value = options[key]
  if (value === undefined) return fallback
  if (typeof value !== 'number') {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "options.${key}" property must be of type number. Received ${describe(value)}`)
  }
  return value
}

function ddofOf(options: unknown): { ddof: number } {
  return { ddof: numberOption(optionsObject(options, 'options'), 'ddof', 0)! }
}

function histogramParams(options: unknown): { bins: number; min?: number; max?: number } {
  const o = optionsObject(options, 'options')
  if (o.bins === undefined) {
    throw makeError('ERR_INVALID_ARG_TYPE', 'The "options.bins" property must be of type number. Received undefined')
  }
  const bins = numberOption(o, 'bins')!
  const min = numberOption(o, 'min')
  const max = numberOption(o, 'max')
  // Built as a literal (defined, never assigned): an accessor on Object.prototype cannot intercept it.
  return { bins, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) }
}

function scalarArg(value: unknown, name: string): number | bigint {
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type number or bigint. Received ${describe(value)}`)
  }
  return value
}

function minmaxOf(out: JsOutput): MinMax {
  const { min, max } = out as MinMax
  return { min, max }
}

/** A boolean option passed as given (the binding checks its type), or nothing. */
function flagParams(options: unknown, key: string): OpParams {
  const value = optionsObject(options, 'options')[key]
  return value === undefined ? {} : { [key]: value as boolean }
}

/**
 * `values` (a typed array the binding made of the input's element type) under the input's own constructor where two
 * types share a representation: a `Uint8Array` for a `Uint8ClampedArray`, the `Uint16Array` of bits for a
 * `Float16Array`.
 */
function ofInputType<A extends NumericArray>(input: Input<A>, values: NumericArray): A {
  const tag = apply(typedArrayTag, arrayOf(input as WritableInput<A>), [])
  if (tag === 'Uint8ClampedArray') return new Uint8ClampedArray(values.buffer, values.byteOffset, values.length) as A
  if (tag === 'Float16Array') {
    const Float16 = (globalThis as unknown as Record<string, new (b: ArrayBufferLike, o: number, n: number) => A>).Float16Array!
    return new Float16(values.buffer, values.byteOffset, values.length)
  }
  return values as A
}

function topkOf<A extends NumericArray>(input: Input<A>, out: JsOutput): TopK<A> {
  const { values, indices } = out as { values: NumericArray; indices: Uint32Array | Float64Array }
  return { values: ofInputType(input, values), indices }
}

function uniqueOf<A extends NumericArray>(input: Input<A>, out: JsOutput, along: boolean): Unique<A> | UniqueAlong<A> {
  if (!along) {
    const { values, counts } = out as { values: NumericArray; counts: Float64Array }
    return { values: ofInputType(input, values), counts }
  }
  // Along an axis: the binding's `{ shape, values: { values, counts } }`.
  const { values, counts } = (out as unknown as { values: { values: NumericArray; counts: Float64Array } }).values
  return { values: view(ofInputType(input, values), { shape: alongShape(out) }), counts }
}

function topkParams(k: unknown, options: unknown): OpParams {
  if (typeof k !== 'number') {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "k" argument must be of type number. Received ${describe(k)}`)
  }
  return { k, ...flagParams(options, 'largest') }
}

function quantileParams(options: unknown, scalar: boolean): OpParams {
  const o = optionsObject(options, 'options')
  const { method, skipNaN } = o
  // Passed as given: the binding checks that `method` is one of numpy's names and `skipNaN` a boolean.
  return {
    scalar,
    ...(method === undefined ? {} : { method: method as string }),
    ...(skipNaN === undefined ? {} : { skipNaN: skipNaN as boolean }),
  }
}

/**
 * What {@link quantile} returns of the binding's result: for a number `q` the one quantile, for an array all of them;
 * `along` an axis, a view of shape `[q.length, ...kept axes]`, without the leading axis for a number `q` (numpy's
 * shapes).
 */
function quantilesOf(out: JsOutput, scalar: boolean, along: boolean): number | Float64Array | StridedView<Float64Array> {
  if (along) return view((out as unknown as { values: Float64Array }).values, { shape: alongShape(out, scalar ? 1 : 0) })
  return scalar ? (out as Float64Array)[0]! : (out as Float64Array)
}

/** `q` as the `Float64Array` the binding reads (a copy, so the caller cannot change it during the call). */
function quantilesArray(q: unknown): Float64Array {
  if (typeof q === 'number') return Float64Array.of(q)
  const length = isArray(q) ? (q as unknown[]).length : apply(typedArrayTag, q, []) !== undefined ? apply(typedArrayLength, q, []) : -1
  if (length < 0) {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "q" argument must be a number or an array of numbers. Received ${describe(q)}`)
  }
  const values = new Float64Array(length)
  for (let i = 0; i < length; i++) {
    const x = (q as Record<number, unknown>)[i]
    if (typeof x !== 'number') {
      throw makeError('ERR_INVALID_ARG_TYPE', `The "q" argument must hold numbers. Received ${describe(x)} at index ${i}`)
    }
    values[i] = x
  }
  return values
}

/**
 * The sum of every element, computed on all cores off the JavaScript thread.
 *
 * Integer arrays sum exactly and round once to the nearest double (`bigint`, exact, for 64-bit arrays). Float arrays
 * (Float16, Float32, Float64) give the exact sum of their elements rounded once to the nearest double, ties to even:
 * the value Python's `math.fsum` returns, for every input. So the result is the same for any thread count, sync or
 * async, and `Infinity` comes only from an exact sum that overflows (`[1e308, -1e308, 1e308]` sums to `1e308`), `NaN`
 * only from a `NaN` element or both infinities. A zero sum is `+0`. The sum of an empty array is `0` (`0n`). See
 * `docs/numerics.md`.
 *
 * @typeParam I - the input's type: an array or an export of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @returns a promise of the sum.
 *   With `axis`, a row-major {@link StridedView} of the results over the remaining axes.
 * @throws (rejects) {@link BorrowError} when a write export of the bytes is live; TypeError `ERR_INVALID_ARG_TYPE`,
 *   `ERR_PARABUF_DETACHED` or `ERR_PARABUF_RESIZABLE`; {@link AbortError} when aborted.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { sum } from 'parabuf'
 * const a = new Float64Array(10_000_000).fill(0.1)
 * console.log(await sum(a)) // 1000000
 * ```
 *
 * @category Reductions
 */
export async function sum<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<StridedView<SumArrayOf<ArrayOf<I>>>>
export async function sum<I extends Reducible>(a: I, options?: AsyncOptions): Promise<ScalarOf<I>>
export async function sum(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('sum', arguments.length, a, options, undefined, false)
}

/**
 * The sum of every element, computed on all cores while the calling thread waits. Same results as {@link sum}.
 *
 * @typeParam I - the input's type: an array or an export of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @returns the sum.
 *   With `axis`, a row-major {@link StridedView} of the results over the remaining axes.
 * @throws {@link BorrowError} when a write export of the bytes is live; TypeError `ERR_INVALID_ARG_TYPE` or
 *   `ERR_PARABUF_DETACHED`.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { sumSync, view } from 'parabuf'
 * console.log(sumSync(new Float64Array([1, 2, 3]))) // 6
 * console.log(sumSync(new BigInt64Array([1n, 2n]))) // 3n
 * // The sums of the columns (axis 0) and of the rows (axis 1) of a 2 × 2 matrix.
 * const m = view(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] })
 * console.log(sumSync(m, { axis: 0 }).data, sumSync(m, { axis: 1 }).data) // Float64Array [4, 6] Float64Array [3, 7]
 * ```
 *
 * @category Reductions
 */
export function sumSync<I extends Input>(a: I, options: AxisOptions): StridedView<SumArrayOf<ArrayOf<I>>>
export function sumSync<I extends Reducible>(a: I): ScalarOf<I>
export function sumSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('sum', arguments.length, a, options, undefined, false)
}

/**
 * The arithmetic mean: the {@link sum} divided by the length, so one rounding more than the sum (for floats, the
 * correctly rounded sum divided by `n`; for integers, the exact sum rounded to a double, then divided). `NaN` for an
 * empty array. Always a `number`.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws (rejects) as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { mean } from 'parabuf'
 * console.log(await mean(new Int16Array([1, 2, 3, 4]))) // 2.5
 * ```
 *
 * @category Reductions
 */
export async function mean<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<StridedView<Float64Array>>
export async function mean(a: Reducible, options?: AsyncOptions): Promise<number>
export async function mean(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('mean', arguments.length, a, options, undefined, false)
}

/**
 * Synchronous {@link mean}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @throws as {@link sumSync}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { meanSync } from 'parabuf'
 * console.log(meanSync(new Float32Array([1, 2]))) // 1.5
 * ```
 *
 * @category Reductions
 */
export function meanSync<I extends Input>(a: I, options: AxisOptions): StridedView<Float64Array>
export function meanSync(a: Reducible): number
export function meanSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('mean', arguments.length, a, options, undefined, false)
}

/**
 * The smallest element. Any `NaN` makes it `NaN`, and `-0` is smaller than `+0`, as with `Math.min`.
 *
 * @typeParam I - the input's type: an array or an export of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @returns `bigint` for 64-bit integer arrays, else `number`.
 *   With `axis`, a row-major {@link StridedView} of the results over the remaining axes.
 * @throws (rejects) RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { min } from 'parabuf'
 * console.log(await min(new Float64Array([3, -1, 2]))) // -1
 * ```
 *
 * @category Reductions
 */
export async function min<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<StridedView<ArrayOf<I>>>
export async function min<I extends Reducible>(a: I, options?: AsyncOptions): Promise<ScalarOf<I>>
export async function min(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('min', arguments.length, a, options, undefined, true)
}

/**
 * Synchronous {@link min}.
 *
 * @typeParam I - the input's type: an array or an export of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @throws RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sumSync}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { minSync } from 'parabuf'
 * console.log(minSync(new BigInt64Array([5n, -2n]))) // -2n
 * ```
 *
 * @category Reductions
 */
export function minSync<I extends Input>(a: I, options: AxisOptions): StridedView<ArrayOf<I>>
export function minSync<I extends Reducible>(a: I): ScalarOf<I>
export function minSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('min', arguments.length, a, options, undefined, true)
}

/**
 * The largest element. Any `NaN` makes it `NaN`, and `+0` is larger than `-0`, as with `Math.max`.
 *
 * @typeParam I - the input's type: an array or an export of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @returns `bigint` for 64-bit integer arrays, else `number`.
 *   With `axis`, a row-major {@link StridedView} of the results over the remaining axes.
 * @throws (rejects) RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { max } from 'parabuf'
 * console.log(await max(new Uint8Array([3, 250, 2]))) // 250
 * ```
 *
 * @category Reductions
 */
export async function max<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<StridedView<ArrayOf<I>>>
export async function max<I extends Reducible>(a: I, options?: AsyncOptions): Promise<ScalarOf<I>>
export async function max(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('max', arguments.length, a, options, undefined, true)
}

/**
 * Synchronous {@link max}.
 *
 * @typeParam I - the input's type: an array or an export of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @throws RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sumSync}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { maxSync } from 'parabuf'
 * console.log(maxSync(new Float64Array([1, NaN]))) // NaN
 * ```
 *
 * @category Reductions
 */
export function maxSync<I extends Input>(a: I, options: AxisOptions): StridedView<ArrayOf<I>>
export function maxSync<I extends Reducible>(a: I): ScalarOf<I>
export function maxSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('max', arguments.length, a, options, undefined, true)
}

/**
 * The smallest and largest elements in one pass, with the semantics of {@link min} and {@link max}.
 *
 * @typeParam I - the input's type: an array or an export of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws (rejects) RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { minmax } from 'parabuf'
 * console.log(await minmax(new Int32Array([4, -7, 9]))) // { min: -7, max: 9 }
 * ```
 *
 * @category Reductions
 */
export async function minmax<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<MinMax<StridedView<ArrayOf<I>>>>
export async function minmax<I extends Reducible>(a: I, options?: AsyncOptions): Promise<MinMax<ScalarOf<I>>>
export async function minmax(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('minmax', arguments.length, a, options, undefined, true, minmaxOf)
}

/**
 * Synchronous {@link minmax}.
 *
 * @typeParam I - the input's type: an array or an export of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @throws RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sumSync}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { minmaxSync } from 'parabuf'
 * const { min, max } = minmaxSync(new Float32Array([0.5, -2]))
 * ```
 *
 * @category Reductions
 */
export function minmaxSync<I extends Input>(a: I, options: AxisOptions): MinMax<StridedView<ArrayOf<I>>>
export function minmaxSync<I extends Reducible>(a: I): MinMax<ScalarOf<I>>
export function minmaxSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('minmax', arguments.length, a, options, undefined, true, minmaxOf)
}

/**
 * The index of the smallest element: the first one if it occurs more than once, the first `NaN` if there is any.
 * `-0` counts as smaller than `+0`.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws (rejects) RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { argmin } from 'parabuf'
 * console.log(await argmin(new Float64Array([3, 1, 1]))) // 1
 * ```
 *
 * @category Reductions
 */
export async function argmin<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<StridedView<Uint32Array | Float64Array>>
export async function argmin(a: Reducible, options?: AsyncOptions): Promise<number>
export async function argmin(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('argmin', arguments.length, a, options, undefined, false)
}

/**
 * Synchronous {@link argmin}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @throws RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sumSync}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { argminSync } from 'parabuf'
 * console.log(argminSync(new Float64Array([2, NaN, 1]))) // 1
 * ```
 *
 * @category Reductions
 */
export function argminSync<I extends Input>(a: I, options: AxisOptions): StridedView<Uint32Array | Float64Array>
export function argminSync(a: Reducible): number
export function argminSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('argmin', arguments.length, a, options, undefined, false)
}

/**
 * The index of the largest element: the first one if it occurs more than once, the first `NaN` if there is any.
 * `+0` counts as larger than `-0`.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws (rejects) RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { argmax } from 'parabuf'
 * console.log(await argmax(new Uint16Array([1, 9, 9]))) // 1
 * ```
 *
 * @category Reductions
 */
export async function argmax<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<StridedView<Uint32Array | Float64Array>>
export async function argmax(a: Reducible, options?: AsyncOptions): Promise<number>
export async function argmax(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('argmax', arguments.length, a, options, undefined, false)
}

/**
 * Synchronous {@link argmax}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @throws RangeError `ERR_PARABUF_EMPTY` for an empty array; otherwise as {@link sumSync}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { argmaxSync } from 'parabuf'
 * console.log(argmaxSync(new Int8Array([-1, 5, 2]))) // 1
 * ```
 *
 * @category Reductions
 */
export function argmaxSync<I extends Input>(a: I, options: AxisOptions): StridedView<Uint32Array | Float64Array>
export function argmaxSync(a: Reducible): number
export function argmaxSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('argmax', arguments.length, a, options, undefined, false)
}

/**
 * The variance: the sum of squared deviations from the mean, divided by `n - ddof`: usually one pass (compensated sums
 * of the deviations from the first block's mean and of their squares), two when the data needs them (the correctly
 * rounded mean first, the deviations scaled by a power of two so that neither overflows nor underflows). Within 4 ulps of the exact variance on the hard cases of `docs/numerics.md`; finite data
 * never gives `NaN`, and `Infinity` only when the variance itself is past the largest double. `NaN` when
 * `n - ddof <= 0` or an element is `NaN` or infinite. Deterministic for any thread count.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `ddof` (see {@link VarianceOptions}) and `signal`.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws (rejects) RangeError `ERR_OUT_OF_RANGE` for a negative or non-finite `ddof`; TypeError
 *   `ERR_INVALID_ARG_TYPE` for a non-number `ddof`; otherwise as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { variance } from 'parabuf'
 * console.log(await variance(new Float64Array([1, 2, 3, 4, 5, 6]), { ddof: 1 })) // 3.5
 * ```
 *
 * @category Reductions
 */
export async function variance<I extends Input>(a: I, options: AxisOptions & VarianceOptions & AsyncOptions): Promise<StridedView<Float64Array>>
export async function variance(a: Reducible, options?: VarianceOptions & AsyncOptions): Promise<number>
export async function variance(a: Reducible, options?: Partial<AxisOptions> & VarianceOptions & AsyncOptions): Promise<unknown> {
  return reduceAsync('variance', arguments.length, a, options, ddofOf(options), false)
}

/**
 * Synchronous {@link variance}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `ddof` (see {@link VarianceOptions}).
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws as {@link variance}, synchronously.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { varianceSync } from 'parabuf'
 * console.log(varianceSync(new Float64Array([2, 4]))) // 1
 * ```
 *
 * @category Reductions
 */
export function varianceSync<I extends Input>(a: I, options: VarianceOptions & AxisOptions): StridedView<Float64Array>
export function varianceSync(a: Reducible, options?: VarianceOptions): number
export function varianceSync(a: Reducible, options?: Partial<AxisOptions> & VarianceOptions): unknown {
  return reduceSync('variance', arguments.length, a, options, ddofOf(options), false)
}

/**
 * The standard deviation: the square root of {@link variance}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `ddof` (see {@link VarianceOptions}) and `signal`.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws (rejects) as {@link variance}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { std } from 'parabuf'
 * console.log(await std(new Float64Array([2, 4, 4, 4, 5, 5, 7, 9]))) // 2
 * ```
 *
 * @category Reductions
 */
export async function std<I extends Input>(a: I, options: AxisOptions & VarianceOptions & AsyncOptions): Promise<StridedView<Float64Array>>
export async function std(a: Reducible, options?: VarianceOptions & AsyncOptions): Promise<number>
export async function std(a: Reducible, options?: Partial<AxisOptions> & VarianceOptions & AsyncOptions): Promise<unknown> {
  return reduceAsync('std', arguments.length, a, options, ddofOf(options), false)
}

/**
 * Synchronous {@link std}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `ddof` (see {@link VarianceOptions}).
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws as {@link variance}, synchronously.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { stdSync } from 'parabuf'
 * console.log(stdSync(new Int32Array([1, 3]))) // 1
 * ```
 *
 * @category Reductions
 */
export function stdSync<I extends Input>(a: I, options: VarianceOptions & AxisOptions): StridedView<Float64Array>
export function stdSync(a: Reducible, options?: VarianceOptions): number
export function stdSync(a: Reducible, options?: Partial<AxisOptions> & VarianceOptions): unknown {
  return reduceSync('std', arguments.length, a, options, ddofOf(options), false)
}

/**
 * The dot product `Σ a[i] * b[i]`. Floats: the exact sum of the exact products, rounded once to the nearest double
 * (products that overflow alone but cancel still give the exact sum; `NaN` only from a `NaN`, an infinity times zero
 * or infinities of both signs). Integers: exact, rounded once (`bigint`, exact, for 64-bit arrays). `0` (`0n`) for
 * empty arrays. See `docs/numerics.md`.
 *
 * @typeParam A - the array's type.
 * @param a - the first array, or an export of it.
 * @param b - the second array: same element type and length.
 * @param options - `signal` to abort.
 * @throws (rejects) TypeError `ERR_PARABUF_TYPE_MISMATCH` or RangeError `ERR_PARABUF_LENGTH_MISMATCH` for mismatched
 *   arrays; RangeError `ERR_OUT_OF_RANGE` when a 64-bit integer result exceeds 2^127; otherwise as {@link sum}.
 *
 * @example
 * ```ts
 * import { dot } from 'parabuf'
 * console.log(await dot(new Float64Array([1, 2]), new Float64Array([3, 4]))) // 11
 * ```
 *
 * @category Reductions
 */
export async function dot<A extends NumericArray>(a: Input<A>, b: Input<A>, options?: AsyncOptions): Promise<ElementOf<A>> {
  refuseExtraArguments('dot', arguments.length, 3)
  refuseAxis('dot', options)
  return (await runAsync('dot', undefined, options, a, b)) as ElementOf<A>
}

/**
 * Synchronous {@link dot}.
 *
 * @typeParam A - the array's type.
 * @param a - the array, or an export of it.
 * @param b - the second array, of the same element type and length, or an export of it.
 * @throws as {@link dot}, synchronously.
 *
 * @example
 * ```ts
 * import { dotSync } from 'parabuf'
 * console.log(dotSync(new Int32Array([1, 2]), new Int32Array([3, 4]))) // 11
 * ```
 *
 * @category Reductions
 */
export function dotSync<A extends NumericArray>(a: Input<A>, b: Input<A>): ElementOf<A> {
  refuseExtraArguments('dotSync', arguments.length, 2)
  return runSync('dot', undefined, a, b) as ElementOf<A>
}

/**
 * The Euclidean norm `√Σ a[i]²`: the root of the exact sum of squares, rounded once to the nearest double (ties to
 * even), scaled internally so it neither overflows nor underflows needlessly. `NaN` if any element is `NaN`,
 * `Infinity` if any is infinite or the norm passes the largest double. Always a `number`. See `docs/numerics.md`.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @throws (rejects) as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { norm } from 'parabuf'
 * console.log(await norm(new Float64Array([3, 4]))) // 5
 * ```
 *
 * @category Reductions
 */
export async function norm<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<StridedView<Float64Array>>
export async function norm(a: Reducible, options?: AsyncOptions): Promise<number>
export async function norm(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('norm', arguments.length, a, options, undefined, false)
}

/**
 * Synchronous {@link norm}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @throws as {@link sumSync}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { normSync } from 'parabuf'
 * console.log(normSync(new Float32Array([1e30, 1e30]))) // 1.4142135623730952e30
 * ```
 *
 * @category Reductions
 */
export function normSync<I extends Input>(a: I, options: AxisOptions): StridedView<Float64Array>
export function normSync(a: Reducible): number
export function normSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('norm', arguments.length, a, options, undefined, false)
}

/**
 * How many elements are not zero, as numpy's `count_nonzero` counts them: `NaN` counts (it is not zero), `-0` does not
 * (it equals `0`). Exact for any length and every element type. `0` for an empty array.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `signal` to abort.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @returns a promise of the count.
 *   With `axis`, a row-major {@link StridedView} of the results over the remaining axes.
 * @throws (rejects) as {@link sum}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { countNonZero } from 'parabuf'
 * console.log(await countNonZero(new Float64Array([0, -0, 1.5, NaN]))) // 2
 * ```
 *
 * @category Reductions
 */
export async function countNonZero<I extends Input>(a: I, options: AxisOptions & AsyncOptions): Promise<StridedView<Float64Array>>
export async function countNonZero(a: Reducible, options?: AsyncOptions): Promise<number>
export async function countNonZero(a: Reducible, options?: Partial<AxisOptions> & AsyncOptions): Promise<unknown> {
  return reduceAsync('countNonZero', arguments.length, a, options, undefined, false)
}

/**
 * Synchronous {@link countNonZero}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `axis`: reduce along these axes of a view, see {@link AxisOptions}.
 * @returns the count.
 *   With `axis`, a row-major {@link StridedView} of the results over the remaining axes.
 * @throws as {@link sumSync}.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { countNonZeroSync } from 'parabuf'
 * console.log(countNonZeroSync(new BigInt64Array([0n, 5n, -1n]))) // 2
 * ```
 *
 * @category Reductions
 */
export function countNonZeroSync<I extends Input>(a: I, options: AxisOptions): StridedView<Float64Array>
export function countNonZeroSync(a: Reducible): number
export function countNonZeroSync(a: Reducible, options?: Partial<AxisOptions>): unknown {
  return reduceSync('countNonZero', arguments.length, a, options, undefined, false)
}

/**
 * Quantiles as numpy computes them: `np.quantile(a, q, method=…)`, or `np.nanquantile` with `skipNaN`, for every
 * element type, without sorting or changing `a`. The order statistics are found by selection over a sample's brackets
 * on all cores, and numpy's interpolation runs on them in numpy's arithmetic: float16 and float32 data interpolate in
 * their own format when `q` is a number and in double when it is an array, as in numpy. Two documented differences
 * (see `docs/numerics.md`): integer data interpolates exactly as numpy does on the data converted to float64, and where
 * numpy's formula subtracts infinities (`quantile([1, Infinity], 1)` is `NaN` in numpy) the result is the limit.
 * Deterministic for any thread count.
 *
 * With `axis`, the quantiles along those axes of a view, as numpy's `np.quantile(a, q, axis=...)`: for each index of
 * the remaining axes, the whole-array quantiles of the elements it covers. The result is a row-major
 * {@link StridedView} of a `Float64Array`: of the remaining axes' shape for a number `q`, and of shape
 * `[q.length, ...remaining]` for an array (numpy's shapes).
 *
 * @param a - the array, an export of it, or a view of either.
 * @param q - a number in `[0, 1]`, or an array of them.
 * @param options - `method` (see {@link QuantileOptions}), `skipNaN`, `axis` (see {@link AxisOptions}) and `signal`.
 * @returns a promise of a number for a number `q`, of a `Float64Array` (one quantile per element of `q`) for an array;
 *   `NaN` where an element is `NaN` (unless `skipNaN`) or every element is. With `axis`, a {@link StridedView} as above.
 * @throws (rejects) RangeError `ERR_PARABUF_EMPTY` for an empty array (numpy raises); RangeError `ERR_OUT_OF_RANGE`
 *   for a `q` outside `[0, 1]` or `NaN`, and for 64-bit integer data whose quantile needs an element beyond ±2^53 (no
 *   double holds it exactly); TypeError `ERR_INVALID_ARG_TYPE` for a `q` that is not a number or an array of numbers,
 *   or a `skipNaN` that is not a boolean; TypeError `ERR_INVALID_ARG_VALUE` for an unknown `method`; with `axis`, the
 *   errors {@link AxisOptions} lists (an output with no element is `ERR_PARABUF_EMPTY`); otherwise as {@link sum}.
 *
 * @example
 * ```ts
 * import { quantile, view } from 'parabuf'
 * const a = new Float64Array([7, 1, 3, 5])
 * console.log(await quantile(a, 0.5)) // 4
 * console.log(await quantile(a, [0, 0.25, 1])) // Float64Array [1, 2.5, 7]
 * console.log(await quantile(a, 0.5, { method: 'lower' })) // 3
 * // The median of each column of a 2 × 2 matrix, and two quantiles of each.
 * const m = view(a, { shape: [2, 2] })
 * console.log((await quantile(m, 0.5, { axis: 0 })).data) // Float64Array [5, 3]
 * const both = await quantile(m, [0, 1], { axis: 0 })
 * console.log(both.shape, both.data) // [2, 2] Float64Array [3, 1, 7, 5]
 * ```
 *
 * @category Reductions
 */
export async function quantile(a: Input, q: number, options?: QuantileOptions & AsyncOptions): Promise<number>
export async function quantile(
  a: Input,
  q: readonly number[] | Float64Array,
  options?: QuantileOptions & AsyncOptions,
): Promise<Float64Array>
export async function quantile(
  a: Input,
  q: number | readonly number[] | Float64Array,
  options: QuantileOptions & AxisOptions & AsyncOptions,
): Promise<StridedView<Float64Array>>
export async function quantile(
  a: Input,
  q: number | readonly number[] | Float64Array,
  options?: QuantileOptions & Partial<AxisOptions> & AsyncOptions,
): Promise<number | Float64Array | StridedView<Float64Array>> {
  refuseExtraArguments('quantile', arguments.length, 3)
  const scalar = typeof q === 'number'
  const params = axisParams(options, quantileParams(options, scalar))!
  return quantilesOf(await runAsync('quantile', params, options, a, quantilesArray(q)), scalar, params.axis !== undefined)
}

/**
 * Synchronous {@link quantile}.
 *
 * @param a - the array, an export of it, or a view of either.
 * @param q - a number in `[0, 1]`, or an array of them.
 * @param options - `method` and `skipNaN` (see {@link QuantileOptions}), and `axis` (see {@link quantile}).
 * @returns a number for a number `q`, a `Float64Array` for an array; with `axis`, a {@link StridedView}.
 * @throws as {@link quantile}, synchronously.
 *
 * @example
 * ```ts
 * import { quantileSync } from 'parabuf'
 * console.log(quantileSync(new Int16Array([1, 2, 3, 4, 5]), [0.1, 0.9])) // Float64Array [1.4, 4.6]
 * ```
 *
 * @category Reductions
 */
export function quantileSync(a: Input, q: number, options?: QuantileOptions): number
export function quantileSync(a: Input, q: readonly number[] | Float64Array, options?: QuantileOptions): Float64Array
export function quantileSync(
  a: Input,
  q: number | readonly number[] | Float64Array,
  options: QuantileOptions & AxisOptions,
): StridedView<Float64Array>
export function quantileSync(
  a: Input,
  q: number | readonly number[] | Float64Array,
  options?: QuantileOptions & Partial<AxisOptions>,
): number | Float64Array | StridedView<Float64Array> {
  refuseExtraArguments('quantileSync', arguments.length, 3)
  const scalar = typeof q === 'number'
  const params = axisParams(options, quantileParams(options, scalar))!
  return quantilesOf(runSync('quantile', params, a, quantilesArray(q)), scalar, params.axis !== undefined)
}

/**
 * The median: {@link quantile} at `0.5` with the `'linear'` method, and `NaN` for an empty array (numpy's `median`).
 * For `[-0]` it is `-0` (numpy's `quantile`; numpy's `median` gives `+0`).
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `skipNaN` (see {@link MedianOptions}) and `signal`.
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @returns a promise of the median.
 *   With `axis`, a row-major {@link StridedView} of the results over the remaining axes.
 * @throws (rejects) as {@link quantile}, but an empty array gives `NaN`.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { median } from 'parabuf'
 * console.log(await median(new Float64Array([5, 1, 4, 2]))) // 3
 * ```
 *
 * @category Reductions
 */
export async function median<I extends Input>(a: I, options: AxisOptions & MedianOptions & AsyncOptions): Promise<StridedView<Float64Array>>
export async function median(a: Reducible, options?: MedianOptions & AsyncOptions): Promise<number>
export async function median(a: Reducible, options?: Partial<AxisOptions> & MedianOptions & AsyncOptions): Promise<unknown> {
  return reduceAsync('median', arguments.length, a, options, medianParams(options), false)
}

/**
 * Synchronous {@link median}.
 *
 * @typeParam I - the input's type: an array, an export or a view of one.
 * @param a - the array, or an export of it.
 * @param options - `skipNaN` (see {@link MedianOptions}).
 *   With `axis`, the reduction along those axes of a view: see {@link AxisOptions}.
 * @returns the median.
 *   With `axis`, a row-major {@link StridedView} of the results over the remaining axes.
 * @throws as {@link median}, synchronously.
 * @throws with `axis`, the errors {@link AxisOptions} lists.
 *
 * @example
 * ```ts
 * import { medianSync } from 'parabuf'
 * console.log(medianSync(new Uint8Array([9, 1, 5]))) // 5
 * ```
 *
 * @category Reductions
 */
export function medianSync<I extends Input>(a: I, options: MedianOptions & AxisOptions): StridedView<Float64Array>
export function medianSync(a: Reducible, options?: MedianOptions): number
export function medianSync(a: Reducible, options?: Partial<AxisOptions> & MedianOptions): unknown {
  return reduceSync('median', arguments.length, a, options, medianParams(options), false)
}

function medianParams(options: unknown): OpParams {
  const { skipNaN } = optionsObject(options, 'options')
  return skipNaN === undefined ? {} : { skipNaN: skipNaN as boolean }
}

/**
 * The inclusive prefix sums: `out[i] = a[0] + … + a[i]`, on all cores, deterministic for any thread count.
 *
 * - Integers: exact. 64-bit integers give a `BigInt64Array` (or `BigUint64Array`), refused with a RangeError if a
 *   prefix leaves its range; narrower integers give a `Float64Array` of exact integers, refused if a prefix is beyond
 *   ±2^53. A refused call writes nothing.
 * - Floats: a `Float64Array`, summed in double with compensation: each element is the exact prefix sum rounded once
 *   unless the rounding errors cancel so badly that a sequential Neumaier running sum (the same arithmetic, one
 *   element at a time) would be off too; it is never less accurate than that sum's error bound. `Infinity` only from an
 *   infinite element or an exact prefix beyond the largest double (a prefix that comes back is finite again, where
 *   numpy's running sum stays infinite); `NaN` only from a `NaN` element or infinities of both signs; `-0` prefixes stay
 *   `-0` while every element so far is `-0`.
 *
 * Without `axis`, a view's elements are summed in row-major order of its indices, as one array (numpy's
 * `np.cumsum(a)` flattens). With `axis` (one axis of a {@link StridedView}, negative counting from the end; a plain
 * array has the one axis `0`), each lane along it is summed on its own, exactly as the whole-array cumsum sums it,
 * as numpy's `np.cumsum(a, axis=k)`: the result has the input's shape and is returned as a row-major
 * {@link StridedView} of it (with `out` given, `out`'s array is filled in the row-major order of the input's indices
 * and returned: a view of the input's shape receives element for element). Lanes run on all cores, whole lanes per
 * task; a refused lane (an integer prefix beyond the range) or an abort writes nothing.
 *
 * @typeParam A - the input's array type.
 * @param a - the array, an export of it, or a view of either.
 * @param options - `out` (see {@link CumsumOptions}), `axis` (see {@link AxisOptions}; one axis) and `signal`.
 * @returns a promise of `out`: the given array (a write export's array, a view's array), or a new one; with `axis` and
 *   no `out`, a row-major {@link StridedView} of the input's shape over the new array.
 * @throws (rejects) RangeError `ERR_OUT_OF_RANGE` for an integer prefix beyond the output's range;
 *   TypeError `ERR_PARABUF_TYPE_MISMATCH` for an `out` of another type than {@link CumsumOf} the input's, RangeError
 *   `ERR_PARABUF_LENGTH_MISMATCH` for one of another length, {@link BorrowError} `ERR_PARABUF_BORROWED` for one that
 *   overlaps the input other than exactly; with `axis`, the errors {@link AxisOptions} lists, and TypeError
 *   `ERR_INVALID_ARG_VALUE` for other than one axis; otherwise as {@link sum}. An abort without `axis` leaves the blocks
 *   already done written.
 *
 * @example
 * ```ts
 * import { cumsum, view } from 'parabuf'
 * console.log(await cumsum(new Int8Array([100, 100, -50]))) // Float64Array [100, 200, 150]
 * const x = new Float64Array([0.1, 0.2, 0.3])
 * await cumsum(x, { out: x }) // in place: Float64Array [0.1, 0.30000000000000004, 0.6] (a plain loop: 0.6000000000000001)
 * // Down the columns and along the rows of a 2 × 3 matrix.
 * const m = view(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] })
 * console.log((await cumsum(m, { axis: 0 })).data) // Float64Array [1, 2, 3, 5, 7, 9]
 * console.log((await cumsum(m, { axis: 1 })).data) // Float64Array [1, 3, 6, 4, 9, 15]
 * ```
 *
 * @category Scans
 */
export async function cumsum<A extends NumericArray>(a: Input<A>, options?: CumsumOptions<A> & AsyncOptions): Promise<CumsumOf<A>>
export async function cumsum<A extends NumericArray>(
  a: Input<A>,
  options: CumsumOptions<A> & AxisOptions & { out?: undefined } & AsyncOptions,
): Promise<StridedView<CumsumOf<A>>>
export async function cumsum<A extends NumericArray>(
  a: Input<A>,
  options?: CumsumOptions<A> & Partial<AxisOptions> & AsyncOptions,
): Promise<CumsumOf<A> | StridedView<CumsumOf<A>>>
export async function cumsum<A extends NumericArray>(
  a: Input<A>,
  options?: CumsumOptions<A> & Partial<AxisOptions> & AsyncOptions,
): Promise<CumsumOf<A> | StridedView<CumsumOf<A>>> {
  refuseExtraArguments('cumsum', arguments.length, 2)
  const params = axisParams(options, undefined)
  const { out, given } = cumsumOut(a, options)
  return cumsumOf<A>(out, given, await runAsync('cumsum', params, options, a, out))
}

/**
 * Synchronous {@link cumsum}.
 *
 * @typeParam A - the input's array type.
 * @param a - the array, an export of it, or a view of either.
 * @param options - `out` (see {@link CumsumOptions}) and `axis` (see {@link cumsum}).
 * @returns `out`: the given array, or a new one; with `axis` and no `out`, a view of the input's shape over it.
 * @throws as {@link cumsum}, synchronously.
 *
 * @example
 * ```ts
 * import { cumsumSync, view } from 'parabuf'
 * console.log(cumsumSync(new BigInt64Array([1n, 2n, 3n]))) // BigInt64Array [1n, 3n, 6n]
 * cumsumSync(new BigInt64Array([2n ** 62n, 2n ** 62n])) // throws RangeError ERR_OUT_OF_RANGE: 2^63 is beyond int64
 * const m = view(new BigInt64Array([1n, 2n, 3n, 4n]), { shape: [2, 2] })
 * console.log(cumsumSync(m, { axis: 0 }).data) // BigInt64Array [1n, 2n, 4n, 6n]
 * ```
 *
 * @category Scans
 */
export function cumsumSync<A extends NumericArray>(a: Input<A>, options?: CumsumOptions<A>): CumsumOf<A>
export function cumsumSync<A extends NumericArray>(
  a: Input<A>,
  options: CumsumOptions<A> & AxisOptions & { out?: undefined },
): StridedView<CumsumOf<A>>
export function cumsumSync<A extends NumericArray>(
  a: Input<A>,
  options?: CumsumOptions<A> & Partial<AxisOptions>,
): CumsumOf<A> | StridedView<CumsumOf<A>>
export function cumsumSync<A extends NumericArray>(
  a: Input<A>,
  options?: CumsumOptions<A> & Partial<AxisOptions>,
): CumsumOf<A> | StridedView<CumsumOf<A>> {
  refuseExtraArguments('cumsumSync', arguments.length, 2)
  const params = axisParams(options, undefined)
  const { out, given } = cumsumOut(a, options)
  return cumsumOf<A>(out, given, runSync('cumsum', params, a, out))
}

/**
 * The caller's `out` (`given`), or a new array of the output type and the input's length, both read from the input's
 * internal slots. Nothing here is trusted: the binding checks `out`'s type and length against the input's own.
 */
function cumsumOut(a: unknown, options: unknown): { out: unknown; given: boolean } {
  const { out } = optionsObject(options, 'options')
  if (out !== undefined) return { out, given: true }
  const array = arrayOf(a as NumericArray)
  const tag = apply(typedArrayTag, array, [])
  // Not an array: the call refuses `a` before it looks at `out`.
  if (tag === undefined) return { out: new Float64Array(0), given: false }
  // An export covers the bytes it was taken on, which its array (length-tracking, on a grown buffer) may outnumber.
  const length = elementCount(a, exportedLength) ?? 0
  if (tag === 'BigInt64Array') return { out: new BigInt64Array(length), given: false }
  if (tag === 'BigUint64Array') return { out: new BigUint64Array(length), given: false }
  return { out: new Float64Array(length), given: false }
}

/**
 * What {@link cumsum} returns: `out`'s array; along an axis into a new array, that array as a view of the input's
 * shape (which the binding's result carries).
 */
function cumsumOf<A extends NumericArray>(out: unknown, given: boolean, result: JsOutput): CumsumOf<A> | StridedView<CumsumOf<A>> {
  const array = arrayOf(out as WritableInput<CumsumOf<A>>)
  return given || result === undefined ? array : view(array, { shape: alongShape(result) })
}

/**
 * The order of the elements, as indices: `a[result[0]]` is the first element in {@link sort}'s order (`-0` before
 * `+0`, `NaN` last), and so on. Stable: equal elements keep their index order (all `NaN`s are equal). With
 * `descending`, the exact reverse order, ties still by index. A parallel radix sort of the keys and their indices, on
 * all cores; deterministic for any thread count. The input is not changed.
 *
 * A {@link StridedView} of several dimensions is ordered along its last axis, each lane on its own, as numpy's
 * `np.argsort(a, kind='stable')` does; `axis` picks another (one axis, negative counting from the end; a plain array
 * has the one axis `0`). Then the result is a row-major {@link StridedView} of the input's shape holding, for each
 * lane, the indices along that axis (numpy's result), not flat indices. Lanes are copied and ordered on all cores,
 * whole lanes per task.
 *
 * @param a - the array, an export of it, or a view of either.
 * @param options - `descending` (see {@link ArgsortOptions}), `axis` (see {@link AxisOptions}; one axis; for a view,
 *   the last by default) and `signal`.
 * @returns a promise of a `Uint32Array` of indices (a `Float64Array` for arrays longer than 2^32 - 1); for a view of
 *   several dimensions, or with `axis`, a row-major {@link StridedView} of the input's shape over such an array.
 * @throws (rejects) TypeError `ERR_INVALID_ARG_TYPE` for a `descending` that is not a boolean; with `axis`, the errors
 *   {@link AxisOptions} lists, and TypeError `ERR_INVALID_ARG_VALUE` for other than one axis; otherwise as {@link sum}.
 *
 * @example
 * ```ts
 * import { argsort, view } from 'parabuf'
 * console.log(await argsort(new Float64Array([3, NaN, -0, 0, 1]))) // Uint32Array [2, 3, 4, 0, 1]
 * // Each row of a 2 × 3 matrix (the last axis), then each column.
 * const m = view(new Int32Array([3, 1, 2, 9, 7, 8]), { shape: [2, 3] })
 * console.log((await argsort(m)).data) // Uint32Array [1, 2, 0, 1, 2, 0]
 * console.log((await argsort(m, { axis: 0 })).data) // Uint32Array [0, 0, 0, 1, 1, 1]
 * ```
 *
 * @category Ordering
 */
export async function argsort(a: NumericArray, options?: ArgsortOptions & AsyncOptions): Promise<Uint32Array | Float64Array>
export async function argsort(
  a: Input,
  options: ArgsortOptions & AxisOptions & AsyncOptions,
): Promise<StridedView<Uint32Array | Float64Array>>
export async function argsort(
  a: Input,
  options?: ArgsortOptions & Partial<AxisOptions> & AsyncOptions,
): Promise<Uint32Array | Float64Array | StridedView<Uint32Array | Float64Array>>
export async function argsort(
  a: Input,
  options?: ArgsortOptions & Partial<AxisOptions> & AsyncOptions,
): Promise<Uint32Array | Float64Array | StridedView<Uint32Array | Float64Array>> {
  refuseExtraArguments('argsort', arguments.length, 2)
  return indicesOf(await runAsync('argsort', axisParams(options, flagParams(options, 'descending')), options, a))
}

/**
 * Synchronous {@link argsort}.
 *
 * @param a - the array, an export of it, or a view of either.
 * @param options - `descending` (see {@link ArgsortOptions}) and `axis` (see {@link argsort}).
 * @returns the indices; for a view of several dimensions, or with `axis`, a view of the input's shape over them.
 * @throws as {@link argsort}, synchronously.
 *
 * @example
 * ```ts
 * import { argsortSync, view } from 'parabuf'
 * console.log(argsortSync(new Int16Array([2, 1, 2]), { descending: true })) // Uint32Array [0, 2, 1]
 * console.log(argsortSync(view(new Int16Array([2, 1, 0, 5]), { shape: [2, 2] }), { axis: 0 }).data) // Uint32Array [1, 0, 0, 1]
 * ```
 *
 * @category Ordering
 */
export function argsortSync(a: NumericArray, options?: ArgsortOptions): Uint32Array | Float64Array
export function argsortSync(a: Input, options: ArgsortOptions & AxisOptions): StridedView<Uint32Array | Float64Array>
export function argsortSync(
  a: Input,
  options?: ArgsortOptions & Partial<AxisOptions>,
): Uint32Array | Float64Array | StridedView<Uint32Array | Float64Array>
export function argsortSync(
  a: Input,
  options?: ArgsortOptions & Partial<AxisOptions>,
): Uint32Array | Float64Array | StridedView<Uint32Array | Float64Array> {
  refuseExtraArguments('argsortSync', arguments.length, 2)
  return indicesOf(runSync('argsort', axisParams(options, flagParams(options, 'descending')), a))
}

/** {@link argsort}'s indices: the binding's array, or along an axis its `{ shape, values }` as a view. */
function indicesOf(out: JsOutput): Uint32Array | Float64Array | StridedView<Uint32Array | Float64Array> {
  if (apply(typedArrayTag, out, []) !== undefined) return out as Uint32Array | Float64Array
  return alongOf(undefined, out, false) as StridedView<Uint32Array | Float64Array>
}

/**
 * The `k` largest elements, largest first (or with `largest: false` the `k` smallest, smallest first), and their
 * indices: the first `k` of {@link argsort}'s order (descending, or ascending), so ties go to the lower index and
 * `NaN` ranks above every number. One read of the array on all cores; deterministic for any thread count.
 *
 * @typeParam A - the input's array type, which the values keep.
 * @param a - the array, or an export of it.
 * @param k - how many: an integer from 0 to the array's length.
 * @param options - `largest` (see {@link TopkOptions}) and `signal`.
 * @returns a promise of `{ values, indices }`: the values in the input's own type, the indices as in {@link argsort}.
 * @throws (rejects) RangeError `ERR_OUT_OF_RANGE` for a `k` that is negative, not an integer or greater than the
 *   length; TypeError `ERR_INVALID_ARG_TYPE` for a `k` that is not a number or a `largest` that is not a boolean;
 *   otherwise as {@link sum}.
 *
 * @example
 * ```ts
 * import { topk } from 'parabuf'
 * const { values, indices } = await topk(new Float64Array([0.5, 9, 3, 9]), 2)
 * console.log(values, indices) // Float64Array [9, 9] Uint32Array [1, 3]
 * ```
 *
 * @category Ordering
 */
export async function topk<A extends NumericArray>(
  a: Input<A>,
  k: number,
  options?: TopkOptions & AsyncOptions,
): Promise<TopK<A>> {
  refuseExtraArguments('topk', arguments.length, 3)
  const params = topkParams(k, options)
  refuseAxis('topk', options)
  return topkOf(a, await runAsync('topk', params, options, a))
}

/**
 * Synchronous {@link topk}.
 *
 * @typeParam A - the input's array type, which the values keep.
 * @param a - the array, or an export of it.
 * @param k - how many: an integer from 0 to the array's length.
 * @param options - `largest` (see {@link TopkOptions}).
 * @returns `{ values, indices }`.
 * @throws as {@link topk}, synchronously.
 *
 * @example
 * ```ts
 * import { topkSync } from 'parabuf'
 * console.log(topkSync(new Uint8Array([7, 2, 5]), 1).values) // Uint8Array [7]
 * ```
 *
 * @category Ordering
 */
export function topkSync<A extends NumericArray>(a: Input<A>, k: number, options?: TopkOptions): TopK<A> {
  refuseExtraArguments('topkSync', arguments.length, 3)
  const params = topkParams(k, options)
  refuseAxis('topk', options)
  return topkOf(a, runSync('topk', params, a))
}

/**
 * The distinct values, sorted in {@link sort}'s order, with how many elements equal each: numpy's
 * `np.unique(a, return_counts=True)`. All `NaN`s are one value (numpy 2's default), last; `-0` and `+0` are one value,
 * reported as the zero that occurs first. Deterministic for any thread count; the input is not changed. Without
 * `axis`, a {@link StridedView} is flattened (numpy's `axis=None`).
 *
 * With `axis` (one axis, negative counting from the end; a plain array has the one axis `0`), the distinct slices
 * across it, as numpy's `np.unique(a, axis=k, return_counts=True)`: the sub-arrays with one index along the axis,
 * sorted by their elements in the row-major order of the other axes (the first element that differs decides, in
 * {@link sort}'s order, `-0` equal to `+0`), each with how many slices equal it. `values` is a new row-major
 * {@link StridedView} of the input's type and shape, the axis as long as the number of distinct slices. As in numpy,
 * a slice holding a `NaN` equals no other slice, not even a copy of itself (numpy compares slices with `!=`), unlike
 * the whole-array form, where all `NaN`s are one value; copies of such a slice are listed one by one, in index order.
 * Slices equal up to the sign of their zeros are reported as the first of them in index order (numpy reports
 * whichever its unstable sort put first). `NaN` ranks last for every type: numpy 2.4.6 ranks it first when it compares
 * `float16` slices (unlike its own `float16` sort and its other float types), which parabuf does not follow. Slices of
 * no element are all one slice. For a one-dimensional input the result is the whole-array one, as in numpy, as a
 * view. The slices are copied, ranked on all cores and sorted with a stable parallel merge sort (an abort is seen
 * before and after the sort, not during it). A bound expression has no axes: `axis` is refused for it.
 *
 * @typeParam A - the input's array type, which the values keep.
 * @param a - the array, an export of it, or a view of either.
 * @param options - `axis` (see {@link AxisOptions}; one axis) and `signal`.
 * @returns a promise of `{ values, counts }`: the values in the input's own type (with `axis`, a view, see
 *   {@link UniqueAlong}), the counts as doubles.
 * @throws (rejects) with `axis`, the errors {@link AxisOptions} lists (RangeError `ERR_OUT_OF_RANGE` for an axis
 *   outside the input's dimensions), and TypeError `ERR_INVALID_ARG_VALUE` for other than one axis or for a bound
 *   expression; otherwise as {@link sum}.
 *
 * @example
 * ```ts
 * import { unique, view } from 'parabuf'
 * const { values, counts } = await unique(new Float64Array([2, NaN, 1, 2, NaN]))
 * console.log(values, counts) // Float64Array [1, 2, NaN] Float64Array [1, 2, 2]
 * // The distinct rows of a 4 × 2 matrix; a row holding NaN is never a copy.
 * const m = view(new Float64Array([1, NaN, 0, 2, 1, NaN, -0, 2]), { shape: [4, 2] })
 * const rows = await unique(m, { axis: 0 })
 * console.log(rows.values.shape, rows.values.data, rows.counts) // [3, 2] Float64Array [0, 2, 1, NaN, 1, NaN] Float64Array [2, 1, 1]
 * ```
 *
 * @category Ordering
 */
export async function unique<A extends NumericArray>(a: Input<A>, options?: AsyncOptions): Promise<Unique<A>>
export async function unique<A extends NumericArray>(
  a: Input<A>,
  options: AxisOptions & AsyncOptions,
): Promise<UniqueAlong<A>>
export async function unique<A extends NumericArray>(
  a: Input<A>,
  options?: Partial<AxisOptions> & AsyncOptions,
): Promise<Unique<A> | UniqueAlong<A>>
export async function unique<A extends NumericArray>(
  a: Input<A>,
  options?: Partial<AxisOptions> & AsyncOptions,
): Promise<Unique<A> | UniqueAlong<A>> {
  refuseExtraArguments('unique', arguments.length, 2)
  const params = axisParams(options, undefined)
  return uniqueOf(a, await runAsync('unique', params, options, a), params?.axis !== undefined)
}

/**
 * Synchronous {@link unique}.
 *
 * @typeParam A - the input's array type, which the values keep.
 * @param a - the array, an export of it, or a view of either.
 * @param options - `axis`: the distinct slices across this axis (see {@link unique}).
 * @returns `{ values, counts }`; with `axis`, the values as a view (see {@link UniqueAlong}).
 * @throws as {@link unique}, synchronously.
 *
 * @example
 * ```ts
 * import { uniqueSync, view } from 'parabuf'
 * console.log(uniqueSync(new BigInt64Array([5n, 5n, -1n])).values) // BigInt64Array [-1n, 5n]
 * // The distinct columns of a 2 × 3 matrix.
 * const columns = uniqueSync(view(new Uint8Array([7, 1, 7, 0, 2, 0]), { shape: [2, 3] }), { axis: 1 })
 * console.log(columns.values.shape, columns.values.data, columns.counts) // [2, 2] Uint8Array [1, 7, 2, 0] Float64Array [1, 2]
 * ```
 *
 * @category Ordering
 */
export function uniqueSync<A extends NumericArray>(a: Input<A>, options?: { readonly axis?: undefined }): Unique<A>
export function uniqueSync<A extends NumericArray>(a: Input<A>, options: AxisOptions): UniqueAlong<A>
export function uniqueSync<A extends NumericArray>(a: Input<A>, options?: Partial<AxisOptions>): Unique<A> | UniqueAlong<A>
export function uniqueSync<A extends NumericArray>(a: Input<A>, options?: Partial<AxisOptions>): Unique<A> | UniqueAlong<A> {
  refuseExtraArguments('uniqueSync', arguments.length, 2)
  const params = axisParams(options, undefined)
  return uniqueOf(a, runSync('unique', params, a), params?.axis !== undefined)
}

/**
 * Where each needle would be inserted into sorted data to keep it sorted: numpy's `searchsorted`. With `side: 'left'`
 * the first index `i` with `!(sorted[i] < needle)`, with `'right'` the first with `needle < sorted[i]`, in the order
 * {@link sort} gives except that `-0` equals `+0` (as in numpy): `NaN` after every number, all `NaN`s equal. Values of
 * different types compare exactly (a `bigint` or a 64-bit element against a double, without rounding either). Each
 * needle is a binary search, needles spread over all cores; deterministic for any thread count.
 *
 * `sorted` must be sorted ascending in that order, which is not checked (numpy's contract): over unsorted data the
 * indices are those of a binary search, and mean nothing.
 *
 * @param sorted - the sorted array, or an export of it.
 * @param needles - a number or bigint, an array of numbers or of bigints, or a typed array (or an export of one) of
 *   any type.
 * @param options - `side` (see {@link SearchsortedOptions}) and `signal`.
 * @returns a promise of the index for one needle; of a `Uint32Array` of indices, one per needle, for an array (a
 *   `Float64Array` when `sorted` is longer than 2^32 − 1).
 * @throws (rejects) TypeError `ERR_INVALID_ARG_TYPE` for needles that are none of those or an array mixing numbers
 *   and bigints, `ERR_INVALID_ARG_VALUE` for an unknown `side`; RangeError `ERR_OUT_OF_RANGE` for a bigint needle
 *   beyond the 64-bit ranges (or bigint needles both negative and 2^63 or more, which no one 64-bit array holds);
 *   otherwise as {@link sum}.
 *
 * @example
 * ```ts
 * import { searchsorted } from 'parabuf'
 * const sorted = new Float64Array([1, 2, 2, 3, NaN])
 * console.log(await searchsorted(sorted, 2)) // 1
 * console.log(await searchsorted(sorted, [0, 2, 2.5, 9, NaN], { side: 'right' })) // Uint32Array [0, 3, 3, 4, 5]
 * ```
 *
 * @category Ordering
 */
export async function searchsorted(sorted: Input, needles: number | bigint, options?: SearchsortedOptions & AsyncOptions): Promise<number>
export async function searchsorted(
  sorted: Input,
  needles: readonly number[] | readonly bigint[] | Input,
  options?: SearchsortedOptions & AsyncOptions,
): Promise<Uint32Array | Float64Array>
export async function searchsorted(
  sorted: Input,
  needles: number | bigint | readonly number[] | readonly bigint[] | Input,
  options?: SearchsortedOptions & AsyncOptions,
): Promise<number | Uint32Array | Float64Array> {
  refuseExtraArguments('searchsorted', arguments.length, 3)
  const { array, scalar } = needlesOf(needles)
  const params = sideParams(options)
  refuseAxis('searchsorted', options)
  const result = (await runAsync('searchsorted', params, options, sorted, array)) as Uint32Array | Float64Array
  return scalar ? result[0]! : result
}

/**
 * Synchronous {@link searchsorted}.
 *
 * @param sorted - the sorted array, or an export of it.
 * @param needles - as {@link searchsorted}'s.
 * @param options - `side` (see {@link SearchsortedOptions}).
 * @returns the index, or the indices.
 * @throws as {@link searchsorted}, synchronously.
 *
 * @example
 * ```ts
 * import { searchsortedSync } from 'parabuf'
 * console.log(searchsortedSync(new BigInt64Array([-5n, 0n, 2n ** 60n]), [1, 2n ** 62n].map(BigInt))) // Uint32Array [2, 3]
 * ```
 *
 * @category Ordering
 */
export function searchsortedSync(sorted: Input, needles: number | bigint, options?: SearchsortedOptions): number
export function searchsortedSync(
  sorted: Input,
  needles: readonly number[] | readonly bigint[] | Input,
  options?: SearchsortedOptions,
): Uint32Array | Float64Array
export function searchsortedSync(
  sorted: Input,
  needles: number | bigint | readonly number[] | readonly bigint[] | Input,
  options?: SearchsortedOptions,
): number | Uint32Array | Float64Array {
  refuseExtraArguments('searchsortedSync', arguments.length, 3)
  const { array, scalar } = needlesOf(needles)
  const params = sideParams(options)
  refuseAxis('searchsorted', options)
  const result = runSync('searchsorted', params, sorted, array) as Uint32Array | Float64Array
  return scalar ? result[0]! : result
}

function sideParams(options: unknown): OpParams {
  const { side } = optionsObject(options, 'options')
  // Passed as given: the binding checks that it is one of numpy's names.
  return side === undefined ? {} : { side: side as string }
}

/** The largest and smallest needles a 64-bit array can hold. */
const BIGINT_NEEDLES = { min: -(2n ** 63n), max: 2n ** 64n - 1n } as const

/**
 * Needles as an array the binding reads: a typed array or an export as given (the binding reads it from its internal
 * slots), numbers into a `Float64Array`, bigints into a `BigInt64Array`, or a `BigUint64Array` when one is 2^63 or
 * more. Plain arrays are read once, by index.
 */
function needlesOf(needles: unknown): { array: unknown; scalar: boolean } {
  if (typeof needles === 'number') return { array: Float64Array.of(needles), scalar: true }
  if (typeof needles === 'bigint') return { array: bigintNeedles([needles]), scalar: true }
  const wrongType = (detail: string) => makeError('ERR_INVALID_ARG_TYPE', `The "needles" argument must be ${detail}`)
  if (typeof needles !== 'object' || needles === null) {
    throw wrongType(`a number, a bigint, an array of them, a TypedArray or a parabuf export. Received ${describe(needles)}`)
  }
  let plain: boolean
  try {
    plain = isArray(needles)
  } catch {
    throw wrongType('an array, a TypedArray or a parabuf export. Received a revoked Proxy')
  }
  if (!plain) return { array: needles, scalar: false }
  // Read once, by index, checking each value as it comes: a hole or a wrong value fails before anything is allocated
  // for the rest, and a length no array has (a proxy's) fails first.
  const list = needles as Record<number, unknown> & { length: unknown }
  const length = list.length
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > 2 ** 32 - 1) {
    throw wrongType(`an array of numbers or bigints; its length is ${describe(length)}`)
  }
  const first = length > 0 ? list[0] : undefined
  const kind = typeof first
  if (length > 0 && kind !== 'number' && kind !== 'bigint') {
    throw wrongType(`an array of numbers or bigints. Received ${describe(first)} at index 0`)
  }
  const check = (x: unknown, i: number) => {
    if (typeof x !== kind) {
      const both = typeof x === 'number' || typeof x === 'bigint' ? 'numbers or bigints, not both' : 'numbers or bigints'
      throw wrongType(`an array of ${both}. Received ${describe(x)} at index ${i}`)
    }
  }
  if (kind === 'bigint') {
    const values: bigint[] = [first as bigint]
    for (let i = 1; i < length; i++) {
      const x = list[i]
      check(x, i)
      values.push(x as bigint)
    }
    return { array: bigintNeedles(values), scalar: false }
  }
  let numbers: Float64Array
  try {
    numbers = new Float64Array(length)
  } catch {
    throw makeError('ERR_OUT_OF_RANGE', `The "needles" array of ${length} numbers cannot be copied: out of memory`)
  }
  for (let i = 0; i < length; i++) {
    const x = i === 0 ? first : list[i]
    check(x, i)
    numbers[i] = x as number
  }
  return { array: numbers, scalar: false }
}

function bigintNeedles(values: readonly bigint[]): BigInt64Array | BigUint64Array {
  const beyond = values.findIndex((x) => x < BIGINT_NEEDLES.min || x > BIGINT_NEEDLES.max)
  if (beyond >= 0) {
    throw makeError(
      'ERR_OUT_OF_RANGE',
      `The needle at index ${beyond} is beyond the 64-bit ranges (-(2n ** 63n) to 2n ** 64n - 1n). Received ${values[beyond]}n`,
    )
  }
  const high = values.findIndex((x) => x >= 2n ** 63n)
  if (high < 0) return BigInt64Array.from(values)
  const negative = values.findIndex((x) => x < 0n)
  if (negative >= 0) {
    throw makeError(
      'ERR_OUT_OF_RANGE',
      `The needles at index ${negative} (negative) and ${high} (2n ** 63n or more) fit no one 64-bit array together`,
    )
  }
  return BigUint64Array.from(values)
}

/**
 * Counts elements into `bins` equal-width bins between `min` and `max` (by default the data's smallest and largest
 * non-NaN elements). The last bin includes `max`, as in numpy; elements outside the range and `NaN` are not counted.
 *
 * Every element lands in the bin `numpy.histogram` (2.x) puts it in, for every element type: parabuf repeats numpy's
 * index computation and its one-bin correction against numpy's `linspace` edges, in numpy's format (float16 and
 * float32 data in their own format where numpy uses it, integers in float64), so values on the edges and one ulp
 * beside them count as in numpy. With both bounds given this is `np.histogram(a, bins, range=(min, max))`; with none,
 * `np.histogram(a, bins)`, except that NaNs are ignored where numpy refuses them; a single bound takes the other from
 * the data as a double. See docs/numerics.md.
 *
 * @param a - the array, or an export of it.
 * @param options - `bins` (required), `min`, `max`, and `signal`.
 * @returns a promise of a `Float64Array` of `bins` counts.
 * @throws (rejects) RangeError `ERR_OUT_OF_RANGE` for `bins` that is not an integer from 1 to 2^24, a range that
 *   is not finite with `min <= max`, a range taken from data whose elements are all NaN, and wherever numpy raises:
 *   a range too narrow (or too wide) for `bins` distinct finite edges, or an element whose bin index numpy cannot
 *   place; TypeError `ERR_INVALID_ARG_TYPE` for missing or non-number options; otherwise as
 *   {@link sum}.
 *
 * @example
 * ```ts
 * import { histogram } from 'parabuf'
 * console.log(await histogram(new Float64Array([0, 1, 1, 2]), { bins: 2 })) // Float64Array [1, 3]
 * console.log(await histogram(new Float64Array([-1, -1e-17, 1e-17, 1]), { bins: 2 })) // Float64Array [2, 2], as numpy
 * ```
 *
 * @category Reductions
 */
export async function histogram(a: Reducible, options: HistogramOptions & AsyncOptions): Promise<Float64Array> {
  refuseExtraArguments('histogram', arguments.length, 2)
  refuseAxis('histogram', options)
  return (await runAsync('histogram', histogramParams(options), options, a)) as Float64Array
}

/**
 * Synchronous {@link histogram}.
 *
 * @param a - the array, or an export of it.
 * @param options - `bins` (required), `min`, `max`.
 * @throws as {@link histogram}, synchronously.
 *
 * @example
 * ```ts
 * import { histogramSync } from 'parabuf'
 * console.log(histogramSync(new Uint8Array([1, 2, 200]), { bins: 4, min: 0, max: 256 })) // Float64Array [2, 0, 0, 1]
 * ```
 *
 * @category Reductions
 */
export function histogramSync(a: Reducible, options: HistogramOptions): Float64Array {
  refuseExtraArguments('histogramSync', arguments.length, 2)
  refuseAxis('histogramSync', options)
  return runSync('histogram', histogramParams(options), a) as Float64Array
}

/**
 * Sets every element to `value`, storing exactly what `a[i] = value` would store (integer wrapping, `Uint8Clamped`
 * rounding, float rounding). Takes a write export.
 *
 * @typeParam A - the array's type.
 * @param a - the array, or a write export of it.
 * @param value - a `bigint` for 64-bit integer arrays, else a `number`.
 * @param options - `signal` to abort.
 * @returns a promise of the same array object.
 * @throws (rejects) {@link BorrowError} when any export of the bytes is live or a read export is passed; TypeError
 *   `ERR_INVALID_ARG_TYPE` for a value of the wrong type; otherwise as {@link sum}.
 *
 * @example
 * ```ts
 * import { fill } from 'parabuf'
 * const a = await fill(new Float64Array(1e7), 0.5)
 * ```
 *
 * @category In-place
 */
export async function fill<A extends NumericArray>(a: WritableInput<A>, value: ElementOf<A>, options?: AsyncOptions): Promise<A> {
  refuseExtraArguments('fill', arguments.length, 3)
  refuseAxis('fill', options)
  await runAsync('fill', { value: scalarArg(value, 'value') }, options, a)
  return arrayOf(a)
}

/**
 * Synchronous {@link fill}.
 *
 * @typeParam A - the array's type.
 * @param a - the array, or a write export of it.
 * @param value - a `bigint` for 64-bit integer arrays, else a `number`.
 * @returns the same array object.
 * @throws as {@link fill}, synchronously.
 *
 * @example
 * ```ts
 * import { fillSync } from 'parabuf'
 * fillSync(new Uint8ClampedArray(4), 300) // Uint8ClampedArray [255, 255, 255, 255]
 * ```
 *
 * @category In-place
 */
export function fillSync<A extends NumericArray>(a: WritableInput<A>, value: ElementOf<A>): A {
  refuseExtraArguments('fillSync', arguments.length, 2)
  runSync('fill', { value: scalarArg(value, 'value') }, a)
  return arrayOf(a)
}

/**
 * In place, `a[i] = a[i] * factor + offset`, computed in double precision (not fused) and stored exactly as JavaScript
 * assignment would. For 64-bit integer arrays `factor` and `offset` are `bigint`s and the arithmetic wraps modulo 2^64.
 *
 * @typeParam A - the array's type.
 * @param a - the array, or a write export of it.
 * @param factor - the multiplier.
 * @param offset - the addend (default `0` / `0n`).
 * @param options - `signal` to abort.
 * @returns a promise of the same array object.
 * @throws (rejects) as {@link fill}.
 *
 * @example
 * ```ts
 * import { scale } from 'parabuf'
 * const celsius = new Float32Array([0, 100])
 * await scale(celsius, 9 / 5, 32) // Float32Array [32, 212]
 * ```
 *
 * @category In-place
 */
export async function scale<A extends NumericArray>(
  a: WritableInput<A>,
  factor: ElementOf<A>,
  offset?: ElementOf<A>,
  options?: AsyncOptions,
): Promise<A> {
  refuseExtraArguments('scale', arguments.length, 4)
  refuseAxis('scale', options)
  await runAsync('scale', scaleParams(factor, offset), options, a)
  return arrayOf(a)
}

function scaleParams(factor: unknown, offset: unknown): { factor: number | bigint; offset: number | bigint } {
  const f = scalarArg(factor, 'factor')
  return { factor: f, offset: offset === undefined ? (typeof f === 'bigint' ? 0n : 0) : scalarArg(offset, 'offset') }
}

/**
 * Synchronous {@link scale}.
 *
 * @typeParam A - the array's type.
 * @param a - the array, or a write export of it.
 * @param factor - the multiplier: a `bigint` for 64-bit integer arrays, else a `number`.
 * @param offset - the addend (default `0` / `0n`), of the same type as `factor`.
 * @returns the same array object.
 * @throws as {@link fill}, synchronously.
 *
 * @example
 * ```ts
 * import { scaleSync } from 'parabuf'
 * scaleSync(new Int16Array([1, 2]), 3, 1) // Int16Array [4, 7]
 * ```
 *
 * @category In-place
 */
export function scaleSync<A extends NumericArray>(a: WritableInput<A>, factor: ElementOf<A>, offset?: ElementOf<A>): A {
  refuseExtraArguments('scaleSync', arguments.length, 3)
  runSync('scale', scaleParams(factor, offset), a)
  return arrayOf(a)
}

/**
 * In place, `dst[i] += src[i]`, stored exactly as JavaScript's `+=` would. `dst` takes a write export and `src` a read
 * export, so overlapping arguments — `add(a, a)` included — raise {@link BorrowError}.
 *
 * @typeParam A - the array's type.
 * @param dst - the array to add into, or a write export of it.
 * @param src - the array to add: same element type and length.
 * @param options - `signal` to abort.
 * @returns a promise of `dst`'s array object.
 * @throws (rejects) {@link BorrowError} for overlapping arguments or live exports; TypeError
 *   `ERR_PARABUF_TYPE_MISMATCH` or RangeError `ERR_PARABUF_LENGTH_MISMATCH` for mismatched arrays; otherwise as
 *   {@link sum}.
 *
 * @example
 * ```ts
 * import { add } from 'parabuf'
 * const total = new Float64Array([1, 2])
 * await add(total, new Float64Array([10, 20])) // Float64Array [11, 22]
 * ```
 *
 * @category In-place
 */
export async function add<A extends NumericArray>(dst: WritableInput<A>, src: Input<A>, options?: AsyncOptions): Promise<A> {
  refuseExtraArguments('add', arguments.length, 3)
  refuseAxis('add', options)
  await runAsync('add', undefined, options, dst, src)
  return arrayOf(dst)
}

/**
 * Synchronous {@link add}.
 *
 * @typeParam A - the array's type.
 * @param dst - the array to add into, or a write export of it.
 * @param src - the array to add, of the same element type and length, or an export of it.
 * @returns `dst`'s array object.
 * @throws as {@link add}, synchronously.
 *
 * @example
 * ```ts
 * import { addSync } from 'parabuf'
 * addSync(new Uint8Array([250]), new Uint8Array([10])) // Uint8Array [4]
 * ```
 *
 * @category In-place
 */
export function addSync<A extends NumericArray>(dst: WritableInput<A>, src: Input<A>): A {
  refuseExtraArguments('addSync', arguments.length, 2)
  runSync('add', undefined, dst, src)
  return arrayOf(dst)
}

/**
 * Sorts in place in ascending numeric order, exactly as `TypedArray.prototype.sort()` without a comparator: `-0`
 * before `+0`, every `NaN` last. A parallel radix sort.
 *
 * A {@link StridedView} of several dimensions is sorted along its last axis, each lane on its own, as numpy's
 * `a.sort()` does; `axis` picks another (one axis, negative counting from the end). Lanes are copied and sorted on
 * all cores, whole lanes per task, and written back through the view once every lane is sorted.
 *
 * Arrays of 32- and 64-bit elements are sorted on a private copy, which takes twice the array's size in memory while
 * the sort runs; the result lands all at once. From 32 MiB up, that memory is kept for 10 seconds after the sort,
 * for the next sort of a similar size to reuse, and then freed: repeated sorts of a large array skip the cost of
 * fresh pages (a sort of 10^8 doubles keeps 1.6 GB meanwhile).
 *
 * @typeParam A - the array's type.
 * @param a - the array, a write export of it, or a view of either.
 * @param options - `axis` (for a view: the axis to sort along, see {@link AxisOptions}; the last by default) and
 *   `signal` to abort.
 * @returns a promise of the same array object (for a view, its array).
 * @throws (rejects) as {@link fill}; RangeError `ERR_OUT_OF_RANGE` when the private copy cannot be allocated (the
 *   array is left as it was), or for an axis outside the view's dimensions; TypeError `ERR_INVALID_ARG_VALUE` for
 *   more than one axis.
 *
 * @example
 * ```ts
 * import { sort, view } from 'parabuf'
 * await sort(new Float64Array([3, NaN, -0, 0, -1])) // Float64Array [-1, -0, 0, 3, NaN]
 * // Each row of a 2 × 3 matrix, then each column.
 * const m = new Int32Array([3, 1, 2, 9, 7, 8])
 * await sort(view(m, { shape: [2, 3] })) // Int32Array [1, 2, 3, 7, 8, 9]
 * await sort(view(m, { shape: [2, 3] }), { axis: 0 })
 * ```
 *
 * @category Ordering
 */
export async function sort<A extends NumericArray>(
  a: WritableInput<A>,
  options?: Partial<AxisOptions> & AsyncOptions,
): Promise<A> {
  refuseExtraArguments('sort', arguments.length, 2)
  await runAsync('sort', axisParams(options, undefined), options, a)
  return arrayOf(a)
}

/**
 * Synchronous {@link sort}.
 *
 * @typeParam A - the array's type.
 * @param a - the array, a write export of it, or a view of either.
 * @param options - `axis`: for a view, the axis to sort along (see {@link AxisOptions}; the last by default).
 * @returns the same array object.
 * @throws as {@link sort}, synchronously.
 *
 * @example
 * ```ts
 * import { sortSync } from 'parabuf'
 * sortSync(new Int32Array([3, 1, 2])) // Int32Array [1, 2, 3]
 * ```
 *
 * @category Ordering
 */
export function sortSync<A extends NumericArray>(a: WritableInput<A>, options?: Partial<AxisOptions>): A {
  refuseExtraArguments('sortSync', arguments.length, 2)
  runSync('sort', axisParams(options, undefined), a)
  return arrayOf(a)
}
