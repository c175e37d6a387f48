// Expressions: `compile`, `evaluate`, and the `Expression` and `BoundExpression` classes. What an expression is, what
// its variables are and which memory it reads or writes are decided natively (a type-tagged handle, engine state at the
// moment of use); the objects here only carry the caller's values to the binding.
import { arrayOf, type Export, exportedLength, isExport } from './borrow.js'
import { makeError, refuseExtraArguments, translate } from './errors.js'
import { append, construct as reflectConstruct, freeze } from './intrinsics.js'
import { bytesPerElementOf, describe, isBigIntKind, kindOf } from './kinds.js'
import { native } from './native.js'
import { elementCount, viewParts } from './view.js'
import {
  type AsyncOptions,
  evaluateAsync as runIntoAsync,
  evaluateSync as runIntoSync,
  type ExpressionCall,
  prepare,
  recogniseBoundExpressions,
} from './operations.js'
import type { NumberArray } from './types.js'
import type { NdArrayLike, StridedView } from './view.js'

/**
 * The value of one variable of an expression: a number (the same for every element), or an array of numbers (any
 * typed array but `BigInt64Array` and `BigUint64Array`, or an export of one), read element by element as JavaScript
 * reads it.
 *
 * @example
 * ```ts
 * import { evaluateSync, type ExpressionInput } from 'parabuf'
 * const x: ExpressionInput = new Int16Array([1, 2, 3])
 * const k: ExpressionInput = 0.5
 * console.log(evaluateSync('x * k', { x, k })) // Float64Array [0.5, 1, 1.5]
 * ```
 * @category Expressions
 */
export type ExpressionInput = number | NumberArray | Export<NumberArray> | StridedView<NumberArray> | NdArrayLike<NumberArray>

/**
 * The inputs of an expression: one {@link ExpressionInput} per variable, by name. Every array among them must have the
 * same length.
 *
 * @example
 * ```ts
 * import type { ExpressionInputs } from 'parabuf'
 * const inputs: ExpressionInputs = { x: new Float64Array([3, 4]), y: new Float64Array([4, 3]) }
 * ```
 * @category Expressions
 */
export type ExpressionInputs = Readonly<Record<string, ExpressionInput>>

/**
 * A constructor of the arrays an expression can write: any typed array constructor but `BigInt64Array` and
 * `BigUint64Array` (or a subclass, such as `Buffer`'s).
 *
 * @typeParam A - the arrays it makes.
 *
 * @example
 * ```ts
 * import { evaluateSync, type OutputType } from 'parabuf'
 * const Type: OutputType<Uint8ClampedArray> = Uint8ClampedArray
 * console.log(evaluateSync('x * 300', { x: new Float64Array([0.5, 1]) }, { type: Type })) // Uint8ClampedArray [150, 255]
 * ```
 * @category Expressions
 */
export type OutputType<A extends NumberArray> = {
  /** @param length - the number of elements. */
  new (length: number): A
}

/**
 * Options of {@link Expression.run}, {@link Expression.runSync}, {@link evaluate} and {@link evaluateSync}.
 *
 * @typeParam A - the output's type.
 *
 * @example
 * ```ts
 * import { evaluateSync, type RunOptions } from 'parabuf'
 * const x = new Float32Array([1, 2, 3])
 * const options: RunOptions<Float32Array> = { out: x }
 * evaluateSync('x * 2', { x }, options) // x is now Float32Array [2, 4, 6]
 * ```
 * @category Expressions
 */
export interface RunOptions<A extends NumberArray = Float64Array> {
  /**
   * The array (or write export) to store the values into, converting each as `out[i] = value` does: wrapping for
   * integer arrays, clamping for `Uint8ClampedArray`, rounding for `Float32Array`. It must have the inputs' length. It
   * may be one of the inputs at exactly the same position (`x = x * 2`, in place: each element is read before it is
   * written), but not overlap one at a shift.
   *
   * @defaultValue a new array of `type`, of the inputs' length.
   */
  out?: A | Export<A, 'write'>
  /**
   * The constructor of the new output, when no `out` is given; with `out`, it must make arrays of `out`'s type.
   *
   * @defaultValue `Float64Array`
   */
  type?: OutputType<A>
}

