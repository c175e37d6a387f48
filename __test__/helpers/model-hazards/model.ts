// A plain-JavaScript model of what parabuf must do when buffers change size or owner under its exports. It knows the
// memory behind each buffer, the length and contents of each buffer, every live export (from handles, from operations
// in flight, from handles waiting for the garbage collector) and which generation of a buffer each array and handle
// belongs to (a transfer starts a new generation: every earlier one is detached). From that it predicts the outcome of
// every call exactly. Its rules, as docs/safety.md states them:
//
// - Ledger: exports are byte ranges of memory (not of objects). Reads share; a write excludes every export sharing a
//   byte with it; empty ranges never conflict. A conflict names the oldest export in the way. A memory moved by an
//   unguarded transfer keeps its exports: the new owner's arrays conflict with the old handles until they are released.
// - An array argument is refused, in this order: detached (ERR_PARABUF_DETACHED, empty arrays included), a view out of
//   the bounds of its shrunk resizable buffer (ERR_PARABUF_OUT_OF_BOUNDS), for an async call a resizable non-shared
//   ArrayBuffer (ERR_PARABUF_RESIZABLE), then a conflict. Growable SharedArrayBuffers are accepted everywhere.
// - A handle argument is refused, in this order: released (ERR_PARABUF_RELEASED), a read handle given to a writing
//   operation or a write handle already lent to an operation in flight (BorrowError on its own bytes), its array
//   detached (ERR_PARABUF_DETACHED), its array's view out of bounds (ERR_PARABUF_OUT_OF_BOUNDS), its array no longer
//   reaching the exported bytes (ERR_PARABUF_DETACHED: a length-tracking view that shrank), for an async call a
//   resizable buffer (ERR_PARABUF_RESIZABLE). Otherwise the operation uses the exported bytes: a length-tracking view
//   that grew since borrow() is summed and filled over the bytes of its export only.
// - Async calls reuse a handle's export (a write export lent to one operation at a time); pool-sized ones (over 128
//   KiB) hold their exports until they settle, inline ones finish within the call (an abort after the call changes
//   nothing). An abort before a pool operation settles always wins (AbortError, ABORT_ERR); an aborted fill leaves
//   each element old or new. A signal aborted before the call wins over everything.
// - release() is idempotent and deferred while an operation uses the export; the handle refuses use at once.
// - A handle dropped without release() keeps its export until it is garbage-collected, and then loses it (while an
//   operation in flight holds it, once that operation has settled).
// - This realm's resize(), transfer(), transferToFixedLength() and structuredClone() with a transfer list throw
//   BorrowError ERR_PARABUF_BORROWED while any non-empty export covers a byte the buffer can ever hold (up to its
//   maxByteLength), naming the oldest and counting them, and leave the buffer unchanged; with no such export they do
//   what the engine does (resize() of a non-resizable buffer: the engine's TypeError). Another realm's methods are not
//   guarded: its transfer() moves the memory (and its exports) to a new owner and detaches every array and handle of
//   the old one; its resize() leaves fixed-length views past the new end out of bounds.
// - Resizing: bytes past a shrink are lost, bytes gained by a grow are zero.
import type { Mode } from 'parabuf'

import type { ExpectedConflict } from '../ledger.js'
import type { ArrayTarget } from './commands.js'
import { EL, initialValue, SLOTS, type SlotSpec } from './world.js'

/** The refusal of a guarded resize/transfer: the oldest export in the way (bytes of the buffer) and how many there are. */
export interface GuardRefusal {
  readonly mode: Mode
  readonly start: number
  readonly end: number
  readonly count: number
}

/** What a call did or must do. `message` is for display only and never compared. */
export type Outcome =
  | { readonly ok: true; readonly value: number | string }
  | { readonly ok: false; readonly conflict: ExpectedConflict }
  | { readonly ok: false; readonly guard: GuardRefusal }
  | { readonly ok: false; readonly error: string; readonly code: string | null; readonly message?: string }

export const refused = (error: string, code: string | null): Outcome => ({ ok: false, error, code })
export const DETACHED = refused('TypeError', 'ERR_PARABUF_DETACHED')
export const OUT_OF_BOUNDS = refused('TypeError', 'ERR_PARABUF_OUT_OF_BOUNDS')
export const RESIZABLE = refused('TypeError', 'ERR_PARABUF_RESIZABLE')
export const RELEASED = refused('BorrowError', 'ERR_PARABUF_RELEASED')
export const ABORTED = refused('AbortError', 'ABORT_ERR')

