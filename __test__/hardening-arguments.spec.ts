// Hostile arguments to every public function: a catalog built against the module's exports (so a new export cannot be
// forgotten), a fast-check fuzzer that calls the whole API with anything, and explicit cases for every kind of bad
// argument the issue lists. Every call is held to a model of valid input (helpers/hardening/api.ts): a valid call
// succeeds; an invalid one fails with a typed error whose catalog code names one of its problems (sync: throws;
// async: returns a promise that rejects, never throws, never resolves), changes no byte of any array it was given or
// could reach, and leaves the ledger as it found it.
import './helpers/unguarded.js' // before parabuf loads: see the module
import test from 'ava'
import fc from 'fast-check'

import * as pb from 'parabuf'

import {
  ABORT,
  BORROWED,
  BOUND_EXPRESSION_MEMBERS,
  VIEW_MEMBERS,
  BOUND_REDUCTIONS,
  CATALOG,
  CLASSES,
  DETACHED,
  EMPTY,
  ERROR_CATALOG,
  EXPORT_MEMBERS,
  EXPRESSION_FOREIGN_RECEIVERS,
  EXPRESSION_MEMBERS,
  LENGTH_MISMATCH,
  NULL_TYPE,
  RANGE,
  RELEASED,
  RESIZABLE,
  SYNTAX,
  THREADS_EXTRA_ARGUMENTS,
  TYPE,
  TYPE_MISMATCH,
  VALUE,
} from './helpers/hardening/api.js'
import { type ArgSpec, call, type CallSpec, plan } from './helpers/hardening/arbitraries.js'
import { runCall, Tally } from './helpers/hardening/harness.js'
import { type Effect, World, type WorldPlan } from './helpers/hardening/world.js'
import { ledgerBaseline } from './helpers/ledger.js'
import { OPERATION_NAMES, OPERATIONS } from './helpers/binding.js'

const isClass = (fn: unknown): boolean => typeof fn === 'function' && /^class\b/.test(Function.prototype.toString.call(fn))

test.serial('the catalog covers every export of the module, with its arity and its sync/async kind', (t) => {
  const exports = pb as unknown as Record<string, unknown>
  const names = Object.keys(exports).filter((n) => n !== 'default')
  const functions = names.filter((n) => typeof exports[n] === 'function' && !isClass(exports[n]))
  const classes = names.filter((n) => isClass(exports[n]))
  t.deepEqual(classes.sort(), [...CLASSES].sort(), 'exported classes')
  const uncovered = functions.filter((n) => !(n in CATALOG))
  t.deepEqual(uncovered, [], 'every exported function has a catalog entry')
  for (const name of functions) {
    const fn = exports[name] as (...args: unknown[]) => unknown
    const spec = CATALOG[name]!
    t.is(fn.length, spec.params.length, `${name}() declares ${fn.length} parameters`)
    const async = fn.constructor.name === 'AsyncFunction'
    t.is(spec.kind, async ? 'async' : 'sync', `${name}() is ${async ? 'async' : 'sync'}`)
  }
  // Members (`Class#name`) and constructors (`new Class`) aside.
  const catalogFunctions = Object.keys(CATALOG).filter((n) => !n.includes('#') && !n.startsWith('new '))
  t.deepEqual(catalogFunctions.filter((n) => !functions.includes(n)), [], 'no catalog entry for a function that is gone')
  // Export's own members: every method and accessor of the prototype is covered.
  const members = Reflect.ownKeys(pb.Export.prototype).filter((k) => k !== 'constructor')
  t.deepEqual(
    members.map(String).sort(),
    EXPORT_MEMBERS.map(String).sort(),
    'Export.prototype members',
  )
  for (const member of EXPORT_MEMBERS) {
    t.true(`Export#${member === Symbol.dispose ? '[Symbol.dispose]' : String(member)}` in CATALOG, String(member))
  }
  t.true('new Export' in CATALOG)
  // Expression's and BoundExpression's members, and their constructors.
  for (const [Class, name, expected] of [
    [pb.Expression, 'Expression', EXPRESSION_MEMBERS],
    [pb.BoundExpression, 'BoundExpression', BOUND_EXPRESSION_MEMBERS],
    [pb.StridedView, 'StridedView', VIEW_MEMBERS],
  ] as const) {
    const own = Reflect.ownKeys(Class.prototype).filter((k) => k !== 'constructor')
    t.deepEqual(own.map(String).sort(), [...expected].sort(), `${name}.prototype members`)
    for (const member of expected) {
      t.true(`${name}#${member}` in CATALOG, `${name}#${member}`)
      // A method declares its parameters after the receiver the catalog passes first.
      const fn = Object.getOwnPropertyDescriptor(Class.prototype, member)!.value as ((...a: unknown[]) => unknown) | undefined
      if (fn) t.is(fn.length, CATALOG[`${name}#${member}`]!.params.length - 1, `${name}#${member} declares ${fn.length} parameters`)
    }
    t.true(`new ${name}` in CATALOG)
  }
  t.is(CATALOG['Expression#run']!.kind, 'asyncMethod')
  t.is(pb.Expression.prototype.run.constructor.name, 'AsyncFunction')
  t.is(pb.Expression.prototype.runSync.constructor.name, 'Function')
})

