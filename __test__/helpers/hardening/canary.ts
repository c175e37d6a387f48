// Layouts for the write-integrity test (hardening-canary.spec.ts): one buffer cut into ranges, each written by its own
// operation, some directly adjacent, some separated by guard elements holding canary values nothing may write. The
// expected contents of every range come from plain JavaScript on a copy of the initial contents (typed-array
// assignment gives the conversions parabuf documents), and the guards must come back as they went.
import { INLINE_BYTES } from '../ledger.js'

export type Writable = Uint8Array | Uint8ClampedArray | Int16Array | Float32Array | Float64Array | BigInt64Array
export type WritableCtor =
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor

export type RangeOp =
  | { readonly op: 'fill'; readonly value: number | bigint }
  | { readonly op: 'scale'; readonly factor: number | bigint; readonly offset: number | bigint }
  | { readonly op: 'sort' }
  | { readonly op: 'add' }

export interface Range {
  readonly start: number
  readonly end: number
  readonly write: RangeOp
  /** Run with the synchronous twin (while the asynchronous operations on the neighbours are in flight). */
  readonly sync: boolean
  /** Who writes it, in the two-thread test. */
  readonly owner: 'main' | 'worker'
}

export interface Layout {
  readonly length: number
  readonly ranges: readonly Range[]
  /** Guard elements: indices between ranges and at both ends. */
  readonly guards: readonly number[]
}

/** A canary value for guard element `i`: distinctive, never what an operation would write. */
export function canary(T: WritableCtor, i: number): number | bigint {
  if (T === BigInt64Array) return -0x5a5a5a5a5a5a5a5an + BigInt(i % 97)
  if (T === Float32Array || T === Float64Array) return -1234.5 - (i % 97)
  if (T === Int16Array) return -0x5a5a + (i % 97)
  return 0xa5 - (i % 29)
}

/** A random layout: 4 to 9 ranges, small ones (inline) and big ones (pool), adjacent or guarded. */
export function layout(T: WritableCtor, random: () => number, twoOwners: boolean): Layout {
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1))
  const big = T === BigInt64Array
  const perPool = Math.floor(INLINE_BYTES / T.BYTES_PER_ELEMENT)
  const ranges: Range[] = []
  const guards: number[] = []
  let at = 0
  const guard = (n: number): void => {
    for (let i = 0; i < n; i++) guards.push(at++)
  }
  guard(int(1, 3))
  const count = int(4, 9)
  for (let r = 0; r < count; r++) {
    // Odd lengths, so ranges of small elements start and end in the middle of machine words.
    const length = random() < 0.4 ? int(perPool + 1, perPool + 3001) | 1 : int(1, 1500) | 1
    const pick = random()
    const scalar = (n: number): number | bigint => (big ? BigInt(n) : n)
    const write: RangeOp =
      pick < 0.3
        ? { op: 'fill', value: scalar(int(1, 60)) }
        : pick < 0.55
          ? { op: 'scale', factor: scalar(int(-3, 3) || 2), offset: scalar(int(-5, 5)) }
          : pick < 0.8
            ? { op: 'sort' }
            : { op: 'add' }
    ranges.push({ start: at, end: at + length, write, sync: random() < 0.25, owner: twoOwners && r % 2 === 1 ? 'worker' : 'main' })
    at += length
    // Half the neighbours touch directly: no guard between them, only their own bytes.
    if (random() < 0.5 || r === count - 1) guard(int(1, 3))
  }
  return { length: at, ranges, guards }
}

/** Initial contents: pseudo-random values (small integers, so every type holds them), canaries in the guards. */
export function initialise(array: Writable, T: WritableCtor, lay: Layout, random: () => number): void {
  const big = T === BigInt64Array
  for (let i = 0; i < array.length; i++) {
    const v = Math.floor(random() * 200) - (T === Uint8Array || T === Uint8ClampedArray ? 0 : 100)
    ;(array as unknown as (number | bigint)[])[i] = big ? BigInt(v) : v
  }
  for (const g of lay.guards) (array as unknown as (number | bigint)[])[g] = canary(T, g)
}

/** The source `add` ranges add from: the same positions of another array of the type. */
export function source(T: WritableCtor, length: number): Writable {
  const src = new T(length)
  for (let i = 0; i < length; i++) (src as unknown as (number | bigint)[])[i] = T === BigInt64Array ? BigInt(i % 11) : i % 11
  return src
}

/** What `array` must hold after every range's operation ran, from a copy of its initial contents. */
export function expected(initial: Writable, src: Writable, lay: Layout): Writable {
  const out = initial.slice()
  const xs = out as unknown as (number | bigint)[]
  const ss = src as unknown as (number | bigint)[]
  for (const r of lay.ranges) {
    const w = r.write
    switch (w.op) {
      case 'fill':
        for (let i = r.start; i < r.end; i++) xs[i] = w.value
        break
      case 'scale':
        for (let i = r.start; i < r.end; i++) {
          xs[i] = typeof w.factor === 'bigint' ? (xs[i] as bigint) * w.factor + (w.offset as bigint) : (xs[i] as number) * w.factor + (w.offset as number)
        }
        break
      case 'sort':
        out.subarray(r.start, r.end).sort()
        break
      case 'add':
        for (let i = r.start; i < r.end; i++) {
          xs[i] = typeof xs[i] === 'bigint' ? (xs[i] as bigint) + (ss[i] as bigint) : (xs[i] as number) + (ss[i] as number)
        }
        break
    }
  }
  return out
}

/** Every element that differs from `want`, described (at most a few), guards first. */
export function differences(got: Writable, want: Writable, lay: Layout): string[] {
  const out: string[] = []
  const guards = new Set(lay.guards)
  for (let i = 0; i < got.length && out.length < 5; i++) {
    if (!Object.is(got[i], want[i])) {
      const range = lay.ranges.findIndex((r) => i >= r.start && i < r.end)
      out.push(`${guards.has(i) ? 'guard' : `range ${range} (${lay.ranges[range]?.write.op})`} element ${i}: ${got[i]}, expected ${want[i]}`)
    }
  }
  return out
}
