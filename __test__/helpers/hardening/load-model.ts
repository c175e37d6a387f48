// A plain-JavaScript model of many concurrent async operations over a few shared buffers (hardening-load.spec.ts).
//
// Exports are taken when a call is made, synchronously, and released on the JavaScript thread before its promise
// settles. So, issuing calls from one macrotask at a time and updating the model in each promise's handler (which runs
// in the microtask checkpoint right after the settlement, before any other macrotask), the model knows at every call
// exactly which exports are live: it predicts each conflict (the BorrowError's modes, sizes and the blocking export's
// offset: the oldest conflicting one), and the bytes each operation sees. An operation that runs on the pool holds its
// bytes exclusively (write) or against writers (read) until it settles, so the model applies its effect when it is
// called; an inline one runs within the call. An abort after a pool call always rejects (the promise cannot settle
// before the abort, which happens first on the same thread); what it left in memory is known when it settles: for
// fill/scale/add each element either old or new, for sort the whole window old or sorted.
import * as pb from 'parabuf'

import { INLINE_BYTES, parseConflict, relativeConflict, type ExpectedConflict } from '../ledger.js'

export type OpType = 'sum' | 'minmax' | 'fill' | 'scale' | 'add' | 'sort'
type Numbers = Int32Array | Float64Array

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its logged seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Live {
  readonly buffer: number
  readonly start: number // element index
  readonly end: number
  readonly mode: 'read' | 'write'
}

export interface OpSpec {
  readonly type: OpType
  readonly buffer: number
  readonly start: number
  readonly end: number
  /** add: the source window (same length unless `mismatch`). */
  readonly src?: { readonly buffer: number; readonly start: number; readonly end: number }
  readonly value?: number
  readonly factor?: number
  readonly offset?: number
  readonly abort: 'none' | 'before' | 'after'
}

export type Outcome =
  | 'inline'
  | 'pool'
  | 'conflict'
  | 'abortedBefore'
  | 'abortedInFlight'
  | 'empty'
  | 'mismatch'
  | 'abortedInline'

export class LoadModel {
  /** The real buffers. */
  readonly actual: Numbers[]
  /** What the model says each holds (for elements no aborted write is still working on). */
  readonly expected: Numbers[]
  private readonly live: Live[] = []
  readonly tally = new Map<Outcome, number>()
  readonly problems: string[] = []
  private readonly pending: Promise<void>[] = []

  constructor(buffers: Numbers[]) {
    this.actual = buffers
    this.expected = buffers.map((b) => b.slice())
  }

  private count(outcome: Outcome): void {
    this.tally.set(outcome, (this.tally.get(outcome) ?? 0) + 1)
  }

  private fail(op: OpSpec, what: string): void {
    this.problems.push(`${op.type} ${JSON.stringify(op)}: ${what}`)
  }

  /** The exports `op` asks for, in the order the binding takes them. */
  private exportsOf(op: OpSpec): Live[] {
    const out: Live[] = [{ buffer: op.buffer, start: op.start, end: op.end, mode: op.type === 'sum' || op.type === 'minmax' ? 'read' : 'write' }]
    if (op.src) out.push({ ...op.src, mode: 'read' })
    return out
  }

  private bytes(buffer: number): number {
    return this.actual[buffer]!.BYTES_PER_ELEMENT
  }

  /** The conflict a call would hit, as the BorrowError describes it, or `undefined`. */
  private conflict(wanted: Live[]): ExpectedConflict | undefined {
    const taken: Live[] = []
    for (const w of wanted) {
      const blocker = [...this.live, ...taken].find(
        (e) =>
          e.buffer === w.buffer &&
          e.start < e.end &&
          w.start < w.end &&
          e.start < w.end &&
          w.start < e.end &&
          (e.mode === 'write' || w.mode === 'write'),
      )
      if (blocker) {
        const size = this.bytes(w.buffer)
        return {
          requested: w.mode,
          requestedBytes: (w.end - w.start) * size,
          blocking: blocker.mode,
          blockingBytes: (blocker.end - blocker.start) * size,
          blockingOffset: (blocker.start - w.start) * size,
        }
      }
      taken.push(w)
    }
    return undefined
  }

  /** The new contents of `op`'s window, from the model's current contents. */
  private effect(op: OpSpec): Numbers {
    const window = this.expected[op.buffer]!.subarray(op.start, op.end)
    const out = window.slice()
    switch (op.type) {
      case 'fill':
        out.fill(op.value!)
        break
      case 'scale':
        for (let i = 0; i < out.length; i++) out[i] = out[i]! * op.factor! + op.offset!
        break
      case 'add': {
        const src = this.expected[op.src!.buffer]!.subarray(op.src!.start, op.src!.end)
        for (let i = 0; i < out.length; i++) out[i] = out[i]! + src[i]!
        break
      }
      case 'sort':
        out.sort()
        break
      default:
        break
    }
    return out
  }

