// The commands of a hazard sequence, their generators, and how they print. Indices (window, handle, pending operation,
// size) are taken modulo what exists when the command runs, so any generated list is runnable and shrinks freely.
import fc from 'fast-check'

import type { Mode } from 'parabuf'

import { GROW_BY, PLAIN, RESIZABLE, RESIZE_TO, SHARED, SLOTS } from './world.js'

/** A handle index naming the handle borrowed last. */
export const LAST_HANDLE = -1

/** An array argument: window `window` of slot `slot`, of the current buffer or (`old`) of the one before a transfer. */
export interface ArrayTarget {
  readonly kind: 'array'
  readonly slot: number
  readonly window: number
  readonly old: boolean
}
/**
 * A handle argument: the `handle`-th handle borrow() returned in this sequence (released ones included), modulo their
 * number, or the last one.
 */
export interface HandleTarget {
  readonly kind: 'handle'
  readonly handle: number
}
export type Target = ArrayTarget | HandleTarget

export type TransferVia = 'transfer' | 'transferToFixedLength' | 'structuredClone'

export type Command =
  | { readonly kind: 'borrow'; readonly target: ArrayTarget; readonly mode: Mode }
  /** borrow() and drop the handle: it stays reachable until the next `gc`, which must end its export. */
  | { readonly kind: 'borrowDropped'; readonly target: ArrayTarget; readonly mode: Mode }
  | { readonly kind: 'release'; readonly handle: number }
  /** Forget a handle without release(): the next `gc` must end its export (once no operation in flight holds it). */
  | { readonly kind: 'drop'; readonly handle: number }
  | { readonly kind: 'sumSync'; readonly target: Target }
  | { readonly kind: 'fillSync'; readonly target: Target; readonly value: number }
  | { readonly kind: 'sum'; readonly target: Target; readonly preAborted: boolean }
  | { readonly kind: 'fill'; readonly target: Target; readonly value: number; readonly preAborted: boolean }
  | { readonly kind: 'exportsOf'; readonly target: ArrayTarget }
  /** Aborts the `op`-th pending asynchronous call. */
  | { readonly kind: 'abort'; readonly op: number }
  /** Awaits every pending asynchronous call. */
  | { readonly kind: 'settle' }
  /** Lets the event loop turn once: some pool operations may settle, others not. */
  | { readonly kind: 'turn' }
  | { readonly kind: 'gc' }
  /** This realm's (guarded) resize(), on the plain buffer (not resizable) or the resizable one. */
  | { readonly kind: 'resize'; readonly slot: number; readonly size: number }
  /** Another realm's (unguarded) resize() of the resizable buffer. */
  | { readonly kind: 'resizeUnguarded'; readonly size: number }
  /**
   * A guarded transfer of the plain buffer (transfer(), transferToFixedLength() or a structuredClone transfer list) or
   * of the resizable one (transfer() to its initial length, whatever `via` says).
   */
  | { readonly kind: 'transfer'; readonly slot: number; readonly via: TransferVia }
  /** Another realm's (unguarded) transfer() of the plain buffer: detaches it whatever its exports. */
  | { readonly kind: 'transferUnguarded' }
  | { readonly kind: 'grow'; readonly by: number }

// The plain and resizable buffers are picked most often: they are where transfers and resizes meet exports.
const slotIndex = fc.constantFrom(PLAIN, PLAIN, RESIZABLE, RESIZABLE, SHARED, SHARED)
const windowIndex = fc.nat({ max: 15 })
/** A handle index, or {@link LAST_HANDLE} (often: commands then meet the handle just taken). */
const handleIndex = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 63 }) }, { weight: 2, arbitrary: fc.constant(LAST_HANDLE) })
const old = fc.nat({ max: 5 }).map((n) => n === 0)
const mode = fc.constantFrom<Mode>('read', 'write')
const fillValue = fc.integer({ min: -9, max: 9 })
const preAborted = fc.nat({ max: 9 }).map((n) => n === 0)