/** The native handle of each compiled expression: only `Expression` objects made here have one. */
let handleOf: (expression: Expression) => object
let isExpressionImpl: (value: object) => boolean

/** `receiver` as an Expression made by compile(), or a coded error (a brand check: no prototype or copy passes). */
function expressionOf(receiver: unknown, method: string): Expression {
  if (typeof receiver !== 'object' || receiver === null || !isExpressionImpl(receiver)) {
    throw makeError('ERR_INVALID_ARG_TYPE', `Expression.prototype.${method} called on an object that is not an Expression from compile()`)
  }
  return receiver as Expression
}
// Set only while compile() constructs an Expression: the constructor is internal.
let issuing: { handle: object; source: string; variables: readonly string[] } | undefined

/**
 * A compiled expression, from {@link compile}: run it on arrays with {@link Expression.run} or
 * {@link Expression.runSync}, or {@link Expression.bind} it to inputs for a reduction.
 *
 * The language: numbers (`1`, `.5`, `1e-3`, `0x1F`, `Infinity`, `NaN`), the constants `PI` and `E`, variables; `+ - * /
 * %` and `**` (right-associative), unary `-`, `+` and `!`; comparisons `< <= > >= == != === !==` (1 or 0); `&&`, `||`,
 * `c ? x : y`; parentheses; the functions `abs sign sqrt cbrt exp expm1 log log1p log2 log10 sin cos tan asin acos atan
 * sinh cosh tanh asinh acosh atanh floor ceil round trunc` (one argument), `atan2 pow` (two), `where(c, x, y)` and
 * `clamp(x, lo, hi)` (three), `min max hypot` (one or more).
 *
 * Every element is computed in doubles as JavaScript computes the same expression with `Math.*`: `%` is JavaScript's
 * remainder, `round` is `Math.round`, `min` and `max` propagate `NaN` and order `-0` before `+0`, `clamp(x, lo, hi)` is
 * `Math.min(Math.max(x, lo), hi)`, `where(c, x, y)` is `c ? x : y`; 0, `-0` and `NaN` are false. `+ - * /`, `%`,
 * comparisons, logic, `abs sign sqrt floor ceil round trunc min max clamp` give V8's bits exactly; the other functions
 * are within 1 ulp of the correctly rounded value and give the same bits on every platform.
 *
 * A source nested more than 256 levels deep (parentheses, calls, unary operators, conditionals), or one that needs more
 * than 512 intermediate values at once, is refused with `ERR_PARABUF_EXPRESSION_SYNTAX`.
 *
 * @example
 * ```ts
 * import { compile } from 'parabuf'
 * const length = compile('sqrt(x*x + y*y)')
 * console.log(length.variables) // ['x', 'y']
 * console.log(length.runSync({ x: new Float64Array([3, 5]), y: new Float64Array([4, 12]) })) // Float64Array [5, 13]
 * ```
 * @category Expressions
 */
export class Expression {
  readonly #handle: object
  /** The source it was compiled from. */
  readonly source: string
  /** The variables, in order of first appearance in the source (frozen). */
  readonly variables: readonly string[]

  static {
    handleOf = (expression) => expression.#handle
    isExpressionImpl = (value) => #handle in value
  }

  /** @internal Use {@link compile}. */
  constructor() {
    if (issuing === undefined) {
      throw makeError('ERR_INVALID_ARG_TYPE', 'Expression cannot be constructed directly: use compile(source)')
    }
    this.#handle = issuing.handle
    this.source = issuing.source
    this.variables = issuing.variables
    freeze(this)
  }

