// Expressions against V8 itself: random expressions over random data (NaN, ±0, ±Infinity, subnormals, huge values)
// evaluated by parabuf and by the same JavaScript expression with `Math.*`, stored into every number array type; the
// exact operators bit for bit, the other functions within the promised ulps. Then each bad input of the issue, `out`
// in place and through exports, fused reductions against materialised ones, abort, and thread-count determinism.
import { execFileSync } from 'node:child_process'

import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import { BLOCK, NUMBER_TYPES } from './helpers/arrays.js'
import { BOUND_REDUCTIONS } from './helpers/hardening/api.js'
import { borrowError, ledgerBaseline, rangeError, rejectsError, throwsError, typeError } from './helpers/ledger.js'
import { REDUCTIONS } from './helpers/reductions.js'

type NumberCtor = (typeof NUMBER_TYPES)[number]

/** An expression as parabuf's source and as the JavaScript that computes the same double. */
interface Source {
  readonly expr: string
  readonly js: string
}

const VARIABLES = ['x', 'y', 'z'] as const

/** Doubles that exercise every corner: specials, subnormals, huge values, halves (for round), small integers. */
const DOUBLE = fc.oneof(
  { weight: 3, arbitrary: fc.double() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
      -1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, 1, -1, 3, -7, 1e-300, 1e300),
  },
  { weight: 2, arbitrary: fc.integer({ min: -300, max: 300 }) },
)

/** A number literal as parabuf's source spells it (a negative one as a unary minus, parenthesised). */
function literal(x: number): Source {
  const text = Object.is(x, -0) ? '-0' : String(x)
  const spelled = text.startsWith('-') ? `(${text})` : text
  return { expr: spelled, js: spelled }
}

const call = (name: string, js: string) => (args: Source[]): Source => ({
  expr: `${name}(${args.map((a) => a.expr).join(', ')})`,
  js: `${js}(${args.map((a) => a.js).join(', ')})`,
})

/** Operators and functions whose results must be V8's bits. Comparisons and `!` are made numbers (`+`) in the
 * JavaScript, as parabuf's are 1 or 0. */
const EXACT_UNARY: readonly [string, (a: Source) => Source][] = [
  ['-', (a) => ({ expr: `(-${a.expr})`, js: `(-${a.js})` })],
  ['+', (a) => ({ expr: `(+${a.expr})`, js: `(+${a.js})` })],
  ['!', (a) => ({ expr: `(!${a.expr})`, js: `(+!${a.js})` })],
  ...['abs', 'sign', 'sqrt', 'floor', 'ceil', 'round', 'trunc'].map(
    (f): [string, (a: Source) => Source] => [f, (a) => call(f, `Math.${f}`)([a])],
  ),
]
const EXACT_BINARY: readonly [string, (a: Source, b: Source) => Source][] = [
  ...['+', '-', '*', '/', '%'].map((op): [string, (a: Source, b: Source) => Source] => [
    op,
    (a, b) => ({ expr: `(${a.expr} ${op} ${b.expr})`, js: `(${a.js} ${op} ${b.js})` }),
  ]),
  ...['<', '<=', '>', '>=', '==', '!=', '===', '!=='].map((op): [string, (a: Source, b: Source) => Source] => [
    op,
    (a, b) => ({ expr: `(${a.expr} ${op} ${b.expr})`, js: `(+(${a.js} ${op} ${b.js}))` }),
  ]),
  ['&&', (a, b) => ({ expr: `(${a.expr} && ${b.expr})`, js: `(${a.js} && ${b.js})` })],
  ['||', (a, b) => ({ expr: `(${a.expr} || ${b.expr})`, js: `(${a.js} || ${b.js})` })],
  ['min', (a, b) => call('min', 'Math.min')([a, b])],
  ['max', (a, b) => call('max', 'Math.max')([a, b])],
]
const EXACT_TERNARY: readonly [string, (a: Source, b: Source, c: Source) => Source][] = [
  ['?:', (c, a, b) => ({ expr: `(${c.expr} ? ${a.expr} : ${b.expr})`, js: `(${c.js} ? ${a.js} : ${b.js})` })],
  ['where', (c, a, b) => ({ expr: `where(${c.expr}, ${a.expr}, ${b.expr})`, js: `(${c.js} ? ${a.js} : ${b.js})` })],
  ['clamp', (x, lo, hi) => ({ expr: `clamp(${x.expr}, ${lo.expr}, ${hi.expr})`, js: `Math.min(Math.max(${x.js}, ${lo.js}), ${hi.js})` })],
  ['min3', (a, b, c) => call('min', 'Math.min')([a, b, c])],
  ['max3', (a, b, c) => call('max', 'Math.max')([a, b, c])],
]

