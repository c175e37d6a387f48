// What JavaScript can do to memory behind parabuf's back, and how parabuf answers: detached buffers, buffers transferred
// while exported or while an operation runs, resizable buffers, the resize()/transfer() guards (and their limit: methods
// captured before parabuf loaded), Node's pooled Buffers, and plain JavaScript writes, which exports cannot stop.
import { detachUnguarded } from './helpers/unguarded.js' // first: it must load before parabuf

import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { MessageChannel } from 'node:worker_threads'

import test from 'ava'

import { borrow, BorrowError, exportsOf, fill, fillSync, liveExportCount, sum, sumSync } from 'parabuf'

import {
  INLINE_BYTES,
  ledgerBaseline,
  rejectsError,
  throwsConflict,
  throwsError,
  turn,
  typeError,
} from './helpers/ledger.js'

const detached = (message?: RegExp) => typeError('ERR_PARABUF_DETACHED', message)

// ES2024 resizable and growable buffers, typed locally (the project's TypeScript lib is ES2023).
type ResizableArrayBuffer = ArrayBuffer & { resize(byteLength: number): void; readonly resizable: boolean }
const ResizableArrayBuffer = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ResizableArrayBuffer
type GrowableSharedArrayBuffer = SharedArrayBuffer & { grow(byteLength: number): void }
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as new (
  length: number,
  options: { maxByteLength: number },
) => GrowableSharedArrayBuffer

/** Detaches `buffer` whatever its exports, as code can that captured structuredClone before parabuf loaded. */
const detach = detachUnguarded

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    globalThis.gc!()
    await turn()
  }
}

test.serial('a detached array is refused: sync throws, borrow throws, exportsOf throws, async rejects', async (t) => {
  const ledger = ledgerBaseline(t)
  const arrays = [
    Float64Array.from([1, 2, 3]),
    new Int32Array(1024).subarray(10, 20),
    Buffer.alloc(64, 1),
    new BigInt64Array(4),
  ]
  for (const array of arrays) {
    const moved = detach(array.buffer)
    t.is(moved.byteLength > 0, true)
    t.is(array.length, 0)
    throwsError(t, () => sumSync(array), detached(/^sum\(\) argument is detached: its memory was transferred or freed$/))
    throwsError(t, () => borrow(array, 'read'), detached(/^borrow\(\) argument is detached/))
    throwsError(t, () => borrow(array, 'write'), detached())
    throwsError(t, () => exportsOf(array), detached(/^exportsOf\(\) argument is detached/))
    await rejectsError(t, () => sum(array), detached(/^sum\(\) argument is detached/))
    ledger.clean()
  }
})

test.serial('a handle whose buffer was transferred after borrow() is refused; its export still covers the moved memory', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = new Float64Array(128).fill(2)
  const w = borrow(a, 'write')
  const moved = new Float64Array(detach(a.buffer))
  t.is(moved.length, 128)

  throwsError(t, () => sumSync(w), detached(/^sum\(\) argument is detached/))
  await rejectsError(t, () => sum(w), detached())
  // The ledger tracks memory, not objects: the transferred bytes are still under the write export.
  throwsConflict(t, () => borrow(moved, 'read'), {
    requested: 'read',
    requestedBytes: 1024,
    blocking: 'write',
    blockingBytes: 1024,
    blockingOffset: 0,
  })
  t.false(w.released)
  t.is(liveExportCount(), ledger.baseline + 1)
  w.release()
  ledger.clean()
  t.is(sumSync(moved), 256)
})

test.serial('a handle whose moved memory was garbage-collected is refused instead of read', async (t) => {
  const ledger = ledgerBaseline(t)
  // Large enough to live in its own mapping, which is unmapped when freed: reading it afterwards would crash.
  const a = new Float64Array(1 << 21).fill(1)
  const r = borrow(a, 'read')
  detach(a.buffer)
  await collectGarbage()
  throwsError(t, () => sumSync(r), detached())
  await rejectsError(t, () => sum(r), detached())
  r.release()
  ledger.clean()
})

