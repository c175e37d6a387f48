// Runs one command sequence against parabuf and against the model (model.ts), comparing after every command: the
// outcome of the call (value, or error class and code, or the conflict's modes and byte ranges, or the guard's oldest
// export and count), the live export count, exportsOf() of every buffer (ids included) and every handle's `released`;
// buffer contents at every settle and at the end. Asynchronous calls are left running across commands; each one is
// checked when it settles, against the model's prediction as it stands then (an abort changes it).
import {
  AbortError,
  borrow,
  BorrowError,
  type Export,
  exportsOf,
  fill,
  fillSync,
  liveExportCount,
  type Mode,
  sum,
  sumSync,
} from 'parabuf'

import { parseConflict, relativeConflict } from '../ledger.js'
import { type ArrayTarget, type Command, LAST_HANDLE, showArray, showCommand, type Target } from './commands.js'
import {
  ABORTED,
  category,
  key,
  Model,
  type ModelHandle,
  type Mutation,
  type Outcome,
  refused,
  show,
  type Use,
} from './model.js'
import {
  EL,
  GROW_BY,
  INLINE_BYTES,
  makeRealWorld,
  newGeneration,
  PLAIN,
  RESIZABLE,
  RESIZE_TO,
  type GrowableSharedArrayBuffer,
  type RealSlot,
  SHARED,
  SLOTS,
  turn,
  unguarded,
} from './world.js'

/** What the runtime offers, found once per process. */
export interface Capabilities {
  /** This realm has ArrayBuffer.prototype.transfer and transferToFixedLength (which parabuf guards). */
  readonly guardedTransfer: boolean
  /** Another realm has ArrayBuffer.prototype.transfer (which nothing guards). */
  readonly unguardedTransfer: boolean
}

export interface RunContext {
  readonly capabilities: Capabilities
  /** The live export count of the process when no sequence runs. */
  readonly baseline: number
  readonly mutation?: Mutation
  /** Tallies of outcomes by command and category, so the caller can require that every rule was exercised. */
  readonly tally: Map<string, number>
}

const GUARD_TAIL = /with live exports: a '(read|write)' export holds bytes (\d+)\.\.(\d+) \((\d+) live exports?\)$/

/** Any thrown value, in the model's vocabulary. */
export function classify(error: unknown): Outcome {
  if (!(error instanceof Error)) return { ok: false, error: `non-Error ${typeof error}`, code: null, message: String(error) }
  const raw = (error as Error & { code?: unknown }).code
  const code = typeof raw === 'string' ? raw : null
  if (error instanceof BorrowError && error.name === 'BorrowError' && code === 'ERR_PARABUF_BORROWED') {
    const conflict = parseConflict(error.message)
    if (conflict) return { ok: false, conflict: relativeConflict(conflict) }
    const g = GUARD_TAIL.exec(error.message)
    if (g) return { ok: false, guard: { mode: g[1] as Mode, start: Number(g[2]), end: Number(g[3]), count: Number(g[4]) } }
  }
  const cls =
    error instanceof BorrowError
      ? 'BorrowError'
      : error instanceof AbortError
        ? 'AbortError'
        : error instanceof RangeError
          ? 'RangeError'
          : error instanceof TypeError
            ? 'TypeError'
            : 'Error'
  return { ok: false, error: error.name === cls ? cls : `${cls} named ${error.name}`, code, message: error.message }
}

function attempt(run: () => number | string): Outcome {
  try {
    return { ok: true, value: run() }
  } catch (error) {
    return classify(error)
  }
}

/**
 * A full garbage collection, run from a task of its own: no frame of the runner is on the stack then, so no stale
 * register of it can keep a dropped handle alive. Then one more turn, for the finalizers the collection queued.
 */
function collectGarbage(): Promise<void> {
  return new Promise((resolve) =>
    setImmediate(() => {
      globalThis.gc!()
      setImmediate(resolve)
    }),
  )
}

/** At most this many full collections for the handles the model says are unreachable to lose their exports. */
const COLLECTIONS = 10