const leaf: fc.Arbitrary<Source> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VARIABLES).map((v): Source => ({ expr: v, js: v })) },
  { weight: 2, arbitrary: DOUBLE.map(literal) },
  { weight: 1, arbitrary: fc.constantFrom<Source>({ expr: 'PI', js: 'Math.PI' }, { expr: 'E', js: 'Math.E' }) },
)

/** Random expressions of the exact operators, up to a few levels deep. */
const exactExpression: fc.Arbitrary<Source> = fc.letrec<{ node: Source }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'expr' },
    { weight: 3, arbitrary: leaf },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...EXACT_UNARY), tie('node')).map(([[, f], a]) => f(a)) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...EXACT_BINARY), tie('node'), tie('node')).map(([[, f], a, b]) => f(a, b)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...EXACT_TERNARY), tie('node'), tie('node'), tie('node')).map(([[, f], a, b, c]) => f(a, b, c)),
    },
  ),
})).node

/** The expression's variables that appear in its source. */
const usedVariables = (source: string): string[] => VARIABLES.filter((v) => new RegExp(`\\b${v}\\b`).test(source))

/** What V8 stores into an array of `Out` for each element: `out[i] = f(x[i], y[i], z[i])`. */
function reference(js: string, inputs: Record<string, ArrayLike<number> | number>, length: number, Out: NumberCtor) {
  const f = new Function(...VARIABLES, `return ${js}`) as (...xs: number[]) => number
  const at = (name: string, i: number): number => {
    const input = inputs[name]
    return input === undefined ? NaN : typeof input === 'number' ? input : input[i]!
  }
  const out = new Out(length)
  for (let i = 0; i < length; i++) out[i] = f(at('x', i), at('y', i), at('z', i))
  return out
}

const sameElements = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]))

/** One input: an array of a random number type (its elements converted on store, as JavaScript does), or a scalar. */
const input = (length: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...NUMBER_TYPES), fc.array(DOUBLE, { minLength: length, maxLength: length })).map(([T, values]) => T.from(values) as ArrayLike<number>) },
    { weight: 1, arbitrary: DOUBLE },
  )

const exactCase = fc.integer({ min: 0, max: 24 }).chain((length) =>
  fc.record({
    source: exactExpression,
    length: fc.constant(length),
    x: input(length),
    y: input(length),
    z: input(length),
    Out: fc.constantFrom(...NUMBER_TYPES),
  }),
)

test('exact operators: random expressions and data give V8 bits, stored as V8 stores them, for every output type', (t) => {
  let expressions = 0
  fc.assert(
    fc.property(exactCase, ({ source, length, x, y, z, Out }) => {
      const used = usedVariables(source.expr)
      const all: Record<string, ArrayLike<number> | number> = { x, y, z }
      const inputs = Object.fromEntries(used.map((v) => [v, all[v]!])) as pb.ExpressionInputs
      const arrays = used.some((v) => typeof all[v] !== 'number')
      // Without an array input there is no length: the value fills an `out` of 3.
      const n = arrays ? length : 3
      const expected = reference(source.js, all, n, Out)
      const out = new Out(n)
      pb.evaluateSync(source.expr, inputs, { out: out as never })
      expressions++
      if (!sameElements(out, expected)) {
        throw new Error(`${source.expr} into ${Out.name}: got ${Array.from(out)}, V8 ${Array.from(expected)}`)
      }
    }),
    { numRuns: 6000 },
  )
  t.log(`${expressions} expressions`)
  t.is(expressions, 6000)
})

/** The distance in ulps between two doubles (0 for equal values, NaN and NaN; Infinity across a NaN or a sign of ∞). */
function ulps(a: number, b: number): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0
  if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) return Infinity
  const ordered = (x: number): bigint => {
    const bits = new BigInt64Array(new Float64Array([x]).buffer)[0]!
    return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits
  }
  const d = ordered(a) - ordered(b)
  return Number(d < 0n ? -d : d)
}