test.serial('the error classes take any message like Error, with their stable names and codes', (t) => {
  const borrowed = new pb.BorrowError('m')
  t.like(borrowed, { name: 'BorrowError', code: 'ERR_PARABUF_BORROWED', message: 'm' })
  t.is(new pb.BorrowError('m', 'ERR_PARABUF_RELEASED').code, 'ERR_PARABUF_RELEASED')
  t.like(new pb.AbortError(), { name: 'AbortError', code: 'ABORT_ERR', message: 'The operation was aborted' })
  t.like(new pb.ParabufError('x'), { name: 'ParabufError', code: 'ERR_PARABUF_INTERNAL' })
  for (const Class of [pb.BorrowError, pb.AbortError, pb.ParabufError]) {
    for (const message of [42, { toString: () => 'obj' }, null]) {
      const made = new Class(message as unknown as string)
      t.true(made instanceof Error)
      t.is(made.message, String(message), 'the message is converted as Error converts it')
    }
  }
  // The catalog names exactly these classes.
  // As sorted lists: the classes in any order of the catalog.
  t.deepEqual([...new Set(ERROR_CATALOG.values())].sort(), ['AbortError', 'BorrowError', 'Error', 'RangeError', 'SyntaxError', 'TypeError'])
})

/** Creates a world, runs `calls` in it, and returns every problem found; the world is disposed and checked after. */
async function inWorld(worldPlan: WorldPlan, calls: readonly CallSpec[], tally?: Tally, exact?: (i: number) => string) {
  const runBaseline = pb.liveExportCount()
  const world = new World(worldPlan)
  const problems: string[] = []
  try {
    for (const [i, c] of calls.entries()) {
      const problem = await runCall(c, world, runBaseline, tally, exact?.(i))
      if (problem) problems.push(problem)
    }
  } finally {
    world.dispose()
  }
  const after = pb.liveExportCount()
  if (after !== runBaseline) problems.push(`the run ended with ${after} live exports, ${runBaseline} before`)
  return problems
}

test.serial('fuzz: anything passed to any public function gives a typed error, no memory change and no leaked export', async (t) => {
  const ledger = ledgerBaseline(t)
  const tally = new Tally()
  await fc.assert(
    fc.asyncProperty(plan, fc.array(call, { minLength: 4, maxLength: 24 }), async (worldPlan, calls) => {
      const problems = await inWorld(worldPlan, calls, tally)
      if (problems.length) throw new Error(problems.join('\n'))
    }),
    { numRuns: 500, includeErrorInReport: true },
  )
  ledger.clean()

  const total = (m: Map<string, number>): number => [...m.values()].reduce((s, n) => s + n, 0)
  t.log(Object.keys(CATALOG).map((n) => `${n} ${tally.valid.get(n) ?? 0}/${tally.invalid.get(n) ?? 0}`).join(', '))
  t.log(`calls: ${total(tally.valid)} valid, ${total(tally.invalid)} invalid, ${total(tally.skipped)} skipped as too large`)
  // The generator must have reached every entry both ways, and every kind of failure.
  for (const name of Object.keys(CATALOG)) {
    // threads() cannot be called wrongly until it refuses extra arguments (see THREADS_EXTRA_ARGUMENTS).
    // Nor BoundExpression's getter until foreign receivers are refused with a code (see EXPRESSION_FOREIGN_RECEIVERS).
    const uncallableWrongly = (name === 'threads' && THREADS_EXTRA_ARGUMENTS !== 'refused') || (name === 'BoundExpression#expression' && EXPRESSION_FOREIGN_RECEIVERS !== 'refused')
    if (!uncallableWrongly) {
      t.true((tally.invalid.get(name) ?? 0) > 0, `${name}: no invalid call generated`)
    }
    if (!name.startsWith('new ')) t.true((tally.valid.get(name) ?? 0) > 0, `${name}: no valid call generated`)
  }
  t.deepEqual(
    [...tally.allCodes()].sort(),
    [ABORT, BORROWED, DETACHED, EMPTY, LENGTH_MISMATCH, RANGE, RELEASED, RESIZABLE, SYNTAX, TYPE, TYPE_MISMATCH, VALUE].sort(),
    'every error code was raised somewhere',
  )
})

// ---------------------------------------------------------------------------------------------------------------------
// Explicit cases: each bad argument the issue names, for every function it applies to, with the exact code expected.

const R = (ref: string): ArgSpec => ({ ref })
const L = (lit: unknown): ArgSpec => ({ lit })
const O = (obj: Record<string, ArgSpec>): ArgSpec => ({ obj })

/** A fixed world: a read handle h0 on f32, a write handle h1 on i32.tail. */
const FIXED: WorldPlan = {
  borrows: [
    { target: 'f32', mode: 'read', release: false },
    { target: 'i32.tail', mode: 'write', release: false },
  ],
}

interface Case {
  readonly call: CallSpec
  readonly expect: string
}

const OPS = OPERATION_NAMES
const WRITING = new Set(OPERATIONS.filter((op) => op.modes[0] === 'write').map((op) => op.name))
const NEEDS_ELEMENTS = new Set(['min', 'max', 'minmax', 'argmin', 'argmax', 'quantile'])

/** Valid arguments of each operation (arrays first; the async twin's options are added by the cases). */
function validArgs(op: string, first: ArgSpec = R('f64')): ArgSpec[] {
  switch (op) {
    case 'variance':
    case 'std':
      return [first, O({ ddof: L(1) })]
    case 'dot':
      return [first, R('f64.b')]
    case 'add':
      return [first, R('f64.b')]
    case 'histogram':
      return [first, O({ bins: L(4) })]
    case 'quantile':
      return [first, L(0.5), O({ method: L('linear') })]
    case 'median':
      return [first, O({ skipNaN: L(false) })]
    case 'argsort':
      return [first, O({ descending: L(true) })]
    case 'topk':
      return [first, L(2), O({ largest: L(false) })]
    case 'cumsum':
      return [first, O({})]
    case 'searchsorted':
      return [first, L([1, 2.5]), O({ side: L('left') })]
    case 'fill':
      return [first, L(1)]
    case 'scale':
      return [first, L(2), L(1)]
    default:
      return [first]
  }
}