const arrayTarget: fc.Arbitrary<ArrayTarget> = fc.record({
  kind: fc.constant('array' as const),
  slot: slotIndex,
  window: windowIndex,
  old,
})
const handleTarget: fc.Arbitrary<HandleTarget> = fc.record({ kind: fc.constant('handle' as const), handle: handleIndex })
const target: fc.Arbitrary<Target> = fc.oneof(arrayTarget, handleTarget)

export const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('borrow' as const), target: arrayTarget, mode }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('borrowDropped' as const), target: arrayTarget, mode }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), handle: handleIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), handle: handleIndex }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sumSync' as const), target }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fillSync' as const), target, value: fillValue }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sum' as const), target, preAborted }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fill' as const), target, value: fillValue, preAborted }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('exportsOf' as const), target: arrayTarget }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('abort' as const), op: fc.nat({ max: 15 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('turn' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gc' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('resize' as const),
      slot: fc.constantFrom(RESIZABLE, RESIZABLE, RESIZABLE, PLAIN),
      size: fc.nat({ max: RESIZE_TO.length - 1 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resizeUnguarded' as const), size: fc.nat({ max: RESIZE_TO.length - 1 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('transfer' as const),
      slot: fc.constantFrom(PLAIN, RESIZABLE),
      via: fc.constantFrom<TransferVia>('transfer', 'transferToFixedLength', 'structuredClone'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('transferUnguarded' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('grow' as const), by: fc.nat({ max: GROW_BY.length - 1 }) }) },
)

/** A readable name for an array target (after the modulo). */
export function showArray(t: ArrayTarget, generation: number): string {
  const spec = SLOTS[t.slot]!
  const w = spec.windows[t.window % spec.windows.length]!
  const extent = w.length === undefined ? `[${w.start}..)` : `[${w.start}, ${w.start + w.length})`
  return `${spec.name}[${w.name} ${extent}]${t.old ? ` of generation ${generation}` : ''}`
}

/** A readable line for a command, as generated (indices before the modulo). */
export function showCommand(c: Command): string {
  const handle = (k: number): string => (k === LAST_HANDLE ? 'handle#last' : `handle#${k}`)
  const target = (t: Target): string =>
    t.kind === 'handle' ? handle(t.handle) : `${SLOTS[t.slot]!.name}.window${t.window}${t.old ? '(old)' : ''}`
  switch (c.kind) {
    case 'borrow':
    case 'borrowDropped':
      return `${c.kind}(${target(c.target)}, '${c.mode}')`
    case 'release':
    case 'drop':
      return `${c.kind}(${handle(c.handle)})`
    case 'sumSync':
      return `sumSync(${target(c.target)})`
    case 'fillSync':
      return `fillSync(${target(c.target)}, ${c.value})`
    case 'sum':
      return `sum(${target(c.target)}${c.preAborted ? ', aborted signal' : ''})`
    case 'fill':
      return `fill(${target(c.target)}, ${c.value}${c.preAborted ? ', aborted signal' : ''})`
    case 'exportsOf':
      return `exportsOf(${target(c.target)})`
    case 'abort':
      return `abort(pending#${c.op})`
    case 'resize':
      return `${SLOTS[c.slot]!.name}.resize(${RESIZE_TO[c.size]! * 8})`
    case 'resizeUnguarded':
      return `otherRealm.resize.call(resizable, ${RESIZE_TO[c.size]! * 8})`
    case 'transfer':
      if (c.slot === RESIZABLE) return `resizable.transfer(${SLOTS[RESIZABLE]!.initial * 8})`
      return c.via === 'structuredClone' ? 'structuredClone(plain, { transfer: [plain] })' : `plain.${c.via}()`
    case 'transferUnguarded':
      return 'otherRealm.transfer.call(plain)'
    case 'grow':
      return `shared.grow(+${GROW_BY[c.by]! * 8})`
    default:
      return c.kind
  }
}