test.serial('a buffer transferred while an async sum runs: the promise rejects with ERR_PARABUF_DETACHED', async (t) => {
  const ledger = ledgerBaseline(t)
  const big = new Float64Array(2e7).fill(1)
  t.true(big.byteLength > INLINE_BYTES)
  const running = sum(big)
  t.is(liveExportCount(), ledger.baseline + 1)
  // The clone now owns the memory the kernel reads: keep it referenced until the promise settles.
  const clone = detach(big.buffer)
  await rejectsError(t, () => running, detached(/^an array passed to sum\(\) while it ran is detached/))
  t.is(clone.byteLength, 2e7 * 8)
  ledger.clean()

  // Through a handle: the operation's result is refused, the handle keeps its export until released.
  const again = new Float64Array(2e6).fill(1)
  const r = borrow(again, 'read')
  const viaHandle = sum(r)
  const clone2 = detach(again.buffer)
  await rejectsError(t, () => viaHandle, detached(/^an array passed to sum\(\) while it ran is detached/))
  t.is(liveExportCount(), ledger.baseline + 1)
  throwsError(t, () => sumSync(r), detached())
  r.release()
  t.is(clone2.byteLength, 2e6 * 8)
  ledger.clean()
})

test.serial('resizable ArrayBuffer: accepted by sumSync, refused by sum (ERR_PARABUF_RESIZABLE), even through a handle', async (t) => {
  const ledger = ledgerBaseline(t)
  const rab = new ResizableArrayBuffer(64, { maxByteLength: 256 })
  const tracking = new Float64Array(rab).fill(3) // length-tracking
  const fixed = new Float64Array(rab, 8, 2)
  const resizableMessage = /^sum\(\) cannot run off the JavaScript thread on a resizable ArrayBuffer/
  t.is(sumSync(tracking), 24)
  t.is(sumSync(fixed), 6)
  await rejectsError(t, () => sum(tracking), typeError('ERR_PARABUF_RESIZABLE', resizableMessage))
  await rejectsError(t, () => sum(fixed), typeError('ERR_PARABUF_RESIZABLE', resizableMessage))
  const r = borrow(tracking, 'read')
  t.is(sumSync(r), 24)
  await rejectsError(t, () => sum(r), typeError('ERR_PARABUF_RESIZABLE', resizableMessage))
  r.release()
  ledger.clean()

  // Growable SharedArrayBuffers never shrink or move, so async operations accept them.
  const gsab = new GrowableSharedArrayBuffer(32, { maxByteLength: 64 })
  const shared = new Float64Array(gsab).fill(1)
  t.is(await sum(shared), 4)
  gsab.grow(64)
  t.is(shared.length, 8)
  t.is(await sum(shared), 4)
  ledger.clean()
})

test.serial('while an export is live, resize() throws BorrowError and leaves the buffer unchanged; after release it works', (t) => {
  const ledger = ledgerBaseline(t)
  const rab = new ResizableArrayBuffer(64, { maxByteLength: 256 })
  const tracking = new Float64Array(rab).fill(1)
  const r = borrow(new Float64Array(rab, 16, 2), 'read')
  for (const size of [8, 128, 64]) {
    throwsError(t, () => rab.resize(size), {
      instanceOf: BorrowError,
      name: 'BorrowError',
      code: 'ERR_PARABUF_BORROWED',
      message: /^cannot resize\(\) an ArrayBuffer with live exports: a 'read' export holds bytes 16\.\.32 \(1 live export\)$/,
    })
    t.is(rab.byteLength, 64)
    t.is(tracking.length, 8)
    t.is(sumSync(tracking), 8)
  }
  // Any view's export counts, a Buffer's included.
  const w = borrow(Buffer.from(rab, 40, 8), 'write')
  throwsError(t, () => rab.resize(8), {
    instanceOf: BorrowError,
    name: 'BorrowError',
    code: 'ERR_PARABUF_BORROWED',
    message: /^cannot resize\(\) an ArrayBuffer with live exports: a 'read' export holds bytes 16\.\.32 \(2 live exports\)$/,
  })
  r.release()
  throwsError(t, () => rab.resize(8), {
    instanceOf: BorrowError,
    name: 'BorrowError',
    code: 'ERR_PARABUF_BORROWED',
    message: /a 'write' export holds bytes 40\.\.48 \(1 live export\)$/,
  })
  w.release()
  ledger.clean()

  rab.resize(128)
  t.is(tracking.length, 16)
  rab.resize(16)
  t.is(tracking.length, 2)
  t.is(sumSync(tracking), 2)

  // An empty export holds no byte, so it does not pin the buffer's size.
  const empty = borrow(new Float64Array(rab, 8, 0), 'write')
  t.notThrows(() => rab.resize(32))
  t.is(rab.byteLength, 32)
  empty.release()
  ledger.clean()
})

