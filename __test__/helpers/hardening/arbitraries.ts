// fast-check generators of arguments for every slot of the public API (see api.ts): mostly the kind of value a slot
// takes, mixed with anything at all (fc.anything with typed arrays, bigints, boxed values, maps, sets, dates,
// null-prototype and sparse objects), the world's look-alikes, detached arrays and handles, and hand-picked edge
// values. Arguments are descriptions, resolved against a fresh World inside each run.
import fc from 'fast-check'
import * as pb from 'parabuf'

import { CATALOG, EXPRESSION_FOREIGN_RECEIVERS, type Slot, TYPED_ARRAY_CONSTRUCTORS } from './api.js'
import { SOURCES, WORLD_EXPRESSIONS } from './sources.js'
import { BORROWABLE, type Effect, PLAN_HANDLES, VALUE_NAMES, type WorldPlan } from './world.js'

/**
 * An argument as generated: a world value by name, a literal, an object whose properties are arguments, or (as a
 * property of such an object) a getter that runs an effect on the world when read and returns its argument.
 */
export type ArgSpec =
  | { readonly ref: string }
  | { readonly lit: unknown }
  | { readonly obj: Readonly<Record<string, ArgSpec>> }
  | { readonly get: ArgSpec; readonly effect: Effect }

export interface CallSpec {
  readonly name: string
  readonly args: readonly ArgSpec[]
}

const HANDLE_NAMES = [...Array.from({ length: PLAN_HANDLES }, (_, i) => `h${i}`), 'h.detached', 'h.released.read', 'h.released.write']
const ARRAY_NAMES = [...BORROWABLE, 'buffer', 'f64.b', 'i64.huge', 'u8c', 'f64.nonfinite', 'f64.nan', 'detached']
const ALL_NAMES = [...VALUE_NAMES, ...HANDLE_NAMES]

const lit = (value: unknown): ArgSpec => ({ lit: value })
const ref = (names: readonly string[]): fc.Arbitrary<ArgSpec> => fc.constantFrom(...names).map((name) => ({ ref: name }))

/** Edge values of every type (2^24 itself, a valid bin count of 128 MiB, is left to the explicit cases). */
const SPECIALS: readonly unknown[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 24 + 1,
  2 ** 53,
  1e300,
  -1e300,
  Number.MAX_SAFE_INTEGER,
  0n,
  -1n,
  3n,
  2n ** 64n,
  -(2n ** 70n),
  '',
  '3',
  'read',
  'write',
  'abc',
  true,
  false,
  null,
  undefined,
  {},
  [],
  [1, 2, 3],
  Symbol('s'),
  new Number(2),
  new Date(0),
]

export const anything: fc.Arbitrary<ArgSpec> = fc
  .anything({
    maxDepth: 2,
    maxKeys: 4,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withSparseArray: true,
    withTypedArray: true,
  })
  .map(lit)

/** Anything that is usually wrong for a slot: any value, an edge value, or any world value. */
export const hostile: fc.Arbitrary<ArgSpec> = fc.oneof(
  { weight: 3, arbitrary: anything },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIALS).map(lit) },
  { weight: 2, arbitrary: ref(ALL_NAMES) },
)

const signal = fc.oneof({ weight: 4, arbitrary: ref(['signal.live', 'signal.aborted']) }, { weight: 1, arbitrary: hostile })

/** An object with some of the given properties (absent ones are really absent). */
function options(props: Record<string, fc.Arbitrary<ArgSpec>>, required: string[] = []): fc.Arbitrary<ArgSpec> {
  return fc.record(props, { requiredKeys: required }).map((obj) => ({ obj: obj as Record<string, ArgSpec> }))
}

