// The values the argument fuzzer (hardening-arguments.spec.ts) draws from: typed arrays of every kind sharing and not
// sharing buffers, empty, pool-sized, resizable, shared, alloc()ed and detached arrays, live and released export
// handles (read and write, one over an array detached after borrow()), and the look-alikes parabuf must refuse
// (DataView, ArrayBuffer, plain arrays, proxies, spoofed tags, objects inheriting from Export.prototype). A World also
// answers what the model needs: which handles are genuine and live, which buffers were detached, the bytes of
// everything, so a test can prove that a refused call changed no memory.
import { alloc, borrow, BoundExpression, compile, Export, Expression, type Float16ArrayLike, type Mode, type NumericArray } from 'parabuf'

import { INLINE_BYTES } from '../ledger.js'
import { detachUnguarded } from '../unguarded.js'
import { WORLD_EXPRESSIONS } from './sources.js'

/** Any typed array parabuf accepts (Buffer included) but Float16Array, which the world does not draw. */
export type TypedArray = Exclude<NumericArray, Float16ArrayLike>

const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag)!
  .get as (this: unknown) => string | undefined

/** Element types by their `Symbol.toStringTag` (read from the internal slot, so it cannot be spoofed). */
export const ELEMENT_SIZE: Readonly<Record<string, number>> = {
  Int8Array: 1,
  Uint8Array: 1,
  Uint8ClampedArray: 1,
  Int16Array: 2,
  Uint16Array: 2,
  Int32Array: 4,
  Uint32Array: 4,
  Float16Array: 2,
  Float32Array: 4,
  Float64Array: 8,
  BigInt64Array: 8,
  BigUint64Array: 8,
}

/** The real element type of a typed array (subclasses and Buffer included), or `undefined` for anything else. */
export function tagOf(value: unknown): string | undefined {
  const tag = typedArrayTag.call(value)
  return tag !== undefined && tag in ELEMENT_SIZE ? tag : undefined
}

export const isBigTag = (tag: string): boolean => tag === 'BigInt64Array' || tag === 'BigUint64Array'

/** Bytes `[start, end)` of `buffer`. */
export interface Span {
  readonly buffer: ArrayBufferLike
  readonly start: number
  readonly end: number
}

export const spanOf = (array: ArrayBufferView): Span => ({
  buffer: array.buffer,
  start: array.byteOffset,
  end: array.byteOffset + array.byteLength,
})

/** Whether two spans share a byte (empty spans share none). */
export function overlaps(a: Span, b: Span): boolean {
  return a.buffer === b.buffer && a.start < a.end && b.start < b.end && a.start < b.end && b.start < a.end
}

/** A handle the world made with borrow(), and the bytes its export covers (as they were when it was taken). */
export interface HandleInfo {
  readonly name: string
  readonly handle: Export
  readonly array: TypedArray
  readonly mode: Mode
  readonly span: Span
  readonly tag: string
}

/** The random part of a world: which exports to take (in order; a conflicting one is skipped) and which to release. */
export interface WorldPlan {
  readonly borrows: readonly { readonly target: string; readonly mode: Mode; readonly release: boolean }[]
}

/** Names of the world's typed arrays that handles may be taken on. */
export const BORROWABLE = [
  'f64',
  'f64.head',
  'f64.mid',
  'i32.tail',
  'u8.x',
  'f64.empty',
  'f64.emptyInX',
  'i64',
  'u64',
  'u8',
  'i16',
  'f64.7',
  'f32',
  'big',
  'big2',
  'resizable',
  'resizable.tracking',
  'shared',
  'alloc',
] as const

/** Every named value of a world (handles `h0`… come on top, as the plan takes them). */
export const VALUE_NAMES = [
  ...BORROWABLE,
  'buffer',
  'f64.b',
  'i64.huge',
  'u8c',
  'f64.nonfinite',
  'f64.nan',
  'detached',
  'h.detached',
  'h.released.read',
  'h.released.write',
  'dataview',
  'arraybuffer',
  'plain',
  'fake.export',
  'proxy',
  'spoof',
  'signal.live',
  'signal.aborted',
] as const

/** How many handles a plan may take, named `h0`, `h1`, … */
export const PLAN_HANDLES = 6