/**
 * Collects garbage until the live export count is `expected()` (or COLLECTIONS times); returns how many collections it
 * took. One is nearly always enough; V8 sometimes keeps an unreachable object through a collection or two (transient
 * engine references such as the last exception's stack), so a dropped handle must lose its export within a few, and
 * a count that never comes down (a leak) or goes below the model (an export ended early) fails the check after it.
 */
async function collectUntil(expected: () => number): Promise<number> {
  for (let n = 1; n <= COLLECTIONS; n++) {
    await collectGarbage()
    if (liveExportCount() === expected()) return n
  }
  return COLLECTIONS + 1
}

/**
 * The id of the latest export, learned from a probe export; the model predicts every id after it. A function of its
 * own, so the probe handle never sits in a register of the runner.
 */
function lastExportId(): number {
  const probe = new Float64Array(1)
  const handle = borrow(probe, 'read')
  const id = exportsOf(probe)[0]!.id
  handle.release()
  return id
}

/** What this process offers. */
export function probeCapabilities(): Capabilities {
  return {
    guardedTransfer: typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function',
    unguardedTransfer: typeof unguarded.transfer === 'function',
  }
}

/**
 * This realm's (guarded) buffer method, looked up at the call: a buffer an unguarded transfer made belongs to the other
 * realm, whose own methods are not guarded, so `buffer.resize()` would not go through parabuf's guard.
 */
function thisRealm(name: 'resize' | 'transfer' | 'transferToFixedLength'): (this: ArrayBuffer, byteLength?: number) => ArrayBuffer {
  return (ArrayBuffer.prototype as unknown as Record<string, (this: ArrayBuffer, byteLength?: number) => ArrayBuffer>)[name]!
}

/** An asynchronous call in flight, checked when it settles. */
interface Pending {
  readonly label: string
  /** The prediction; an abort before settlement turns it into ABORTED. */
  expected: Outcome
  /** An accepted pool operation: its exports live until it settles, and an abort before then wins. */
  readonly running: boolean
  /** The memory its exports cover (for a running operation). */
  readonly mem: number | undefined
  settled: boolean
  aborted: boolean
  readonly controller: AbortController
  done: Promise<void>
  /** The arguments, kept reachable until the call settles (so a dropped handle in use is not collected before). */
  keep: unknown
}

class SequenceFailure extends Error {}

/**
 * Keeps dropped handles reachable until a `gc` command lets them go (and only those no running operation holds): the
 * garbage collector may run at any allocation, so a handle must not become unreachable before the model says so. The
 * borrow() of a dropped handle happens in a method of its own, so no frame of the runner ever holds the handle.
 */
class DropBox {
  private held: { handle: Export; model: ModelHandle | undefined }[] = []

  borrowInto(array: Float64Array, mode: Mode): Outcome {
    try {
      this.held.push({ handle: borrow(array, mode), model: undefined })
      return { ok: true, value: 'taken' }
    } catch (error) {
      return classify(error)
    }
  }

  /** Moves a handle of the runner here; the caller forgets it. */
  take(handles: (Export | undefined)[], k: number, model: ModelHandle): void {
    this.held.push({ handle: handles[k]!, model })
    handles[k] = undefined
  }

  /** Lets go of the handles the model says the collector may take now. */
  letGo(): void {
    this.held = this.held.filter((d) => d.model !== undefined && !d.model.collected)
  }

  /** Lets go of everything (the sequence is over or failed). */
  clear(): void {
    this.held = []
  }
}