const ddof = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(0, 1, 2, 0.5, -0, -1, -0.5, NaN, Infinity, -Infinity, 1e308, 100).map(lit) },
  { weight: 1, arbitrary: fc.double().map(lit) },
  { weight: 1, arbitrary: hostile },
)
const bins = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 8 }).map(lit) },
  { weight: 3, arbitrary: fc.constantFrom(0, -0, -1, NaN, Infinity, -Infinity, 2.5, 2 ** 24 + 1, 1e300, -1e300).map(lit) },
  { weight: 1, arbitrary: hostile },
)
const bound = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(-10, -1, 0, 1, 3, 10, 1e300).map(lit) },
  { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity).map(lit) },
  { weight: 1, arbitrary: fc.double().map(lit) },
  { weight: 1, arbitrary: hostile },
)
const scalar = fc.oneof(
  { weight: 5, arbitrary: fc.oneof(fc.integer({ min: -300, max: 300 }), fc.double()).map(lit) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 66n), max: 2n ** 66n }).map(lit) },
  { weight: 1, arbitrary: hostile },
)

const quantileQ = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(0, 0.25, 0.5, 1, -0, -0.1, 1.5, NaN, Infinity).map(lit) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom<unknown>(0, 0.5, 1, 0.9, 2, NaN, '0.5'), { maxLength: 4 }).map(lit) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(Float64Array.of(0.1, 0.9), '0.5', 0n, {}, null).map(lit) },
  { weight: 1, arbitrary: hostile },
)
const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('linear', 'lower', 'higher', 'nearest', 'midpoint').map(lit) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>('Linear', 'median', '', 'linear\u0000', 'x'.repeat(40), 1, null).map(lit) },
  { weight: 1, arbitrary: hostile },
)
const flag = fc.oneof(
  { weight: 6, arbitrary: fc.boolean().map(lit) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, 1, 'true', null).map(lit) },
  { weight: 1, arbitrary: hostile },
)
const skipNaN = fc.oneof(
  { weight: 6, arbitrary: fc.boolean().map(lit) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, 1, 'true', null).map(lit) },
  { weight: 1, arbitrary: hostile },
)

// ---------------------------------------------------------------------------------------------------------------------
// Expressions.

/** The world's bound expressions (see World.addExpressions): passed to the reductions in place of their array. */
const BOUND_NAMES = [
  'bound.xy',
  'bound.scalar',
  'bound.const',
  'bound.mismatch',
  'bound.bigint',
  'bound.detached',
  'bound.resizable',
  'bound.victim',
  'bound.pool',
  'bound.same',
  'bound.empty',
  'bound.released',
  'bound.h.detached',
  'bound.f16',
  ...Array.from({ length: PLAN_HANDLES }, (_, i) => [`bound.h${i}`, `bound.h${i}.twice`]).flat(),
]
const EXPRESSION_NAMES = Object.keys(WORLD_EXPRESSIONS).map((name) => `expr.${name}`)
/** Arrays for expressions: f64's length in many types (its own f32 view over its bytes, a Float16Array, the victim
 * that getters detach or export), overlapping views of one buffer, other lengths, 64-bit integers, unusable ones. */
const EXPRESSION_ARRAYS = [
  'f64', 'f64.b', 'i16', 'resizable', 'f16', 'victim', 'f64.asF32', 'f64.head', 'f64.mid', 'u8.x', 'i32.tail', 'f64.7',
  'big', 'big2', 'f64.empty', 'f64.emptyInX', 'u8c', 'f32', 'shared', 'alloc', 'resizable.tracking', 'i64', 'detached',
]
/** The arrays of f64's length (8 elements), which pair up. */
const F64_LENGTH = ['f64', 'f64.b', 'i16', 'f16', 'victim', 'f64.asF32', 'resizable']
const INPUTS_OBJECTS = ['inputs.ownKeysThrows', 'inputs.getThrows', 'inputs.proxy', 'inputs.inherited', 'inputs.hidden']
const EFFECTS: readonly Effect[] = ['none', 'throw', 'detach.victim', 'borrow.victim.read', 'borrow.victim.write', 'release.h0', 'release.h1']

/** Whether receivers other than the world's expressions are drawn (see EXPRESSION_FOREIGN_RECEIVERS). */
const foreign = EXPRESSION_FOREIGN_RECEIVERS === 'refused'
const FLOAT16 = (globalThis as { Float16Array?: unknown }).Float16Array
const validSources = [...SOURCES].filter(([, m]) => 'variables' in m).map(([source]) => source)
const badSources = [...SOURCES].filter(([, m]) => 'syntax' in m).map(([source]) => source)
/** hostile, but never a string (every string source must be one of the table's). */
const notAString = hostile.filter((spec) => !('lit' in spec && typeof spec.lit === 'string'))
const source = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...validSources).map(lit) },
  { weight: 2, arbitrary: fc.constantFrom(...badSources).map(lit) },
  { weight: 1, arbitrary: notAString },
)