/** Detaches `buffer` whatever its exports (moves its memory into a new ArrayBuffer, which is returned). */
export const detach = detachUnguarded

type ResizableCtor = new (length: number, options: { maxByteLength: number }) => ArrayBuffer

export class World {
  readonly values = new Map<string, unknown>()
  readonly handles: HandleInfo[] = []
  readonly detachedBuffers = new WeakSet<ArrayBufferLike>()
  /** Buffers a getter's effect detached during a call: their bytes are gone by the script's doing, not parabuf's. */
  readonly effectDetached = new WeakSet<ArrayBufferLike>()
  /** How many live handles getters' effects released. */
  effectReleases = 0
  /** The getters the world defined on generated objects, by object and key. */
  private readonly getters = new WeakMap<object, Map<string, Getter>>()
  /** Special inputs objects (proxies and the like): what reading them does, known without running them. */
  readonly inputsModels = new Map<unknown, InputsModel>()
  /** Compiled expressions of the world, by object: their source. */
  readonly expressions = new Map<unknown, string>()
  /** Bound expressions of the world, by object: their source and their values in the order of the variables. */
  readonly bounds = new Map<unknown, { readonly source: string; readonly values: readonly unknown[] }>()
  /** The constructors of the world's `ctor.*` values: what `new C(n)` makes (or that it throws). */
  readonly constructors = new Map<unknown, (length: number) => unknown>()
  /** Every buffer whose bytes a call could reach, for snapshots. */
  readonly buffers = new Set<ArrayBufferLike>()
  /** New owners of detached memory, kept reachable so the memory stays valid. */
  private readonly moved: ArrayBuffer[] = []