const ownOptions = (op: string): boolean =>
  ['variance', 'std', 'histogram', 'quantile', 'median', 'argsort', 'topk', 'cumsum', 'searchsorted'].includes(op)

function cases(): Case[] {
  const out: Case[] = []
  const add = (name: string, args: ArgSpec[], expect: string): void => {
    out.push({ call: { name, args }, expect })
  }
  for (const op of OPS) {
    for (const async of [true, false]) {
      const name = async ? op : `${op}Sync`
      const arity = CATALOG[name]!.params.length
      const base = validArgs(op)
      const full = async && !ownOptions(op) ? [...base, ...Array(arity - base.length - 1).fill(L(undefined)), L(undefined)] : base
      add(name, full, 'ok')
      // Not arrays, look-alikes and broken handles, in every array position.
      const arrays = OPERATIONS.find((o) => o.name === op)!.modes.map((_, i) => i)
      for (const at of arrays) {
        const put = (value: ArgSpec): ArgSpec[] => full.map((a, i) => (i === at ? value : a))
        for (const wrong of [L([1, 2, 3]), R('dataview'), R('arraybuffer'), R('fake.export'), R('proxy'), R('spoof'), L(42), L('abc'), L(null), L(undefined), L({}), L(3n)]) {
          add(name, put(wrong), TYPE)
        }
        add(name, put(R('detached')), DETACHED)
        add(name, put(R('h.detached')), DETACHED) // a handle whose array was detached after borrow()
        add(name, put(R('h.released.read')), RELEASED)
        add(name, put(R('h.released.write')), RELEASED)
        add(name, put(R('resizable')), async ? RESIZABLE : 'ok')
      }
      // Missing and extra arguments.
      add(name, [], TYPE)
      if (op === 'dot' || op === 'add') add(name, [full[0]!], TYPE)
      if (['fill', 'scale', 'histogram', 'quantile', 'topk', 'searchsorted'].includes(op)) add(name, [full[0]!], TYPE)
      add(name, [...full, ...Array(arity - full.length).fill(L(undefined)), L(0)], VALUE)
      add(name, [...full, ...Array(arity - full.length).fill(L(undefined)), L(undefined), L(undefined)], VALUE)
      // A read export handed to a writing operation; a write export held on the bytes.
      if (WRITING.has(op)) add(name, validArgs(op, R('h0')), BORROWED)
      add(name, validArgs(op, R('i32.tail')), BORROWED) // h1 holds a write export of it
      if (NEEDS_ELEMENTS.has(op)) add(name, validArgs(op, R('f64.empty')), EMPTY)
      // Options of async calls.
      if (async) {
        const optionsAt = arity - 1
        const withOptions = (options: ArgSpec): ArgSpec[] => {
          const args = [...full, ...Array(Math.max(0, arity - full.length)).fill(L(undefined))]
          if (ownOptions(op)) {
            const own = (full[optionsAt] as { obj: Record<string, ArgSpec> }).obj
            args[optionsAt] = 'obj' in options ? O({ ...own, ...options.obj }) : options
          } else args[optionsAt] = options
          return args
        }
        for (const bad of [L(5), L('signal'), L(null), L(true), L(2n)]) add(name, withOptions(bad), TYPE)
        add(name, withOptions(O({ signal: L('x') })), TYPE)
        add(name, withOptions(O({ signal: L({ aborted: true }) })), TYPE)
        add(name, withOptions(O({ signal: R('signal.aborted') })), ABORT)
        add(name, withOptions(O({ signal: R('signal.live') })), 'ok')
      }
    }
  }
  for (const async of [true, false]) {
    const s = (op: string): string => (async ? op : `${op}Sync`)
    // dot/add: arrays that do not pair up, and overlapping arguments.
    for (const op of ['dot', 'add']) {
      add(s(op), [R('f64'), R('i16')], TYPE_MISMATCH)
      add(s(op), [R('f64'), R('f64.7')], LENGTH_MISMATCH)
      add(s(op), [R('i64'), R('u64')], TYPE_MISMATCH)
    }
    add(s('add'), [R('f64'), R('f64')], BORROWED) // dst (write) overlaps src (read)
    add(s('add'), [R('f64.head'), R('f64.mid')], BORROWED) // two views sharing bytes 32..48
    add(s('dot'), [R('f64'), R('f64')], 'ok') // two reads share
    add(s('dot'), [R('h0'), R('h0')], 'ok')
    add(s('dot'), [R('h1'), R('h1')], BORROWED) // a write handle is lent once
    add(s('dot'), [R('i64.huge'), R('i64.huge')], RANGE) // 3 · 2^126 does not fit 128 signed bits
    // quantile and median: q, method, skipNaN; 64-bit data a double cannot hold.
    for (const q of [-0.1, 1.5, NaN, Infinity, -Infinity]) add(s('quantile'), [R('f64'), L(q)], RANGE)
    add(s('quantile'), [R('f64'), L([0.5, 2])], RANGE)
    add(s('quantile'), [R('f64'), L([0.5, NaN])], RANGE)
    for (const q of ['0.5', 1n, null, {}, [0.5, '0.5'], new Set([0.5])]) add(s('quantile'), [R('f64'), L(q)], TYPE)
    add(s('quantile'), [R('f64'), L(0.5), O({ method: L('median') })], VALUE)
    add(s('quantile'), [R('f64'), L(0.5), O({ method: L('linear\u0000') })], VALUE)
    add(s('quantile'), [R('f64'), L(0.5), O({ method: L('x'.repeat(100)) })], VALUE)
    add(s('quantile'), [R('f64'), L(0.5), O({ method: L(1) })], TYPE)
    add(s('quantile'), [R('f64'), L(0.5), O({ skipNaN: L(1) })], TYPE)
    add(s('quantile'), [R('f64'), L([]), O({})], 'ok')
    add(s('quantile'), [R('f64.nan'), L([0, 1]), O({ skipNaN: L(true) })], 'ok')
    add(s('quantile'), [R('i64.huge'), L(0.5)], RANGE)
    add(s('median'), [R('i64.huge')], RANGE)
    add(s('median'), [R('f64.empty')], 'ok') // NaN, as numpy's median
    add(s('median'), [R('f64'), O({ skipNaN: L('yes') })], TYPE)
    // argsort, topk, unique.
    add(s('argsort'), [R('f64'), O({ descending: L(1) })], TYPE)
    for (const k of [-1, 1.5, NaN, Infinity, 2 ** 53, 1e300]) add(s('topk'), [R('f64'), L(k)], RANGE)
    for (const k of ['1', 1n, null, undefined]) add(s('topk'), [R('f64'), L(k)], TYPE)
    add(s('topk'), [R('f64.empty'), L(1)], RANGE) // more than the length
    add(s('topk'), [R('f64.empty'), L(0)], 'ok')
    add(s('topk'), [R('f64'), L(1), O({ largest: L('yes') })], TYPE)
    add(s('unique'), [R('f64.empty')], 'ok')
    // cumsum: out of the right type and length, the input itself, overlapping at a shift, under someone's export.
    add(s('cumsum'), [R('f64'), O({ out: R('f64.b') })], 'ok')
    add(s('cumsum'), [R('f64'), O({ out: R('f64') })], 'ok') // in place
    add(s('cumsum'), [R('i64'), O({ out: R('i64') })], 'ok')
    add(s('cumsum'), [R('f64'), O({ out: R('i64') })], TYPE_MISMATCH)
    add(s('cumsum'), [R('i16'), O({ out: R('i16') })], TYPE_MISMATCH) // int16 sums are doubles
    add(s('cumsum'), [R('f64'), O({ out: R('f64.7') })], LENGTH_MISMATCH)
    add(s('cumsum'), [R('f64.head'), O({ out: R('f64.mid') })], BORROWED)
    add(s('cumsum'), [R('f64'), O({ out: R('h0') })], BORROWED) // a read export
    add(s('cumsum'), [R('i64.huge')], RANGE) // -2^63 - 2^63 is below the int64 range
    for (const out of [L(5), L([0, 0]), R('dataview'), R('fake.export')]) add(s('cumsum'), [R('f64'), O({ out })], TYPE)
    add(s('cumsum'), [R('f64'), L(5)], TYPE)
    // searchsorted: needles of every form, sides.
    for (const needles of [L(1), L(NaN), L(-3n), L(2n ** 64n - 1n), L([]), L([1n, 2n ** 63n]), R('i16'), R('h0'), R('h1')]) {
      add(s('searchsorted'), [R('f64'), needles], 'ok')
    }
    add(s('searchsorted'), [R('f64'), R('i32.tail')], BORROWED) // h1 holds a write export of it
    for (const needles of [L(2n ** 64n), L(-(2n ** 63n) - 1n), L([-1n, 2n ** 63n])]) add(s('searchsorted'), [R('f64'), needles], RANGE)
    for (const needles of [L('1'), L(null), L(undefined), L([1, 1n]), L(['1']), R('dataview'), R('fake.export')]) {
      add(s('searchsorted'), [R('f64'), needles], TYPE)
    }
    add(s('searchsorted'), [R('f64'), L(1), O({ side: L('middle') })], VALUE)
    add(s('searchsorted'), [R('f64'), L(1), O({ side: L(1) })], TYPE)
    add(s('searchsorted'), [R('f64'), R('f64'), O({ side: L('right') })], 'ok') // the data as its own needles
    // histogram: bins.
    for (const bins of [0, -1, -0.5, 2.5, NaN, Infinity, -Infinity, 2 ** 24 + 1, 1e300, -1e300]) {
      add(s('histogram'), [R('f64'), O({ bins: L(bins) })], RANGE)
    }
    for (const bins of ['3', 3n, null, {}, [4], new Number(4)]) add(s('histogram'), [R('f64'), O({ bins: L(bins) })], TYPE)
    add(s('histogram'), [R('f64'), O({})], TYPE)
    add(s('histogram'), [R('f64'), O({ bins: L(4), min: L(NaN) })], RANGE)
    add(s('histogram'), [R('f64'), O({ bins: L(4), max: L(Infinity) })], RANGE)
    add(s('histogram'), [R('f64'), O({ bins: L(4), min: L(5), max: L(1) })], RANGE)
    add(s('histogram'), [R('f64'), O({ bins: L(4), min: L(100) })], RANGE) // above every value
    add(s('histogram'), [R('f64'), O({ bins: L(4), min: L('0') })], TYPE)
    add(s('histogram'), [R('f64.nonfinite'), O({ bins: L(4) })], RANGE) // the data's range is infinite
    add(s('histogram'), [R('f64.nonfinite'), O({ bins: L(4), min: L(-5), max: L(5) })], 'ok')
    add(s('histogram'), [R('f64.nan'), O({ bins: L(4) })], RANGE) // no range from all-NaN data (numpy raises)
    add(s('histogram'), [R('f64.nan'), O({ bins: L(4), min: L(0) })], 'ok') // a bound given: NaNs are not counted
    add(s('histogram'), [R('f64'), O({ bins: L(2 ** 24), min: L(0), max: L(1) })], 'ok') // the largest bin count
    // variance/std: ddof.
    for (const op of ['variance', 'std']) {
      for (const ddof of [-1, -1e-300, NaN, Infinity, -Infinity]) add(s(op), [R('f64'), O({ ddof: L(ddof) })], RANGE)
      for (const ddof of ['1', 1n, null, {}, true]) add(s(op), [R('f64'), O({ ddof: L(ddof) })], TYPE)
      for (const options of [L(1), L('x'), L(null)]) add(s(op), [R('f64'), options], TYPE)
      add(s(op), [R('f64'), O({ ddof: L(1e300) })], 'ok') // n - ddof <= 0: NaN, not an error
    }
    // fill/scale: values of the wrong type for the array.
    for (const value of ['1', {}, null, undefined, [1], true, new Number(1), Symbol('v')]) {
      add(s('fill'), [R('f64'), L(value)], TYPE)
      add(s('scale'), [R('f64'), L(value)], TYPE)
      add(s('scale'), [R('f64'), L(2), L(value === undefined ? 'x' : value)], TYPE)
    }
    add(s('fill'), [R('f64'), L(1n)], TYPE) // bigint for a number array
    add(s('fill'), [R('i64'), L(1)], TYPE) // number for a bigint array
    add(s('fill'), [R('u64'), L(1.5)], TYPE)
    add(s('fill'), [R('i64'), L(-1n)], 'ok')
    add(s('scale'), [R('f64'), L(2n)], TYPE)
    add(s('scale'), [R('f64'), L(2), L(1n)], TYPE)
    add(s('scale'), [R('i64'), L(2)], TYPE)
    add(s('scale'), [R('i64'), L(2n), L(1)], TYPE)
    add(s('scale'), [R('i64'), L(2n)], 'ok') // the default offset follows the factor's type
    add(s('fill'), [R('h1'), L(7)], 'ok') // through a write handle
  }
  // borrow, exportsOf, alloc, the counters.
  for (const wrong of [L([1, 2, 3]), R('dataview'), R('arraybuffer'), R('h0'), R('fake.export'), R('proxy'), R('spoof'), L(1), L(null), L(undefined)]) {
    add('borrow', [wrong, L('read')], TYPE)
    add('exportsOf', [wrong], TYPE)
  }
  add('borrow', [R('detached'), L('read')], DETACHED)
  add('exportsOf', [R('detached')], DETACHED)
  for (const mode of ['READ', '', 'readwrite', 1, null, undefined, { mode: 'read' }]) add('borrow', [R('f64.b'), L(mode)], VALUE)
  add('borrow', [R('f32'), L('write')], BORROWED) // h0 reads it
  add('borrow', [R('i32.tail'), L('read')], BORROWED) // h1 writes it
  add('borrow', [R('f64'), L('read')], 'ok')
  add('borrow', [R('f64.b'), L('read'), L(1)], VALUE)
  add('borrow', [], TYPE)
  add('exportsOf', [R('f64'), L(1)], VALUE)
  add('exportsOf', [R('f64.head')], 'ok')
  add('exportsOf', [], TYPE)
  for (const Type of [DataView, ArrayBuffer, Array, Object, pb.Export, pb.BorrowError, 'Float64Array', 8, null, undefined]) {
    add('alloc', [L(Type), L(4)], TYPE)
  }
  for (const length of [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 60, 1e300]) add('alloc', [L(Float64Array), L(length)], RANGE)
  for (const length of ['4', 4n, null, undefined, {}]) add('alloc', [L(Float64Array), L(length)], TYPE)
  add('alloc', [L(Float64Array), L(4), L(0)], VALUE)
  add('alloc', [], TYPE)
  add('alloc', [L(BigUint64Array), L(0)], 'ok')
  for (const name of ['liveExportCount', 'allocIsExternal']) {
    add(name, [], 'ok')
    add(name, [L(0)], VALUE)
  }
  add('threads', [], 'ok')
  add('threads', [L(0)], THREADS_EXTRA_ARGUMENTS === 'refused' ? VALUE : 'ok')
  // Export's methods and constructor.
  for (const m of ['Export#release', 'Export#[Symbol.dispose]', 'Export#released']) {
    for (const receiver of [R('fake.export'), L({}), L(null), L(undefined), R('f64')]) add(m, [receiver], TYPE)
    add(m, [R('h.released.read')], 'ok')
  }
  add('Export#release', [R('h.released.write'), L(1)], VALUE)
  add('Export#[Symbol.dispose]', [R('h.released.write'), L(undefined)], VALUE)
  add('Export#release', [R('h0')], 'ok')
  add('Export#release', [R('h0')], 'ok') // idempotent
  add('new Export', [R('f64'), L('read')], TYPE)
  add('new Export', [], TYPE)
  expressionCases(add)
  return out
}