  private read(op: OpSpec): number | { min: number; max: number } {
    const w = this.expected[op.buffer]!.subarray(op.start, op.end)
    if (op.type === 'sum') {
      let s = 0
      for (let i = 0; i < w.length; i++) s += w[i]!
      return s
    }
    let min = Infinity
    let max = -Infinity
    for (let i = 0; i < w.length; i++) {
      if (w[i]! < min) min = w[i]!
      if (w[i]! > max) max = w[i]!
    }
    return { min, max }
  }

  /** Makes the call, predicting its outcome; the check runs when it settles. */
  issue(op: OpSpec): void {
    const array = this.actual[op.buffer]!.subarray(op.start, op.end)
    const controller = new AbortController()
    const reason = new Error('aborted by the load test')
    if (op.abort === 'before') controller.abort(reason)
    const options = op.abort === 'none' ? undefined : { signal: controller.signal }
    const reading = op.type === 'sum' || op.type === 'minmax'

    // The prediction, made before the call with what the model knows now.
    const wanted = this.exportsOf(op)
    const conflict = op.abort === 'before' ? undefined : this.conflict(wanted)
    const totalBytes = wanted.reduce((s, w) => s + (w.end - w.start) * this.bytes(w.buffer), 0)
    const inline = totalBytes <= INLINE_BYTES
    const mismatch = op.src !== undefined && op.src.end - op.src.start !== op.end - op.start
    const empty = op.type === 'minmax' && op.end === op.start
    type Expect =
      | { kind: 'value'; value: unknown }
      | { kind: 'array' }
      | { kind: 'error'; name: string; code: string; conflict?: ExpectedConflict }
    let expect: Expect
    let outcome: Outcome
    let onSettle: (() => void) | undefined
    if (op.abort === 'before') {
      expect = { kind: 'error', name: 'AbortError', code: 'ABORT_ERR' }
      outcome = 'abortedBefore'
    } else if (conflict) {
      expect = { kind: 'error', name: 'BorrowError', code: 'ERR_PARABUF_BORROWED', conflict }
      outcome = 'conflict'
    } else {
      const held = inline ? undefined : wanted
      if (held) this.live.push(...held)
      const release = (): void => {
        for (const h of held ?? []) this.live.splice(this.live.indexOf(h), 1)
      }
      const abortedInFlight = !inline && op.abort === 'after'
      if (abortedInFlight) {
        expect = { kind: 'error', name: 'AbortError', code: 'ABORT_ERR' }
        outcome = 'abortedInFlight'
        if (!reading && !mismatch) {
          // The kernel may have done some, all or none of its work: known once it settles.
          const before = this.expected[op.buffer]!.slice(op.start, op.end)
          const after = this.effect(op)
          onSettle = () => {
            release()
            this.adoptAborted(op, before, after)
          }
        } else onSettle = release
      } else if (mismatch) {
        expect = { kind: 'error', name: 'RangeError', code: 'ERR_PARABUF_LENGTH_MISMATCH' }
        outcome = 'mismatch'
        onSettle = release
      } else if (empty) {
        expect = { kind: 'error', name: 'RangeError', code: 'ERR_PARABUF_EMPTY' }
        outcome = 'empty'
        onSettle = release
      } else {
        if (reading) expect = { kind: 'value', value: this.read(op) }
        else {
          expect = { kind: 'array' }
          this.expected[op.buffer]!.set(this.effect(op), op.start)
        }
        outcome = inline ? (op.abort === 'after' ? 'abortedInline' : 'inline') : 'pool'
        onSettle = release
      }
    }
    this.count(outcome)

    const src = op.src ? this.actual[op.src.buffer]!.subarray(op.src.start, op.src.end) : undefined
    let pending: Promise<unknown>
    try {
      switch (op.type) {
        case 'sum':
          pending = pb.sum(array, options)
          break
        case 'minmax':
          pending = pb.minmax(array, options)
          break
        case 'fill':
          pending = pb.fill(array, op.value!, options)
          break
        case 'scale':
          pending = pb.scale(array, op.factor!, op.offset!, options)
          break
        case 'add':
          pending = pb.add(array, src!, options)
          break
        case 'sort':
          pending = pb.sort(array, options)
          break
      }
    } catch (error) {
      this.fail(op, `threw synchronously: ${String(error)}`)
      onSettle?.()
      return
    }
    if (op.abort === 'after') controller.abort(reason)

    this.pending.push(
      pending.then(
        (value) => {
          onSettle?.()
          if (expect.kind === 'error') this.fail(op, `resolved (${JSON.stringify(value)}), expected ${expect.name} ${expect.code}`)
          else if (expect.kind === 'array' && value !== array) this.fail(op, 'did not resolve to its array')
          else if (expect.kind === 'value' && JSON.stringify(value) !== JSON.stringify(expect.value)) {
            this.fail(op, `resolved ${JSON.stringify(value)}, expected ${JSON.stringify(expect.value)}`)
          }
        },
        (error: Error & { code?: string }) => {
          onSettle?.()
          if (expect.kind !== 'error') return this.fail(op, `rejected: ${error?.name} ${error?.code} ${error?.message}`)
          if (error?.name !== expect.name || error.code !== expect.code) {
            return this.fail(op, `rejected with ${error?.name} ${error?.code} (${error?.message}), expected ${expect.name} ${expect.code}`)
          }
          if (expect.code === 'ABORT_ERR' && error.cause !== reason) this.fail(op, 'the AbortError does not carry the reason')
          if (expect.conflict) {
            const parsed = parseConflict(error.message)
            const got = parsed && relativeConflict(parsed)
            if (JSON.stringify(got) !== JSON.stringify(expect.conflict)) {
              this.fail(op, `conflict ${JSON.stringify(got)}, expected ${JSON.stringify(expect.conflict)}`)
            }
          }
        },
      ),
    )
  }

