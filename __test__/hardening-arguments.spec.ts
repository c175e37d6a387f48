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
  CATALOG,
  CLASSES,
  DETACHED,
  EMPTY,
  ERROR_CATALOG,
  EXPORT_MEMBERS,
  LENGTH_MISMATCH,
  RANGE,
  RELEASED,
  RESIZABLE,
  THREADS_EXTRA_ARGUMENTS,
  TYPE,
  TYPE_MISMATCH,
  VALUE,
} from './helpers/hardening/api.js'
import { type ArgSpec, call, type CallSpec, plan } from './helpers/hardening/arbitraries.js'
import { runCall, Tally } from './helpers/hardening/harness.js'
import { World, type WorldPlan } from './helpers/hardening/world.js'
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
  const catalogFunctions = Object.keys(CATALOG).filter((n) => !n.includes('Export'))
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
    if (name !== 'threads' || THREADS_EXTRA_ARGUMENTS === 'refused') {
      t.true((tally.invalid.get(name) ?? 0) > 0, `${name}: no invalid call generated`)
    }
    if (name !== 'new Export') t.true((tally.valid.get(name) ?? 0) > 0, `${name}: no valid call generated`)
  }
  t.deepEqual(
    [...tally.allCodes()].sort(),
    [ABORT, BORROWED, DETACHED, EMPTY, LENGTH_MISMATCH, RANGE, RELEASED, RESIZABLE, TYPE, TYPE_MISMATCH, VALUE].sort(),
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
  return out
}

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