  constructor(plan: WorldPlan) {
    const x = new ArrayBuffer(128)
    const put = (name: string, value: unknown): void => {
      this.values.set(name, value)
      if (ArrayBuffer.isView(value)) this.buffers.add(value.buffer)
    }
    put('f64', Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]))
    put('f64.head', new Float64Array(x, 0, 6)) // bytes 0..48 of x
    put('f64.mid', new Float64Array(x, 32, 6)) // bytes 32..80: overlaps f64.head
    put('i32.tail', new Int32Array(x, 80, 4)) // bytes 80..96: adjacent to f64.mid
    put('u8.x', new Uint8Array(x, 90, 20)) // bytes 90..110: overlaps i32.tail
    new Float64Array(x, 0, 10).set([1, -2, 3, 0.5, 5, 6, -7, 8, 9, 10])
    put('f64.empty', new Float64Array(0))
    put('f64.emptyInX', new Float64Array(x, 48, 0))
    put('i64', BigInt64Array.from([1n, -2n, 3n, 4n]))
    put('u64', BigUint64Array.from([1n, 2n, 3n]))
    put('u8', Uint8Array.from([1, 2, 3, 250, 4]))
    // A Buffer (not a pooled one: other code writes Node's pool between a snapshot and its check).
    put('buffer', Buffer.alloc(6).fill(3))
    put('i16', Int16Array.from([1, 2, 3, 4, 5, 6, 7, 8])) // f64's length, another type
    put('f64.7', Float64Array.from([1, 2, 3, 4, 5, 6, 7])) // f64's type, another length
    put('f64.b', Float64Array.from([8, 7, 6, 5, 4, 3, 2, 1])) // f64's type and length, its own buffer
    put('i64.huge', BigInt64Array.from([-(2n ** 63n), -(2n ** 63n), -(2n ** 63n)])) // its dot with itself is 3 · 2^126
    put('f32', Float32Array.from([0.5, -2, 3]))
    put('u8c', Uint8ClampedArray.from([0, 128, 255, 7]))
    put('f64.nonfinite', Float64Array.from([1, Infinity, NaN, -3]))
    put('f64.nan', Float64Array.from([NaN, NaN]))
    const n = INLINE_BYTES / 8 + 100 // large enough to run on the pool
    put('big', Float64Array.from({ length: n }, (_, i) => i % 7))
    put('big2', Float64Array.from({ length: n }, (_, i) => i % 5))
    const rab = new (ArrayBuffer as unknown as ResizableCtor)(64, { maxByteLength: 128 })
    put('resizable', new Float64Array(rab, 0, 8).fill(2)) // f64's type and length
    const tracking = new (ArrayBuffer as unknown as ResizableCtor)(24, { maxByteLength: 96 })
    put('resizable.tracking', new Int32Array(tracking).fill(-3)) // length-tracking: follows the buffer's size
    put('shared', new Float32Array(new SharedArrayBuffer(16)).fill(1.5))
    const owned = alloc(Float64Array, 4)
    owned.set([4, 3, 2, 1])
    put('alloc', owned)

    const gone = Float64Array.from([1, 2, 3, 4])
    this.buffers.add(gone.buffer)
    this.moved.push(detach(gone.buffer))
    this.detachedBuffers.add(gone.buffer)
    put('detached', gone)

    // A handle whose array is detached after borrow(): its export still covers the moved memory.
    const later = Float64Array.from([5, 6, 7])
    this.adopt('h.detached', later, 'write')
    const movedLater = detach(later.buffer)
    this.moved.push(movedLater)
    this.buffers.add(movedLater)
    this.detachedBuffers.add(later.buffer)
    for (const mode of ['read', 'write'] as const) {
      const info = this.adopt(`h.released.${mode}`, Float64Array.from([1, 2]), mode)
      info.handle.release()
    }

    // For expressions (not drawn by the other functions' generators): a Float16Array where the engine has one, a
    // Float32Array over f64's first 32 bytes, and a victim that getters detach or borrow in the middle of a call.
    const F16 = (globalThis as { Float16Array?: new (values: number[]) => ArrayBufferView }).Float16Array
    if (F16) put('f16', new F16([1, -2, 3, 0.5, 65504, -0, 7, 8]))
    put('f64.asF32', new Float32Array((this.values.get('f64') as Float64Array).buffer, 0, 8))
    put('victim', Float64Array.from([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]))

    put('dataview', new DataView(x, 8, 16))
    put('arraybuffer', x)
    put('plain', [1, 2, 3])
    put('fake.export', Object.create(Export.prototype))
    put('proxy', new Proxy(this.values.get('f64') as object, {}))
    put('spoof', { [Symbol.toStringTag]: 'Float64Array', buffer: x, byteOffset: 0, byteLength: 8, length: 1, 0: 1 })
    put('signal.live', new AbortController().signal)
    put('signal.aborted', AbortSignal.abort(new Error('aborted before the call')))

    plan.borrows.slice(0, PLAN_HANDLES).forEach(({ target, mode, release }, i) => {
      const array = this.values.get(target) as TypedArray
      try {
        const info = this.adopt(`h${i}`, array, mode)
        if (release) info.handle.release()
      } catch {
        // A conflicting export (or a handle on an array the plan cannot borrow): that handle is simply absent.
      }
    })
    this.addExpressions()
  }

  /** Compiled and bound expressions, constructors for `options.type`, and hostile inputs objects. */
  private addExpressions(): void {
    const v = (name: string) => this.values.get(name)
    for (const [name, source] of Object.entries(WORLD_EXPRESSIONS)) {
      const expression = compile(source)
      this.values.set(`expr.${name}`, expression)
      this.expressions.set(expression, source)
    }
    this.values.set('fake.expression', Object.create(Expression.prototype))
    this.values.set('fake.bound', Object.create(BoundExpression.prototype))
    const bind = (name: string, source: string, inputs: Record<string, unknown>): void => {
      const expression = compile(source)
      const values = expression.variables.map((variable) => inputs[variable])
      try {
        const bound = expression.bind(inputs as never)
        this.values.set(name, bound)
        this.bounds.set(bound, { source, values })
      } catch {
        // An input the plan did not take (a missing handle): that bound expression is simply absent.
      }
    }
    bind('bound.xy', 'x * 2 + y', { x: v('f64'), y: v('f64.b') })
    bind('bound.scalar', 'x', { x: 5 })
    bind('bound.const', '1 + 2', {})
    bind('bound.mismatch', 'x * 2 + y', { x: v('f64'), y: v('f64.7') })
    bind('bound.bigint', 'x', { x: v('i64') })
    bind('bound.detached', 'x', { x: v('detached') })
    bind('bound.resizable', 'x * 2 + y', { x: v('resizable'), y: v('f64') })
    bind('bound.victim', 'sqrt(x*x + y*y)', { x: v('victim'), y: v('f64') })
    bind('bound.pool', 'x * 2 + y', { x: v('big'), y: v('big2') })
    bind('bound.same', 'x * 2 + y', { x: v('f64.head'), y: v('f64.head') })
    bind('bound.empty', 'y / x', { x: v('f64.empty'), y: v('f64.emptyInX') })
    bind('bound.released', 'x', { x: v('h.released.read') })
    bind('bound.h.detached', 'x', { x: v('h.detached') })
    if (this.values.has('f16')) bind('bound.f16', 'x * 2 + y', { x: v('f16'), y: 0.25 })
    for (let i = 0; i < PLAN_HANDLES; i++) {
      if (this.values.has(`h${i}`)) bind(`bound.h${i}`, 'x * 2 + y', { x: v(`h${i}`), y: 1 })
      if (this.values.has(`h${i}`)) bind(`bound.h${i}.twice`, 'x * 2 + y', { x: v(`h${i}`), y: v(`h${i}`) })
    }

    // options.type: a subclass, a constructor that makes an array of the wrong length or returns one of the world's,
    // one that throws, an arrow function (no [[Construct]]).
    class Float32Subclass extends Float32Array {}
    const f64b = v('f64.b')
    const ctors: [string, unknown, (n: number) => unknown][] = [
      ['ctor.subclass', Float32Subclass, (n) => new Float32Subclass(n)],
      ['ctor.short', function Short() { return new Float64Array(3) }, () => new Float64Array(3)],
      ['ctor.returnsWorld', function ReturnsWorld() { return f64b }, () => f64b],
      ['ctor.throws', function Throws() { throw new Error('no') }, () => { throw new Error('no') }],
      ['ctor.arrow', () => new Float64Array(1), () => { throw new TypeError('not a constructor') }],
    ]
    for (const [name, ctor, make] of ctors) {
      this.values.set(name, ctor)
      this.constructors.set(ctor, make)
    }

    // Inputs objects that are not plain: proxies that throw, one that is transparent, inherited and hidden variables.
    const pair = { x: v('f64'), y: v('f64.b') }
    const fail = () => {
      throw new Error('a trap threw')
    }
    const special = (name: string, object: object, model: InputsModel): void => {
      this.values.set(name, object)
      this.inputsModels.set(object, model)
    }
    const read = (name: string) => ({ value: (pair as Record<string, unknown>)[name] })
    special('inputs.ownKeysThrows', new Proxy({ ...pair }, { ownKeys: fail }), { keys: 'throws', get: read })
    special('inputs.getThrows', new Proxy({ ...pair }, { get: fail }), { keys: ['x', 'y'], get: () => 'throws' })
    special('inputs.proxy', new Proxy({ ...pair }, {}), { keys: ['x', 'y'], get: read })
    special('inputs.inherited', Object.create(pair), { keys: [], get: read })
    const hidden = {}
    for (const [key, value] of Object.entries(pair)) Object.defineProperty(hidden, key, { value, enumerable: false })
    special('inputs.hidden', hidden, { keys: [], get: read })
  }

  private adopt(name: string, array: TypedArray, mode: Mode): HandleInfo {
    const handle = borrow(array, mode)
    const info: HandleInfo = { name, handle, array, mode, span: spanOf(array), tag: tagOf(array)! }
    this.handles.push(info)
    this.values.set(name, handle)
    this.buffers.add(array.buffer)
    return info
  }

  /** The world's handle record for a value, if the value is one of its (genuine) handles. */
  handleInfo(value: unknown): HandleInfo | undefined {
    return this.handles.find((h) => h.handle === value)
  }

  /** The exports the world's handles hold right now. */
  liveExports(): HandleInfo[] {
    return this.handles.filter((h) => !h.handle.released)
  }

  isDetached(array: ArrayBufferView): boolean {
    return this.detachedBuffers.has(array.buffer)
  }

  /** Whether a handle of the world is released now. */
  isReleased(handle: HandleInfo): boolean {
    return handle.handle.released
  }

  /** What the world knows of a getter it made on `object` (see {@link Effect}), if `key` is one. */
  getterOf(object: object, key: string): Getter | undefined {
    return this.getters.get(object)?.get(key)
  }

  /** Registers a getter `key` on `object` that runs `effect` and returns `value` (see arbitraries' getter arguments). */
  defineGetter(object: object, key: string, value: unknown, effect: Effect): void {
    if (!this.getters.has(object)) this.getters.set(object, new Map())
    this.getters.get(object)!.set(key, { value, effect })
    Object.defineProperty(object, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        this.runEffect(effect)
        return value
      },
    })
  }

  /** Runs a getter's effect on the world, as a hostile script would in the middle of a call. */
  runEffect(effect: Effect): void {
    if (effect === 'none') return
    if (effect === 'throw') throw new Error('a getter of the inputs threw')
    const victim = this.values.get('victim') as Float64Array
    if (effect === 'detach.victim') {
      if (this.isDetached(victim)) return
      this.moved.push(detach(victim.buffer))
      this.detachedBuffers.add(victim.buffer)
      this.effectDetached.add(victim.buffer)
      return
    }
    if (effect === 'borrow.victim.read' || effect === 'borrow.victim.write') {
      try {
        this.adopt(`h.victim.${this.handles.length}`, victim, effect === 'borrow.victim.read' ? 'read' : 'write')
      } catch {
        // Detached, or exported already: the getter carries on, as a script that ignores the refusal.
      }
      return
    }
    const handle = this.values.get(effect.slice('release.'.length))
    if (handle instanceof Export && !handle.released) {
      handle.release()
      this.effectReleases++
    }
  }

  /** Releases every handle (the world's exports end). */
  dispose(): void {
    for (const h of this.handles) h.handle.release()
  }
}