/** One variable's value: an array, a handle, a number, anything; sometimes behind a getter with an effect. */
const expressionValue: fc.Arbitrary<ArgSpec> = fc.oneof(
  { weight: 8, arbitrary: ref(F64_LENGTH) },
  { weight: 3, arbitrary: ref(EXPRESSION_ARRAYS) },
  { weight: 2, arbitrary: ref(HANDLE_NAMES) },
  { weight: 4, arbitrary: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -0, NaN, Infinity, 1e300), fc.double()).map(lit) },
  { weight: 1, arbitrary: hostile },
)
const variableValue: fc.Arbitrary<ArgSpec> = fc.oneof(
  { weight: 8, arbitrary: expressionValue },
  { weight: 1, arbitrary: fc.tuple(expressionValue, fc.constantFrom(...EFFECTS)).map(([get, effect]) => ({ get, effect })) },
)

/** The array a spec names (through a getter), to pass the same one again. */
const named = (spec: ArgSpec | undefined): ArgSpec | undefined => (spec && 'get' in spec ? named(spec.get) : spec && 'ref' in spec ? spec : undefined)

/** Inputs for `variables`: usually one value per variable; sometimes one missing, one too many, one array given twice,
 * a hostile inputs object or anything. With the options: `out` absent, an input itself, any array, anything. */
function runArguments(variables: readonly string[], withOptions: boolean, async: boolean): fc.Arbitrary<ArgSpec[]> {
  const how = fc.oneof({ weight: 12, arbitrary: fc.constant('exact') }, { weight: 1, arbitrary: fc.constantFrom('twice', 'missing', 'extra') })
  const values = fc.tuple(...variables.map(() => variableValue), how)
  const inputs = fc.oneof(
    {
      weight: 10,
      arbitrary: values.map((vs) => {
        const how = vs.pop() as string
        const obj: Record<string, ArgSpec> = Object.fromEntries(variables.map((name, i) => [name, vs[i] as ArgSpec]))
        if (how === 'twice' && variables.length > 1) obj[variables[1]!] = obj[variables[0]!]!
        if (how === 'missing' && variables.length > 0) delete obj[variables[0]!]
        if (how === 'extra') obj.w = lit(1)
        return { obj } as ArgSpec
      }),
    },
    { weight: 1, arbitrary: ref(INPUTS_OBJECTS) },
    { weight: 1, arbitrary: hostile },
  )
  if (!withOptions) return inputs.map((i) => [i])
  const type = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom<unknown>(...TYPED_ARRAY_CONSTRUCTORS, ...(FLOAT16 ? [FLOAT16] : [])).map(lit) },
    { weight: 2, arbitrary: ref(['ctor.subclass', 'ctor.short', 'ctor.returnsWorld', 'ctor.throws', 'ctor.arrow']) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(DataView, ArrayBuffer, Array, Object, Map, Symbol, BigInt).map(lit) },
    { weight: 1, arbitrary: hostile },
  )
  const out = fc.oneof(
    { weight: 4, arbitrary: fc.constant('same') },
    { weight: 4, arbitrary: ref(F64_LENGTH) },
    { weight: 3, arbitrary: ref([...EXPRESSION_ARRAYS, ...HANDLE_NAMES]) },
    { weight: 1, arbitrary: hostile },
  )
  const signal = fc.oneof({ weight: 4, arbitrary: ref(['signal.live', 'signal.aborted']) }, { weight: 1, arbitrary: hostile })
  const record = (props: Record<string, fc.Arbitrary<unknown>>) =>
    fc.record(async ? { ...props, signal } : props, { requiredKeys: Object.keys(props) }) as fc.Arbitrary<unknown>
  // `out` or `type`, seldom both (they rarely agree).
  const options = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: record({ out }) },
    { weight: 4, arbitrary: record({ type }) },
    { weight: 1, arbitrary: record({ out, type }) },
    { weight: 1, arbitrary: record({}) },
    { weight: 1, arbitrary: hostile },
  )
  return fc.tuple(inputs, options, fc.nat(5)).map(([i, o, pick]) => {
    if (o === undefined || !('out' in (o as object)) || (o as { out: unknown }).out !== 'same') {
      return [i, o === undefined ? lit(undefined) : 'lit' in (o as object) || 'ref' in (o as object) ? (o as ArgSpec) : { obj: o as Record<string, ArgSpec> }]
    }
    // out: one of the inputs' arrays, the same value (a handle stays a handle).
    const given = 'obj' in i ? Object.values(i.obj) : []
    const same = named(given[pick % Math.max(1, given.length)]) ?? { ref: 'f64' }
    return [i, { obj: { ...(o as Record<string, ArgSpec>), out: same } }]
  })
}