/** The functions computed to within 1 ulp of the correctly rounded value; V8's are within 1 ulp too, so the two are
 * within 2 (`hypot`: V8's own can be 2 off, so 3). */
const APPROXIMATE: readonly { name: string; arity: number; js: string; tolerance: number }[] = [
  ...['cbrt', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh'].map(
    (name) => ({ name, arity: 1, js: `Math.${name}`, tolerance: 2 }),
  ),
  { name: 'atan2', arity: 2, js: 'Math.atan2', tolerance: 2 },
  { name: 'pow', arity: 2, js: 'Math.pow', tolerance: 2 },
  { name: 'hypot', arity: 2, js: 'Math.hypot', tolerance: 3 },
  { name: 'hypot', arity: 3, js: 'Math.hypot', tolerance: 3 },
]

for (const fn of APPROXIMATE) {
  test(`${fn.name} of ${fn.arity}: within ${fn.tolerance} ulps of V8's, with the same specials`, (t) => {
    const args = VARIABLES.slice(0, fn.arity)
    const source = `${fn.name}(${args.join(', ')})`
    const f = new Function(...args, `return ${fn.js}(${args.join(', ')})`) as (...xs: number[]) => number
    // Moderate magnitudes too, where the functions are not saturated.
    const value = fc.oneof(DOUBLE, fc.double({ min: -30, max: 30, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }))
    let worst = 0
    fc.assert(
      fc.property(fc.array(fc.array(value, { minLength: fn.arity, maxLength: fn.arity }), { minLength: 1, maxLength: 64 }), (rows) => {
        const inputs = Object.fromEntries(args.map((v, k) => [v, Float64Array.from(rows, (row) => row[k]!)]))
        const got = pb.evaluateSync(source, inputs)
        rows.forEach((row, i) => {
          const want = f(...row)
          const d = ulps(got[i]!, want)
          worst = Math.max(worst, d)
          if (d > fn.tolerance) throw new Error(`${source} at ${row}: ${got[i]} vs V8 ${want} (${d} ulps)`)
        })
      }),
      { numRuns: 300 },
    )
    t.log(`worst: ${worst} ulps`)
    t.true(worst <= fn.tolerance)
  })
}

test('`**` is Math.pow, right-associative, and a unary minus before its base is a syntax error as in JavaScript', (t) => {
  const x = new Float64Array([2, -2, NaN, 1, -1, 0])
  const y = new Float64Array([3, 0.5, 0, Infinity, -Infinity, -1])
  const got = pb.evaluateSync('x ** y', { x, y })
  t.deepEqual(Array.from(got), Array.from(x, (v, i) => Math.pow(v, y[i]!)))
  t.deepEqual(Array.from(pb.evaluateSync('2 ** x ** 2', { x: new Float64Array([3]) })), [2 ** 9])
  throwsError(t, () => pb.compile('-2 ** 2'), { instanceOf: SyntaxError, name: 'SyntaxError', code: 'ERR_PARABUF_EXPRESSION_SYNTAX' })
})

test('compile: variables in order of appearance, the source kept, the same source compiled once', (t) => {
  const e = pb.compile('b * a + b - sin(c)')
  t.deepEqual(e.variables, ['b', 'a', 'c'])
  t.is(e.source, 'b * a + b - sin(c)')
  t.true(Object.isFrozen(e) && Object.isFrozen(e.variables))
  t.deepEqual(pb.compile('1 + 2').variables, [])
  t.deepEqual(Array.from(pb.evaluateSync('1 + 2', {}, { out: new Float64Array(2) })), [3, 3])
})

test('outputs: the default type is Float64Array, `type` makes another, conversions are `out[i] = v`', (t) => {
  const x = new Float64Array([-1.5, 0.5, 255.5, 300, -129, NaN, 1e10])
  t.true(pb.evaluateSync('x', { x }) instanceof Float64Array)
  for (const T of NUMBER_TYPES) {
    const got = pb.evaluateSync('x * 1', { x }, { type: T as never }) as unknown as ArrayLike<number>
    t.is(got.constructor, T)
    t.true(sameElements(got, T.from(x)), T.name)
  }
  // A subclass's constructor makes arrays of its own.
  class Doubles extends Float64Array {}
  t.true(pb.evaluateSync('x', { x: new Float64Array([65, 66]) }, { type: Doubles }) instanceof Doubles)
})