/**
 * What a getter the world defines does when read: nothing, throw, detach the world's `victim` array, export it (the
 * export is kept, as the world's handle `h.victim.<n>`; a refused borrow is ignored), or release one of the world's
 * handles (`release.h0`…).
 */
export type Effect = 'none' | 'throw' | 'detach.victim' | 'borrow.victim.read' | 'borrow.victim.write' | `release.${string}`

/** A getter the world defined: the value it returns and its effect. */
export interface Getter {
  readonly value: unknown
  readonly effect: Effect
}

/** What reading a special inputs object does, known without running it: its own enumerable keys (or that listing
 * them throws) and each property's value (or that reading it throws). */
export interface InputsModel {
  readonly keys: readonly string[] | 'throws'
  readonly get: (name: string) => { readonly value: unknown } | 'throws'
}

/** The resizable-buffer test parabuf applies to async operations: a resizable ArrayBuffer that is not shared. */
export function isResizable(array: ArrayBufferView): boolean {
  const buffer = array.buffer as ArrayBuffer & { resizable?: boolean }
  return buffer.resizable === true && !(buffer instanceof SharedArrayBuffer)
}

/** A copy of every byte of each (attached) buffer, to compare after a call. */
export class Snapshot {
  private readonly copies = new Map<ArrayBufferLike, Uint8Array>()

