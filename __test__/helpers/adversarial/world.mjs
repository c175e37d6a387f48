// The tools of the adversarial object-model suite (adversarial.spec.ts runs them in child processes, see child.mjs):
// the engine's own getters captured before any attack tampers with a prototype, unguarded resize()/transfer() from
// another realm, memory subjects laid out between canaries, the per-attack context that installs hostile definitions
// and takes every one of them back, JavaScript references for every operation, and the serialisation of outcomes.
//
// Nothing here trusts a property of an attacked object: typed arrays are read through the built-in getters captured
// below, results and memory are compared byte by byte.
import { createRequire } from 'node:module'
import { types } from 'node:util'
import vm from 'node:vm'

export const pb = await import('parabuf')
/** The binding the facade loaded (the same file, so the same instance): its classes' prototypes are attack surface. */
export const binding = createRequire(import.meta.url)('../../../dist/native.js').native

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
const gcNow = globalThis.gc
const { apply, defineProperty, deleteProperty, getOwnPropertyDescriptor, getPrototypeOf, ownKeys } = Reflect
const cloneWithTransfer = globalThis.structuredClone
const isPromise = types.isPromise

// ---------------------------------------------------------------------------------------------------------------
// The engine's getters, captured now (attacks redefine the public ones).

const TypedArrayPrototype = getPrototypeOf(Int8Array.prototype)
const getterOf = (target, key) => getOwnPropertyDescriptor(target, key).get
const TA = {
  length: getterOf(TypedArrayPrototype, 'length'),
  buffer: getterOf(TypedArrayPrototype, 'buffer'),
  byteOffset: getterOf(TypedArrayPrototype, 'byteOffset'),
  byteLength: getterOf(TypedArrayPrototype, 'byteLength'),
  tag: getterOf(TypedArrayPrototype, Symbol.toStringTag),
}
const AB = {
  byteLength: getterOf(ArrayBuffer.prototype, 'byteLength'),
  resizable: getterOf(ArrayBuffer.prototype, 'resizable'),
}
const SAB_BYTE_LENGTH = getterOf(SharedArrayBuffer.prototype, 'byteLength')

/** Internal slots, read through the captured built-ins. */
export const slots = {
  length: (ta) => apply(TA.length, ta, []),
  buffer: (ta) => apply(TA.buffer, ta, []),
  byteOffset: (ta) => apply(TA.byteOffset, ta, []),
  byteLength: (ta) => apply(TA.byteLength, ta, []),
  /** The element type's name, `undefined` for anything that is not a typed array (a Proxy included). */
  tag: (value) => apply(TA.tag, value, []),
  bufferByteLength: (buffer) =>
    types.isSharedArrayBuffer(buffer) ? apply(SAB_BYTE_LENGTH, buffer, []) : apply(AB.byteLength, buffer, []),
  resizable: (buffer) => apply(AB.resizable, buffer, []),
}

/** The typed array constructors of every element kind the core defines (its `elementKinds()`), but `Float16Array`,
 * which not every supported Node.js has (`float16.spec.ts` covers it). */
export const CONSTRUCTORS = Object.fromEntries(
  binding
    .elementKinds()
    .filter((kind) => kind.name !== 'Float16Array')
    .map((kind) => [kind.name, globalThis[kind.name]]),
)
export const isBigType = (T) => T === BigInt64Array || T === BigUint64Array

/** A full garbage collection. */
export function collect() {
  gcNow()
}

/** Two full collections: the second sweeps what the first's finalizers let go (moved backing stores). */
export function collectThoroughly() {
  gcNow()
  gcNow()
}

// ---------------------------------------------------------------------------------------------------------------
// Ways around the guards: ArrayBuffer.prototype.resize/transfer of another realm are not parabuf's guarded methods
// (docs/safety.md, "What the engine cannot stop"); structuredClone's transfer list detaches whatever exports exist.

const realm = vm.createContext({})
const realmTransfer = vm.runInContext('ArrayBuffer.prototype.transfer', realm)
const realmResize = vm.runInContext('ArrayBuffer.prototype.resize', realm)
if (typeof realmTransfer !== 'function') throw new Error('ArrayBuffer.prototype.transfer is missing: run with --harmony-rab-gsab-transfer')

