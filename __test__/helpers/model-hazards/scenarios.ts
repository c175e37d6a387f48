// Hand-written sequences run before the random ones (fast-check `examples`): each walks through one hazard end to end,
// so every rule of the model is exercised on every run, whatever the random generator happens to draw. They are
// checked by the same runner against the same model: no outcome is written here.
import type { Mode } from 'parabuf'

import { type ArrayTarget, type Command, LAST_HANDLE, type Target } from './commands.js'
import { PLAIN, RESIZABLE, SHARED } from './world.js'

const on = (slot: number, window: number, old = false): ArrayTarget => ({ kind: 'array', slot, window, old })
const handle = (k: number): Target => ({ kind: 'handle', handle: k })
const last = handle(LAST_HANDLE)
const borrowing = (target: ArrayTarget, mode: Mode): Command => ({ kind: 'borrow', target, mode })

// Window indices (world.ts): plain 0 whole, 1 first half, 3 middle, 4 small, 6 empty at 0; resizable 0 whole, 2 second
// half, 3 middle, 5 empty at the half (fixed), 6 tracking from 0, 7 tracking from the half; shared 0 whole, 6 tracking
// from 0, 7 tracking from the half. RESIZE_TO: 1 -> 8, 3 -> 256, 5 -> 512, 6 -> 768 elements; GROW_BY: 2 -> 8192.

