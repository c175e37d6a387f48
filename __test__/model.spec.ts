// A model-based property test of the ledger. Random command sequences (borrow, release, sumSync and async sum on
// arrays and on handles, with some operations left running on the pool across later commands) run against parabuf and
// against a plain-JavaScript model of the rules: reads share; a write excludes every overlapping export; disjoint and
// empty ranges never conflict; a handle's export is reused by the operations it is passed to (a write export lent to
// one at a time); release() of a handle in use is deferred until the operations using it settle.
//
// The model predicts, for every command, exactly whether it fails and with what (BorrowError modes and byte ranges, or
// ERR_PARABUF_RELEASED), the sum it returns otherwise, the live export count, the `released` flag of every handle, and
// exportsOf() of every buffer, ids included.
import test from 'ava'
import fc from 'fast-check'

import { borrow, BorrowError, type Export, exportsOf, liveExportCount, type Mode, sum, sumSync } from 'parabuf'

import { INLINE_BYTES, parseConflict, plainSum, relativeConflict, type ExpectedConflict } from './helpers/ledger.js'

/** Bytes per buffer: three inline-sized thirds, so windows come in inline and pool sizes. */
const B = 3 * INLINE_BYTES

type Ctor = Float64ArrayConstructor | Uint8ArrayConstructor | Int32ArrayConstructor | typeof Buffer

interface WindowSpec {
  readonly name: string
  readonly make: Ctor
  readonly start: number
  readonly end: number
}

/** Windows of every buffer, in bytes: whole, halves, thirds, overlapping, empty, and byte-typed aliases. */
const WINDOWS: readonly WindowSpec[] = [
  { name: 'whole', make: Float64Array, start: 0, end: B },
  { name: 'first half', make: Float64Array, start: 0, end: B / 2 },
  { name: 'second half', make: Float64Array, start: B / 2, end: B },
  { name: 'first third', make: Float64Array, start: 0, end: B / 3 },
  { name: 'middle third', make: Float64Array, start: B / 3, end: (2 * B) / 3 },
  { name: 'last third', make: Float64Array, start: (2 * B) / 3, end: B },
  { name: 'sixth to half', make: Float64Array, start: B / 6, end: B / 2 },
  { name: 'quarter to three quarters', make: Float64Array, start: B / 4, end: (3 * B) / 4 },
  { name: 'middle third as bytes', make: Uint8Array, start: B / 3, end: (2 * B) / 3 },
  { name: 'bytes across the half', make: Buffer, start: B / 2 - 3, end: B / 2 + 5 },
  { name: 'one byte', make: Uint8Array, start: 7, end: 8 },
  { name: 'last two int32', make: Int32Array, start: B - 8, end: B },
  { name: 'empty at 0', make: Float64Array, start: 0, end: 0 },
  { name: 'empty in the middle', make: Float64Array, start: B / 2, end: B / 2 },
  { name: 'empty at the end', make: Uint8Array, start: B, end: B },
]

function view(buffer: ArrayBufferLike, w: WindowSpec): Float64Array | Uint8Array | Int32Array {
  if (w.make === Buffer) return Buffer.from(buffer as ArrayBuffer, w.start, w.end - w.start)
  const T = w.make as Float64ArrayConstructor | Uint8ArrayConstructor | Int32ArrayConstructor
  return new T(buffer as ArrayBuffer, w.start, (w.end - w.start) / T.BYTES_PER_ELEMENT)
}

interface World {
  readonly buffers: ArrayBufferLike[]
  /** views[b][w]: window w of buffer b. */
  readonly views: (Float64Array | Uint8Array | Int32Array)[][]
  /** The exact sum of every window, computed in JavaScript once. */
  readonly sums: number[][]
}

function makeWorld(): World {
  const buffers: ArrayBufferLike[] = [new ArrayBuffer(B), new SharedArrayBuffer(B), new ArrayBuffer(B)]
  buffers.forEach((buffer, b) => {
    const d = new Float64Array(buffer)
    for (let i = 0; i < d.length; i++) d[i] = ((i * (b + 3)) % 13) - 6
  })
  const views = buffers.map((buffer) => WINDOWS.map((w) => view(buffer, w)))
  const sums = views.map((row) => row.map((v) => plainSum(v) as number))
  return { buffers, views, sums }
}

