// Export handles and the ledger rules, through the public API: what a handle exposes, when exports conflict (and what
// the BorrowError says), aliasing through other views of the same memory, reuse of a handle's export by operations,
// and argument errors. Every test ends with the ledger back at its baseline.
import test from 'ava'

import { borrow, BorrowError, exportsOf, liveExportCount, sum, sumSync } from 'parabuf'

import {
  borrowError,
  INLINE_BYTES,
  ledgerBaseline,
  rejectsConflict,
  rejectsError,
  throwsConflict,
  throwsError,
  turn,
  typeError,
} from './helpers/ledger.js'

/** 8 doubles 1..8: sum 36. */
const eight = (): Float64Array => Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8])

/** A Float64Array too large to run inline (so async calls go to the pool), filled with ones. */
const poolSized = (): Float64Array => new Float64Array(INLINE_BYTES / 8 + 1024).fill(1)

test.serial('a handle exposes its array, mode, byteOffset and byteLength', (t) => {
  const ledger = ledgerBaseline(t)
  const buffer = new ArrayBuffer(80)
  const part = new Float64Array(buffer, 16, 3)
  const tail = new Float64Array(buffer).subarray(5)
  const bytes = Buffer.from(buffer, 3, 5)

  const r = borrow(part, 'read')
  const w = borrow(tail, 'write')
  const b = borrow(bytes, 'write')
  t.is(r.array, part)
  t.is(r.mode, 'read')
  t.is(r.byteOffset, 16)
  t.is(r.byteLength, 24)
  t.false(r.released)
  t.is(w.array, tail)
  t.is(w.mode, 'write')
  t.is(w.byteOffset, 40)
  t.is(w.byteLength, 40)
  t.is(b.array, bytes)
  t.true(Buffer.isBuffer(b.array))
  t.is(b.byteOffset, 3)
  t.is(b.byteLength, 5)
  t.is(liveExportCount(), ledger.baseline + 3)

  r.release()
  w.release()
  b.release()
  t.true(r.released)
  t.true(w.released)
  t.true(b.released)
  ledger.clean()
})

test.serial('release() is idempotent and frees the bytes for the next export', (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const w = borrow(a, 'write')
  t.is(liveExportCount(), ledger.baseline + 1)
  w.release()
  t.true(w.released)
  ledger.clean()
  t.notThrows(() => w.release())
  t.notThrows(() => w[Symbol.dispose]())
  t.true(w.released)
  ledger.clean('a second release() releases nothing else')

  const again = borrow(a, 'write')
  t.is(liveExportCount(), ledger.baseline + 1)
  again.release()
  ledger.clean()
})

test.serial('`using` releases at the end of the scope, also when the scope throws', (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  {
    using w = borrow(a, 'write')
    t.is(w.mode, 'write')
    t.is(liveExportCount(), ledger.baseline + 1)
    throwsConflict(t, () => borrow(a, 'read'), {
      requested: 'read',
      requestedBytes: 64,
      blocking: 'write',
      blockingBytes: 64,
      blockingOffset: 0,
    })
  }
  ledger.clean('released at the closing brace')

  const failing = (): void => {
    using r = borrow(a, 'read')
    t.false(r.released)
    throw new Error('boom')
  }
  t.throws(failing, { message: 'boom' })
  ledger.clean('released while the exception unwound the scope')
  t.notThrows(() => borrow(a, 'write').release())
  ledger.clean()
})

test.serial('read exports share, also with operations that read', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const r1 = borrow(a, 'read')
  const r2 = borrow(a.subarray(2, 6), 'read')
  const r3 = borrow(new Uint8Array(a.buffer, 4, 40), 'read')
  t.is(liveExportCount(), ledger.baseline + 3)
  t.is(sumSync(a), 36)
  t.is(await sum(a), 36)
  t.is(sumSync(a.subarray(3)), 30)
  t.is(liveExportCount(), ledger.baseline + 3, 'the operations took and released their own read exports')
  t.deepEqual(
    exportsOf(a).map(({ mode, byteOffset, byteLength }) => ({ mode, byteOffset, byteLength })),
    [
      { mode: 'read', byteOffset: 0, byteLength: 64 },
      { mode: 'read', byteOffset: 16, byteLength: 32 },
      { mode: 'read', byteOffset: 4, byteLength: 40 },
    ],
  )
  r1.release()
  r2.release()
  r3.release()
  ledger.clean()
})