/** The comparable form of an outcome (without its message). */
export function key(o: Outcome): string {
  if (o.ok) return JSON.stringify({ ok: true, value: o.value })
  if ('conflict' in o) {
    const c = o.conflict
    return JSON.stringify({
      conflict: [c.requested, c.requestedBytes, c.blocking, c.blockingBytes, c.blockingOffset],
    })
  }
  if ('guard' in o) return JSON.stringify({ guard: [o.guard.mode, o.guard.start, o.guard.end, o.guard.count] })
  return JSON.stringify({ error: o.error, code: o.code })
}

/** A short category for tallies: `ok`, `conflict`, `guard`, or the error code. */
export function category(o: Outcome): string {
  if (o.ok) return 'ok'
  if ('conflict' in o) return 'conflict'
  if ('guard' in o) return 'guard'
  return o.code ?? o.error
}

export function show(o: Outcome): string {
  if (!o.ok && 'error' in o && o.message !== undefined) return `${key(o)} (${o.message})`
  return key(o)
}

/**
 * Deliberate mistakes the self-test plants in the model, each of which the property must catch (a model that cannot
 * be caught out checks nothing).
 */
export type Mutation =
  | 'guards-ignore-exports'
  | 'detached-handles-usable'
  | 'out-of-bounds-reported-as-detached'
  | 'async-accepts-resizable'
  | 'aborts-never-win'
  | 'gc-keeps-dropped-exports'
  | 'handles-use-the-current-view'
  | 'unguarded-transfer-moves-memory'
  | 'shrink-keeps-contents'
  | 'write-handles-lent-twice'

export const MUTATIONS: readonly Mutation[] = [
  'guards-ignore-exports',
  'detached-handles-usable',
  'out-of-bounds-reported-as-detached',
  'async-accepts-resizable',
  'aborts-never-win',
  'gc-keeps-dropped-exports',
  'handles-use-the-current-view',
  'unguarded-transfer-moves-memory',
  'shrink-keeps-contents',
  'write-handles-lent-twice',
]

/** A live export: bytes [start, end) of memory `mem`. */
export interface Entry {
  readonly id: number
  readonly mem: number
  readonly start: number
  readonly end: number
  readonly mode: Mode
  readonly owner: 'handle' | 'operation' | 'dropped'
}

export interface ModelSlot {
  readonly spec: SlotSpec
  /** The memory behind the buffer (a transfer that moves the bytes keeps it). */
  mem: number
  /** Length in elements. */
  length: number
  /** Bumped by every transfer; arrays and handles of earlier generations are detached. */
  generation: number
  /** Element values, `spec.max` of them; past `length` they are zero. */
  readonly contents: Float64Array
}

export interface ModelHandle {
  readonly slot: number
  readonly window: number
  readonly generation: number
  readonly mode: Mode
  readonly entry: Entry
  released: boolean
  /** Pool operations using the export (at most one for a write export). */
  inFlight: number
  /** The test let go of the handle without release(): the garbage collector may take it once no operation holds it. */
  dropped: boolean
  /** It was garbage-collected. */
  collected: boolean
}

type WindowState = { readonly state: 'detached' } | { readonly state: 'out of bounds' } | { readonly state: 'ok'; readonly start: number; readonly end: number }

/** Where an operation may proceed: the element range it uses, and the export it took (none when a handle lent it). */
export interface Use {
  readonly start: number
  readonly end: number
  readonly entry?: Entry
}

export class Model {
  /** Live exports in ledger order (oldest first). */
  readonly live: Entry[] = []
  readonly handles: ModelHandle[] = []
  readonly slots: ModelSlot[]
  private lastId: number
  private lastMem: number

  constructor(
    lastId: number,
    readonly mutation: Mutation | undefined,
    /** Told of notable situations, for the coverage tallies. */
    readonly note: (event: string) => void = () => {},
  ) {
    this.lastId = lastId
    this.slots = SLOTS.map((spec, slot) => {
      const contents = new Float64Array(spec.max)
      for (let i = 0; i < spec.initial; i++) contents[i] = initialValue(slot, i)
      return { spec, mem: slot, length: spec.initial, generation: 0, contents }
    })
    this.lastMem = this.slots.length
  }

  /** The generation an array target names: the current one, or the one before it. */
  generationOf(t: ArrayTarget): number {
    const slot = this.slots[t.slot]!
    return t.old ? Math.max(0, slot.generation - 1) : slot.generation
  }

  windowOf(t: ArrayTarget): number {
    return t.window % SLOTS[t.slot]!.windows.length
  }