test.serial('transfer() and transferToFixedLength() refuse while exported (child process with the methods enabled)', (t) => {
  // Node 20 ships the methods behind a V8 flag; newer Node has them unflagged.
  const flags = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function' ? [] : ['--harmony-rab-gsab-transfer']
  const script = join(process.cwd(), '__test__', 'helpers', 'buffer-methods-child.mjs')
  const output = execFileSync(process.execPath, [...flags, script], { encoding: 'utf8' })
  const report = JSON.parse(output)
  t.true(report.available)
  for (const name of ['transfer', 'transferToFixedLength']) {
    t.deepEqual(report.guarded[name], {
      refused: {
        threw: true,
        borrowError: true,
        name: 'BorrowError',
        code: 'ERR_PARABUF_BORROWED',
        message: `cannot ${name}() an ArrayBuffer with live exports: a 'read' export holds bytes 16..32 (1 live export)`,
      },
      unchanged: { byteLength: 64, sum: 8 },
      allowed: { threw: false, byteLength: 64 },
      detachedAfter: true,
      liveExports: 0,
    })
  }
  t.like(report.guarded.resizableTransfer, { threw: true, borrowError: true, code: 'ERR_PARABUF_BORROWED' })
  t.true(report.guarded.resizableStillAttached)
  // The documented limit: methods captured before parabuf loaded are not guarded.
  t.deepEqual(report.cachedBypass, {
    resize: { threw: false },
    byteLengthAfterResize: 8,
    transfer: { threw: false, byteLength: 8 },
    detachedAfterTransfer: true,
  })
  t.is(report.liveExportsAtEnd, 0)
})

test.serial("small pooled Buffers share one ArrayBuffer: write exports of two of them coexist", (t) => {
  const ledger = ledgerBaseline(t)
  const x = Buffer.from([1, 2, 3])
  const y = Buffer.from([4, 5, 6, 7])
  t.is(x.buffer, y.buffer, 'both come from the same pool')
  t.not(x.byteOffset, y.byteOffset)
  const wx = borrow(x, 'write')
  const wy = borrow(y, 'write')
  t.is(sumSync(wx), 6)
  t.is(sumSync(wy), 22)
  const z = Buffer.from([8, 9])
  t.is(z.buffer, x.buffer)
  t.is(sumSync(z), 17, 'operations on other bytes of the pool are not blocked')
  t.deepEqual(
    exportsOf(x).map(({ mode, byteOffset, byteLength }) => ({ mode, byteOffset, byteLength })),
    [{ mode: 'write', byteOffset: x.byteOffset, byteLength: 3 }],
  )
  // The pool itself, seen whole, overlaps both.
  const pool = new Uint8Array(x.buffer)
  t.deepEqual(
    exportsOf(pool).map(({ byteOffset }) => byteOffset),
    [x.byteOffset, y.byteOffset],
  )
  throwsConflict(t, () => sumSync(pool), {
    requested: 'read',
    requestedBytes: pool.byteLength,
    blocking: 'write',
    blockingBytes: 3,
    blockingOffset: x.byteOffset,
  })
  wx.release()
  wy.release()
  t.is(sumSync(x), 6)
  t.is(sumSync(y), 22)
  ledger.clean()
})

