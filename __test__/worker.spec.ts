// The ledger is process-wide: an export taken in one thread blocks conflicting exports of the same SharedArrayBuffer
// bytes in another (worker_threads), whichever views they come through, and is visible to liveExportCount/exportsOf
// everywhere. A worker torn down while it holds exports does not leak them.
import { once } from 'node:events'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import { borrow, exportsOf, liveExportCount, sumSync } from 'parabuf'

import { ledgerBaseline, parseConflict, relativeConflict, throwsConflict, turn } from './helpers/ledger.js'

const WORKER = join(process.cwd(), '__test__', 'helpers', 'borrow-worker.mjs')

interface Reply {
  readonly ok: boolean
  readonly held?: string[]
  readonly value?: unknown
  readonly borrowError?: boolean
  readonly name?: string
  readonly code?: string
  readonly message?: string
}

/** A worker running helpers/borrow-worker.mjs over `shared`, driven by request/reply messages. */
class Peer {
  private seq = 0
  private readonly waiting = new Map<number, (reply: Reply) => void>()

  private constructor(readonly worker: Worker) {
    worker.on('message', (m: Reply & { seq?: number }) => {
      if (m.seq === undefined) return
      this.waiting.get(m.seq)?.(m)
      this.waiting.delete(m.seq)
    })
  }

  static async start(shared: SharedArrayBuffer): Promise<Peer> {
    const worker = new Worker(WORKER, { workerData: { shared } })
    const [first] = (await once(worker, 'message')) as [{ ready?: boolean }]
    if (!first.ready) throw new Error('the worker did not start')
    return new Peer(worker)
  }

  call(message: Record<string, unknown>): Promise<Reply> {
    const seq = ++this.seq
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve)
      this.worker.postMessage({ ...message, seq })
    })
  }

  async stop(): Promise<void> {
    await this.worker.terminate()
  }
}

/** 8 doubles 1..8 in shared memory. */
function sharedEight(): { shared: SharedArrayBuffer; doubles: Float64Array } {
  const shared = new SharedArrayBuffer(64)
  const doubles = new Float64Array(shared)
  doubles.set([1, 2, 3, 4, 5, 6, 7, 8])
  return { shared, doubles }
}

test.serial('main holds a write export: the worker is refused with BorrowError until main releases', async (t) => {
  const ledger = ledgerBaseline(t)
  const { shared, doubles } = sharedEight()
  const peer = await Peer.start(shared)
  try {
    const w = borrow(doubles, 'write')

    const refused = await peer.call({ cmd: 'borrow', key: 'r', mode: 'read' })
    t.like(refused, { ok: false, borrowError: true, name: 'BorrowError', code: 'ERR_PARABUF_BORROWED' })
    t.deepEqual(relativeConflict(parseConflict(refused.message!)!), {
      requested: 'read',
      requestedBytes: 64,
      blocking: 'write',
      blockingBytes: 64,
      blockingOffset: 0,
    })
    // Through another view type and a sub-range: still the same bytes.
    const refusedBytes = await peer.call({ cmd: 'borrow', key: 'w', mode: 'write', type: 'u8', start: 20, end: 28 })
    t.like(refusedBytes, { ok: false, borrowError: true, code: 'ERR_PARABUF_BORROWED' })
    t.deepEqual(relativeConflict(parseConflict(refusedBytes.message!)!), {
      requested: 'write',
      requestedBytes: 8,
      blocking: 'write',
      blockingBytes: 64,
      blockingOffset: -20,
    })
    t.like(await peer.call({ cmd: 'sumSync', start: 2, end: 4 }), { ok: false, borrowError: true, code: 'ERR_PARABUF_BORROWED' })
    // The worker sees main's export in the shared ledger.
    t.like(await peer.call({ cmd: 'liveExportCount' }), { ok: true, value: ledger.baseline + 1 })
    t.like(await peer.call({ cmd: 'exportsOf', start: 4, end: 5 }), {
      ok: true,
      value: [{ mode: 'write', byteOffset: 0, byteLength: 64 }],
    })

    w.release()
    t.like(await peer.call({ cmd: 'borrow', key: 'r', mode: 'read' }), { ok: true, held: ['r'] })
    t.like(await peer.call({ cmd: 'sumSync', key: 'r' }), { ok: true, value: 36 })
    t.like(await peer.call({ cmd: 'release', key: 'r' }), { ok: true, held: [] })
    ledger.clean()
  } finally {
    await peer.stop()
  }
})