  private windowState(slotIndex: number, window: number, generation: number): WindowState {
    const slot = this.slots[slotIndex]!
    if (generation !== slot.generation) return { state: 'detached' }
    const w = slot.spec.windows[window]!
    if (w.length === undefined) {
      return w.start > slot.length ? { state: 'out of bounds' } : { state: 'ok', start: w.start, end: slot.length }
    }
    return w.start + w.length > slot.length ? { state: 'out of bounds' } : { state: 'ok', start: w.start, end: w.start + w.length }
  }

  /** Takes an export of bytes [start, end) of `mem`, or says which conflict refuses it. */
  take(mem: number, start: number, end: number, mode: Mode, owner: Entry['owner']): Entry | ExpectedConflict {
    const blocker = this.live.find(
      (e) =>
        e.mem === mem &&
        e.start < e.end &&
        start < end &&
        e.start < end &&
        start < e.end &&
        (e.mode === 'write' || mode === 'write'),
    )
    if (blocker) {
      if (this.isStale(blocker)) this.note('a conflict with the export of a detached handle')
      return {
        requested: mode,
        requestedBytes: end - start,
        blocking: blocker.mode,
        blockingBytes: blocker.end - blocker.start,
        blockingOffset: blocker.start - start,
      }
    }
    const entry: Entry = { id: ++this.lastId, mem, start, end, mode, owner }
    this.live.push(entry)
    return entry
  }

  /** Whether `entry` belongs to a handle whose array was detached by a transfer. */
  private isStale(entry: Entry): boolean {
    return this.handles.some((h) => h.entry === entry && h.generation !== this.slots[h.slot]!.generation)
  }

  drop(entry: Entry): void {
    const at = this.live.indexOf(entry)
    if (at >= 0) this.live.splice(at, 1)
  }

  /** An array argument, for an operation needing `need` access: refused, or the range it uses and the export taken. */
  useArray(t: ArrayTarget, need: Mode, async: boolean, owner: Entry['owner'] = 'operation'): Outcome | Use {
    const slot = this.slots[t.slot]!
    const state = this.windowState(t.slot, this.windowOf(t), this.generationOf(t))
    if (state.state === 'detached') return DETACHED
    if (state.state === 'out of bounds') return this.mutation === 'out-of-bounds-reported-as-detached' ? DETACHED : OUT_OF_BOUNDS
    if (async && slot.spec.kind === 'resizable' && this.mutation !== 'async-accepts-resizable') return RESIZABLE
    const taken = this.take(slot.mem, state.start * EL, state.end * EL, need, owner)
    if (!('id' in taken)) return { ok: false, conflict: taken }
    return { start: state.start, end: state.end, entry: taken }
  }

  /** A handle argument, for an operation needing `need` access: refused, or the range of its export. */
  useHandle(h: ModelHandle, need: Mode, async: boolean): Outcome | Use {
    if (h.released) return RELEASED
    const bytes = h.entry.end - h.entry.start
    if (h.mode === 'read' && need === 'write') {
      return { ok: false, conflict: { requested: 'write', requestedBytes: bytes, blocking: 'read', blockingBytes: bytes, blockingOffset: 0 } }
    }
    if (h.mode === 'write' && h.inFlight > 0 && this.mutation !== 'write-handles-lent-twice') {
      return { ok: false, conflict: { requested: need, requestedBytes: bytes, blocking: 'write', blockingBytes: bytes, blockingOffset: 0 } }
    }
    const slot = this.slots[h.slot]!
    const state = this.windowState(h.slot, h.window, this.mutation === 'detached-handles-usable' ? slot.generation : h.generation)
    if (state.state === 'detached') return DETACHED
    // A view past the end of its shrunk buffer is refused as out of bounds, as the array itself is: also when the
    // export is empty (docs/safety.md: a handle whose array has been shrunk since borrow() is refused).
    if (state.state === 'out of bounds') {
      if (bytes === 0) this.note('an empty export handle on an out-of-bounds view')
      return this.mutation === 'out-of-bounds-reported-as-detached' ? DETACHED : OUT_OF_BOUNDS
    }
    if (bytes > 0 && state.end * EL < h.entry.end) this.note('a length-tracking handle shrank below its export')
    if (bytes > 0 && !(state.start * EL === h.entry.start && state.end * EL >= h.entry.end)) return DETACHED
    if (async && slot.spec.kind === 'resizable' && this.mutation !== 'async-accepts-resizable') return RESIZABLE
    if (state.end * EL > h.entry.end) this.note('a handle used over a length-tracking view that grew')
    if (this.mutation === 'handles-use-the-current-view') return { start: state.start, end: state.end }
    return { start: h.entry.start / EL, end: h.entry.end / EL }
  }