test.serial('plain JavaScript writes are not stopped by exports (documented limit)', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = new Float64Array(4).fill(1)
  const r = borrow(a, 'read')
  a[0] = 10 // parabuf never sees this store
  t.is(sumSync(r), 13)
  const w = borrow(new Float64Array(8), 'write')
  ;(w.array as Float64Array).fill(2)
  t.is(await sum(w), 16)
  r.release()
  w.release()
  ledger.clean()
})

// `resize` from another realm: the guard on this realm's prototype never sees it, as a hostile script would use it.
const foreignResize = runInNewContext('ArrayBuffer.prototype.resize') as (this: ArrayBuffer, byteLength: number) => void
const outOfBounds = (message?: RegExp) => typeError('ERR_PARABUF_OUT_OF_BOUNDS', message)

test.serial('a fixed-length view past the end of its shrunk buffer is out of bounds for every operation, as for the built-ins', async (t) => {
  const ledger = ledgerBaseline(t)
  const rab = new ResizableArrayBuffer(64, { maxByteLength: 256 })
  const fixed = new Float64Array(rab, 16, 4).fill(5)
  rab.resize(24)
  t.is(fixed.length, 0)
  t.throws(() => fixed.includes(0), { instanceOf: TypeError })
  throwsError(t, () => sumSync(fixed), outOfBounds(/^sum\(\) argument is out of bounds: its resizable ArrayBuffer shrank/))
  throwsError(t, () => fillSync(fixed, 1), outOfBounds())
  throwsError(t, () => borrow(fixed, 'write'), outOfBounds(/^borrow\(\) argument is out of bounds/))
  throwsError(t, () => exportsOf(fixed), outOfBounds())
  await rejectsError(t, () => sum(fixed), outOfBounds())
  await rejectsError(t, () => fill(fixed, 1), outOfBounds())
  // Back in bounds, it is an ordinary view again: the bytes the buffer kept hold 5, the engine zeroed the others.
  rab.resize(64)
  t.deepEqual([...fixed], [5, 0, 0, 0])
  t.is(sumSync(fixed), 5)
  // A genuinely empty view of a resizable buffer is not out of bounds.
  t.is(sumSync(new Float64Array(rab, 64, 0)), 0)
  ledger.clean()
})