export const SCENARIOS: readonly (readonly Command[])[] = [
  // An unguarded transfer detaches every array and handle of the plain buffer, but its memory (and the exports on it)
  // moves to the new owner: the new arrays conflict with the old write handle, the guards refuse, exportsOf lists it.
  [
    borrowing(on(PLAIN, 1), 'write'),
    { kind: 'transferUnguarded' },
    { kind: 'sumSync', target: last },
    { kind: 'fillSync', target: on(PLAIN, 1, true), value: 2 },
    { kind: 'sum', target: on(PLAIN, 4, true), preAborted: false },
    borrowing(on(PLAIN, 6, true), 'read'),
    borrowing(on(PLAIN, 0), 'read'),
    { kind: 'sum', target: on(PLAIN, 3), preAborted: false },
    { kind: 'transfer', slot: PLAIN, via: 'transfer' },
    { kind: 'transfer', slot: PLAIN, via: 'structuredClone' },
    { kind: 'exportsOf', target: on(PLAIN, 0) },
    { kind: 'release', handle: 0 },
    { kind: 'transfer', slot: PLAIN, via: 'transferToFixedLength' },
    { kind: 'sumSync', target: on(PLAIN, 0) },
    { kind: 'settle' },
  ],
  // Resizable buffer: the guard refuses while exported (up to maxByteLength), resize() of the plain buffer is the
  // engine's TypeError; async calls refuse it, through handles too; another realm's resize() shrinks it under a
  // length-tracking handle (detached) and a fixed-length one (out of bounds), grows it back (in bounds again, zeros,
  // the tracking handle used over its export's bytes only); an empty export does not pin the size; a guarded
  // transfer() starts a new generation.
  [
    borrowing(on(RESIZABLE, 6), 'read'),
    borrowing(on(RESIZABLE, 3), 'read'),
    { kind: 'resize', slot: RESIZABLE, size: 6 },
    { kind: 'transfer', slot: RESIZABLE, via: 'transfer' },
    { kind: 'resize', slot: PLAIN, size: 3 },
    { kind: 'sum', target: handle(0), preAborted: false },
    { kind: 'fill', target: on(RESIZABLE, 0), value: 1, preAborted: false },
    { kind: 'resizeUnguarded', size: 3 },
    { kind: 'sumSync', target: handle(0) },
    { kind: 'sumSync', target: handle(1) },
    { kind: 'fillSync', target: on(RESIZABLE, 2), value: 4 },
    { kind: 'sum', target: on(RESIZABLE, 2), preAborted: false },
    borrowing(on(RESIZABLE, 0), 'read'),
    { kind: 'exportsOf', target: on(RESIZABLE, 3) },
    borrowing(on(RESIZABLE, 7), 'write'),
    { kind: 'resizeUnguarded', size: 6 },
    { kind: 'sumSync', target: handle(1) },
    { kind: 'sumSync', target: handle(0) },
    { kind: 'fillSync', target: handle(0), value: 1 },
    { kind: 'release', handle: 0 },
    { kind: 'release', handle: 1 },
    borrowing(on(RESIZABLE, 7), 'write'),
    { kind: 'fillSync', target: last, value: 3 },
    { kind: 'sumSync', target: on(RESIZABLE, 6) },
    { kind: 'release', handle: LAST_HANDLE },
    { kind: 'resize', slot: RESIZABLE, size: 5 },
    { kind: 'transfer', slot: RESIZABLE, via: 'transfer' },
    { kind: 'sumSync', target: handle(2) },
    { kind: 'sumSync', target: on(RESIZABLE, 0, true) },
    { kind: 'sumSync', target: on(RESIZABLE, 0) },
  ],
  // Growable shared buffer: a length-tracking write handle keeps its export's bytes as the buffer grows; an async fill
  // through it runs on the pool while the handle is dropped and the collector runs; an abort before settlement wins, an
  // aborted fill leaves old or new values; a dropped handle pins the plain buffer until collected.
  [
    borrowing(on(SHARED, 7), 'write'),
    { kind: 'grow', by: 2 },
    { kind: 'fill', target: last, value: 5, preAborted: false },
    { kind: 'sumSync', target: last },
    { kind: 'drop', handle: LAST_HANDLE },
    { kind: 'gc' },
    { kind: 'settle' },
    { kind: 'gc' },
    { kind: 'sum', target: on(SHARED, 6), preAborted: false },
    { kind: 'abort', op: 0 },
    { kind: 'settle' },
    { kind: 'fill', target: on(SHARED, 0), value: 7, preAborted: false },
    { kind: 'abort', op: 0 },
    { kind: 'settle' },
    { kind: 'sumSync', target: on(SHARED, 6) },
    { kind: 'borrowDropped', target: on(PLAIN, 4), mode: 'write' },
    { kind: 'transfer', slot: PLAIN, via: 'transfer' },
    { kind: 'gc' },
    { kind: 'transfer', slot: PLAIN, via: 'transfer' },
  ],
  // A write handle's export is lent to one pool operation at a time; release() while it runs is deferred (the handle
  // refuses use at once, the bytes stay exported until it settles); a signal aborted before the call wins.
  [
    borrowing(on(PLAIN, 1), 'write'),
    { kind: 'sum', target: last, preAborted: false },
    { kind: 'sumSync', target: last },
    { kind: 'fill', target: last, value: 1, preAborted: false },
    { kind: 'release', handle: LAST_HANDLE },
    { kind: 'fillSync', target: last, value: 1 },
    borrowing(on(PLAIN, 4), 'read'),
    { kind: 'transfer', slot: PLAIN, via: 'transfer' },
    { kind: 'settle' },
    { kind: 'sum', target: on(PLAIN, 0), preAborted: true },
    { kind: 'fill', target: on(RESIZABLE, 0), value: 1, preAborted: true },
    { kind: 'fill', target: on(SHARED, 0), value: 3, preAborted: true },
    borrowing(on(PLAIN, 1), 'read'),
  ],
  // An empty export handle over a fixed-length view that a shrink left out of bounds: refused like the array itself.
  [
    borrowing(on(RESIZABLE, 5), 'read'),
    { kind: 'resizeUnguarded', size: 1 },
    { kind: 'sumSync', target: on(RESIZABLE, 5) },
    { kind: 'sumSync', target: last },
    { kind: 'sum', target: last, preAborted: false },
  ],
  // The plainest outcomes, so that they too are reached whatever the random draw: an asynchronous call refused on a
  // resizable buffer, a fill of plain memory that settles.
  [
    { kind: 'sum', target: on(RESIZABLE, 0), preAborted: false },
    { kind: 'fill', target: on(PLAIN, 4), value: 2, preAborted: false },
    { kind: 'settle' },
  ],
]