  /**
   * Computes the expression for every element, off the JavaScript thread, into a new array or `options.out`. An abort
   * leaves `out` partly written (whole blocks of elements, in no promised order); no input is written, but the one
   * that is also `out`.
   *
   * @typeParam A - the output's type.
   * @param inputs - one value per variable (see {@link ExpressionInputs}).
   * @param options - `out`, `type` (see {@link RunOptions}) and `signal`.
   * @returns a promise of the output array.
   * @throws (rejects) TypeError `ERR_INVALID_ARG_TYPE` for an input that is not a number or an array of numbers, a
   *   `BigInt64Array`/`BigUint64Array` input or output, or an unsupported `type`; TypeError `ERR_INVALID_ARG_VALUE` for
   *   a missing or unknown input; RangeError `ERR_PARABUF_LENGTH_MISMATCH` for arrays of different lengths;
   *   {@link BorrowError} when `out` overlaps an input other than at exactly its position, or an export blocks an
   *   array; {@link AbortError} when aborted.
   *
   * @example
   * ```ts
   * import { compile } from 'parabuf'
   * const axpy = compile('a * x + y')
   * const x = new Float64Array([1, 2]), y = new Float64Array([10, 20])
   * await axpy.run({ a: 2, x, y }, { out: y }) // y is now Float64Array [12, 24]
   * ```
   */
  async run<A extends NumberArray = Float64Array>(inputs: ExpressionInputs, options?: RunOptions<A> & AsyncOptions): Promise<A> {
    refuseExtraArguments('run', arguments.length, 2)
    return runAsync(expressionOf(this, 'run'), inputs, options, 'run') as Promise<A>
  }

  /**
   * Synchronous {@link Expression.run}: computes on all cores while the calling thread waits.
   *
   * @typeParam A - the output's type.
   * @param inputs - one value per variable (see {@link ExpressionInputs}).
   * @param options - `out` and `type` (see {@link RunOptions}).
   * @returns the output array.
   * @throws as {@link Expression.run}, synchronously.
   *
   * @example
   * ```ts
   * import { compile } from 'parabuf'
   * const clip = compile('clamp(v, 0, 255)')
   * console.log(clip.runSync({ v: new Float32Array([-3, 7.5, 300]) }, { type: Uint8Array })) // Uint8Array [0, 7, 255]
   * ```
   */
  runSync<A extends NumberArray = Float64Array>(inputs: ExpressionInputs, options?: RunOptions<A>): A {
    refuseExtraArguments('runSync', arguments.length, 2)
    return runSync(expressionOf(this, 'runSync'), inputs, options, 'runSync') as A
  }

  /**
   * Binds the expression to inputs, for a reduction: `sum(e.bind(inputs))` sums the values without an array of them.
   * The reductions accept it in place of their array: `sum`, `mean`, `min`, `max`, `minmax`, `argmin`, `argmax`,
   * `variance`, `std`, `norm`, `histogram` and `countNonZero` consume the values block by block (the same bits as on an
   * array of them); `median`, `argsort`, `topk` and `unique`, which need the values together, compute them into a
   * buffer of parabuf's own first (8 bytes per element). Operations that write their array, take two, or take a
   * second array (`quantile`, `searchsorted`) refuse it with `ERR_INVALID_ARG_TYPE`. The inputs are checked for their types now,
   * and for their lengths and exports when a reduction runs.
   *
   * @param inputs - one value per variable (see {@link ExpressionInputs}).
   * @returns the bound expression.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` or `ERR_INVALID_ARG_VALUE` as {@link Expression.run}.
   *
   * @example
   * ```ts
   * import { compile, sumSync } from 'parabuf'
   * const a = new Float64Array([1, 2, 3]), b = new Float64Array([1, 0, 5])
   * console.log(sumSync(compile('(a - b) ** 2').bind({ a, b }))) // 8
   * ```
   */
  bind(inputs: ExpressionInputs): BoundExpression {
    refuseExtraArguments('bind', arguments.length, 1)
    const expression = expressionOf(this, 'bind')
    bindingIssue = { expression, values: inputsInOrder(expression, inputs, 'bind') }
    try {
      return new BoundExpression()
    } finally {
      bindingIssue = undefined
    }
  }
}

/** A run into a new array or `options.out`, off the JavaScript thread: the output. */
async function runAsync(expression: Expression, inputs: unknown, options: unknown, operation: string): Promise<unknown> {
  const { call, out } = start(expression, inputs, options, operation)
  await runIntoAsync(call, out, options as AsyncOptions | undefined)
  return outputArray(out)
}