// ---------------------------------------------------------------------------------------------------------------------
// Commands

type Command =
  | { readonly kind: 'borrow'; readonly buffer: number; readonly window: number; readonly mode: Mode }
  | { readonly kind: 'release'; readonly handle: number }
  | { readonly kind: 'sumSync'; readonly buffer: number; readonly window: number }
  | { readonly kind: 'sumSyncHandle'; readonly handle: number }
  | { readonly kind: 'sum'; readonly buffer: number; readonly window: number }
  | { readonly kind: 'sumHandle'; readonly handle: number }
  | { readonly kind: 'settle' }

// Buffer 0 is picked most often, so that commands meet on the same bytes (and conflict) often.
const bufferIndex = fc.constantFrom(0, 0, 0, 1, 2)
const windowIndex = fc.integer({ min: 0, max: WINDOWS.length - 1 })
const handleIndex = fc.nat({ max: 63 })

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('borrow' as const), buffer: bufferIndex, window: windowIndex, mode: fc.constantFrom<Mode>('read', 'write') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), handle: handleIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sumSync' as const), buffer: bufferIndex, window: windowIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sumSyncHandle' as const), handle: handleIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sum' as const), buffer: bufferIndex, window: windowIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sumHandle' as const), handle: handleIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
)

// ---------------------------------------------------------------------------------------------------------------------
// The model

interface ModelExport {
  readonly id: number
  readonly buffer: number
  readonly start: number
  readonly end: number
  readonly mode: Mode
}

interface ModelHandle {
  readonly buffer: number
  readonly window: number
  readonly mode: Mode
  readonly entry: ModelExport
  /** release() was called. */
  released: boolean
  /** Operations on the pool using this handle's export (at most one for a write export). */
  inFlight: number
}

/** What a command must do: succeed with a value, or fail with a conflict or a release error. */
type Outcome =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly conflict: ExpectedConflict }
  | { readonly ok: false; readonly released: true }

class Model {
  /** Live exports in ledger order (oldest first). */
  readonly live: ModelExport[] = []
  readonly handles: ModelHandle[] = []
  private lastId: number

  constructor(lastId: number) {
    this.lastId = lastId
  }

  take(buffer: number, window: number, mode: Mode): ModelExport | ExpectedConflict {
    const w = WINDOWS[window]!
    const blocker = this.live.find(
      (e) =>
        e.buffer === buffer &&
        e.start < e.end &&
        w.start < w.end &&
        e.start < w.end &&
        w.start < e.end &&
        (e.mode === 'write' || mode === 'write'),
    )
    if (blocker) {
      return {
        requested: mode,
        requestedBytes: w.end - w.start,
        blocking: blocker.mode,
        blockingBytes: blocker.end - blocker.start,
        blockingOffset: blocker.start - w.start,
      }
    }
    const entry = { id: ++this.lastId, buffer, start: w.start, end: w.end, mode }
    this.live.push(entry)
    return entry
  }

  drop(entry: ModelExport): void {
    const at = this.live.indexOf(entry)
    if (at >= 0) this.live.splice(at, 1)
  }

  /** A handle lends its export to an operation needing read access (all operations here read). */
  lend(h: ModelHandle): Outcome | undefined {
    if (h.released) return { ok: false, released: true }
    if (h.mode === 'write' && h.inFlight > 0) {
      const bytes = h.entry.end - h.entry.start
      return { ok: false, conflict: { requested: 'read', requestedBytes: bytes, blocking: 'write', blockingBytes: bytes, blockingOffset: 0 } }
    }
    return undefined
  }

  release(h: ModelHandle): void {
    h.released = true
    if (h.inFlight === 0) this.drop(h.entry)
  }

  /** An operation that used `h` on the pool has settled. */
  giveBack(h: ModelHandle): void {
    h.inFlight--
    if (h.inFlight === 0 && h.released) this.drop(h.entry)
  }