test.serial('a handle whose buffer shrank under it through another realm is refused at its next use, never read', async (t) => {
  const ledger = ledgerBaseline(t)
  const rab = new ResizableArrayBuffer(64, { maxByteLength: 256 })
  const fixed = new Float64Array(rab, 16, 4).fill(5)
  const tracking = new Float64Array(rab).fill(1)
  const f = borrow(fixed, 'read')
  const w = borrow(tracking, 'read') // length-tracking: it shrinks with the buffer, below its export
  foreignResize.call(rab, 8)
  t.is(tracking.length, 1)
  throwsError(t, () => sumSync(f), outOfBounds())
  throwsError(t, () => sumSync(w), detached(/^sum\(\) argument \(an export handle's array\) is detached/))
  await rejectsError(t, () => sum(f), outOfBounds())
  f.release()
  w.release()
  ledger.clean()
})

test.serial('the guards brand-check their receiver natively: own byteLength, a null prototype or a foreign prototype change nothing', (t) => {
  const ledger = ledgerBaseline(t)
  const rab = new ResizableArrayBuffer(64, { maxByteLength: 256 })
  const r = borrow(new Float64Array(rab, 16, 2), 'read')
  const refused = {
    instanceOf: BorrowError,
    code: 'ERR_PARABUF_BORROWED',
    message: "cannot resize() an ArrayBuffer with live exports: a 'read' export holds bytes 16..32 (1 live export)",
  }
  const resize = (ArrayBuffer.prototype as unknown as { resize: (this: unknown, n: number) => void }).resize
  Object.defineProperty(rab, 'byteLength', { value: 0 })
  t.throws(() => resize.call(rab, 8), refused)
  Object.setPrototypeOf(rab, null)
  t.throws(() => resize.call(rab, 8), refused)
  Object.setPrototypeOf(rab, runInNewContext('ArrayBuffer.prototype') as object)
  t.throws(() => resize.call(rab, 8), refused)
  t.is(new Float64Array(rab).length, 8, 'the buffer kept its size')
  // Look-alikes are not buffers: the original method refuses them itself.
  t.throws(() => resize.call({ byteLength: 64, resizable: true }, 8), { instanceOf: TypeError })
  t.throws(() => resize.call(new Proxy(rab, {}), 8), { instanceOf: TypeError })
  r.release()
  resize.call(rab, 8)
  t.is(new Float64Array(rab).length, 1)
  ledger.clean()
})

test.serial('the binding captures the built-ins it reads internal slots with when it loads: nothing replaces them later', async (t) => {
  const binding = (createRequire(import.meta.url)(join(import.meta.dirname, '..', 'dist', 'native.js')) as { native: object }).native
  t.deepEqual(
    Object.keys(binding).filter((name) => /intrinsic|capture/i.test(name)),
    [],
    'the binding exports no way to hand it other built-ins',
  )
  // Replaced after load, the built-ins change nothing parabuf decides.
  const typedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object
  const saved = [
    [ArrayBuffer.prototype, 'resizable', Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')!],
    [typedArrayPrototype, 'includes', Object.getOwnPropertyDescriptor(typedArrayPrototype, 'includes')!],
  ] as const
  try {
    Object.defineProperty(ArrayBuffer.prototype, 'resizable', { get: () => false, configurable: true })
    Object.defineProperty(typedArrayPrototype, 'includes', { value: () => false, configurable: true, writable: true })
    const rab = new ResizableArrayBuffer(64, { maxByteLength: 128 })
    await rejectsError(t, () => sum(new Float64Array(rab)), typeError('ERR_PARABUF_RESIZABLE'))
    const fixed = new Float64Array(rab, 32, 4)
    rab.resize(16)
    throwsError(t, () => sumSync(fixed), outOfBounds())
  } finally {
    for (const [target, key, descriptor] of saved) Object.defineProperty(target, key, descriptor)
  }
})

test.serial('transfer lists refuse buffers with live exports: structuredClone() and postMessage(), read once, whatever their shape', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = new Float64Array(64).fill(1)
  const r = borrow(a.subarray(2, 4), 'read')
  const refused = (through: string) => ({
    instanceOf: BorrowError,
    code: 'ERR_PARABUF_BORROWED',
    message: `cannot transfer an ArrayBuffer through ${through} with live exports: a 'read' export holds bytes 16..32 (1 live export)`,
  })
  let reads = 0
  const lists: unknown[] = [
    [a.buffer],
    [new ArrayBuffer(8), a.buffer],
    new Proxy([a.buffer], {}),
    {
      get transfer() {
        reads++
        return [a.buffer]
      },
    },
  ]
  for (const list of lists) {
    const options = Array.isArray(list) ? { transfer: list } : list
    t.throws(() => structuredClone(a.buffer, options as { transfer: ArrayBuffer[] }), refused('structuredClone()'))
    const { port1, port2 } = new MessageChannel()
    try {
      t.throws(() => port1.postMessage(a.buffer, list as ArrayBuffer[]), refused('postMessage()'))
    } finally {
      port1.close()
      port2.close()
    }
  }
  t.is(reads, 2, 'an options getter is read once per call')
  // A list that shows one thing to a first read and another to a second: parabuf passes on what it checked.
  let flips = 0
  const sneaky = {
    get transfer() {
      return flips++ === 0 ? [] : [a.buffer]
    },
  }
  t.deepEqual(new Uint8Array(structuredClone(new Uint8Array([1, 2]), sneaky as { transfer: ArrayBuffer[] })), new Uint8Array([1, 2]))
  t.is(a.length, 64, 'nothing was detached')
  t.is(sumSync(r), 2)
  r.release()
  // Released: transfer lists work as they always do, and values without one are untouched.
  t.deepEqual(structuredClone({ x: [1, 2] }), { x: [1, 2] })
  const moved = structuredClone(a.buffer, { transfer: [a.buffer] })
  t.is(a.length, 0)
  t.is(moved.byteLength, 512)
  ledger.clean()
})