export const unguarded = {
  /** Detaches `buffer` through another realm's transfer(): returns the new owner of the memory. */
  transfer: (buffer) => apply(realmTransfer, buffer, []),
  /** Resizes `buffer` through another realm's resize(). */
  resize: (buffer, byteLength) => apply(realmResize, buffer, [byteLength]),
  /** Detaches `buffer` into a structured clone: returns the new owner of the memory. */
  cloneTransfer: (buffer) => cloneWithTransfer(buffer, { transfer: [buffer] }),
  /** A resizable ArrayBuffer made in the other realm. */
  realmBuffer: (byteLength, maxByteLength) =>
    vm.runInContext(`new ArrayBuffer(${byteLength}, { maxByteLength: ${maxByteLength} })`, realm),
}

export const isDetached = (buffer) => !types.isSharedArrayBuffer(buffer) && slots.bufferByteLength(buffer) === 0

// ---------------------------------------------------------------------------------------------------------------
// Memory subjects: the bytes an attack aims at, between canary elements, with a snapshot to compare against.

/** A canary for pad element `i`: a value no operation of the suite would write. */
export function canary(T, i) {
  if (isBigType(T)) return T === BigUint64Array ? 0xa5a5a5a5a5a5a5a5n + BigInt(i) : -0x5a5a5a5a5a5a5a5an + BigInt(i)
  if (T === Float32Array || T === Float64Array) return -1234.5 - i
  const bits = T.BYTES_PER_ELEMENT * 8
  const signed = T === Int8Array || T === Int16Array || T === Int32Array
  const v = 0xa5 + 7 * i
  return signed ? -((v % 2 ** (bits - 1)) || 1) : v % 2 ** bits
}

/** Data of a small subject: distinct small integers, so every reference is exact. */
export const SMALL_A = [5, 3, 8, 1, 7, 2, 6, 4]
export const SMALL_B = [2, 1, 2, 1, 2, 1, 2, 1]
/** Elements of a big subject: 16 MiB of Float64, above the 128 KiB inline limit, so the allocator maps it alone. */
export const BIG_LENGTH = 1 << 21
const bigA = (i) => ((i * 5) % 8) + 1
const bigB = (i) => ((i * 3) % 4) + 1

export class Subject {
  /**
   * @param {object} o
   * @param {Function} [o.T] element type
   * @param {'fixed'|'rabTracking'|'rabFixed'|'alloc'|'shared'} [o.layout]
   * @param {'a'|'b'} [o.data] which data set
   * @param {boolean} [o.big] 2^21 elements instead of 8
   * @param {(buffer: ArrayBufferLike, byteOffset: number, length: number|undefined) => ArrayBufferView} [o.make]
   *   builds the target view (subclasses, hostile constructors)
   */
  constructor({ T = Float64Array, layout = 'fixed', data = 'a', big = false, make } = {}) {
    const bpe = T.BYTES_PER_ELEMENT
    const n = big ? BIG_LENGTH : SMALL_A.length
    const pad = layout === 'alloc' ? 0 : 3
    const after = layout === 'fixed' || layout === 'rabFixed' || layout === 'shared' ? pad : 0
    const total = (pad + n + after) * bpe
    this.T = T
    this.n = n
    this.pad = pad
    this.start = pad * bpe
    this.layout = layout
    this.big = big
    if (layout === 'alloc') {
      this.array = pb.alloc(T, n)
      this.buffer = slots.buffer(this.array)
    } else {
      if (layout === 'fixed') this.buffer = new ArrayBuffer(total)
      else if (layout === 'shared') this.buffer = new SharedArrayBuffer(total, { maxByteLength: total * 2 })
      else this.buffer = new ArrayBuffer(total, { maxByteLength: total })
      const length = layout === 'rabTracking' ? undefined : n
      this.array = make ? make(this.buffer, this.start, length) : new T(this.buffer, this.start, length)
    }
    const all = new T(this.buffer)
    for (let i = 0; i < pad; i++) all[i] = canary(T, i)
    for (let i = 0; i < after; i++) all[pad + n + i] = canary(T, pad + i)
    const value = big ? (data === 'a' ? bigA : bigB) : (i) => (data === 'a' ? SMALL_A : SMALL_B)[i]
    // Both data sets repeat every 8 elements: write 8, then double the written part.
    const head = Math.min(n, 8)
    for (let i = 0; i < head; i++) all[pad + i] = isBigType(T) ? BigInt(value(i)) : value(i)
    for (let done = head; done < n; done *= 2) all.copyWithin(pad + done, pad, pad + Math.min(done, n - done))
    /** Every byte of the buffer as it was before the attack. */
    this.initial = new Uint8Array(new Uint8Array(this.buffer))
    this.totalBytes = total
    /** The memory's new owner when an attack moved it and kept it. */
    this.moved = undefined
    /** Set when an attack moved the memory and let its new owner be collected. */
    this.dropped = false
    /** The export handle of the target, for scenarios that pass one. */
    this.handle = undefined
  }