/** A run into a new array or `options.out`, on all cores while the calling thread waits: the output. */
function runSync(expression: Expression, inputs: unknown, options: unknown, operation: string): unknown {
  const { call, out } = start(expression, inputs, options, operation)
  runIntoSync(call, out)
  return outputArray(out)
}

/** The call and the output of a run. */
function start(expression: Expression, inputs: unknown, options: unknown, operation: string): { call: ExpressionCall; out: unknown } {
  const values = inputsInOrder(expression, inputs, operation)
  const { out, type } = runOptions(options)
  const target = out !== undefined ? checkedOut(out, type) : newOutput(type, expression, values)
  return { call: callOf(expression, values, operation), out: target }
}

/** The values of a bound expression: only `BoundExpression` objects made by `bind` have them. */
let boundOf: (value: object) => { expression: Expression; values: readonly unknown[] } | undefined
// Set only while bind() constructs a BoundExpression.
let bindingIssue: { expression: Expression; values: readonly unknown[] } | undefined

/**
 * An {@link Expression} bound to its inputs by {@link Expression.bind}: pass it to a reduction in place of an array,
 * and the reduction consumes the expression's values as they are computed, block by block, without an array of them.
 *
 * @example
 * ```ts
 * import { compile, max } from 'parabuf'
 * const x = new Float64Array([1, -4, 2])
 * console.log(await max(compile('abs(x)').bind({ x }))) // 4
 * ```
 * @category Expressions
 */
export class BoundExpression {
  readonly #expression: Expression
  readonly #values: readonly unknown[]