  /** After an aborted write settled: each element is old or new (sort: the whole window), and becomes known. */
  private adoptAborted(op: OpSpec, before: Numbers, after: Numbers): void {
    const now = this.actual[op.buffer]!.subarray(op.start, op.end)
    const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.prototype.every.call(a, (x: number, i: number) => Object.is(x, b[i]))
    if (op.type === 'sort') {
      if (!same(now, before) && !same(now, after)) this.fail(op, 'an aborted sort left the window neither unsorted nor sorted')
    } else {
      for (let i = 0; i < now.length; i++) {
        if (!Object.is(now[i], before[i]) && !Object.is(now[i], after[i])) {
          this.fail(op, `element ${i} of an aborted write is ${now[i]}, neither ${before[i]} nor ${after[i]}`)
          break
        }
      }
    }
    this.expected[op.buffer]!.set(now, op.start)
  }

  /** Waits for every call issued so far. */
  async settled(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0))
  }

  /** Whether any export the model knows of is still live. */
  get liveCount(): number {
    return this.live.length
  }

  /** Compares every buffer with the model, element by element. */
  verifyContents(): void {
    this.actual.forEach((actual, b) => {
      const expected = this.expected[b]!
      for (let i = 0; i < actual.length; i++) {
        if (!Object.is(actual[i], expected[i])) {
          this.problems.push(`buffer ${b} element ${i} is ${actual[i]}, expected ${expected[i]}`)
          return
        }
      }
    })
  }
}

/** Random operations over `buffers` (element counts and types given), as the load test issues them. */
export function randomOp(random: () => number, buffers: readonly Numbers[]): OpSpec {
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const r = random()
  const type: OpType = r < 0.25 ? 'sum' : r < 0.4 ? 'minmax' : r < 0.55 ? 'fill' : r < 0.7 ? 'scale' : r < 0.85 ? 'add' : 'sort'
  const buffer = int(0, buffers.length - 1)
  const n = buffers[buffer]!.length
  const perPool = INLINE_BYTES / buffers[buffer]!.BYTES_PER_ELEMENT
  const s = random()
  // Mostly small windows (inline), a third big enough for the pool (for add, together with the source), a few empty.
  const length = s < 0.02 ? 0 : s < 0.64 ? int(1, 2000) : int(perPool + 1, Math.floor(perPool * 2.5))
  const start = int(0, n - length)
  const a = random()
  const abort = a < 0.04 ? 'before' : a < 0.1 ? 'after' : 'none'
  const int32 = buffers[buffer] instanceof Int32Array
  switch (type) {
    case 'fill':
      return { type, buffer, start, end: start + length, value: int(-1000, 1000), abort }
    case 'scale':
      return { type, buffer, start, end: start + length, factor: int(int32 ? -3 : -2, int32 ? 3 : 2), offset: int(-100, 100), abort }
    case 'add': {
      // The source: same type, from the same buffer (often overlapping) or another; rarely of another length.
      const sameKind = buffers.map((b, i) => i).filter((i) => buffers[i]!.constructor === buffers[buffer]!.constructor)
      const srcBuffer = random() < 0.3 ? buffer : pick(sameKind)
      const srcLength = random() < 0.1 ? length + 1 : length
      const srcStart = int(0, buffers[srcBuffer]!.length - srcLength)
      return { type, buffer, start, end: start + length, src: { buffer: srcBuffer, start: srcStart, end: srcStart + srcLength }, abort }
    }
    default:
      return { type, buffer, start, end: start + length, abort }
  }
}