/** Runs `commands` on fresh buffers; throws a SequenceFailure describing the first divergence from the model. */
export async function runSequence(commands: readonly Command[], context: RunContext): Promise<void> {
  const { capabilities, mutation, tally } = context
  // Whatever an earlier sequence left to the collector goes first; then nothing may be left over.
  await collectUntil(() => context.baseline)
  const baseline = liveExportCount()
  if (baseline !== context.baseline) {
    throw new SequenceFailure(`${baseline - context.baseline} exports were left over by an earlier sequence`)
  }
  const real: RealSlot[] = makeRealWorld()

  const count = (name: string): void => {
    tally.set(name, (tally.get(name) ?? 0) + 1)
  }
  const model = new Model(lastExportId(), mutation, (event) => count(`event: ${event}`))
  /** Every handle borrow() returned, by index; `undefined` once dropped. */
  const handles: (Export | undefined)[] = []
  /** The same, weakly: failure reports name the dropped handles something still holds. */
  const weakHandles: WeakRef<Export>[] = []
  const dropBox = new DropBox()
  let pending: Pending[] = []
  const failures: string[] = []
  const trace: string[] = []
  const fail = (what: string): never => {
    throw new SequenceFailure(`${what}\n  sequence so far:\n${trace.map((line) => `    ${line}`).join('\n')}`)
  }
  const expect = (actual: Outcome, expected: Outcome, what: string): void => {
    if (key(actual) !== key(expected)) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`)
  }

  const arrayOf = (t: ArrayTarget): Float64Array => real[t.slot]!.views[model.generationOf(t)]![model.windowOf(t)]!
  /** The handle an index names (modulo the handles borrowed so far); `undefined` when there is none or it was dropped. */
  const handleAt = (index: number): { handle: Export; h: ModelHandle; k: number } | undefined => {
    if (handles.length === 0) return undefined
    const k = index === LAST_HANDLE ? handles.length - 1 : index % handles.length
    const handle = handles[k]
    return handle && { handle, h: model.handles[k]!, k }
  }
  const describe = (t: Target): string => {
    if (t.kind === 'array') return showArray(t, model.generationOf(t))
    const at = handleAt(t.handle)
    if (!at) return 'no handle'
    const { h } = at
    return `handle#${at.k} (${h.mode} ${showArray({ kind: 'array', slot: h.slot, window: h.window, old: false }, h.generation)}, generation ${h.generation})`
  }

  /** Contents of every buffer equal the model's (between operations: no write is in flight). */
  const checkContents = (step: string): void => {
    real.forEach((r, s) => {
      const slot = model.slots[s]!
      const actual = new Float64Array(r.buffer)
      if (actual.length !== slot.length) fail(`${step}: ${SLOTS[s]!.name} holds ${actual.length} elements, the model ${slot.length}`)
      for (let i = 0; i < actual.length; i++) {
        if (!Object.is(actual[i], slot.contents[i])) {
          fail(`${step}: ${SLOTS[s]!.name}[${i}] is ${actual[i]}, the model has ${slot.contents[i]}`)
        }
      }
    })
  }

  /** The ledger, every buffer's exports and every handle's flag, as the model says. */
  const check = (step: string): void => {
    if (failures.length > 0) fail(failures[0]!)
    // Dropped handles something still holds (for the failure report).
    const reachable = (): string =>
      weakHandles.flatMap((w, k) => (w.deref() && !handles[k] ? [`handle#${k}`] : [])).join(', ') || 'none'
    real.forEach((r, s) => {
      if (model.slots[s]!.length === 0) return
      const actual = JSON.stringify(exportsOf(new Uint8Array(r.buffer)))
      const expected = JSON.stringify(model.listing(s))
      if (actual !== expected) {
        fail(`${step}: exportsOf(${SLOTS[s]!.name}) is ${actual}, the model has ${expected}; dropped handles still reachable: ${reachable()}`)
      }
    })
    const live = liveExportCount() - baseline
    if (live !== model.live.length) {
      fail(`${step}: ${live} live exports, the model has ${model.live.length}; dropped handles still reachable: ${reachable()}`)
    }
    handles.forEach((handle, k) => {
      if (handle && handle.released !== model.handles[k]!.released) fail(`${step}: handle#${k}.released is ${handle.released}`)
    })
  }

  /** Starts an async call; `settle` does the model's bookkeeping when it settles (after the outcome is checked). */
  const startAsync = (
    label: string,
    call: (signal: AbortSignal) => Promise<unknown>,
    expected: Outcome,
    options: {
      running: boolean
      mem?: number
      preAborted: boolean
      keep: unknown
      settle?: (actual: Outcome, aborted: boolean) => void
    },
  ): void => {
    const controller = new AbortController()
    if (options.preAborted) controller.abort()
    let promise: unknown
    try {
      promise = call(controller.signal)
    } catch (error) {
      fail(`${label} threw synchronously instead of returning a promise: ${show(classify(error))}`)
    }
    if (!(promise instanceof Promise)) return fail(`${label} did not return a promise`)
    const p: Pending = {
      label,
      expected,
      running: options.running,
      mem: options.mem,
      settled: false,
      aborted: false,
      controller,
      done: Promise.resolve(),
      keep: options.keep,
    }
    // One step after the promise settles: the runner cannot run in between (see the spec's notes on timing).
    const settled = (actual: Outcome): void => {
      p.settled = true
      p.keep = undefined
      if (key(actual) !== key(p.expected)) failures.push(`${label}: expected ${show(p.expected)}, got ${show(actual)}`)
      try {
        options.settle?.(actual, p.aborted)
      } catch (error) {
        failures.push(`${label}: ${String(error)}`)
      }
    }
    p.done = promise.then(
      (value) => settled({ ok: true, value: typeof value === 'number' ? value : 'filled' }),
      (error: unknown) => settled(classify(error)),
    )
    pending.push(p)
  }

  const awaitPending = async (which: (p: Pending) => boolean): Promise<void> => {
    const waiting = pending.filter(which)
    await Promise.all(waiting.map((p) => p.done))
    pending = pending.filter((p) => !p.settled)
  }

  /** A sync or async sum/fill on an array or a handle. */
  const operate = (c: Extract<Command, { kind: 'sumSync' | 'fillSync' | 'sum' | 'fill' }>, label: string): Outcome | undefined => {
    const writes = c.kind === 'fillSync' || c.kind === 'fill'
    const need: Mode = writes ? 'write' : 'read'
    const async = c.kind === 'sum' || c.kind === 'fill'
    const value = writes ? (c as { value: number }).value : 0
    let slot: number
    let use: Outcome | Use
    let h: ModelHandle | undefined
    let input: Float64Array | Export
    if (c.target.kind === 'array') {
      slot = c.target.slot
      input = arrayOf(c.target)
      use = async && c.preAborted ? ABORTED : model.useArray(c.target, need, async)
    } else {
      const at = handleAt(c.target.handle)
      if (!at) return undefined
      h = at.h
      slot = h.slot
      input = at.handle
      use = async && c.preAborted ? ABORTED : model.useHandle(h, need, async)
    }
    const accepted = !('ok' in use)
    const range = accepted ? (use as Use) : undefined
    const expected: Outcome = range ? (writes ? { ok: true, value: 'filled' } : { ok: true, value: model.sum(slot, range.start, range.end) }) : (use as Outcome)

    if (!async) {
      if (range?.entry) model.drop(range.entry)
      if (range && writes) model.fill(slot, range.start, range.end, value)
      const actual = attempt(() => (writes ? (fillSync(input as Float64Array, value), 'filled') : sumSync(input as Float64Array)))
      expect(actual, expected, label)
      return actual
    }

    const running = range !== undefined && (range.end - range.start) * EL > INLINE_BYTES
    const mem = model.slots[slot]!.mem
    let settle: ((actual: Outcome, aborted: boolean) => void) | undefined
    if (range && !running) {
      // Inline: done within the call.
      if (range.entry) model.drop(range.entry)
      if (writes) model.fill(slot, range.start, range.end, value)
    } else if (range && running) {
      if (h) h.inFlight++
      const handleOf = h
      const buffer = real[slot]!.buffer
      settle = (actual, aborted) => {
        if (range.entry) model.drop(range.entry)
        if (handleOf) model.giveBack(handleOf)
        if (writes && actual.ok) model.fill(slot, range.start, range.end, value)
        if (writes && aborted) {
          count('event: an aborted pool fill left each element old or new')
          // An aborted write may have written all, part or none of its range: each element is old or new.
          const now = new Float64Array(buffer, range.start * EL, range.end - range.start)
          const before = model.slots[slot]!.contents
          for (let i = 0; i < now.length; i++) {
            const x = now[i]!
            if (x !== value && x !== before[range.start + i]) {
              throw new Error(`element ${range.start + i} is ${x}, neither the old ${before[range.start + i]} nor the new ${value}`)
            }
          }
          before.set(now, range.start)
        }
      }
    }
    const call = (signal: AbortSignal): Promise<unknown> =>
      writes ? fill(input as Float64Array, value, { signal }) : sum(input as Float64Array, { signal })
    startAsync(label, call, expected, {
      running,
      mem: running ? mem : undefined,
      preAborted: async && c.preAborted,
      keep: running ? input : undefined,
      settle,
    })
    return expected
  }

  /** A guarded buffer method: refused while exported, else what the engine does. */
  const guarded = (label: string, slot: number, run: () => void, onSuccess: () => void, engineRefuses?: Outcome): Outcome => {
    const refusal = model.guard(slot)
    const expected: Outcome = refusal ? { ok: false, guard: refusal } : (engineRefuses ?? { ok: true, value: 'done' })
    const actual = attempt(() => (run(), 'done'))
    expect(actual, expected, label)
    if (actual.ok) onSuccess()
    return actual
  }

  const unguardedTransfer = async (label: string, move: (buffer: ArrayBuffer) => ArrayBuffer): Promise<Outcome> => {
    // A detach while a pool operation reads engine memory is the documented residual risk: never generated. Let the
    // operations on this memory settle first.
    const mem = model.slots[PLAIN]!.mem
    await awaitPending((p) => p.running && p.mem === mem)
    check(`${label}, after the operations on the plain buffer settled`)
    const moved = move(real[PLAIN]!.buffer as ArrayBuffer)
    newGeneration(real[PLAIN]!, SLOTS[PLAIN]!, moved)
    // The memory moves to the new owner: exports still cover it.
    model.transferred(PLAIN, mutation === 'unguarded-transfer-moves-memory')
    return { ok: true, value: 'done' }
  }

  const releaseAll = (): void => {
    handles.forEach((handle, k) => {
      if (!handle) return
      model.release(model.handles[k]!)
      handle.release()
    })
  }

  /**
   * Runs a command that needs no waiting. A plain function, not part of the async runner: real handles live only in
   * its frame (and in `handles`), never in the runner's suspended state, where they would outlive a `drop`.
   */
  const step = (c: Command, label: string): { outcome?: Outcome; line?: string } => {
    switch (c.kind) {
      case 'borrow': {
        const line = `borrow(${describe(c.target)}, '${c.mode}')`
        const use = model.useArray(c.target, c.mode, false, 'handle')
        const expected: Outcome = 'ok' in use ? use : { ok: true, value: 'taken' }
        let handle: Export | undefined
        const outcome = attempt(() => ((handle = borrow(arrayOf(c.target), c.mode)), 'taken'))
        expect(outcome, expected, label)
        if (handle && !('ok' in use)) {
          handles.push(handle)
          weakHandles.push(new WeakRef(handle))
          model.handles.push({
            slot: c.target.slot,
            window: model.windowOf(c.target),
            generation: model.generationOf(c.target),
            mode: c.mode,
            entry: use.entry!,
            released: false,
            inFlight: 0,
            dropped: false,
            collected: false,
          })
        }
        return { outcome, line }
      }
      case 'borrowDropped': {
        const line = `borrowDropped(${describe(c.target)}, '${c.mode}')`
        const use = model.useArray(c.target, c.mode, false, 'dropped')
        const expected: Outcome = 'ok' in use ? use : { ok: true, value: 'taken' }
        const outcome = dropBox.borrowInto(arrayOf(c.target), c.mode)
        expect(outcome, expected, label)
        return { outcome, line }
      }
      case 'release': {
        const at = handleAt(c.handle)
        if (!at) return {}
        const line = `release(${describe({ kind: 'handle', handle: c.handle })})`
        model.release(at.h)
        const outcome = attempt(() => (at.handle.release(), 'done'))
        expect(outcome, { ok: true, value: 'done' }, label)
        return { outcome, line }
      }
      case 'drop': {
        const at = handleAt(c.handle)
        if (!at) return {}
        const line = `drop(${describe({ kind: 'handle', handle: c.handle })})${at.h.inFlight > 0 ? ' while an operation uses it' : ''}`
        if (at.h.inFlight > 0) count('event: a handle dropped while an operation uses it')
        at.h.dropped = true
        dropBox.take(handles, at.k, at.h)
        return { outcome: { ok: true, value: 'done' }, line }
      }
      case 'sumSync':
      case 'fillSync':
      case 'sum':
      case 'fill': {
        let line = `${c.kind}(${describe(c.target)}${'value' in c ? `, ${c.value}` : ''}${'preAborted' in c && c.preAborted ? ', aborted signal' : ''})`
        if (c.kind === 'sum' || c.kind === 'fill') line = `pending#${pending.length}: ${line}`
        return { outcome: operate(c, `${label.slice(0, label.indexOf(':'))}: ${line}`), line }
      }
      case 'exportsOf': {
        const line = `exportsOf(${describe(c.target)})`
        const range = model.rangeOf(c.target)
        if (range === undefined) return { line } // an empty array lists the exports around its position: not modelled
        const outcome = attempt(() => JSON.stringify(exportsOf(arrayOf(c.target))))
        const expected: Outcome =
          'start' in range ? { ok: true, value: JSON.stringify(model.listingOf(c.target.slot, range.start, range.end)) } : range
        expect(outcome, expected, label)
        return { outcome, line }
      }
      case 'abort': {
        if (pending.length === 0) return {}
        const p = pending[c.op % pending.length]!
        const line = `abort(${p.label})`
        if (p.running && !p.settled && !p.aborted) {
          if (mutation !== 'aborts-never-win') p.expected = ABORTED
          p.aborted = true
          count('abort: before settlement (wins)')
        } else {
          count(p.settled ? 'abort: after settlement' : p.running ? 'abort: again' : 'abort: of an inline or refused call')
        }
        p.controller.abort()
        return { line }
      }
      case 'resize': {
        const size = RESIZE_TO[c.size]!
        const buffer = real[c.slot]!.buffer as ArrayBuffer
        const line = `${SLOTS[c.slot]!.name}.resize(${size * EL})`
        const engine = c.slot === PLAIN ? refused('TypeError', null) : undefined
        const outcome = guarded(label, c.slot, () => thisRealm('resize').call(buffer, size * EL), () => model.resize(c.slot, size), engine)
        return { outcome, line }
      }
      case 'resizeUnguarded': {
        const size = RESIZE_TO[c.size]!
        unguarded.resize.call(real[RESIZABLE]!.buffer as ArrayBuffer, size * EL)
        model.resize(RESIZABLE, size)
        return { outcome: { ok: true, value: 'done' } }
      }
      case 'transfer': {
        if (c.slot === RESIZABLE) {
          const buffer = real[RESIZABLE]!.buffer as ArrayBuffer
          const length = SLOTS[RESIZABLE]!.initial
          let moved: ArrayBuffer | undefined
          const outcome = guarded(label, RESIZABLE, () => (moved = thisRealm('transfer').call(buffer, length * EL)), () => {
            newGeneration(real[RESIZABLE]!, SLOTS[RESIZABLE]!, moved!)
            model.resize(RESIZABLE, length)
            model.transferred(RESIZABLE, true)
          })
          return { outcome }
        }
        if (c.via !== 'structuredClone' && !capabilities.guardedTransfer) return {}
        const buffer = real[PLAIN]!.buffer as ArrayBuffer
        let moved: ArrayBuffer | undefined
        const run =
          c.via === 'structuredClone'
            ? () => (moved = structuredClone(buffer, { transfer: [buffer] }))
            : () => (moved = thisRealm(c.via as 'transfer' | 'transferToFixedLength').call(buffer))
        const outcome = guarded(label, PLAIN, run, () => {
          newGeneration(real[PLAIN]!, SLOTS[PLAIN]!, moved!)
          model.transferred(PLAIN, false)
        })
        return { outcome }
      }
      case 'grow': {
        const slot = model.slots[SHARED]!
        const length = Math.min(slot.spec.max, slot.length + GROW_BY[c.by]!)
        ;(real[SHARED]!.buffer as GrowableSharedArrayBuffer).grow(length * EL)
        model.resize(SHARED, length)
        return { outcome: { ok: true, value: 'done' }, line: `shared.grow(${length * EL})` }
      }
      default:
        throw new Error(`${c.kind} is not a synchronous command`)
    }
  }

  /** Runs a command that waits for the event loop. It touches buffers and pending calls, never a handle. */
  const stepAsync = async (c: Command, label: string): Promise<{ outcome?: Outcome; line?: string }> => {
    switch (c.kind) {
      case 'settle':
        await awaitPending(() => true)
        check(`${label}, after settling`)
        checkContents(`${label}, after settling`)
        return {}
      case 'turn':
        await turn()
        pending = pending.filter((p) => !p.settled)
        return {}
      case 'gc': {
        // First let calls that have settled (natively) finish their promise chains: until then their frames still hold
        // their arguments, and a dropped handle among them could not be collected.
        await turn()
        pending = pending.filter((p) => !p.settled)
        const collected = model.collect()
        dropBox.letGo()
        const rounds = await collectUntil(() => baseline + model.live.length)
        pending = pending.filter((p) => !p.settled)
        count(collected > 0 ? 'gc: collected handles' : 'gc: nothing to collect')
        if (collected > 0) count(`gc: collections needed: ${rounds > COLLECTIONS ? 'more than ' + COLLECTIONS : rounds}`)
        return { line: `gc${collected > 0 ? ` (${rounds} collection${rounds === 1 ? '' : 's'})` : ''}` }
      }
      case 'transferUnguarded': {
        const transfer = unguarded.transfer
        if (!transfer) return {}
        return { outcome: await unguardedTransfer(label, (b) => transfer.call(b)) }
      }
      default:
        throw new Error(`${c.kind} is not an asynchronous command`)
    }
  }

  const waits = (c: Command): boolean =>
    c.kind === 'settle' ||
    c.kind === 'turn' ||
    c.kind === 'gc' ||
    c.kind === 'transferUnguarded'

  try {
    for (const [i, c] of commands.entries()) {
      const label = `step ${i}: ${showCommand(c)}`
      const { outcome, line } = waits(c) ? await stepAsync(c, label) : step(c, label)
      trace.push(`${i}: ${line ?? showCommand(c)}${outcome ? ` -> ${show(outcome)}` : ''}`)
      if (outcome) {
        const on = 'target' in c ? ` on ${c.target.kind === 'array' ? SLOTS[c.target.slot]!.kind : 'handle'}` : 'slot' in c ? ` of ${SLOTS[c.slot]!.kind}` : ''
        count(`${c.kind}${on}: ${category(outcome)}`)
      }
      check(label)
    }

    // Wind down: every operation settles, every handle is released, dropped handles are collected.
    await awaitPending(() => true)
    check('after settling everything')
    checkContents('after settling everything')
    releaseAll()
    check('after releasing every handle')
    pending = []
    await turn()
    model.collect()
    dropBox.clear()
    await collectUntil(() => baseline)
    check('after collecting dropped handles')
    if (model.live.length !== 0) fail(`the model still has ${model.live.length} live exports`)
    if (liveExportCount() !== baseline) fail(`${liveExportCount() - baseline} exports left after the sequence`)
  } finally {
    // Whatever happened, leave the ledger clean for the next sequence.
    await Promise.allSettled(pending.map((p) => p.done))
    for (const handle of handles) handle?.release()
    dropBox.clear()
    await turn()
    await collectUntil(() => context.baseline)
  }
}

export { SequenceFailure }
