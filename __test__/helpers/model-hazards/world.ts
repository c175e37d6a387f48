// The three buffers of the hazard model and their windows, and the real objects a sequence runs on: a plain
// ArrayBuffer, a resizable ArrayBuffer (maxByteLength > byteLength) and a growable SharedArrayBuffer, each seen through
// Float64Array windows (whole, halves, overlapping, small, empty; fixed-length and length-tracking on the two buffers
// whose length changes). Every element holds a small integer, so every sum is exact in any order of addition.
import vm from 'node:vm'

/** Bytes per element: every window is a Float64Array. */
export const EL = 8
export { INLINE_BYTES } from '../binding.js'

export type SlotKind = 'plain' | 'resizable' | 'shared'
export const PLAIN = 0
export const RESIZABLE = 1
export const SHARED = 2

/** A window in elements: fixed-length when `length` is given, else length-tracking from `start`. */
export interface WindowSpec {
  readonly name: string
  readonly start: number
  readonly length?: number
}

export interface SlotSpec {
  readonly kind: SlotKind
  readonly name: string
  /** Initial length, in elements. */
  readonly initial: number
  /** maxByteLength / 8, for the resizable and growable buffers. */
  readonly max: number
  readonly windows: readonly WindowSpec[]
}

// Plain: 384 KiB, so halves (192 KiB) and the middle run on the pool, the small windows inline.
const P = 49_152
// Resizable: 4 KiB growing to 8 KiB. Async operations refuse it whatever its size, so it stays small.
const R = 512
// Growable shared: 384 KiB growing to 512 KiB.
const S = 49_152

export const SLOTS: readonly SlotSpec[] = [
  {
    kind: 'plain',
    name: 'plain',
    initial: P,
    max: P,
    windows: [
      { name: 'whole', start: 0, length: P },
      { name: 'first half', start: 0, length: P / 2 },
      { name: 'second half', start: P / 2, length: P / 2 },
      { name: 'middle', start: P / 4, length: P / 2 },
      { name: 'small', start: 16, length: 32 },
      { name: 'small across the half', start: P / 2 - 8, length: 16 },
      { name: 'empty at 0', start: 0, length: 0 },
      { name: 'empty at the half', start: P / 2, length: 0 },
    ],
  },
  {
    kind: 'resizable',
    name: 'resizable',
    initial: R,
    max: 2 * R,
    windows: [
      { name: 'whole (fixed)', start: 0, length: R },
      { name: 'first half (fixed)', start: 0, length: R / 2 },
      { name: 'second half (fixed)', start: R / 2, length: R / 2 },
      { name: 'middle (fixed)', start: R / 4, length: R / 2 },
      { name: 'small (fixed)', start: 8, length: 16 },
      { name: 'empty at the half (fixed)', start: R / 2, length: 0 },
      { name: 'tracking from 0', start: 0 },
      { name: 'tracking from the half', start: R / 2 },
      { name: 'tracking from the end', start: R },
    ],
  },
  {
    kind: 'shared',
    name: 'shared',
    initial: S,
    max: (4 * S) / 3,
    windows: [
      { name: 'whole (fixed)', start: 0, length: S },
      { name: 'first half (fixed)', start: 0, length: S / 2 },
      { name: 'second half (fixed)', start: S / 2, length: S / 2 },
      { name: 'middle (fixed)', start: S / 4, length: S / 2 },
      { name: 'small (fixed)', start: 8, length: 32 },
      { name: 'empty at the end (fixed)', start: S, length: 0 },
      { name: 'tracking from 0', start: 0 },
      { name: 'tracking from the half', start: S / 2 },
    ],
  },
]

/** Sizes (elements) the resizable buffer is resized to: from nothing, through shorter than every window, to its max. */
export const RESIZE_TO: readonly number[] = [0, 8, R / 4, R / 2, (3 * R) / 4, R, (3 * R) / 2, 2 * R]
/** Amounts (elements) the shared buffer grows by, clipped to its max. */
export const GROW_BY: readonly number[] = [0, 1024, S / 6]

/** The initial content of element `i` of slot `slot`: integers in [-6, 6]. */
export function initialValue(slot: number, i: number): number {
  return ((i * (slot + 3)) % 13) - 6
}

// ES2024 resizable and growable buffers, typed locally (the project's TypeScript lib is ES2023).
export type ResizableArrayBuffer = ArrayBuffer & {
  resize(byteLength: number): void
  transfer(byteLength?: number): ResizableArrayBuffer
  transferToFixedLength(byteLength?: number): ArrayBuffer
  readonly resizable: boolean
  readonly maxByteLength: number
}
export type GrowableSharedArrayBuffer = SharedArrayBuffer & { grow(byteLength: number): void; readonly maxByteLength: number }
const ResizableArrayBufferCtor = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ResizableArrayBuffer
const GrowableSharedArrayBufferCtor = SharedArrayBuffer as unknown as new (
  length: number,
  options: { maxByteLength: number },
) => GrowableSharedArrayBuffer

/** Methods of another realm: parabuf guards only this realm's ArrayBuffer.prototype, so these bypass its guards. */
export const unguarded = {
  resize: vm.runInNewContext('ArrayBuffer.prototype.resize') as (this: ArrayBuffer, byteLength: number) => void,
  transfer: vm.runInNewContext('ArrayBuffer.prototype.transfer') as ((this: ArrayBuffer) => ArrayBuffer) | undefined,
}

/** One slot's real objects: its current buffer and, per generation (a transfer starts a new one), its windows. */
export interface RealSlot {
  buffer: ArrayBufferLike
  /** views[generation][window]; every generation but the last is detached. */
  readonly views: Float64Array[][]
}

function viewsOf(buffer: ArrayBufferLike, spec: SlotSpec): Float64Array[] {
  return spec.windows.map((w) =>
    w.length === undefined ? new Float64Array(buffer, w.start * EL) : new Float64Array(buffer, w.start * EL, w.length),
  )
}

/** Fresh buffers for one sequence, filled with {@link initialValue}. */
export function makeRealWorld(): RealSlot[] {
  return SLOTS.map((spec, slot) => {
    const buffer =
      spec.kind === 'plain'
        ? new ArrayBuffer(spec.initial * EL)
        : spec.kind === 'resizable'
          ? new ResizableArrayBufferCtor(spec.initial * EL, { maxByteLength: spec.max * EL })
          : new GrowableSharedArrayBufferCtor(spec.initial * EL, { maxByteLength: spec.max * EL })
    const all = new Float64Array(buffer)
    for (let i = 0; i < all.length; i++) all[i] = initialValue(slot, i)
    return { buffer, views: [viewsOf(buffer, spec)] }
  })
}

/** Starts a new generation of `real` on `buffer` (the new owner after a transfer). */
export function newGeneration(real: RealSlot, spec: SlotSpec, buffer: ArrayBufferLike): void {
  real.buffer = buffer
  real.views.push(viewsOf(buffer, spec))
}

/** Waits until the event loop has run pending callbacks (settled pool operations deliver their results there). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