  constructor(buffers: Iterable<ArrayBufferLike>) {
    // Plain Uint8Array copies: Buffer.from() of a small array would write Node's shared Buffer pool.
    for (const buffer of buffers) if (buffer.byteLength > 0) this.copies.set(buffer, new Uint8Array(buffer).slice())
  }

  /**
   * Describes every changed byte range outside `allowed` (the bytes a valid writing call may change), or returns
   * `undefined` when nothing else changed.
   */
  changes(allowed?: Span, detachedByScript?: (buffer: ArrayBufferLike) => boolean): string | undefined {
    const out: string[] = []
    for (const [buffer, copy] of this.copies) {
      if (buffer.byteLength === 0 && detachedByScript?.(buffer)) continue
      const before = Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength)
      const now = Buffer.from(buffer as ArrayBuffer) // a view, not a copy
      if (now.length !== before.length) {
        out.push(`a buffer of ${before.length} bytes now has ${now.length}`)
        continue
      }
      const pieces: [number, number][] =
        allowed && allowed.buffer === buffer ? [[0, allowed.start], [allowed.end, now.length]] : [[0, now.length]]
      for (const [from, to] of pieces) {
        if (from >= to || now.subarray(from, to).equals(before.subarray(from, to))) continue
        let first = from
        while (now[first] === before[first]) first++
        let last = to - 1
        while (now[last] === before[last]) last--
        out.push(`bytes ${first}..${last} of a ${now.length}-byte buffer changed`)
      }
    }
    return out.length ? out.join('; ') : undefined
  }
}