  static {
    boundOf = (value) => (#expression in value ? { expression: value.#expression, values: value.#values } : undefined)
  }

  /** @internal Use {@link Expression.bind}. */
  constructor() {
    if (bindingIssue === undefined) {
      throw makeError('ERR_INVALID_ARG_TYPE', 'BoundExpression cannot be constructed directly: use expression.bind(inputs)')
    }
    this.#expression = bindingIssue.expression
    this.#values = bindingIssue.values
    freeze(this)
  }

  /** The expression. */
  get expression(): Expression {
    const bound = typeof this === 'object' && this !== null ? boundOf(this) : undefined
    if (bound === undefined) {
      throw makeError('ERR_INVALID_ARG_TYPE', 'BoundExpression.prototype.expression read on an object that is not a bound expression')
    }
    return bound.expression
  }
}

recogniseBoundExpressions((value, operation) => {
  if (typeof value !== 'object' || value === null) return undefined
  const bound = boundOf(value)
  return bound === undefined ? undefined : callOf(bound.expression, bound.values, operation)
})

/**
 * Compiles an expression's source once: the result runs any number of times, on any inputs. Compiled forms are cached
 * by source text (the last 256 sources of up to 4 KiB), so compiling the same source again is cheap.
 *
 * @param source - the expression (see {@link Expression} for the language).
 * @returns the compiled expression.
 * @throws SyntaxError `ERR_PARABUF_EXPRESSION_SYNTAX` for a source that is not an expression of the language, an
 *   unknown function or variable name, a wrong count of arguments, or nesting too deep; the message gives the column
 *   and the source with a caret under the offending character. TypeError `ERR_INVALID_ARG_TYPE` for a source that is
 *   not a string.
 *
 * @example
 * ```ts
 * import { compile } from 'parabuf'
 * const e = compile('v > t ? v : 0')
 * console.log(e.variables) // ['v', 't']
 * compile('sqrt(x') // throws SyntaxError ERR_PARABUF_EXPRESSION_SYNTAX, with a caret under column 7
 * ```
 * @category Expressions
 */
export function compile(source: string): Expression {
  refuseExtraArguments('compile', arguments.length, 1)
  if (typeof source !== 'string') {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "source" argument must be a string. Received ${describe(source)}`)
  }
  let handle: object
  let variables: string[]
  try {
    handle = native.expressionCompile(source)
    variables = native.expressionVariables(handle)
  } catch (error) {
    throw translate(error)
  }
  issuing = { handle, source, variables: freeze(variables) }
  try {
    return new Expression()
  } finally {
    issuing = undefined
  }
}

/**
 * Compiles `source` (cached) and runs it: `compile(source).run(inputs, options)`.
 *
 * @typeParam A - the output's type.
 * @param source - the expression (see {@link Expression} for the language).
 * @param inputs - one value per variable (see {@link ExpressionInputs}).
 * @param options - `out`, `type` (see {@link RunOptions}) and `signal`.
 * @returns a promise of the output array.
 * @throws (rejects) as {@link compile} and {@link Expression.run}.
 *
 * @example
 * ```ts
 * import { evaluate } from 'parabuf'
 * const x = new Float64Array(1_000_000).map((_, i) => i / 1e6)
 * const y = await evaluate('sin(x) * exp(-x*x)', { x }) // a Float64Array of 1e6 values
 * ```
 * @category Expressions
 */
export async function evaluate<A extends NumberArray = Float64Array>(
  source: string,
  inputs: ExpressionInputs,
  options?: RunOptions<A> & AsyncOptions,
): Promise<A> {
  refuseExtraArguments('evaluate', arguments.length, 3)
  return runAsync(compile(source), inputs, options, 'evaluate') as Promise<A>
}

/**
 * Synchronous {@link evaluate}: `compile(source).runSync(inputs, options)`.
 *
 * @typeParam A - the output's type.
 * @param source - the expression (see {@link Expression} for the language).
 * @param inputs - one value per variable (see {@link ExpressionInputs}).
 * @param options - `out` and `type` (see {@link RunOptions}).
 * @returns the output array.
 * @throws as {@link compile} and {@link Expression.run}, synchronously.
 *
 * @example
 * ```ts
 * import { evaluateSync } from 'parabuf'
 * const v = new Float64Array([0.2, 0.7, 0.4])
 * console.log(evaluateSync('v > t', { v, t: 0.3 }, { type: Uint8Array })) // Uint8Array [0, 1, 1]
 * ```
 * @category Expressions
 */
export function evaluateSync<A extends NumberArray = Float64Array>(
  source: string,
  inputs: ExpressionInputs,
  options?: RunOptions<A>,
): A {
  refuseExtraArguments('evaluateSync', arguments.length, 3)
  return runSync(compile(source), inputs, options, 'evaluateSync') as A
}

/** The caller's inputs as one value per variable, in the order of the variables; each property is read once. */
function inputsInOrder(expression: Expression, inputs: unknown, operation: string): unknown[] {
  if (typeof inputs !== 'object' || inputs === null) {
    throw makeError('ERR_INVALID_ARG_TYPE', `${operation}(): the "inputs" argument must be an object. Received ${describe(inputs)}`)
  }
  const { variables } = expression
  let names: string[]
  try {
    names = Object.keys(inputs)
  } catch (cause) {
    throw makeError('ERR_INVALID_ARG_VALUE', `${operation}(): listing the inputs threw`, cause)
  }
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!
    if (indexOf(variables, name) < 0) {
      throw makeError(
        'ERR_INVALID_ARG_VALUE',
        `${operation}(): input '${name}' is not a variable of the expression '${shortened(expression.source)}' (its variables: ${listed(variables)})`,
      )
    }
  }
  const values: unknown[] = []
  for (let k = 0; k < variables.length; k++) append(values, inputValue(expression, inputs as Record<string, unknown>, variables[k]!, operation))
  return values
}

/** The position of `name` in `names`, or -1 (a loop: `Array.prototype.indexOf` is a script's to replace). */
function indexOf(names: readonly string[], name: string): number {
  for (let k = 0; k < names.length; k++) if (names[k] === name) return k
  return -1
}

/** `names` joined by commas, or `none`. */
function listed(names: readonly string[]): string {
  let text = ''
  for (let k = 0; k < names.length; k++) text += (k === 0 ? '' : ', ') + names[k]
  return text === '' ? 'none' : text
}

/** A source as error messages quote it: at most 200 characters. */
function shortened(source: string): string {
  return source.length <= 200 ? source : `${source.slice(0, 197)}...`
}

/** The input of variable `name`, read once and checked for its type. */
function inputValue(expression: Expression, inputs: Record<string, unknown>, name: string, operation: string): unknown {
  let value: unknown
  try {
    value = inputs[name]
  } catch (cause) {
    throw makeError('ERR_INVALID_ARG_VALUE', `${operation}(): reading inputs.${name} threw`, cause)
  }
  if (value === undefined) {
    throw makeError(
      'ERR_INVALID_ARG_VALUE',
      `${operation}(): the expression '${shortened(expression.source)}' uses the variable '${name}', but no input gives it a value`,
    )
  }
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') {
    throw makeError('ERR_INVALID_ARG_TYPE', `${operation}(): inputs.${name} is a bigint: expressions compute with numbers, not bigints`)
  }
  if (isExport(value) || viewParts(value) !== undefined || kindOf(value) !== undefined) return value
  throw makeError(
    'ERR_INVALID_ARG_TYPE',
    `${operation}(): inputs.${name} must be a number, a TypedArray, a view or a parabuf export. Received ${describe(value)}`,
  )
}

/** The binding's call for `values` (one per variable): arrays prepared now, from their internal slots. */
function callOf(expression: Expression, values: readonly unknown[], operation: string): ExpressionCall {
  const pairs: unknown[] = []
  const { variables } = expression
  for (let k = 0; k < variables.length; k++) {
    const value = values[k]
    if (typeof value === 'number') {
      append(pairs, value)
      append(pairs, 0)
      append(pairs, undefined)
    } else {
      const prepared = prepare(value, `inputs.${variables[k]}`, operation)
      append(pairs, prepared.value)
      append(pairs, prepared.kind)
      append(pairs, prepared.view)
    }
  }
  return { expression: handleOf(expression), values: pairs }
}

/** `out` and `type` from the options object. */
function runOptions(options: unknown): { out: unknown; type: unknown } {
  if (options === undefined) return { out: undefined, type: undefined }
  if (typeof options !== 'object' || options === null) {
    throw makeError('ERR_INVALID_ARG_TYPE', `The "options" argument must be an object. Received ${describe(options)}`)
  }
  const { out, type } = options as { out?: unknown; type?: unknown }
  return { out, type }
}

/** A new output of `type` (default `Float64Array`) with the length of the first array input. */
function newOutput(type: unknown, expression: Expression, values: readonly unknown[]): unknown {
  let first: unknown
  for (let k = 0; k < values.length && first === undefined; k++) if (typeof values[k] !== 'number') first = values[k]
  if (first === undefined) {
    throw makeError(
      'ERR_INVALID_ARG_VALUE',
      `the expression '${expression.source}' has no array input to take a length from: pass options.out`,
    )
  }
  // An export covers the bytes it was taken on, which its array (length-tracking, on a grown buffer) may outnumber.
  const length = elementCount(first, exportedLength) ?? 0
  return construct(type === undefined ? Float64Array : type, length)
}

/** `new type(length)`, checked to be an array of numbers by its internal slots. */
function construct(type: unknown, length: number): unknown {
  let made: unknown
  if (typeof type === 'function') {
    try {
      made = reflectConstruct(type, [length])
    } catch (cause) {
      throw makeError('ERR_INVALID_ARG_TYPE', 'options.type threw when constructing the output (the error is the cause)', cause)
    }
  }
  const kind = kindOf(made)
  if (kind === undefined || isBigIntKind(kind)) {
    throw makeError(
      'ERR_INVALID_ARG_TYPE',
      `options.type must be the constructor of a typed array of numbers (Float64Array, Int32Array, …). Received ${describe(type)}`,
    )
  }
  return made
}

/** `out`, checked against `type` when both are given (the binding checks the rest from the engine's state). */
function checkedOut(out: unknown, type: unknown): unknown {
  if (type !== undefined) {
    const wanted = kindOf(construct(type, 0))
    const array = isExport(out) ? arrayOf(out) : out
    if (kindOf(array) !== wanted) {
      throw makeError('ERR_INVALID_ARG_VALUE', `options.type makes ${describe(construct(type, 0))}, but options.out is ${describe(array)}`)
    }
  }
  return out
}

/** The array a run returns: `out` itself, or the array of the export passed as `out`. */
function outputArray(out: unknown): unknown {
  return isExport(out) ? arrayOf(out) : out
}