/** Arguments of a run of `variables`, or fewer, or more. */
function withArity(args: fc.Arbitrary<ArgSpec[]>, fixed: ArgSpec[] = []): fc.Arbitrary<ArgSpec[]> {
  return fc.oneof(
    { weight: 10, arbitrary: args.map((a) => [...fixed, ...a]) },
    { weight: 1, arbitrary: fc.tuple(args, fc.nat(2)).map(([a, n]) => [...fixed, ...a.slice(0, n)]) },
    { weight: 1, arbitrary: fc.tuple(args, fc.array(hostile, { minLength: 1, maxLength: 2 })).map(([a, more]) => [...fixed, ...a, ...more]) },
  )
}

const variablesOf = (text: string): readonly string[] => {
  const m = SOURCES.get(text)
  return m && 'variables' in m ? m.variables : ['x', 'y']
}

/** The expression entries' own generators: inputs that match the expression's variables. */
const CUSTOM: Readonly<Record<string, fc.Arbitrary<ArgSpec[]>>> = {
  compile: withArity(source.map((s) => [s])),
  ...Object.fromEntries(
    (['evaluate', 'evaluateSync'] as const).map((name) => [
      name,
      source.chain((s) => withArity(runArguments('lit' in s && typeof s.lit === 'string' ? variablesOf(s.lit) : ['x'], true, name === 'evaluate'), [s])),
    ]),
  ),
  ...Object.fromEntries(
    (['Expression#run', 'Expression#runSync', 'Expression#bind'] as const).map((name) => {
      const receiver = foreign
        ? fc.oneof(
            { weight: 10, arbitrary: fc.constantFrom(...EXPRESSION_NAMES) },
            { weight: 1, arbitrary: fc.constantFrom('fake.expression', 'fake.bound', 'bound.xy', 'f64') },
          )
        : fc.constantFrom(...EXPRESSION_NAMES)
      const args = receiver.chain((r) => {
        const variables = r.startsWith('expr.') ? variablesOf(WORLD_EXPRESSIONS[r.slice(5)]!) : ['x', 'y']
        return withArity(runArguments(variables, name !== 'Expression#bind', name === 'Expression#run'), [{ ref: r }])
      })
      return [name, foreign ? fc.oneof({ weight: 20, arbitrary: args }, { weight: 1, arbitrary: fc.tuple(hostile, hostile).map((a) => a) }) : args]
    }),
  ),
}

