// The workload of the leak test (hardening-leaks.spec.ts): every path through the binding that allocates something
// — successful calls, every kind of error, handles released and handles left to the garbage collector, alloc()ed
// arrays, async calls inline and on the pool, conflicts, aborts before and during a run — repeated many times over a
// fixed set of arrays, so that whatever grows with the number of calls is parabuf's.
import * as pb from 'parabuf'

import { detach } from './world.js'
import { INLINE_BYTES } from '../ledger.js'

export interface ChurnCounts {
  ok: number
  failed: number
}

/** Arrays the churn reuses: allocating its inputs anew each call would measure the garbage collector, not parabuf. */
export class Churn {
  readonly small = Float64Array.from({ length: 64 }, (_, i) => i % 9)
  readonly other = Float64Array.from({ length: 64 }, (_, i) => i % 4)
  readonly ints = Int32Array.from({ length: 64 }, (_, i) => 50 - i)
  readonly bigs = BigInt64Array.from({ length: 16 }, (_, i) => BigInt(i) - 8n)
  readonly empty = new Float64Array(0)
  readonly gone: Float64Array
  /** Large enough for async calls to run on the pool. */
  readonly pool = new Float64Array(INLINE_BYTES / 8 + 512).fill(1)
  readonly poolOther = new Float64Array(INLINE_BYTES / 8 + 512).fill(2)
  /** A write export held across the churn: calls on `locked` conflict. */
  readonly locked = new Float64Array(32)
  private readonly lock: pb.Export
  private readonly moved: ArrayBuffer
  readonly counts: ChurnCounts = { ok: 0, failed: 0 }

  constructor() {
    this.gone = new Float64Array(8)
    this.moved = detach(this.gone.buffer)
    this.lock = pb.borrow(this.locked, 'write')
  }

  dispose(): void {
    this.lock.release()
    void this.moved
  }

  private attempt(fn: () => unknown): void {
    try {
      fn()
      this.counts.ok++
    } catch {
      this.counts.failed++
    }
  }

  /** One round of 20 synchronous calls (5 of which fail on purpose, and one leaves a handle to the collector). */
  syncRound(i: number): void {
    const { small, other, ints, bigs } = this
    this.attempt(() => pb.sumSync(small))
    this.attempt(() => pb.minmaxSync(ints))
    this.attempt(() => pb.varianceSync(small, { ddof: 1 }))
    this.attempt(() => pb.dotSync(small, other))
    this.attempt(() => pb.dotSync(bigs, bigs))
    this.attempt(() => pb.histogramSync(ints, { bins: 8 }))
    this.attempt(() => pb.fillSync(other, i % 4))
    this.attempt(() => pb.scaleSync(ints, -1, 0))
    this.attempt(() => pb.addSync(other, small))
    this.attempt(() => pb.sortSync(ints))
    this.attempt(() => {
      using h = pb.borrow(small, 'read')
      pb.sumSync(h)
      pb.exportsOf(small)
    })
    this.attempt(() => pb.alloc(Float64Array, 32).fill(1)) // owned memory, freed when collected
    // Never released: the handle's finalizer ends the export when it is collected (a fresh array, so that the exports
    // waiting for the collector block nothing else).
    this.attempt(() => pb.borrow(new Float64Array(4), i % 2 ? 'read' : 'write'))
    this.attempt(() => pb.sumSync(this.locked)) // BorrowError
    this.attempt(() => pb.sumSync(this.gone)) // detached
    this.attempt(() => pb.fillSync(small, 1n as unknown as number)) // wrong value type
    this.attempt(() => pb.histogramSync(small, { bins: -1 })) // out of range
    this.attempt(() => pb.minSync(this.empty)) // empty
    this.attempt(() => {
      const h = pb.borrow(other, 'write')
      h.release()
      pb.sumSync(h) // released
    })
    this.attempt(() => pb.liveExportCount())
  }

  /**
   * One round of 20 asynchronous calls, awaited together: inline and pool-sized, successes, conflicts, kernel errors
   * on the pool, aborts before and during the run.
   */
  async asyncRound(i: number): Promise<void> {
    const { small, ints, pool, poolOther } = this
    const running = new AbortController()
    const calls: Promise<unknown>[] = [
      pb.sum(small),
      pb.minmax(ints),
      pb.sum(pool),
      pb.mean(pool),
      pb.norm(poolOther),
      pb.dot(pool, poolOther),
      pb.histogram(pool, { bins: 4 }),
      pb.variance(pool, { ddof: -1 }), // RangeError, raised by the kernel's validation on the pool
      pb.fill(poolOther, 2),
      pb.scale(small, 1, 0),
      pb.sort(ints),
      pb.sum(this.locked), // BorrowError
      pb.sum(this.gone), // detached
      pb.sum(pool, { signal: AbortSignal.abort() }), // aborted before
      pb.sum(pool, { signal: running.signal }), // aborted in flight
      pb.minmax(pool, { signal: running.signal }), // aborted in flight
      pb.fill(pool, 1), // BorrowError: reads of pool are in flight
      pb.add(poolOther, pool), // BorrowError: poolOther is being filled
      pb.sum(small, 5 as unknown as undefined), // bad options
      pb.sum(pb.alloc(Float64Array, INLINE_BYTES / 8 + 16)), // an alloc()ed array on the pool, then collected
    ]
    running.abort(new Error(`round ${i}`))
    for (const settled of await Promise.allSettled(calls)) {
      if (settled.status === 'fulfilled') this.counts.ok++
      else this.counts.failed++
    }
  }
}
