// Strided views: `view(data, { shape, strides, offset })` and scijs `ndarray` objects. A view carries the caller's
// numbers to the binding, which checks them against the array's real length from its internal slots at the moment of
// use and exports exactly the elements they reach; nothing here is trusted for memory.
import { arrayOf as exportArray, type Export, isExport } from './borrow.js'
import { makeError, refuseExtraArguments } from './errors.js'
import { apply, freeze, isArray, isNativeError, typedArrayLength } from './intrinsics.js'
import { describe, kindOf } from './kinds.js'
import type { Mode, NumericArray } from './types.js'

/** What the binding needs of a view: its data and its `[shape, strides, offset]` (strides and offset may be absent). */
export interface ViewParts {
  readonly data: unknown
  readonly layout: [readonly number[], readonly number[] | undefined, number | undefined]
  /** The number of elements the view reaches (the product of its shape). */
  readonly length: number
}

let partsOf: (value: object) => ViewParts | undefined
// Set only while view() constructs a StridedView.
let issuing: { data: NumericArray | Export; shape: readonly number[]; strides: readonly number[]; offset: number; given: boolean } | undefined

/**
 * A strided, N-dimensional view of a typed array's elements, from {@link view}: element `[i, j, …]` is
 * `data[offset + i * strides[0] + j * strides[1] + …]`. Pass it to any operation in place of an array: the operation
 * sees the view's elements in row-major order of their indices (the last index fastest), and an in-place operation
 * writes through it. Immutable.
 *
 * Borrowing memory through a view exports exactly the elements it reaches: two views whose elements are disjoint (the
 * even and odd columns of a matrix) may be written at the same time, decided exactly as `numpy.shares_memory` decides.
 * A view whose indices reach one element twice (a zero stride) can be read but not written.
 *
 * Operations copy a view's elements into a contiguous buffer of parabuf's own before they run (one copy per argument,
 * and one back for an argument they write), unless the view is a contiguous row-major run of its array, which is
 * exported and read in place like a subarray.
 *
 * @typeParam A - the array's type.
 *
 * @example
 * ```ts
 * import { view, sumSync } from 'parabuf'
 * // A 2 × 3 matrix, row-major: [[1, 2, 3], [4, 5, 6]].
 * const m = view(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] })
 * const column1 = view(m.data, { shape: [2], strides: [3], offset: 1 }) // [2, 5]
 * console.log(sumSync(column1)) // 7
 * ```
 * @category Views
 */
export class StridedView<A extends NumericArray = NumericArray> {
  readonly #data: A | Export<A, Mode>
  readonly #shape: readonly number[]
  readonly #strides: readonly number[]
  readonly #offset: number
  readonly #given: boolean