const SLOTS: Readonly<Record<Slot, fc.Arbitrary<ArgSpec>>> = {
  input: fc.oneof(
    { weight: 5, arbitrary: ref(ARRAY_NAMES) },
    { weight: 3, arbitrary: ref(HANDLE_NAMES) },
    { weight: 2, arbitrary: hostile },
    { weight: 2, arbitrary: ref(BOUND_NAMES) },
  ),
  writable: fc.oneof(
    { weight: 5, arbitrary: ref(ARRAY_NAMES) },
    { weight: 3, arbitrary: ref(HANDLE_NAMES) },
    { weight: 2, arbitrary: hostile },
  ),
  options: fc.oneof(
    { weight: 3, arbitrary: fc.constant(lit(undefined)) },
    { weight: 4, arbitrary: options({ signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  axisOptions: fc.oneof(
    { weight: 3, arbitrary: fc.constant(lit(undefined)) },
    { weight: 4, arbitrary: options({ signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  ddofOptions: fc.oneof(
    { weight: 2, arbitrary: fc.constant(lit(undefined)) },
    { weight: 6, arbitrary: options({ ddof, signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  histogramOptions: fc.oneof(
    { weight: 4, arbitrary: options({ bins, signal }, ['bins']) },
    { weight: 4, arbitrary: options({ bins, min: bound, max: bound, signal }, ['bins']) },
    { weight: 1, arbitrary: options({ min: bound, max: bound }) },
    { weight: 1, arbitrary: hostile },
  ),
  quantileQ,
  quantileOptions: fc.oneof(
    { weight: 2, arbitrary: fc.constant(lit(undefined)) },
    { weight: 6, arbitrary: options({ method, skipNaN, signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  argsortOptions: fc.oneof(
    { weight: 2, arbitrary: fc.constant(lit(undefined)) },
    { weight: 6, arbitrary: options({ descending: flag, signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  topkK: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }).map(lit) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(-1, 1.5, NaN, Infinity, 1e300, 2 ** 53, '1', 1n, null).map(lit) },
    { weight: 1, arbitrary: hostile },
  ),
  topkOptions: fc.oneof(
    { weight: 2, arbitrary: fc.constant(lit(undefined)) },
    { weight: 6, arbitrary: options({ largest: flag, signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  cumsumOptions: fc.oneof(
    { weight: 2, arbitrary: fc.constant(lit(undefined)) },
    { weight: 6, arbitrary: options({ out: fc.oneof({ weight: 5, arbitrary: ref(ARRAY_NAMES) }, { weight: 3, arbitrary: ref(HANDLE_NAMES) }, { weight: 1, arbitrary: hostile }), signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  needles: fc.oneof(
    { weight: 3, arbitrary: fc.oneof(fc.double(), fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n })).map(lit) },
    { weight: 3, arbitrary: fc.oneof(fc.array(fc.double(), { maxLength: 4 }), fc.array(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), { maxLength: 4 })).map(lit) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom<unknown>(1, 1n, '1', null), { maxLength: 3 }).map(lit) },
    { weight: 3, arbitrary: ref([...ARRAY_NAMES, ...HANDLE_NAMES]) },
    { weight: 1, arbitrary: hostile },
  ),
  searchsortedOptions: fc.oneof(
    { weight: 2, arbitrary: fc.constant(lit(undefined)) },
    { weight: 6, arbitrary: options({ side: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('left', 'right').map(lit) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('Left', 'middle', '', 0, null).map(lit) }, { weight: 1, arbitrary: hostile }), signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  medianOptions: fc.oneof(
    { weight: 2, arbitrary: fc.constant(lit(undefined)) },
    { weight: 6, arbitrary: options({ skipNaN, signal }) },
    { weight: 1, arbitrary: hostile },
  ),
  scalar,
  optionalScalar: fc.oneof({ weight: 3, arbitrary: fc.constant(lit(undefined)) }, { weight: 5, arbitrary: scalar }),
  mode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('read', 'write').map(lit) }, { weight: 1, arbitrary: hostile }),
  ctor: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...TYPED_ARRAY_CONSTRUCTORS).map(lit) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(DataView, ArrayBuffer, SharedArrayBuffer, Array, Object, Map, Date).map(lit) },
    { weight: 1, arbitrary: hostile },
  ),
  length: fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max: 64 }).map(lit) },
    { weight: 3, arbitrary: fc.constantFrom(-1, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 60, 1e300, -1e300).map(lit) },
    { weight: 1, arbitrary: hostile },
  ),
  receiver: fc.oneof({ weight: 6, arbitrary: ref([...HANDLE_NAMES, 'fake.export']) }, { weight: 1, arbitrary: hostile }),
  source,
  exprInputs: hostile, // (the expression entries use CUSTOM)
  runOptions: hostile,
  exprReceiver: fc.oneof({ weight: 6, arbitrary: ref([...EXPRESSION_NAMES, 'fake.expression']) }, { weight: 1, arbitrary: hostile }),
  boundReceiver: foreign
    ? fc.oneof(
        { weight: 6, arbitrary: ref(BOUND_NAMES) },
        { weight: 1, arbitrary: ref(['fake.bound', 'fake.expression', 'expr.xy']) },
        { weight: 1, arbitrary: hostile },
      )
    : ref(BOUND_NAMES.filter((name) => !/^bound\.h\d/.test(name))), // (a plan's handle, and its bound expression, may be absent)
  viewReceiver: fc.oneof(
    { weight: 4, arbitrary: fc.constant(lit(pb.view(new Float64Array(6), { shape: [2, 3] }))) },
    { weight: 1, arbitrary: fc.constant(lit(Object.create(pb.StridedView.prototype))) },
    { weight: 1, arbitrary: hostile },
  ),
  viewOptions: fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })
        .chain((shape) =>
          fc.record(
            {
              shape: fc.constant(shape),
              strides: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: shape.length, maxLength: shape.length }),
              offset: fc.integer({ min: 0, max: 8 }),
            },
            { requiredKeys: ['shape'] },
          ),
        )
        .map(lit),
    },
    { weight: 1, arbitrary: fc.constantFrom<unknown>({ shape: [-1] }, { shape: [1.5] }, { shape: 3 }, { shape: [2], strides: [1, 1] }, { shape: [2], offset: -1 }, null).map(lit) },
    { weight: 1, arbitrary: hostile },
  ),
  anything: hostile,
}

/** Pairs of arrays that match (same type and length), so that two-array operations are often valid. */
const PAIRS: readonly (readonly [string, string])[] = [
  ['f64', 'f64.b'],
  ['f64.b', 'f64'],
  ['f64', 'f64'],
  ['big', 'big2'],
  ['big2', 'big'],
  ['f64', 'resizable'],
  ['i64', 'i64'],
  ['i64.huge', 'i64.huge'],
  ['f64.head', 'f64.mid'],
  ['f64.empty', 'f64.emptyInX'],
  ['u8', 'u8'],
]

/** Arguments for a catalog entry: usually its own parameters, sometimes fewer, sometimes one or two more. */
export function argsFor(name: string): fc.Arbitrary<ArgSpec[]> {
  const custom = CUSTOM[name]
  if (custom) return custom
  const params = CATALOG[name]!.params
  let full = fc.tuple(...params.map((slot) => SLOTS[slot])) as fc.Arbitrary<ArgSpec[]>
  if (params[1] === 'input' && (params[0] === 'input' || params[0] === 'writable')) {
    const pair = fc.constantFrom(...PAIRS).map(([a, b]) => [{ ref: a }, { ref: b }] as ArgSpec[])
    const paired = fc.tuple(full, pair).map(([args, [a, b]]) => [a!, b!, ...args.slice(2)])
    full = fc.oneof(full, paired)
  }
  // The receiver of a method is always there: missing and extra arguments are about the method's own parameters.
  const fixed = params[0] === 'receiver' || params[0] === 'exprReceiver' || params[0] === 'boundReceiver' ? 1 : 0
  return fc.oneof(
    { weight: 8, arbitrary: full },
    { weight: 2, arbitrary: fc.tuple(full, fc.nat(params.length)).map(([args, n]) => args.slice(0, Math.max(fixed, n))) },
    { weight: 1, arbitrary: fc.tuple(full, fc.array(hostile, { minLength: 1, maxLength: 2 })).map(([args, more]) => [...args, ...more]) },
  )
}

export const call: fc.Arbitrary<CallSpec> = fc
  .constantFrom(...Object.keys(CATALOG))
  .chain((name) => argsFor(name).map((args) => ({ name, args })))

export const plan: fc.Arbitrary<WorldPlan> = fc.record({
  borrows: fc.array(
    fc.record({ target: fc.constantFrom(...BORROWABLE), mode: fc.constantFrom('read', 'write'), release: fc.boolean() }),
    { minLength: 2, maxLength: PLAN_HANDLES },
  ),
}) as fc.Arbitrary<WorldPlan>