test('inputs of every number type are read as JavaScript reads their elements', (t) => {
  for (const T of NUMBER_TYPES) {
    const x = T.from([1, 2, 250, -3])
    const got = pb.evaluateSync('x / 2', { x })
    t.deepEqual(Array.from(got), Array.from(x, (v) => v / 2), T.name)
  }
})

test('in place: `out` may be an input at exactly its position, as an array or through its write export', async (t) => {
  const { clean } = ledgerBaseline(t)
  const x = new Float64Array(3 * BLOCK + 5).map((_, i) => i)
  const y = new Float64Array(x.length).fill(1)
  const result = pb.evaluateSync('x * 2 + y', { x, y }, { out: x })
  t.is(result, x)
  t.is(x[10], 21)
  t.is(x[3 * BLOCK + 4], 2 * (3 * BLOCK + 4) + 1)
  const ints = new Int32Array([1, 2, 3])
  await pb.evaluate('x - 1', { x: ints }, { out: ints })
  t.deepEqual(Array.from(ints), [0, 1, 2])
  {
    using w = pb.borrow(ints, 'write')
    t.is(pb.evaluateSync('x * 10', { x: w }, { out: w }), ints)
    t.deepEqual(Array.from(ints), [0, 10, 20])
    // A write export read as an input, into another output.
    t.deepEqual(Array.from(pb.evaluateSync('x + 1', { x: w }, { out: new Int32Array(3) })), [1, 11, 21])
  }
  clean()
})

test.serial('an output that overlaps an input at a shift is refused before anything is written', async (t) => {
  const { clean } = ledgerBaseline(t)
  const buffer = new Float64Array([1, 2, 3, 4])
  const before = Array.from(buffer)
  throwsError(t, () => pb.evaluateSync('x * 2', { x: buffer.subarray(1) }, { out: buffer.subarray(0, 3) }), borrowError('ERR_PARABUF_BORROWED'))
  await rejectsError(t, () => pb.evaluate('x * 2', { x: buffer.subarray(0, 3) }, { out: buffer.subarray(1) }), borrowError('ERR_PARABUF_BORROWED'))
  // The same bytes viewed as another type are not the same elements.
  throwsError(t, () => pb.evaluateSync('x', { x: buffer }, { out: new Uint8Array(buffer.buffer, 0, 4) }), borrowError('ERR_PARABUF_BORROWED'))
  // A read export of the output refuses the write.
  {
    using r = pb.borrow(buffer, 'read')
    throwsError(t, () => pb.evaluateSync('x', { x: r }, { out: r as never }), borrowError('ERR_PARABUF_BORROWED'))
  }
  t.deepEqual(Array.from(buffer), before)
  clean()
})

test('bad sources: coded SyntaxErrors with the column and a caret', (t) => {
  const syntax = (source: string, message: RegExp) =>
    throwsError(t, () => pb.compile(source), { instanceOf: SyntaxError, name: 'SyntaxError', code: 'ERR_PARABUF_EXPRESSION_SYNTAX', message })
  syntax('sqrt(x', /column 7\)\n {4}sqrt\(x\n {10}\^/)
  syntax('x +* y', /column 4/)
  syntax('foo(x)', /foo/)
  syntax('atan2(x)', /atan2/)
  syntax('sin(x, y)', /sin/)
  syntax('', /./)
  syntax('x y', /column 3/)
  // Deep nesting is refused, not a stack overflow.
  syntax(`${'('.repeat(100_000)}x${')'.repeat(100_000)}`, /nest/i)
  syntax(`${'-'.repeat(100_000)}x`, /nest/i)
  throwsError(t, () => pb.compile(42 as never), typeError('ERR_INVALID_ARG_TYPE'))
})