test.serial('a read export blocks write exports of overlapping bytes', (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const r = borrow(a.subarray(2, 6), 'read') // bytes 16..48
  throwsConflict(t, () => borrow(a, 'write'), {
    requested: 'write',
    requestedBytes: 64,
    blocking: 'read',
    blockingBytes: 32,
    blockingOffset: 16,
  })
  throwsConflict(t, () => borrow(a.subarray(5, 8), 'write'), {
    requested: 'write',
    requestedBytes: 24,
    blocking: 'read',
    blockingBytes: 32,
    blockingOffset: -24,
  })
  // The last byte of the read export is enough.
  throwsConflict(t, () => borrow(new Uint8Array(a.buffer, 47, 1), 'write'), {
    requested: 'write',
    requestedBytes: 1,
    blocking: 'read',
    blockingBytes: 32,
    blockingOffset: -31,
  })
  t.is(liveExportCount(), ledger.baseline + 1, 'failed borrows leave nothing behind')
  r.release()
  ledger.clean()
})

test.serial('a write export blocks read and write exports, and operations, of overlapping bytes', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const w = borrow(a.subarray(2, 6), 'write') // bytes 16..48
  throwsConflict(t, () => borrow(a, 'read'), {
    requested: 'read',
    requestedBytes: 64,
    blocking: 'write',
    blockingBytes: 32,
    blockingOffset: 16,
  })
  throwsConflict(t, () => borrow(a.subarray(5), 'write'), {
    requested: 'write',
    requestedBytes: 24,
    blocking: 'write',
    blockingBytes: 32,
    blockingOffset: -24,
  })
  throwsConflict(t, () => borrow(a.subarray(2, 6), 'write'), {
    requested: 'write',
    requestedBytes: 32,
    blocking: 'write',
    blockingBytes: 32,
    blockingOffset: 0,
  })
  throwsConflict(t, () => sumSync(a), {
    requested: 'read',
    requestedBytes: 64,
    blocking: 'write',
    blockingBytes: 32,
    blockingOffset: 16,
  })
  await rejectsConflict(t, () => sum(a.subarray(0, 3)), {
    requested: 'read',
    requestedBytes: 24,
    blocking: 'write',
    blockingBytes: 32,
    blockingOffset: 16,
  })
  t.is(sumSync(a.subarray(0, 2)), 3, 'bytes outside the write export stay readable')
  t.is(await sum(a.subarray(6)), 15)
  t.is(liveExportCount(), ledger.baseline + 1)
  w.release()
  t.is(sumSync(a), 36)
  ledger.clean()
})

test.serial('the BorrowError itself: class, name, code, message', (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const w = borrow(a, 'write')
  const error = t.throws(() => borrow(a.subarray(1, 3), 'read'))
  t.true(error instanceof BorrowError)
  t.true(error instanceof Error)
  t.is(error?.name, 'BorrowError')
  t.is((error as BorrowError).code, 'ERR_PARABUF_BORROWED')
  // Byte offsets within the buffer, never heap addresses.
  t.is(
    error!.message,
    "cannot take a 'read' export of bytes [8, 24) (16 bytes): a live 'write' export holds bytes [0, 64) (64 bytes)",
  )
  t.is(Object.prototype.toString.call(error), '[object Error]')
  w.release()
  ledger.clean()
})

test.serial('disjoint subarrays of one buffer do not conflict: two writers on two halves', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const left = borrow(a.subarray(0, 4), 'write')
  const right = borrow(a.subarray(4), 'write')
  t.is(liveExportCount(), ledger.baseline + 2)
  t.is(sumSync(left), 10)
  t.is(sumSync(right), 26)
  t.is(await sum(left), 10)
  t.is(await sum(right), 26)
  t.deepEqual(
    exportsOf(a).map(({ mode, byteOffset, byteLength }) => ({ mode, byteOffset, byteLength })),
    [
      { mode: 'write', byteOffset: 0, byteLength: 32 },
      { mode: 'write', byteOffset: 32, byteLength: 32 },
    ],
  )
  // Byte granularity: a Uint8Array ending exactly where the right half starts does not touch it.
  const u8 = new Uint8Array(a.buffer)
  left.release()
  const below = borrow(u8.subarray(0, 32), 'write')
  t.is(liveExportCount(), ledger.baseline + 2)
  below.release()
  right.release()
  ledger.clean()
})