  static {
    partsOf = (value) => {
      if (!(#data in value)) return undefined
      const self = value as StridedView
      return {
        data: self.#data,
        layout: [self.#shape, self.#given ? self.#strides : undefined, self.#offset],
        length: product(self.#shape),
        strides: self.#strides,
      } as ViewParts
    }
  }

  /** @internal Use {@link view}. */
  constructor() {
    if (issuing === undefined) {
      throw makeError('ERR_INVALID_ARG_TYPE', 'StridedView cannot be constructed directly: use view(data, { shape })')
    }
    this.#data = issuing.data as A | Export<A, Mode>
    this.#shape = issuing.shape
    this.#strides = issuing.strides
    this.#offset = issuing.offset
    this.#given = issuing.given
    freeze(this)
  }

  /** The array (or export) whose elements the view reaches. */
  get data(): A | Export<A, Mode> {
    return checked(this, 'data').data as A | Export<A, Mode>
  }

  /** The extent of each dimension (frozen). */
  get shape(): readonly number[] {
    return checked(this, 'shape').layout[0]
  }

  /** The step between neighbours along each dimension, in elements (frozen; row-major contiguous unless given). */
  get strides(): readonly number[] {
    return checked(this, 'strides').strides
  }

  /** The index in `data` of element `[0, 0, …]`. */
  get offset(): number {
    return checked(this, 'offset').layout[2] ?? 0
  }

  /** The number of elements the view reaches: the product of its shape. */
  get length(): number {
    return checked(this, 'length').length
  }
}

/** The parts of `receiver` when it is a StridedView made by view(), or a coded error (a brand check). */
function checked(receiver: unknown, member: string): ViewParts & { strides: readonly number[] } {
  const parts = typeof receiver === 'object' && receiver !== null ? partsOf(receiver) : undefined
  if (parts === undefined) {
    throw makeError('ERR_INVALID_ARG_TYPE', `StridedView.prototype.${member} read on an object that is not a view from view()`)
  }
  return parts as ViewParts & { strides: readonly number[] }
}

/**
 * A scijs `ndarray` (from the `ndarray` package), as every operation accepts it: its `data`, `shape`, `stride` and
 * `offset` are read once per call, and mean what a {@link view}'s do.
 *
 * @typeParam A - the array's type.
 *
 * @example
 * ```ts
 * import ndarray from 'ndarray'
 * import { sumSync } from 'parabuf'
 * const m = ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3])
 * console.log(sumSync(m.pick(null, 0))) // 5: the first column
 * ```
 * @category Views
 */
export interface NdArrayLike<A extends NumericArray = NumericArray> {
  /** The array. */
  readonly data: A
  /** The extent of each dimension. */
  readonly shape: readonly number[]
  /** The step between neighbours along each dimension, in elements. */
  readonly stride: readonly number[]
  /** The index in `data` of element `[0, 0, …]`. */
  readonly offset: number
}

/**
 * The shape, strides and offset of a {@link view}.
 *
 * @example
 * ```ts
 * import { view, type ViewOptions } from 'parabuf'
 * const transposed: ViewOptions = { shape: [3, 2], strides: [1, 3] }
 * const t = view(new Float64Array(6), transposed)
 * ```
 * @category Views
 */
export interface ViewOptions {
  /** The extent of each dimension: non-negative integers (at most 32 dimensions). */
  shape: readonly number[]
  /**
   * The step between neighbours along each dimension, in elements: any integers, negative (reversed) or zero
   * (broadcast, read-only).
   *
   * @defaultValue row-major contiguous: `[shape[1] * shape[2] * …, …, shape[n-1], 1]`
   */
  strides?: readonly number[]
  /**
   * The index in `data` of element `[0, 0, …]`.
   *
   * @defaultValue `0`
   */
  offset?: number
}

/**
 * A strided view of `data`'s elements (see {@link StridedView}). The numbers are checked here to be integers of the
 * right count; that the view stays within `data` is checked against the array's real length whenever an operation
 * uses it (and throws then, before any element is touched).
 *
 * @typeParam A - the array's type.
 * @param data - any typed array, or an export of one.
 * @param options - `shape`, and `strides` and `offset` in elements.
 * @returns the view.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for `data` that is not a typed array or export, or a shape or strides that
 *   are not arrays of numbers; RangeError `ERR_OUT_OF_RANGE` for a non-integer or negative extent, a non-integer
 *   stride or offset; TypeError `ERR_INVALID_ARG_VALUE` for strides of another count than the shape.
 *
 * @example
 * ```ts
 * import { view, meanSync } from 'parabuf'
 * const image = new Uint8Array(4 * 4 * 3) // 4 × 4 pixels, RGB
 * const green = view(image, { shape: [4, 4], strides: [12, 3], offset: 1 })
 * console.log(meanSync(green)) // 0
 * ```
 * @category Views
 */
export function view<A extends NumericArray>(data: A | Export<A, Mode>, options: ViewOptions): StridedView<A> {
  refuseExtraArguments('view', arguments.length, 2)
  if (!isExport(data) && kindOf(data) === undefined) {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "data" argument must be a TypedArray or a parabuf export. Received ${describe(data)}`)
  }
  if (typeof options !== 'object' || options === null) {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "options" argument must be an object with a shape. Received ${describe(options)}`)
  }
  let checkedLayout: ReturnType<typeof layoutOf>
  try {
    const { shape, strides, offset } = options as { shape?: unknown; strides?: unknown; offset?: unknown }
    checkedLayout = layoutOf(data as NumericArray | Export, shape, strides, offset, 'view()')
  } catch (error) {
    // A getter or a proxy trap of the caller's threw: a coded error, the caller's own as its cause.
    if (isCoded(error)) throw error
    throw makeError('ERR_INVALID_ARG_VALUE', 'reading the view() options threw (the error is the cause)', error)
  }
  issuing = checkedLayout
  try {
    return new StridedView<A>()
  } finally {
    issuing = undefined
  }
}

/** Whether `error` is one of parabuf's own coded errors (made by makeError, so an own `code`). */
function isCoded(error: unknown): boolean {
  return isNativeError(error) && typeof (error as { code?: unknown }).code === 'string'
}

/** The checked numbers of a view, with the strides defaulted to row-major. */
function layoutOf(data: NumericArray | Export, shape: unknown, strides: unknown, offset: unknown, what: string) {
  const extents = integers(shape, `${what} shape`, 0)
  const steps = strides === undefined ? undefined : integers(strides, `${what} strides`, -Infinity)
  if (steps !== undefined && steps.length !== extents.length) {
    throw makeError('ERR_INVALID_ARG_VALUE', `${what} strides has ${steps.length} entries but the shape has ${extents.length}`)
  }
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)) {
    throw makeError('ERR_OUT_OF_RANGE', `${what} offset must be a non-negative integer. Received ${describe(offset)}`)
  }
  const rowMajor: number[] = []
  let step = 1
  for (let k = extents.length - 1; k >= 0; k--) {
    rowMajor[k] = step
    step *= extents[k]!
  }
  return { data, shape: freeze(extents), strides: freeze(steps ?? rowMajor), offset: (offset as number | undefined) ?? 0, given: steps !== undefined }
}

/** A fresh array of the integers in `value` (each read once), each at least `min`. */
function integers(value: unknown, what: string, min: number): number[] {
  if (!isArray(value)) throw makeError('ERR_INVALID_ARG_TYPE', `${what} must be an array of integers. Received ${describe(value)}`)
  const length = (value as unknown[]).length
  if (length > 32) throw makeError('ERR_OUT_OF_RANGE', `${what} has ${length} entries; a view has at most 32 dimensions`)
  const out: number[] = []
  for (let k = 0; k < length; k++) {
    const n = (value as unknown[])[k]
    if (typeof n !== 'number') throw makeError('ERR_INVALID_ARG_TYPE', `${what}[${k}] must be a number. Received ${describe(n)}`)
    if (!Number.isSafeInteger(n) || n < min) {
      throw makeError('ERR_OUT_OF_RANGE', `${what}[${k}] must be ${min === 0 ? 'a non-negative' : 'an'} integer. Received ${n}`)
    }
    out[k] = n
  }
  return out
}

/** The product of `extents` (1 for none). */
function product(extents: readonly number[]): number {
  let n = 1
  for (let k = 0; k < extents.length; k++) n *= extents[k]!
  return n
}

/**
 * The view behind `value`: a {@link StridedView}, or a scijs `ndarray` (`{ data, shape, stride, offset }`, each read
 * once here); `undefined` for anything else.
 */
export function viewParts(value: unknown): ViewParts | undefined {
  if (typeof value !== 'object' || value === null || kindOf(value) !== undefined || isExport(value)) return undefined
  const own = partsOf(value)
  if (own !== undefined) return own
  // A scijs ndarray: duck-typed, as the package itself is (its class differs per dtype and dimension count).
  let data: unknown
  let shape: unknown
  let stride: unknown
  let offset: unknown
  try {
    if (!('data' in value && 'shape' in value && 'stride' in value)) return undefined
    ;({ data, shape, stride, offset } = value as { data: unknown; shape: unknown; stride: unknown; offset: unknown })
  } catch {
    return undefined
  }
  if (!isExport(data) && kindOf(data) === undefined) return undefined
  const checked = layoutOf(data as NumericArray | Export, shape, stride, offset, 'ndarray')
  return { data, layout: [checked.shape, checked.strides, checked.offset], length: product(checked.shape) }
}

/** The number of elements an operation sees in `value`: a view's count, an export's or array's length. */
export function elementCount(value: unknown, exportedLength: (handle: Export) => number): number | undefined {
  const parts = viewParts(value)
  if (parts !== undefined) return parts.length
  if (isExport(value)) return exportedLength(value)
  return kindOf(value) === undefined ? undefined : (apply(typedArrayLength, value, []) as number)
}

/** The array an in-place operation wrote: a view's data (or its export's array), an export's array, or the array. */
export function writtenArray(value: unknown): NumericArray {
  const parts = viewParts(value)
  const target = parts === undefined ? value : parts.data
  return isExport(target) ? exportArray(target) : (target as NumericArray)
}