test.serial('bad inputs: a coded error before any element is written', async (t) => {
  const { clean } = ledgerBaseline(t)
  const x = new Float64Array([1, 2, 3])
  const out = new Float64Array([7, 7, 7])
  const expr = pb.compile('x + y')
  const untouched = () => t.deepEqual(Array.from(out), [7, 7, 7])
  throwsError(t, () => expr.runSync({ x }, { out }), typeError('ERR_INVALID_ARG_VALUE', /variable 'y'/))
  throwsError(t, () => expr.runSync({ x, y: x, w: x }, { out }), typeError('ERR_INVALID_ARG_VALUE', /'w' is not a variable/))
  throwsError(t, () => expr.runSync({ x, y: 'a' as never }, { out }), typeError('ERR_INVALID_ARG_TYPE', /inputs\.y/))
  throwsError(t, () => expr.runSync({ x, y: [1, 2, 3] as never }, { out }), typeError('ERR_INVALID_ARG_TYPE', /inputs\.y/))
  throwsError(t, () => expr.runSync({ x, y: 1n as never }, { out }), typeError('ERR_INVALID_ARG_TYPE', /bigint/))
  throwsError(t, () => expr.runSync({ x, y: new BigInt64Array(3) as never }, { out }), typeError('ERR_INVALID_ARG_TYPE', /bigint/i))
  throwsError(t, () => expr.runSync({ x, y: new Float64Array(2) }, { out }), rangeError('ERR_PARABUF_LENGTH_MISMATCH'))
  throwsError(t, () => expr.runSync({ x, y: x }, { out: new Float64Array(2) }), rangeError('ERR_PARABUF_LENGTH_MISMATCH'))
  throwsError(t, () => expr.runSync({ x, y: x }, { out: new BigInt64Array(3) as never }), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => expr.runSync({ x, y: x }, { type: BigInt64Array as never }), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => expr.runSync({ x, y: x }, { type: Array as never }), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => expr.runSync({ x, y: x }, { out, type: Int8Array as never }), typeError('ERR_INVALID_ARG_VALUE'))
  throwsError(t, () => expr.runSync(null as never), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => pb.evaluateSync('1 + k', { k: 2 }), typeError('ERR_INVALID_ARG_VALUE', /options\.out/))
  throwsError(t, () => (expr.runSync as (...args: unknown[]) => unknown)({ x, y: x }, { out }, 3), typeError('ERR_INVALID_ARG_VALUE'))
  await rejectsError(t, () => expr.run({ x, y: new Float64Array(4) }, { out }), rangeError('ERR_PARABUF_LENGTH_MISMATCH'))
  await rejectsError(t, () => pb.evaluate('x +', { x }), { instanceOf: SyntaxError, name: 'SyntaxError', code: 'ERR_PARABUF_EXPRESSION_SYNTAX' })
  // A getter that throws is the caller's error, coded.
  const throwing = Object.defineProperty({ x }, 'y', { enumerable: true, get: () => { throw new Error('boom') } })
  throwsError(t, () => expr.runSync(throwing as never, { out }), typeError('ERR_INVALID_ARG_VALUE', /inputs\.y threw/))
  untouched()
  t.deepEqual(Array.from(x), [1, 2, 3])
  // Neither class can be made but by compile() and bind().
  throwsError(t, () => new (pb.Expression as unknown as new () => unknown)(), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => new (pb.BoundExpression as unknown as new () => unknown)(), typeError('ERR_INVALID_ARG_TYPE'))
  clean()
})

test('a scalar broadcast to every element; a constant expression fills out', (t) => {
  const x = new Float64Array([1, 2, 3])
  t.deepEqual(Array.from(pb.evaluateSync('a * x + b', { a: 2, x, b: -1 })), [1, 3, 5])
  t.deepEqual(Array.from(pb.evaluateSync('PI', {}, { out: new Float32Array(2) })), [Math.fround(Math.PI), Math.fround(Math.PI)])
})

test('a bound expression reduced by sum gives the sum of the materialised values, bit for bit', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
      fc.constantFrom('x * x', '(x - y) ** 2', 'sin(x) * 1e10', 'x > y ? x : -y', 'x * 1e300'),
      async (values, source) => {
        const x = Float64Array.from(values)
        const y = Float64Array.from(values, (v) => v / 3 + 1)
        const inputs = Object.fromEntries(pb.compile(source).variables.map((v) => [v, v === 'x' ? x : y]))
        const bound = pb.compile(source).bind(inputs)
        const materialised = pb.evaluateSync(source, inputs)
        const want = pb.sumSync(materialised)
        t.true(Object.is(pb.sumSync(bound), want))
        t.true(Object.is(await pb.sum(bound), want))
      },
    ),
    { numRuns: 200 },
  )
  // Across blocks.
  const x = new Float64Array(5 * BLOCK + 17).map((_, i) => Math.sin(i) * 1e8)
  const materialised = pb.evaluateSync('x * x - 3', { x })
  t.true(Object.is(pb.sumSync(pb.compile('x * x - 3').bind({ x })), pb.sumSync(materialised)))
})