const G = (get: ArgSpec, effect: Effect): ArgSpec => ({ get, effect })
const F16 = typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'function'

/** Explicit cases of the expression API: compile, evaluate(Sync), Expression's and BoundExpression's members, and
 * bound expressions passed to the operations. */
function expressionCases(add: (name: string, args: ArgSpec[], expect: string) => void): void {
  const XY = L('x * 2 + y')
  const xy = (x: ArgSpec = R('f64'), y: ArgSpec = R('f64.b')) => O({ x, y })
  const SYNTAX_SOURCES = ['', '   ', 'sqrt(x', 'x +', 'x y', 'foo(x)', 'atan2(x)', 'clamp(x, 1)', '1 +* 2', 'x\u0000', 'x @ y', ')', 'x = 1', 'x.y']
  const DEEP = ['('.repeat(100_000) + 'x' + ')'.repeat(100_000), '-'.repeat(100_000) + 'x']
  add('compile', [XY], 'ok')
  add('compile', [L('x+'.repeat(2000) + 'x')], 'ok')
  for (const source of [...SYNTAX_SOURCES, ...DEEP]) add('compile', [L(source)], SYNTAX)
  for (const source of [42, null, undefined, {}, new String('x'), Symbol('x'), 1n, ['x'], R('f64')]) {
    add('compile', [typeof source === 'object' && source !== null && 'ref' in source ? (source as ArgSpec) : L(source)], TYPE)
  }
  add('compile', [], TYPE)
  add('compile', [XY, L(1)], VALUE)
  add('compile', [XY, L(undefined)], VALUE)

  for (const async of [true, false]) {
    const name = async ? 'evaluate' : 'evaluateSync'
    const run = (inputs: ArgSpec, options?: Record<string, ArgSpec>, source: ArgSpec = XY): ArgSpec[] =>
      options === undefined ? [source, inputs] : [source, inputs, O(options)]
    add(name, run(xy()), 'ok')
    add(name, [XY, xy(), L(undefined)], 'ok')
    for (const source of [...SYNTAX_SOURCES, ...DEEP]) add(name, run(xy(), undefined, L(source)), SYNTAX)
    for (const source of [42, null, undefined, {}, 1n]) add(name, run(xy(), undefined, L(source)), TYPE)
    // inputs: not an object; a variable missing, unknown or undefined; values that are not numbers or arrays.
    for (const inputs of [42, 'x', null, undefined, true, 1n, Symbol('i')]) add(name, [XY, L(inputs)], TYPE)
    add(name, run(O({ x: R('f64') })), VALUE)
    add(name, run(O({ x: R('f64'), y: R('f64.b'), w: L(1) })), VALUE)
    add(name, run(xy(L(undefined))), VALUE)
    for (const bad of [L('abc'), L(null), L({}), L([1, 2]), L(true), R('dataview'), R('arraybuffer'), R('fake.export'), R('proxy'), R('spoof'), L(new Number(1)), L(() => 1), R('fake.expression'), R('bound.xy')]) {
      add(name, run(xy(bad)), TYPE)
      add(name, run(xy(R('f64'), bad)), TYPE)
    }
    for (const bad of [L(3n), R('i64'), R('u64')]) add(name, run(xy(bad)), TYPE) // bigints
    add(name, run(xy(R('detached'))), DETACHED)
    add(name, run(xy(R('h.detached'), R('f64.b'))), DETACHED)
    add(name, run(xy(R('h.released.read'))), RELEASED)
    add(name, run(xy(R('resizable'))), async ? RESIZABLE : 'ok')
    add(name, run(xy(R('resizable.tracking'), L(1))), async ? RESIZABLE : 'ok')
    add(name, run(xy(R('f64'), R('f64.7'))), LENGTH_MISMATCH)
    add(name, run(xy(R('f64.head'), R('f64.mid'))), 'ok') // reads share
    add(name, run(xy(R('f64'), R('f64'))), 'ok') // one array as two variables
    add(name, run(xy(R('shared'), L(2))), 'ok')
    add(name, run(xy(R('alloc'), L(-0))), 'ok')
    add(name, run(xy(R('u8c'), L(NaN))), 'ok')
    add(name, run(xy(R('f64.empty'), R('f64.emptyInX'))), 'ok')
    if (F16) add(name, run(xy(R('f16'), R('i16'))), 'ok')
    // Inputs objects that are not plain; getters that throw, detach, export or release in the middle of the call.
    add(name, [XY, R('inputs.ownKeysThrows')], VALUE)
    add(name, [XY, R('inputs.getThrows')], VALUE)
    for (const inputs of ['inputs.proxy', 'inputs.inherited', 'inputs.hidden']) add(name, [XY, R(inputs)], 'ok')
    add(name, run(xy(G(R('f64'), 'throw'))), VALUE)
    add(name, run(xy(G(R('victim'), 'detach.victim'))), DETACHED)
    add(name, run(xy(R('victim'), G(R('f64.b'), 'detach.victim'))), DETACHED) // x was read before y's getter ran
    add(name, run(xy(R('victim'), G(R('f64.b'), 'borrow.victim.write'))), BORROWED)
    add(name, run(xy(R('victim'), G(R('f64.b'), 'borrow.victim.read'))), 'ok')
    add(name, run(xy(R('f64'), G(R('f64.b'), 'borrow.victim.read')), { out: R('victim') }), BORROWED)
    add(name, run(xy(R('h0'), G(L(1), 'release.h0')), undefined, L('x * 2 + y')), RELEASED)
    // Exports: a read handle is read, a write handle lent once, an array under another's write export is refused.
    add(name, run(xy(R('h0'), L(1))), 'ok')
    add(name, run(xy(R('h1'), L(1))), 'ok')
    add(name, run(xy(R('f32'), L(1))), 'ok') // h0 only reads it
    add(name, run(xy(R('h0'), R('h0'))), 'ok')
    add(name, run(xy(R('h1'), R('h1'))), 'ok') // one write handle, lent once, read for both variables
    add(name, run(xy(R('i32.tail'), L(1))), BORROWED) // h1 writes it
    add(name, run(xy(R('u8.x'), L(1))), BORROWED) // overlaps i32.tail
    // out: a new array of `type`, or an array of the inputs' length; one of the inputs at exactly its position; never
    // an input at a shift, another type over the same bytes, a read export, or bytes someone else exports.
    add(name, run(xy(), { out: R('resizable') }), async ? RESIZABLE : 'ok')
    add(name, run(xy(R('f64'), L(1)), { out: R('f64.b') }), 'ok')
    add(name, run(xy(), { out: R('f64') }), 'ok') // x = x * 2 + y
    add(name, run(xy(), { out: R('f64.b') }), 'ok') // y = x * 2 + y
    add(name, run(xy(R('f64.head'), L(1)), { out: R('f64.head') }), 'ok')
    add(name, run(xy(R('f64.head'), L(1)), { out: R('f64.mid') }), BORROWED) // x at a shift
    add(name, run(xy(R('f64.mid'), L(1)), { out: R('f64.head') }), BORROWED)
    add(name, run(xy(R('f64'), L(1)), { out: R('f64.asF32') }), BORROWED) // x's bytes as another type
    add(name, run(xy(R('f64'), R('f64')), { out: R('f64') }), 'ok') // both variables and out: one export, in place
    add(name, run(xy(R('h1'), L(1)), { out: R('h1') }), 'ok') // a write handle shared with its input
    add(name, run(xy(R('h1'), L(1)), { out: R('i32.tail') }), 'ok') // its array, through the handle's export
    add(name, run(xy(R('f32'), L(1)), { out: R('h0') }), BORROWED) // a read export
    add(name, run(xy(R('h0'), L(1)), { out: R('f32') }), BORROWED) // h0 reads it
    add(name, run(xy(R('i16'), L(1)), { out: R('h1') }), LENGTH_MISMATCH)
    add(name, run(xy(R('i32.tail'), L(1)), { out: R('h1') }), BORROWED)
    add(name, run(xy(), { out: R('f64.7') }), LENGTH_MISMATCH)
    add(name, run(xy(), { out: R('i64') }), TYPE)
    for (const out of [L(5), L([0, 0]), R('dataview'), R('fake.export'), R('arraybuffer'), L('out')]) add(name, run(xy(), { out }), TYPE)
    add(name, run(xy(), { out: R('detached') }), DETACHED)
    add(name, run(xy(), { out: R('h.released.write') }), RELEASED)
    add(name, run(xy(), { out: R('h.detached') }), DETACHED)
    // type: a constructor of a typed array of numbers (or a subclass); anything else is refused.
    for (const type of [Float32Array, Int8Array, Uint8ClampedArray, ...(F16 ? [(globalThis as { Float16Array?: unknown }).Float16Array] : [])]) {
      add(name, run(xy(), { type: L(type) }), 'ok')
    }
    add(name, run(xy(), { type: R('ctor.subclass') }), 'ok')
    add(name, run(xy(), { type: R('ctor.returnsWorld') }), 'ok') // the world's f64.b becomes the output
    add(name, run(xy(), { type: R('ctor.short') }), LENGTH_MISMATCH)
    for (const type of [BigInt64Array, BigUint64Array, DataView, ArrayBuffer, Array, Object, 'Float64Array', 8, Symbol, {}]) {
      add(name, run(xy(), { type: L(type) }), TYPE)
    }
    add(name, run(xy(), { type: L(null) }), NULL_TYPE === 'refused' ? TYPE : 'ok') // see NULL_TYPE
    add(name, run(xy(), { out: R('f64.b'), type: L(null) }), TYPE)
    add(name, run(xy(), { type: R('ctor.throws') }), TYPE)
    add(name, run(xy(), { type: R('ctor.arrow') }), TYPE)
    add(name, run(xy(), { out: R('f64.b'), type: L(Float64Array) }), 'ok')
    add(name, run(xy(), { out: R('f64.b'), type: L(Float32Array) }), VALUE)
    add(name, run(xy(), { out: R('f64.b'), type: L('x') }), TYPE)
    // No array among the inputs: out gives the length.
    add(name, [L('1 + 2'), O({})], VALUE)
    add(name, [L('x'), O({ x: L(5) })], VALUE)
    add(name, [L('1 + 2'), O({}), O({ out: R('f64.b') })], 'ok')
    add(name, [L('x'), O({ x: L(5) }), O({ out: R('u8') })], 'ok')
    // Variables named like Object.prototype's members are read as JavaScript reads them.
    add(name, [L('constructor'), O({})], TYPE) // inputs.constructor is Object
    add(name, [L('constructor'), O({ constructor: R('f64') })], 'ok')
    add(name, [L('__proto__ + 1'), O({})], TYPE) // inputs.__proto__ is Object.prototype
    // Options and arity.
    for (const options of [5, 'x', null, true, 2n]) add(name, [XY, xy(), L(options)], TYPE)
    add(name, [XY, xy(), L(undefined), L(0)], VALUE)
    add(name, [], TYPE)
    add(name, [XY], TYPE)
    if (async) {
      add(name, run(xy(), { signal: L('x') }), TYPE)
      add(name, run(xy(), { signal: L({ aborted: true }) }), TYPE)
      add(name, run(xy(), { signal: R('signal.aborted') }), ABORT)
      add(name, run(xy(), { signal: R('signal.live') }), 'ok')
      add(name, run(xy(R('big'), R('big2')), { signal: R('signal.live') }), 'ok') // on the pool
      add(name, run(xy(R('big'), R('big2')), { out: R('big') }), 'ok')
    } else {
      add(name, run(xy(), { signal: L('ignored') }), 'ok') // the sync twin takes no signal and reads none
    }
  }

  // Expression's methods: on an expression from compile(), as evaluate; on anything else, refused.
  for (const m of ['Expression#run', 'Expression#runSync', 'Expression#bind']) {
    const inputs = O({ x: R('f64'), y: R('f64.b') })
    add(m, [R('expr.xy'), inputs], 'ok')
    // (Until they are refused with a code, see EXPRESSION_FOREIGN_RECEIVERS; expression-attacks.spec.ts has them.)
    const foreign = EXPRESSION_FOREIGN_RECEIVERS === 'refused' ? [R('fake.expression'), R('fake.bound'), R('bound.xy'), L({}), L(null), L(undefined), R('f64'), R('h0')] : []
    for (const receiver of foreign) add(m, [receiver, inputs], TYPE)
    add(m, [R('expr.xy')], TYPE)
    add(m, [R('expr.xy'), O({ x: R('f64') })], VALUE)
    add(m, [R('expr.xy'), O({ x: L(1n), y: L(1) })], TYPE)
    add(m, [R('expr.xy'), R('inputs.ownKeysThrows')], VALUE)
    add(m, [R('expr.xy'), inputs, ...(m === 'Expression#bind' ? [] : [L(undefined)]), L(1)], VALUE)
  }
  add('Expression#bind', [R('expr.xy'), O({ x: R('detached'), y: R('i64') })], 'ok') // checked when a reduction runs
  add('Expression#bind', [R('expr.xy'), O({ x: G(R('f64'), 'detach.victim'), y: R('victim') })], 'ok')
  add('Expression#run', [R('expr.xy'), inputs2(), O({ signal: R('signal.aborted') })], ABORT)
  add('Expression#runSync', [R('expr.const'), O({}), O({ out: R('f64.b') })], 'ok')
  add('Expression#runSync', [R('expr.proto'), O({ ['__proto__']: R('f64') })], 'ok') // assigned: the prototype
  add('BoundExpression#expression', [R('bound.xy')], 'ok')
  if (EXPRESSION_FOREIGN_RECEIVERS === 'refused') {
    for (const receiver of [R('fake.bound'), R('fake.expression'), R('expr.xy'), L({}), L(null)]) add('BoundExpression#expression', [receiver], TYPE)
  }
  add('new Expression', [], TYPE)
  add('new Expression', [L('x')], TYPE)
  add('new BoundExpression', [], TYPE)
  add('new BoundExpression', [R('expr.xy'), O({ x: R('f64') })], TYPE)

  // A bound expression in place of an operation's array: taken by BOUND_REDUCTIONS, refused by the others (for now).
  for (const op of OPS) {
    if (OPERATIONS.find((o) => o.name === op)!.modes.length !== 1) continue
    for (const async of [true, false]) add(async ? op : `${op}Sync`, validArgs(op, R('bound.xy')), BOUND_REDUCTIONS.has(op) ? 'ok' : TYPE)
  }
  for (const async of [true, false]) {
    const sum = async ? 'sum' : 'sumSync'
    add(sum, [R('bound.pool')], 'ok')
    add(sum, [R('bound.victim')], 'ok')
    add(sum, [R('bound.same')], 'ok')
    add(sum, [R('bound.empty')], 'ok')
    add(sum, [R('bound.h0')], 'ok')
    add(sum, [R('bound.h0.twice')], 'ok')
    add(sum, [R('bound.h1')], 'ok')
    add(sum, [R('bound.h1.twice')], 'ok') // one write handle for both variables: lent once
    add(sum, [R('bound.mismatch')], LENGTH_MISMATCH)
    add(sum, [R('bound.bigint')], TYPE)
    add(sum, [R('bound.detached')], DETACHED)
    add(sum, [R('bound.h.detached')], DETACHED)
    add(sum, [R('bound.released')], RELEASED)
    add(sum, [R('bound.resizable')], async ? RESIZABLE : 'ok')
    add(sum, [R('bound.scalar')], VALUE) // no array: no length to reduce over
    add(sum, [R('bound.const')], VALUE)
    if (F16) add(sum, [R('bound.f16')], 'ok')
    add(sum, [R('fake.bound')], TYPE)
    add(sum, [R('expr.xy')], TYPE) // an expression not bound to inputs
    add('dot', [R('bound.xy'), R('f64')], TYPE)
    add('borrow', [R('bound.xy'), L('read')], TYPE)
  }
}

const inputs2 = (): ArgSpec => O({ x: R('f64'), y: R('f64.b') })

test.serial('explicit cases: each kind of bad argument, for every function it applies to, raises its exact code', async (t) => {
  const ledger = ledgerBaseline(t)
  const all = cases()
  // One world per case, so a case never sees what an earlier one changed.
  const problems: string[] = []
  for (const c of all) problems.push(...(await inWorld(FIXED, [c.call], undefined, () => c.expect)))
  t.deepEqual(problems, [])
  t.log(`${all.length} cases`)
  t.true(all.length > 1200, `${all.length} cases`)
  t.true(all.some((c) => c.expect === 'ok') && all.some((c) => c.expect === ABORT))
  ledger.clean()
})