  release(h: ModelHandle): void {
    if (h.released) return
    h.released = true
    if (h.inFlight === 0) this.drop(h.entry)
  }

  /** A pool operation that used `h` has settled. */
  giveBack(h: ModelHandle): void {
    h.inFlight--
    if (h.inFlight === 0 && h.released) this.drop(h.entry)
  }

  /**
   * The garbage collector ran: handles dropped without release() lose their exports, except those an operation in flight
   * still holds (the test keeps a running operation's arguments reachable until it settles). A collected handle whose
   * export is lent to an operation ends it when the operation settles, as release() would.
   */
  collect(): number {
    if (this.mutation === 'gc-keeps-dropped-exports') return 0
    const dropped = this.live.filter((e) => e.owner === 'dropped')
    for (const e of dropped) this.drop(e)
    let collected = dropped.length
    for (const h of this.handles) {
      if (!h.dropped || h.collected) continue
      if (h.inFlight > 0) {
        this.note('a collection while a dropped handle is lent to an operation')
        continue
      }
      h.collected = true
      if (!h.released) collected++
      this.release(h)
    }
    return collected
  }

  sum(slot: number, start: number, end: number): number {
    const c = this.slots[slot]!.contents
    let s = 0
    for (let i = start; i < end; i++) s += c[i]!
    return s
  }

  fill(slot: number, start: number, end: number, value: number): void {
    this.slots[slot]!.contents.fill(value, start, end)
  }

  /** What a guarded resize/transfer of the slot's buffer must refuse with, if anything. */
  guard(slotIndex: number): GuardRefusal | undefined {
    if (this.mutation === 'guards-ignore-exports') return undefined
    const slot = this.slots[slotIndex]!
    // Every byte the buffer can ever hold: up to maxByteLength for a resizable buffer.
    const reach = (slot.spec.kind === 'resizable' ? Math.max(slot.length, slot.spec.max) : slot.length) * EL
    const hits = this.live.filter((e) => e.mem === slot.mem && e.start < e.end && e.start < reach)
    const first = hits[0]
    if (hits.some((e) => this.isStale(e))) this.note('a guard refusing because of the export of a detached handle')
    return first && { mode: first.mode, start: first.start, end: first.end, count: hits.length }
  }

  /** The buffer now holds `length` elements: bytes past a shrink are lost, bytes gained are zero. */
  resize(slotIndex: number, length: number): void {
    const slot = this.slots[slotIndex]!
    if (length < slot.length && this.mutation !== 'shrink-keeps-contents') slot.contents.fill(0, length, slot.length)
    slot.length = length
  }

  /** The buffer was transferred: a new generation, on the same memory or (`moved`) on new memory. */
  transferred(slotIndex: number, moved: boolean): void {
    const slot = this.slots[slotIndex]!
    slot.generation++
    if (moved) slot.mem = ++this.lastMem
  }

  /** exportsOf() of the whole current buffer: non-empty exports of its memory within its length, oldest first. */
  listing(slotIndex: number): { id: number; mode: Mode; byteOffset: number; byteLength: number }[] {
    const slot = this.slots[slotIndex]!
    return this.live
      .filter((e) => e.mem === slot.mem && e.start < e.end && e.start < slot.length * EL)
      .map((e) => ({ id: e.id, mode: e.mode, byteOffset: e.start, byteLength: e.end - e.start }))
  }

  /** exportsOf() of an array over elements [start, end) (non-empty): the exports sharing a byte with it. */
  listingOf(slotIndex: number, start: number, end: number): { id: number; mode: Mode; byteOffset: number; byteLength: number }[] {
    const slot = this.slots[slotIndex]!
    return this.live
      .filter((e) => e.mem === slot.mem && e.start < e.end && e.start < end * EL && start * EL < e.end)
      .map((e) => ({ id: e.id, mode: e.mode, byteOffset: e.start, byteLength: e.end - e.start }))
  }

  /** The range exportsOf(array) covers, or why the array is refused; `undefined` for an empty array. */
  rangeOf(t: ArrayTarget): Outcome | { start: number; end: number } | undefined {
    const state = this.windowState(t.slot, this.windowOf(t), this.generationOf(t))
    if (state.state === 'detached') return DETACHED
    if (state.state === 'out of bounds') return OUT_OF_BOUNDS
    return state.start === state.end ? undefined : { start: state.start, end: state.end }
  }
}