test.serial('zero-length arrays never conflict', (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const empties = [a.subarray(3, 3), a.subarray(0, 0), a.subarray(8), new Uint8Array(a.buffer, 17, 0), new Float64Array(0)]

  const w = borrow(a, 'write')
  const held = empties.flatMap((e) => [borrow(e, 'write'), borrow(e, 'read')])
  t.is(liveExportCount(), ledger.baseline + 1 + held.length)
  for (const e of empties) t.is(sumSync(e), 0)
  t.deepEqual(
    exportsOf(a).map(({ mode, byteLength }) => ({ mode, byteLength })),
    [{ mode: 'write', byteLength: 64 }],
    'empty exports share no byte with the array',
  )
  w.release()

  // And the other way round: live empty write exports block nothing.
  const whole = borrow(a, 'write')
  whole.release()
  for (const h of held) h.release()
  ledger.clean()
})

test.serial('aliases conflict: a Buffer and a Float64Array over one ArrayBuffer', (t) => {
  const ledger = ledgerBaseline(t)
  const memory = new ArrayBuffer(64)
  const doubles = new Float64Array(memory)
  const bytes = Buffer.from(memory)
  const w = borrow(doubles, 'write')
  throwsConflict(t, () => borrow(bytes, 'read'), {
    requested: 'read',
    requestedBytes: 64,
    blocking: 'write',
    blockingBytes: 64,
    blockingOffset: 0,
  })
  throwsConflict(t, () => borrow(bytes.subarray(9, 13), 'write'), {
    requested: 'write',
    requestedBytes: 4,
    blocking: 'write',
    blockingBytes: 64,
    blockingOffset: -9,
  })
  throwsConflict(t, () => sumSync(new Int32Array(memory, 60, 1)), {
    requested: 'read',
    requestedBytes: 4,
    blocking: 'write',
    blockingBytes: 64,
    blockingOffset: -60,
  })
  w.release()

  const r = borrow(bytes.subarray(8, 16), 'read') // the bytes of doubles[1]
  throwsConflict(t, () => borrow(doubles.subarray(1, 2), 'write'), {
    requested: 'write',
    requestedBytes: 8,
    blocking: 'read',
    blockingBytes: 8,
    blockingOffset: 0,
  })
  t.notThrows(() => borrow(doubles.subarray(2), 'write').release(), 'the next double is other bytes')
  r.release()
  ledger.clean()
})

test.serial('aliases conflict: overlapping subarrays, subarrays of subarrays, SharedArrayBuffer views', (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const w = borrow(a.subarray(0, 5), 'write') // bytes 0..40
  throwsConflict(t, () => borrow(a.subarray(4, 8), 'read'), {
    requested: 'read',
    requestedBytes: 32,
    blocking: 'write',
    blockingBytes: 40,
    blockingOffset: -32,
  })
  throwsConflict(t, () => borrow(a.subarray(3).subarray(1, 2), 'read'), {
    requested: 'read',
    requestedBytes: 8,
    blocking: 'write',
    blockingBytes: 40,
    blockingOffset: -32,
  })
  w.release()

  const shared = new SharedArrayBuffer(32)
  const r = borrow(new Int32Array(shared, 8, 2), 'read')
  throwsConflict(t, () => borrow(new Uint16Array(shared), 'write'), {
    requested: 'write',
    requestedBytes: 32,
    blocking: 'read',
    blockingBytes: 8,
    blockingOffset: 8,
  })
  t.notThrows(() => borrow(new Float64Array(shared, 16, 2), 'write').release())
  r.release()
  ledger.clean()
})