  /** The target's elements as they were before the attack, the first `count` of them. */
  initialElements(count = this.n) {
    return Array.from(new this.T(this.initial.buffer, this.start, count))
  }

  /** The input an operation receives: the handle when there is one, else the array. */
  get input() {
    return this.handle ?? this.array
  }

  /** How many elements the target view covers now (0 when detached or out of bounds). */
  currentLength() {
    return slots.length(this.array)
  }

  /**
   * Compares the memory with what it must hold: every byte as before the attack, except the target's first
   * `written.length / BYTES_PER_ELEMENT` elements, which must hold `written` (bytes). A shrunk resizable buffer is
   * compared over its current bytes, then regrown (through another realm) so the bytes that were cut off can be
   * checked to be zero: the engine zero-fills them, so anything else was written past the end of the buffer.
   * Returns 'intact', 'gone' (the memory was moved and its new owner collected), or the first differences.
   */
  check(written) {
    if (this.dropped) return 'gone'
    const owner = this.moved ?? this.buffer
    if (isDetached(owner)) return 'detached without a new owner'
    const expected = new Uint8Array(this.initial)
    if (written) expected.set(written, this.start)
    const now = new Uint8Array(owner)
    const problems = []
    const region = (i) => (i < this.start ? 'canary before' : i < this.start + this.n * this.T.BYTES_PER_ELEMENT ? 'target' : 'canary after')
    if (now.length > this.totalBytes) problems.push(`the buffer grew to ${now.length} bytes`)
    const same = Buffer.from(now.buffer, now.byteOffset, now.length).equals(Buffer.from(expected.buffer, 0, now.length))
    for (let i = 0; !same && i < now.length && problems.length < 4; i++) {
      if (now[i] !== expected[i]) problems.push(`byte ${i} (${region(i)}): ${now[i]}, expected ${expected[i]}`)
    }
    if (now.length < this.totalBytes) {
      const cut = now.length
      unguarded.resize(owner, this.totalBytes)
      const tail = new Uint8Array(owner, cut)
      const stray = tail.findIndex((b) => b !== 0)
      if (stray >= 0) problems.push(`byte ${cut + stray} (cut off by the shrink) was written: ${tail[stray]}`)
    }
    return problems.length === 0 ? 'intact' : problems
  }
}

/** Whether every canary byte (before and after the target) holds what it held before the attack. */
Subject.prototype.canariesIntact = function canariesIntact() {
  const owner = this.moved ?? this.buffer
  if (this.dropped || isDetached(owner)) return 'gone'
  const now = new Uint8Array(owner)
  const end = this.start + this.n * this.T.BYTES_PER_ELEMENT
  for (let i = 0; i < now.length; i++) {
    if ((i < this.start || i >= end) && now[i] !== this.initial[i]) return `byte ${i} changed`
  }
  return 'intact'
}

/** The bytes of `values` stored as elements of `T`. */
export function bytesOf(T, values) {
  const typed = new T(values.length)
  for (let i = 0; i < values.length; i++) typed[i] = values[i]
  return new Uint8Array(typed.buffer)
}

// ---------------------------------------------------------------------------------------------------------------
// JavaScript references. Every subject holds small integers, so these are exact and match parabuf bit for bit.

const sumOf = (xs) => (typeof xs[0] === 'bigint' ? xs.reduce((s, x) => s + x, 0n) : xs.reduce((s, x) => s + x, 0))
const lt = (x, y) => x < y
function varianceOf(xs, ddof) {
  const n = xs.length
  if (n - ddof <= 0) return NaN
  const m = Number(sumOf(xs)) / n
  let s = 0
  for (const x of xs) s += (Number(x) - m) ** 2
  return s / (n - ddof)
}
/**
 * numpy's histogram of doubles (2.x: its range, linspace edges, index and one-bin moves; the full port, every element
 * type, is histogramOf in ../reference.ts, which this child, run without a TypeScript loader, cannot import), or null
 * where numpy raises. Subjects hold small integers, which every element type holds exactly and bins alike.
 */