test.serial('abort mid-run: AbortError, inputs untouched, the ledger clean', async (t) => {
  const { clean } = ledgerBaseline(t)
  const x = new Float64Array(20_000_000).fill(2)
  const out = new Float64Array(x.length)
  const controller = new AbortController()
  const pending = pb.evaluate('sin(x) * exp(-x*x) + sqrt(x)', { x }, { out, signal: controller.signal })
  t.is(pb.exportsOf(x).length, 1, 'the run holds a read export of the input')
  t.is(pb.exportsOf(out).length, 1, 'and a write export of the output')
  controller.abort()
  const error = await t.throwsAsync(pending)
  t.is(error?.name, 'AbortError')
  t.true(x.every((v) => v === 2))
  clean()
  const aborted = AbortSignal.abort()
  await rejectsError(t, () => pb.evaluate('x', { x }, { signal: aborted }), { instanceOf: pb.AbortError, name: 'AbortError', code: 'ABORT_ERR' })
  clean()
})

test.serial('async runs leave the thread free and the ledger clean; a big run goes to the pool', async (t) => {
  const { clean } = ledgerBaseline(t)
  const x = new Float64Array(4_000_000).map((_, i) => i % 100)
  const pending = pb.evaluate('x * 2 + 1', { x })
  t.true(pending instanceof Promise)
  const got = await pending
  t.is(got.length, x.length)
  t.is(got[123], (123 % 100) * 2 + 1)
  clean()
})

const DETERMINISM = `
const pb = require('parabuf')
const n = 3 * 16384 * 4 + 7
const x = new Float64Array(n).map((_, i) => Math.sin(i * 0.37) * 50)
const y = new Float64Array(n).map((_, i) => Math.cos(i * 0.11) * 1e5)
const hash = (a) => require('node:crypto').createHash('sha256').update(Buffer.from(a.buffer)).digest('hex')
process.stdout.write(JSON.stringify({
  threads: pb.threads(),
  run: hash(pb.evaluateSync('sin(x) * exp(-x*x/100) + hypot(x, y) - log1p(abs(y)) ** 1.5', { x, y })),
  sum: pb.sumSync(pb.compile('(x - y) ** 2 / 7').bind({ x, y })),
}))
`

test.serial('the same bits for any thread count', (t) => {
  const runs = [1, 2, 3].map((threads) =>
    JSON.parse(execFileSync(process.execPath, ['-e', DETERMINISM], { env: { ...process.env, PARABUF_THREADS: String(threads) }, encoding: 'utf8' })),
  )
  runs.forEach((run, i) => t.is(run.threads, i + 1))
  for (const run of runs.slice(1)) t.deepEqual({ ...run, threads: 0 }, { ...runs[0], threads: 0 })
})

test('every reduction of a bound expression is the reduction of the materialised values', (t) => {
  const n = 3 * BLOCK + 101
  const x = new Float64Array(n).map((_, i) => Math.sin(i * 0.7) * 1e3)
  const y = new Float64Array(n).map((_, i) => (i % 17) - 8)
  const source = 'x * y - 3 > 0 ? sqrt(abs(x)) : y / 7'
  const bound = pb.compile(source).bind({ x, y })
  const values = pb.evaluateSync(source, { x, y })
  const same = (a: unknown, b: unknown) => JSON.stringify(a, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : Object.is(v, -0) ? '-0' : v)) ===
    JSON.stringify(b, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : Object.is(v, -0) ? '-0' : v))
  // Every operation that takes a bound expression: the fused reductions and those that compute its values first.
  for (const [name, reduce] of REDUCTIONS.filter(([name]) => BOUND_REDUCTIONS.has(name))) {
    t.true(same(reduce(bound as never), reduce(values)), name)
  }
  throwsError(t, () => (pb.fillSync as (...args: unknown[]) => unknown)(bound, 0), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => pb.quantileSync(bound as never, 0.5), typeError('ERR_INVALID_ARG_TYPE'))
  throwsError(t, () => pb.dotSync(bound as never, x), typeError('ERR_INVALID_ARG_TYPE'))
})