test.serial('exportsOf lists mode and byte ranges relative to the buffer, oldest first', (t) => {
  const ledger = ledgerBaseline(t)
  const a = new Float64Array(16)
  const w = borrow(a.subarray(2, 4), 'write') // bytes 16..32
  const r = borrow(a.subarray(8), 'read') // bytes 64..128
  const r2 = borrow(new Uint8Array(a.buffer, 100, 3), 'read') // bytes 100..103

  const all = exportsOf(a)
  t.deepEqual(
    all.map(({ mode, byteOffset, byteLength }) => ({ mode, byteOffset, byteLength })),
    [
      { mode: 'write', byteOffset: 16, byteLength: 16 },
      { mode: 'read', byteOffset: 64, byteLength: 64 },
      { mode: 'read', byteOffset: 100, byteLength: 3 },
    ],
  )
  t.true(all.every((e) => Number.isInteger(e.id) && e.id > 0))
  t.true(all[0]!.id < all[1]!.id && all[1]!.id < all[2]!.id, 'ids grow with age')

  // Queried through another view, offsets are still relative to the buffer, and only overlapping exports are listed.
  t.deepEqual(exportsOf(new Uint8Array(a.buffer, 20, 4)), [all[0]])
  t.deepEqual(exportsOf(a.subarray(12)), [all[1], all[2]])
  t.deepEqual(exportsOf(Buffer.from(a.buffer, 99, 2)), [all[1], all[2]])
  t.deepEqual(exportsOf(a.subarray(4, 8)), [])
  t.deepEqual(exportsOf(new Float64Array(16)), [], 'other buffers are not listed')

  w.release()
  t.deepEqual(exportsOf(a), [all[1], all[2]])
  r.release()
  r2.release()
  t.deepEqual(exportsOf(a), [])
  ledger.clean()
})

test.serial('handles passed to sumSync and sum reuse their export: no new ledger entry', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  const w = borrow(a, 'write')
  const [entry] = exportsOf(a)
  t.is(liveExportCount(), ledger.baseline + 1)
  // A fresh read export would conflict with the write export: the handle's own export is used.
  t.is(sumSync(w), 36)
  t.is(await sum(w), 36)
  t.is(liveExportCount(), ledger.baseline + 1)
  t.deepEqual(exportsOf(a), [entry])
  w.release()

  const r = borrow(a.subarray(1, 3), 'read')
  const before = exportsOf(a)
  t.is(sumSync(r), 5)
  t.is(await sum(r), 5)
  t.deepEqual(exportsOf(a), before)
  r.release()
  ledger.clean()
})

test.serial('an async operation on the pool holds its export until it settles; through a handle it adds none', async (t) => {
  const ledger = ledgerBaseline(t)
  const big = poolSized()
  const n = big.length

  // Without a handle: the operation takes a read export for its lifetime.
  const plain = sum(big)
  t.is(liveExportCount(), ledger.baseline + 1)
  t.deepEqual(
    exportsOf(big).map(({ mode, byteOffset, byteLength }) => ({ mode, byteOffset, byteLength })),
    [{ mode: 'read', byteOffset: 0, byteLength: n * 8 }],
  )
  throwsConflict(t, () => borrow(big.subarray(10, 11), 'write'), {
    requested: 'write',
    requestedBytes: 8,
    blocking: 'read',
    blockingBytes: n * 8,
    blockingOffset: -80,
  })
  t.is(await plain, n)
  ledger.clean('released before the promise resolved')

  // Through a read handle: the export is shared, not duplicated.
  const r = borrow(big, 'read')
  const listed = exportsOf(big)
  const viaRead = [sum(r), sum(r)]
  t.is(liveExportCount(), ledger.baseline + 1)
  t.deepEqual(exportsOf(big), listed)
  r.release()
  t.true(r.released)
  t.is(liveExportCount(), ledger.baseline + 1, 'the operations in flight keep the released read export alive')
  t.deepEqual(await Promise.all(viaRead), [n, n])
  ledger.clean()

  // Through a write handle: the export is lent to one operation at a time.
  const w = borrow(big, 'write')
  const viaWrite = sum(w)
  t.is(liveExportCount(), ledger.baseline + 1)
  throwsConflict(t, () => sumSync(w), {
    requested: 'read',
    requestedBytes: n * 8,
    blocking: 'write',
    blockingBytes: n * 8,
    blockingOffset: 0,
  })
  await rejectsConflict(t, () => sum(w), {
    requested: 'read',
    requestedBytes: n * 8,
    blocking: 'write',
    blockingBytes: n * 8,
    blockingOffset: 0,
  })
  w.release()
  t.true(w.released)
  t.is(liveExportCount(), ledger.baseline + 1, 'release() is deferred while an operation holds the write export')
  t.is(await viaWrite, n)
  ledger.clean('and happens when the operation settles')
})