function histogramOf(xs, { bins, min, max }) {
  const numbers = Array.from(xs, Number).filter((x) => !Number.isNaN(x))
  const lo = numbers.length ? numbers.reduce((a, b) => (b < a ? b : a)) : undefined
  const hi = numbers.length ? numbers.reduce((a, b) => (b > a ? b : a)) : undefined
  let first = min ?? lo ?? (max === undefined ? (xs.length ? undefined : 0) : max - 1)
  if (first === undefined) return null // no range from all-NaN data
  let last = max ?? hi ?? first + 1
  if (!(first <= last) || !Number.isFinite(first) || !Number.isFinite(last)) return null
  if (first === last) [first, last] = [first - 0.5, last + 0.5]
  const step = (last - first) / bins
  const edges = Array.from({ length: bins + 1 }, (_, k) => (step === 0 ? (k / bins) * (last - first) : k * step) + first)
  edges[bins] = last
  for (let k = 0; k < bins; k++) if (edges[k] >= edges[k + 1]) return null // too many bins for the range
  const counts = new Float64Array(bins)
  for (const x of numbers) {
    if (!(x >= first && x <= last)) continue
    const f = ((x - first) / (last - first)) * bins
    if (!(f < bins + 1)) return null
    let i = Math.min(Math.trunc(f), bins - 1)
    if (x < edges[i]) i--
    if (i !== bins - 1 && x >= edges[i + 1]) i++
    counts[i] += 1
  }
  return counts
}
function argOf(xs, better) {
  let at = 0
  for (let i = 1; i < xs.length; i++) if (better(xs[i], xs[at])) at = i
  return at
}
function extreme(xs, better) {
  return xs.reduce((m, x) => (better(x, m) ? x : m))
}

/**
 * The reference of every operation, with the values passed after its arrays and the options of its forms.
 * `ref(a, b, options)` gets element values (numbers or bigints) and returns the result (read operations) or the new
 * elements of the first array (writing operations).
 */
const ORACLES = {
  sum: { ref: (a) => sumOf(a) },
  mean: { ref: (a) => (a.length ? Number(sumOf(a)) / a.length : NaN) },
  min: { ref: (a) => extreme(a, lt) },
  max: { ref: (a) => extreme(a, (x, y) => x > y) },
  minmax: { ref: (a) => ({ min: extreme(a, lt), max: extreme(a, (x, y) => x > y) }) },
  argmin: { ref: (a) => argOf(a, lt) },
  argmax: { ref: (a) => argOf(a, (x, y) => x > y) },
  variance: { keys: ['ddof'], options: { ddof: 1 }, ref: (a, _b, o) => varianceOf(a, o.ddof) },
  std: { keys: ['ddof'], options: { ddof: 1 }, ref: (a, _b, o) => Math.sqrt(varianceOf(a, o.ddof)) },
  dot: { ref: (a, b) => a.reduce((s, x, i) => s + x * b[i], typeof a[0] === 'bigint' ? 0n : 0) },
  norm: { ref: (a) => Math.sqrt(a.reduce((s, x) => s + Number(x) ** 2, 0)) },
  histogram: { keys: ['bins', 'min', 'max'], options: { bins: 4 }, ref: (a, _b, o) => histogramOf(a, o) },
  fill: { extra: (big) => [big ? 7n : 7], ref: (a) => a.map(() => (typeof a[0] === 'bigint' ? 7n : 7)) },
  scale: { extra: () => [2, 1], ref: (a) => a.map((x) => x * 2 + 1) },
  add: { ref: (a, b) => a.map((x, i) => x + b[i]) },
  // Checked against their own sync forms on fresh copies (no ref); quantile's q follows the array.
  quantile: { keys: ['method', 'skipNaN'], options: { method: 'nearest' }, extra: () => [0.5] },
  median: { keys: ['skipNaN'], options: { skipNaN: true } },
  argsort: { keys: ['descending'], options: { descending: true } },
  topk: { keys: ['largest'], options: { largest: false }, extra: () => [1] },
  searchsorted: { keys: ['side'], options: { side: 'right' }, extra: () => [[1, 2.5, NaN]] },
  sort: { ref: (a) => [...a].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)) },
}

/**
 * Every public operation, from the core's table (how many arrays it takes, whether it writes), with its reference
 * from ORACLES where it has one. An operation without one is checked against itself: its own sync form run on fresh,
 * unattacked copies of the same values (`T`: their element type), so the suite still finds any answer that an attack
 * changed, and the operation's own spec checks the answer against an independent reference.
 */