  listing(buffer: number): { id: number; mode: Mode; byteOffset: number; byteLength: number }[] {
    return this.live
      .filter((e) => e.buffer === buffer && e.end > e.start)
      .map((e) => ({ id: e.id, mode: e.mode, byteOffset: e.start, byteLength: e.end - e.start }))
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Running a sequence

/** What happened, in the model's vocabulary, so a mismatch prints readably and shrinks. */
function observe(run: () => number | bigint): Outcome {
  try {
    return { ok: true, value: Number(run()) }
  } catch (error) {
    return classify(error)
  }
}

function classify(error: unknown): Outcome {
  if (error instanceof BorrowError && error.name === 'BorrowError') {
    if (error.code === 'ERR_PARABUF_RELEASED') return { ok: false, released: true }
    const parsed = error.code === 'ERR_PARABUF_BORROWED' ? parseConflict(error.message) : undefined
    if (parsed) return { ok: false, conflict: relativeConflict(parsed) }
  }
  throw error
}

interface Pending {
  readonly outcome: Promise<Outcome>
  readonly expected: Outcome
  readonly description: string
  /** The model's bookkeeping when the operation settles. */
  readonly settle: () => void
}

function same(actual: Outcome, expected: Outcome, what: string): void {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`)
}

async function runSequence(commands: readonly Command[], world: World, baseline: number): Promise<void> {
  // The next ledger id: learned from a probe export, then predicted for every export the sequence takes.
  const probe = new Float64Array(1)
  const probeHandle = borrow(probe, 'read')
  const probeId = exportsOf(probe)[0]!.id
  probeHandle.release()

  const model = new Model(probeId)
  const handles: Export[] = []
  let pending: Pending[] = []

  const settleAll = async (): Promise<void> => {
    const waiting = pending
    pending = []
    for (const p of waiting) same(await p.outcome, p.expected, p.description)
    for (const p of waiting) p.settle()
  }

  const check = (step: string): void => {
    if (liveExportCount() !== baseline + model.live.length) {
      throw new Error(`${step}: ${liveExportCount() - baseline} live exports, the model has ${model.live.length}`)
    }
    world.buffers.forEach((buffer, b) => {
      same(exportsOf(new Uint8Array(buffer)) as never, model.listing(b) as never, `${step}: exportsOf(buffer ${b})`)
    })
    handles.forEach((h, k) => {
      if (h.released !== model.handles[k]!.released) throw new Error(`${step}: handle ${k} released = ${h.released}`)
    })
  }

  try {
    for (const [i, c] of commands.entries()) {
      const step = `step ${i} ${JSON.stringify(c)}`
      switch (c.kind) {
        case 'borrow': {
          const taken = model.take(c.buffer, c.window, c.mode)
          const expected: Outcome = 'id' in taken ? { ok: true, value: 0 } : { ok: false, conflict: taken }
          let handle: Export | undefined
          same(observe(() => ((handle = borrow(world.views[c.buffer]![c.window]!, c.mode)), 0)), expected, step)
          if (handle && 'id' in taken) {
            handles.push(handle)
            model.handles.push({ buffer: c.buffer, window: c.window, mode: c.mode, entry: taken, released: false, inFlight: 0 })
          }
          break
        }
        case 'release': {
          if (handles.length === 0) break
          const k = c.handle % handles.length
          const h = model.handles[k]!
          if (!h.released) model.release(h)
          handles[k]!.release()
          break
        }
        case 'sumSync': {
          const taken = model.take(c.buffer, c.window, 'read')
          const expected: Outcome = 'id' in taken ? { ok: true, value: world.sums[c.buffer]![c.window]! } : { ok: false, conflict: taken }
          if ('id' in taken) model.drop(taken)
          same(observe(() => sumSync(world.views[c.buffer]![c.window]!)), expected, step)
          break
        }
        case 'sumSyncHandle': {
          if (handles.length === 0) break
          const k = c.handle % handles.length
          const h = model.handles[k]!
          const expected = model.lend(h) ?? { ok: true, value: world.sums[h.buffer]![h.window]! }
          same(observe(() => sumSync(handles[k]!)), expected, step)
          break
        }
        case 'sum': {
          const w = WINDOWS[c.window]!
          const taken = model.take(c.buffer, c.window, 'read')
          const onPool = w.end - w.start > INLINE_BYTES
          let expected: Outcome
          let settle = (): void => {}
          if ('id' in taken) {
            expected = { ok: true, value: world.sums[c.buffer]![c.window]! }
            // Inline: the export ends within the call. On the pool: when the result is delivered.
            if (onPool) settle = () => model.drop(taken)
            else model.drop(taken)
          } else {
            expected = { ok: false, conflict: taken }
          }
          const started = sum(world.views[c.buffer]![c.window]!)
          const outcome = started.then((v) => ({ ok: true, value: Number(v) }) as Outcome, classify)
          pending.push({ outcome, expected, description: step, settle })
          break
        }
        case 'sumHandle': {
          if (handles.length === 0) break
          const k = c.handle % handles.length
          const h = model.handles[k]!
          const refused = model.lend(h)
          const expected = refused ?? { ok: true, value: world.sums[h.buffer]![h.window]! }
          const w = WINDOWS[h.window]!
          let settle = (): void => {}
          if (!refused && w.end - w.start > INLINE_BYTES) {
            h.inFlight++
            settle = () => model.giveBack(h)
          }
          const started = sum(handles[k]!)
          const outcome = started.then((v) => ({ ok: true, value: Number(v) }) as Outcome, classify)
          pending.push({ outcome, expected, description: step, settle })
          break
        }
        case 'settle':
          await settleAll()
          break
      }
      check(step)
    }
    await settleAll()
    check('after settling')
  } finally {
    // Whatever happened, leave the ledger clean for the next sequence.
    await Promise.allSettled(pending.map((p) => p.outcome))
    for (const h of handles) h.release()
  }
  if (liveExportCount() !== baseline) throw new Error(`${liveExportCount() - baseline} exports left after the sequence`)
  world.buffers.forEach((buffer, b) => {
    if (exportsOf(new Uint8Array(buffer)).length !== 0) throw new Error(`exports of buffer ${b} left after the sequence`)
  })
}

test.serial('the ledger behaves exactly as the model of the export rules predicts', async (t) => {
  const baseline = liveExportCount()
  const world = makeWorld()
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40, size: 'max' }), async (commands) => {
      runs++
      await runSequence(commands, world, baseline)
    }),
    { numRuns: 250 },
  )
  t.true(runs >= 250)
  t.is(liveExportCount(), baseline)
  for (const buffer of world.buffers) t.deepEqual(exportsOf(new Uint8Array(buffer)), [])
})

test.serial('the model itself: a hand-written sequence with a known outcome', async (t) => {
  // Guards the model against being vacuous: this sequence exercises every kind of prediction at least once.
  const baseline = liveExportCount()
  const world = makeWorld()
  const sequence: Command[] = [
    { kind: 'borrow', buffer: 0, window: 1, mode: 'write' }, // first half
    { kind: 'borrow', buffer: 0, window: 0, mode: 'read' }, // conflicts
    { kind: 'borrow', buffer: 0, window: 2, mode: 'write' }, // second half: disjoint
    { kind: 'borrow', buffer: 0, window: 13, mode: 'write' }, // empty in the middle: never conflicts
    { kind: 'sum', buffer: 1, window: 0 }, // pool, left running
    { kind: 'borrow', buffer: 1, window: 10, mode: 'write' }, // conflicts with the running sum
    { kind: 'sumHandle', handle: 0 }, // pool, lends the write export
    { kind: 'sumSyncHandle', handle: 0 }, // conflicts: lent
    { kind: 'release', handle: 0 }, // deferred
    { kind: 'sumSyncHandle', handle: 0 }, // released
    { kind: 'settle' },
    { kind: 'borrow', buffer: 0, window: 6, mode: 'read' }, // first half is free again
    { kind: 'sumSync', buffer: 0, window: 9 }, // crosses into the second half's write export
  ]
  await runSequence(sequence, world, baseline)
  t.is(liveExportCount(), baseline)
})