test.serial('a released handle passed to an operation: BorrowError ERR_PARABUF_RELEASED', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  for (const mode of ['read', 'write'] as const) {
    const h = borrow(a, mode)
    h.release()
    throwsError(t, () => sumSync(h), borrowError('ERR_PARABUF_RELEASED', /^sum\(\): the export handle was released/))
    await rejectsError(t, () => sum(h), borrowError('ERR_PARABUF_RELEASED', /^sum\(\): the export handle was released/))
    ledger.clean()
  }
  const big = poolSized()
  const w = borrow(big, 'write')
  const running = sum(w)
  w.release()
  // Released while lent: the handle refuses further use even though its export is still live.
  throwsError(t, () => sumSync(w), borrowError('ERR_PARABUF_RELEASED'))
  t.is(await running, big.length)
  ledger.clean()
})

test.serial('conflicts: sync calls throw synchronously, async calls return a promise that rejects', async (t) => {
  const ledger = ledgerBaseline(t)
  const small = eight()
  const big = poolSized()
  const ws = borrow(small, 'write')
  const wb = borrow(big.subarray(100), 'write')
  const conflictSmall = { requested: 'read', requestedBytes: 64, blocking: 'write', blockingBytes: 64, blockingOffset: 0 } as const
  const conflictBig = {
    requested: 'read',
    requestedBytes: big.byteLength,
    blocking: 'write',
    blockingBytes: big.byteLength - 800,
    blockingOffset: 800,
  } as const
  throwsConflict(t, () => sumSync(small), conflictSmall)
  throwsConflict(t, () => sumSync(big), conflictBig)
  await rejectsConflict(t, () => sum(small), conflictSmall)
  await rejectsConflict(t, () => sum(big), conflictBig)
  t.is(liveExportCount(), ledger.baseline + 2)
  ws.release()
  wb.release()
  ledger.clean()
})

test.serial('bad arguments: TypeError ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE, and nothing left in the ledger', async (t) => {
  const ledger = ledgerBaseline(t)
  const notArrays: unknown[] = [
    [1, 2, 3],
    new DataView(new ArrayBuffer(8)),
    new ArrayBuffer(8),
    { length: 2, 0: 1, 1: 2 },
    { [Symbol.toStringTag]: 'Float64Array', buffer: new ArrayBuffer(8), byteOffset: 0, byteLength: 8, length: 1 },
    Object.create(Float64Array.prototype),
    'abc',
    42,
    null,
    undefined,
  ]
  for (const value of notArrays) {
    throwsError(t, () => borrow(value as Float64Array, 'read'), typeError('ERR_INVALID_ARG_TYPE', /^The "array" argument must be a TypedArray/))
    throwsError(t, () => sumSync(value as Float64Array), typeError('ERR_INVALID_ARG_TYPE'))
    await rejectsError(t, () => sum(value as Float64Array), typeError('ERR_INVALID_ARG_TYPE'))
    throwsError(t, () => exportsOf(value as Float64Array), typeError('ERR_INVALID_ARG_TYPE'))
    ledger.clean()
  }
  const a = eight()
  for (const mode of ['readwrite', 'READ', '', undefined, null, 1, { mode: 'read' }]) {
    throwsError(
      t,
      () => borrow(a, mode as 'read'),
      typeError('ERR_INVALID_ARG_VALUE', /^The "mode" argument must be 'read' or 'write'/),
    )
    ledger.clean()
  }
  // A bad mode is refused before any export is taken, even when the array is exported elsewhere.
  const w = borrow(a, 'write')
  throwsError(t, () => borrow(a, 'exclusive' as 'write'), typeError('ERR_INVALID_ARG_VALUE'))
  w.release()
  ledger.clean()
})

test.serial('a handle that is garbage-collected without release() ends its export', async (t) => {
  const ledger = ledgerBaseline(t)
  const a = eight()
  ;(() => {
    borrow(a, 'write')
  })()
  t.is(liveExportCount(), ledger.baseline + 1)
  for (let i = 0; i < 10 && liveExportCount() !== ledger.baseline; i++) {
    globalThis.gc!()
    await turn()
  }
  ledger.clean()
  t.notThrows(() => borrow(a, 'write').release())
})