export const OPS = binding
  .operationTable()
  .filter((op) => op.public)
  .map((op) => {
    const entry = {
      name: op.name,
      // The caller's arrays: an internal one (quantile's q) is made by the facade from a parameter.
      arrays: op.arrays.filter((array) => !array.internal).length,
      // Every array the call exports, the facade's own (quantile's q) included.
      exports: op.arrays.length,
      write: op.arrays[0].mode === 'write',
      keys: [],
      options: undefined,
      extra: () => [],
      ...(ORACLES[op.name] ?? {}),
    }
    entry.ref ??= (a, b, options, T) => {
      const copies = (b === undefined ? [a] : [a, b]).map((values) => T.from(values))
      const result = callOp(entry, 'sync', copies, entry.keys.length > 0 ? options : undefined)
      return entry.write ? Array.from(copies[0]) : result
    }
    return entry
  })

export const opByName = Object.fromEntries(OPS.map((op) => [op.name, op]))

/** The function name of an operation's form. */
export const fnName = (op, form) => (form === 'sync' ? `${op.name}Sync` : op.name)

/** Whether the form takes an options argument (every async form; the sync forms of variance, std, histogram). */
export const takesOptions = (op, form) => form === 'async' || op.keys.length > 0

/** The option keys the facade reads from a form's options object. */
export const optionKeys = (op, form) => (form === 'async' ? [...op.keys, 'signal'] : op.keys)

/**
 * Calls an operation's form. `options` is passed when the form takes it (`undefined` then means "omitted"); `extra`
 * overrides the values after the arrays (fill's value, scale's factor and offset).
 */
export function callOp(op, form, inputs, options, extra = op.extra(false)) {
  const args = [...inputs, ...extra]
  if (takesOptions(op, form) && options !== undefined) args.push(options)
  return pb[fnName(op, form)](...args)
}

// ---------------------------------------------------------------------------------------------------------------
// Outcomes, serialised for JSON and deepEqual.

