// The values the argument fuzzer (hardening-arguments.spec.ts) draws from: typed arrays of every kind sharing and not
// sharing buffers, empty, pool-sized, resizable, shared, alloc()ed and detached arrays, live and released export
// handles (read and write, one over an array detached after borrow()), and the look-alikes parabuf must refuse
// (DataView, ArrayBuffer, plain arrays, proxies, spoofed tags, objects inheriting from Export.prototype). A World also
// answers what the model needs: which handles are genuine and live, which buffers were detached, the bytes of
// everything, so a test can prove that a refused call changed no memory.
import { alloc, borrow, Export, type Mode } from 'parabuf'

import { INLINE_BYTES } from '../ledger.js'
import { detachUnguarded } from '../unguarded.js'

/** Any typed array parabuf accepts (Buffer included). */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array

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

  /** Releases every handle (the world's exports end). */
  dispose(): void {
    for (const h of this.handles) h.handle.release()
  }
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
  changes(allowed?: Span): string | undefined {
    const out: string[] = []
    for (const [buffer, copy] of this.copies) {
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
