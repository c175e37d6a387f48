// fast-check generators of arguments for every slot of the public API (see api.ts): mostly the kind of value a slot
// takes, mixed with anything at all (fc.anything with typed arrays, bigints, boxed values, maps, sets, dates,
// null-prototype and sparse objects), the world's look-alikes, detached arrays and handles, and hand-picked edge
// values. Arguments are descriptions, resolved against a fresh World inside each run.
import fc from 'fast-check'

import { CATALOG, type Slot, TYPED_ARRAY_CONSTRUCTORS } from './api.js'
import { BORROWABLE, PLAN_HANDLES, VALUE_NAMES, type WorldPlan } from './world.js'

/** An argument as generated: a world value by name, a literal, or an object whose properties are arguments. */
export type ArgSpec = { readonly ref: string } | { readonly lit: unknown } | { readonly obj: Readonly<Record<string, ArgSpec>> }

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

const SLOTS: Readonly<Record<Slot, fc.Arbitrary<ArgSpec>>> = {
  input: fc.oneof(
    { weight: 5, arbitrary: ref(ARRAY_NAMES) },
    { weight: 3, arbitrary: ref(HANDLE_NAMES) },
    { weight: 2, arbitrary: hostile },
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
  const params = CATALOG[name]!.params
  let full = fc.tuple(...params.map((slot) => SLOTS[slot])) as fc.Arbitrary<ArgSpec[]>
  if (params[1] === 'input' && (params[0] === 'input' || params[0] === 'writable')) {
    const pair = fc.constantFrom(...PAIRS).map(([a, b]) => [{ ref: a }, { ref: b }] as ArgSpec[])
    const paired = fc.tuple(full, pair).map(([args, [a, b]]) => [a!, b!, ...args.slice(2)])
    full = fc.oneof(full, paired)
  }
  // The receiver of a method is always there: missing and extra arguments are about the method's own parameters.
  const fixed = params[0] === 'receiver' ? 1 : 0
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