test.serial('the worker holds a write export: main conflicts until the worker releases', async (t) => {
  const ledger = ledgerBaseline(t)
  const { shared, doubles } = sharedEight()
  const peer = await Peer.start(shared)
  try {
    t.like(await peer.call({ cmd: 'borrow', key: 'w', mode: 'write', start: 2, end: 6 }), { ok: true, held: ['w'] })
    t.is(liveExportCount(), ledger.baseline + 1)
    t.deepEqual(
      exportsOf(doubles).map(({ mode, byteOffset, byteLength }) => ({ mode, byteOffset, byteLength })),
      [{ mode: 'write', byteOffset: 16, byteLength: 32 }],
    )
    throwsConflict(t, () => borrow(doubles, 'read'), {
      requested: 'read',
      requestedBytes: 64,
      blocking: 'write',
      blockingBytes: 32,
      blockingOffset: 16,
    })
    throwsConflict(t, () => sumSync(new Uint8Array(shared, 47, 1)), {
      requested: 'read',
      requestedBytes: 1,
      blocking: 'write',
      blockingBytes: 32,
      blockingOffset: -31,
    })
    t.is(sumSync(doubles.subarray(0, 2)), 3, 'bytes outside the worker export stay readable')

    t.like(await peer.call({ cmd: 'release', key: 'w' }), { ok: true, held: [] })
    ledger.clean()
    const r = borrow(doubles, 'read')
    t.is(sumSync(r), 36)
    r.release()
    ledger.clean()
  } finally {
    await peer.stop()
  }
})

test.serial('disjoint halves: main and a worker write at the same time', async (t) => {
  const ledger = ledgerBaseline(t)
  const { shared, doubles } = sharedEight()
  const peer = await Peer.start(shared)
  try {
    const left = borrow(doubles.subarray(0, 4), 'write')
    t.like(await peer.call({ cmd: 'borrow', key: 'right', mode: 'write', start: 4, end: 8 }), { ok: true })
    t.is(liveExportCount(), ledger.baseline + 2)
    t.is(sumSync(left), 10)
    t.like(await peer.call({ cmd: 'sumSync', key: 'right' }), { ok: true, value: 26 })
    // Neither side can read the other's half.
    t.like(await peer.call({ cmd: 'sumSync', start: 3, end: 4 }), { ok: false, code: 'ERR_PARABUF_BORROWED' })
    throwsConflict(t, () => sumSync(doubles.subarray(4, 5)), {
      requested: 'read',
      requestedBytes: 8,
      blocking: 'write',
      blockingBytes: 32,
      blockingOffset: 0,
    })
    left.release()
    t.like(await peer.call({ cmd: 'release', key: 'right' }), { ok: true })
    ledger.clean()
  } finally {
    await peer.stop()
  }
})

test.serial('a worker terminated while holding exports leaves none behind', async (t) => {
  const ledger = ledgerBaseline(t)
  const { shared, doubles } = sharedEight()
  const peer = await Peer.start(shared)
  t.like(await peer.call({ cmd: 'borrow', key: 'w', mode: 'write', start: 0, end: 4 }), { ok: true })
  t.like(await peer.call({ cmd: 'borrow', key: 'r', mode: 'read', start: 4, end: 8 }), { ok: true })
  t.is(liveExportCount(), ledger.baseline + 2)
  await peer.stop()
  for (let i = 0; i < 20 && liveExportCount() !== ledger.baseline; i++) await turn()
  ledger.clean('the worker environment released its handles when it was torn down')
  const w = borrow(doubles, 'write')
  w.release()
  ledger.clean()
})

test.serial('a worker terminated while its async sum runs on the pool: no crash, no export left', async (t) => {
  const ledger = ledgerBaseline(t)
  const shared = new SharedArrayBuffer(8 * 4_000_000)
  const doubles = new Float64Array(shared).fill(1)
  const peer = await Peer.start(shared)
  const started = await peer.call({ cmd: 'startSum' })
  t.like(started, { ok: true, value: ledger.baseline + 1 })
  await peer.stop()
  for (let i = 0; i < 20 && liveExportCount() !== ledger.baseline; i++) await turn()
  ledger.clean()
  t.is(sumSync(doubles), 4_000_000)
})