/** A value as JSON can carry it exactly. */
export function ser(value, arrays = []) {
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isFinite(value) ? value : String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value
  const k = arrays.indexOf(value)
  if (k >= 0) return `the array of argument ${k + 1}`
  const tag = slots.tag(value)
  if (tag !== undefined) {
    const out = []
    const length = slots.length(value)
    for (let i = 0; i < length; i++) out.push(ser(value[i]))
    return { [tag]: out }
  }
  if (Array.isArray(value)) return value.map((v) => ser(v, arrays))
  if (typeof value === 'object') {
    // Defined, not assigned: an attack may have put a setter-less accessor of the same name on Object.prototype.
    const out = {}
    for (const key of ownKeys(value)) {
      if (typeof key === 'string') defineProperty(out, key, { value: ser(value[key], arrays), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return `<${typeof value}>`
}

/** An error as the suite compares it: its class among parabuf's and the built-ins, its name and its code. */
export function errorOf(error) {
  const cls =
    error instanceof pb.BorrowError
      ? 'BorrowError'
      : error instanceof pb.AbortError
        ? 'AbortError'
        : error instanceof pb.ParabufError
          ? 'ParabufError'
          : error instanceof RangeError
            ? 'RangeError'
            : error instanceof TypeError
              ? 'TypeError'
              : error instanceof Error
                ? 'Error'
                : typeof error
  const own = (key) => {
    const d = error !== null && typeof error === 'object' ? getOwnPropertyDescriptor(error, key) : undefined
    return d && 'value' in d ? d.value : undefined
  }
  const code = own('code') ?? (error !== null && typeof error === 'object' ? error.code : undefined) ?? null
  return { class: cls, code: typeof code === 'string' ? code : code === null ? null : String(code) }
}

/** The error classes of the catalog, as the expectations name them. */
const CLASS_OF_CODE = new Map(binding.errorCatalog().map(([code, cls]) => [code, cls === 'Error' ? 'ParabufError' : cls]))
/** The expectation of a parabuf error with catalog code `code`. */
export const coded = (code) => {
  const cls = CLASS_OF_CODE.get(code)
  if (!cls) throw new Error(`not a catalog code: ${code}`)
  return { class: cls, code }
}
/** An engine error (no code), such as the TypeError of a built-in called on an incompatible receiver. */
export const engineError = (cls) => ({ class: cls, code: null })

/**
 * Runs a call and describes how it ended: a synchronous form `{ returned }` or `{ threw }`; an asynchronous one
 * `{ resolved }` or `{ rejected }`, or `{ threwSynchronously }` (never acceptable: async forms must reject).
 */
export async function outcomeOf(form, call, arrays) {
  let started
  try {
    started = call()
  } catch (error) {
    return form === 'sync' ? { threw: errorOf(error) } : { threwSynchronously: errorOf(error) }
  }
  if (form === 'sync') return { returned: ser(started, arrays) }
  if (!isPromise(started)) return { notAPromise: ser(started, arrays) }
  try {
    return { resolved: ser(await started, arrays) }
  } catch (error) {
    return { rejected: errorOf(error) }
  }
}

/** The expected outcome of a form: `{ returned }`/`{ resolved }` for a value, `{ threw }`/`{ rejected }` for an error. */
export const expectOk = (form, value, arrays = []) => (form === 'sync' ? { returned: ser(value, arrays) } : { resolved: ser(value, arrays) })
export const expectError = (form, error) => (form === 'sync' ? { threw: error } : { rejected: error })

// ---------------------------------------------------------------------------------------------------------------
// The context of one attack: hostile definitions it installs (taken back by restore(), before anything is
// verified), the handles it takes (released by cleanup()), decoys to check, and a sabotage that runs once.

export class Ctx {
  constructor() {
    this.undo = []
    this.handles = []
    this.decoys = []
    this.restoreErrors = []
    this.controller = new AbortController()
    this.fired = 0
    this.baseline = pb.liveExportCount()
  }

  /** Defines `key` on `target` (configurable), remembering how to take it back. */
  define(target, key, descriptor) {
    const previous = getOwnPropertyDescriptor(target, key)
    if (!defineProperty(target, key, { configurable: true, ...descriptor })) {
      throw new Error(`could not define ${String(key)}`)
    }
    this.undo.push(() => {
      if (previous) defineProperty(target, key, previous)
      else deleteProperty(target, key)
    })
  }

  /** Redefines an accessor of `target` with `get` (and no setter), keeping the original for `get` to call. */
  hook(target, key, get) {
    const original = getOwnPropertyDescriptor(target, key)
    this.define(target, key, { get() { return get.call(this, original) }, enumerable: original?.enumerable ?? false })
  }

  restore() {
    while (this.undo.length) {
      try {
        this.undo.pop()()
      } catch (error) {
        this.restoreErrors.push(String(error))
      }
    }
  }

  /** A handle that cleanup() releases. */
  borrow(array, mode) {
    const handle = pb.borrow(array, mode)
    this.handles.push(handle)
    return handle
  }

  /** Live exports beyond the baseline, minus the handles this attack still holds. */
  strayExports() {
    const held = this.handles.filter((h) => !h.released).length
    return pb.liveExportCount() - this.baseline - held
  }

  /** A decoy the library must never write: checked at the end. */
  decoy(value, bytes) {
    this.decoys.push({ bytes, copy: new Uint8Array(bytes) })
    return value
  }

  decoyArray() {
    const array = new Float64Array(64).fill(99)
    return this.decoy(array, new Uint8Array(array.buffer))
  }

  decoyBuffer(byteLength = 512) {
    const buffer = new ArrayBuffer(byteLength)
    new Uint8Array(buffer).fill(0x77)
    return this.decoy(buffer, new Uint8Array(buffer))
  }

  decoysIntact() {
    return this.decoys.every(({ bytes, copy }) => bytes.length === copy.length && bytes.every((b, i) => b === copy[i]))
  }

  /** Wraps `act` so it runs once, however often the hostile code that calls it is reached; counts every call. */
  once(act) {
    let done = false
    return () => {
      this.fired++
      if (done) return
      done = true
      act()
    }
  }

  cleanup() {
    this.restore()
    for (const handle of this.handles) {
      try {
        handle.release()
      } catch (error) {
        this.restoreErrors.push(`release: ${String(error)}`)
      }
    }
  }
}


/** `add(target, family, id, run)` for a list of attacks: each gets the id `target · id`. */
export const attackList = (attacks) => (target, family, id, run) => attacks.push({ id: `${target} · ${id}`, target, family, run })

/** What every attack expects beside its own findings: no decoy written, no export left behind, no harness error. */
export const standard = (ctx, extra = {}) => ({ decoysIntact: true, strayExports: 0, harness: [], ...extra })

/** What an attack saw, in the shape of `standard`. */
export const observed = (ctx, extra = {}) => ({
  decoysIntact: ctx.decoysIntact(),
  strayExports: ctx.strayExports(),
  harness: ctx.restoreErrors,
  ...extra,
})
