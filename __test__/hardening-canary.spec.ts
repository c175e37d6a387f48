// Write integrity: concurrent write exports of disjoint ranges of one buffer never touch each other's bytes. Each round
// cuts a buffer into ranges of odd lengths (so byte-sized elements share machine words with their neighbours), some
// pool-sized and some inline, some directly adjacent and some separated by guard elements holding canary values, and
// writes every range at once with fill, scale, sort or add — asynchronously, plus synchronous calls on some ranges
// while the asynchronous ones are in flight — from the main thread alone, or from the main thread and a worker sharing
// the memory. After everything settled, each range holds exactly what its own operation computes from the initial
// contents and every guard still holds its canary.
import { once } from 'node:events'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import * as pb from 'parabuf'

import {
  differences,
  expected,
  initialise,
  layout,
  type Range,
  source,
  type Writable,
  type WritableCtor,
} from './helpers/hardening/canary.js'
import { prng } from './helpers/hardening/load-model.js'
import { ledgerBaseline } from './helpers/ledger.js'

const TYPES: readonly WritableCtor[] = [Uint8Array, Uint8ClampedArray, Int16Array, Float32Array, Float64Array, BigInt64Array]

function seedOf(): number {
  const fromEnv = Number(process.env.PARABUF_CANARY_SEED)
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31)
}

type AnyArray = Writable & { subarray(start: number, end: number): Writable }

/** Starts the operation of one range (the sync twin runs at once and returns undefined). */
function write(array: AnyArray, src: AnyArray, range: Range, sync: boolean): Promise<unknown> | undefined {
  const view = array.subarray(range.start, range.end) as Float64Array
  const from = src.subarray(range.start, range.end) as Float64Array
  const w = range.write
  switch (w.op) {
    case 'fill':
      return sync ? void pb.fillSync(view, w.value as number) : pb.fill(view, w.value as number)
    case 'scale':
      return sync ? void pb.scaleSync(view, w.factor as number, w.offset as number) : pb.scale(view, w.factor as number, w.offset as number)
    case 'sort':
      return sync ? void pb.sortSync(view) : pb.sort(view)
    case 'add':
      return sync ? void pb.addSync(view, from) : pb.add(view, from)
  }
}

/** Runs `ranges` the way a round does: every async operation first, then the sync ones while those are in flight. */
async function writeAll(array: AnyArray, src: AnyArray, ranges: readonly Range[]): Promise<string[]> {
  const pending = ranges.filter((r) => !r.sync).map((r) => write(array, src, r, false)!)
  const errors: string[] = []
  for (const r of ranges.filter((r) => r.sync)) {
    try {
      write(array, src, r, true)
    } catch (e) {
      errors.push(`sync ${r.write.op}: ${String(e)}`)
    }
  }
  for (const settled of await Promise.allSettled(pending)) {
    if (settled.status === 'rejected') errors.push(String(settled.reason))
  }
  return errors
}

test.serial('async and sync writes on adjacent and guarded ranges of one buffer never touch each other’s bytes', async (t) => {
  const ledger = ledgerBaseline(t)
  const seed = seedOf()
  t.log(`seed ${seed} (PARABUF_CANARY_SEED=${seed} replays it)`)
  const random = prng(seed)
  let rounds = 0
  let pooled = 0
  for (const T of TYPES) {
    for (let round = 0; round < 40; round++) {
      const lay = layout(T, random, false)
      // At an odd element offset inside its buffer, so the ranges' bytes sit at every alignment.
      const offset = 1 + Math.floor(random() * 3)
      const array = new T(new ArrayBuffer((lay.length + offset + 1) * T.BYTES_PER_ELEMENT), offset * T.BYTES_PER_ELEMENT, lay.length)
      initialise(array, T, lay, random)
      const src = source(T, lay.length)
      const want = expected(array, src, lay)
      const errors = await writeAll(array as AnyArray, src as AnyArray, lay.ranges)
      t.deepEqual(errors, [], `${T.name} round ${round}: every write succeeded`)
      t.deepEqual(differences(array, want, lay), [], `${T.name} round ${round}`)
      ledger.clean()
      rounds++
      pooled += lay.ranges.filter((r) => (r.end - r.start) * T.BYTES_PER_ELEMENT > 128 * 1024 && !r.sync).length
    }
  }
  t.log(`${rounds} rounds, ${pooled} writes on the pool`)
  t.true(pooled > rounds, 'many writes ran on the pool, concurrently with their neighbours')
})

test.serial('main thread and a worker writing interleaved ranges of a SharedArrayBuffer never touch each other’s bytes', async (t) => {
  const ledger = ledgerBaseline(t)
  const seed = seedOf()
  t.log(`seed ${seed} (PARABUF_CANARY_SEED=${seed} replays it)`)
  const random = prng(seed)
  const worker = new Worker(join(process.cwd(), '__test__', 'helpers', 'hardening', 'canary-worker.mjs'))
  try {
    await once(worker, 'message')
    let round = 0
    for (const T of [Uint8Array, Int16Array, Float32Array, Float64Array, BigInt64Array] as const) {
      for (let r = 0; r < 16; r++, round++) {
        const lay = layout(T, random, true)
        const shared = new SharedArrayBuffer(lay.length * T.BYTES_PER_ELEMENT)
        const array = new (T as unknown as new (buffer: SharedArrayBuffer) => Writable)(shared)
        initialise(array, T, lay, random)
        const src = source(T, lay.length)
        const want = expected(array, src, lay)
        const theirs = lay.ranges.filter((x) => x.owner === 'worker')
        const mine = lay.ranges.filter((x) => x.owner === 'main')
        const reply = once(worker, 'message') as Promise<[{ round: number; errors: string[] }]>
        worker.postMessage({ round, type: T.name, shared, src, ranges: theirs })
        const [myErrors, [their]] = await Promise.all([writeAll(array as AnyArray, src as AnyArray, mine), reply])
        t.is(their.round, round)
        t.deepEqual([...myErrors, ...their.errors], [], `${T.name} round ${r}: every write succeeded`)
        t.deepEqual(differences(array, want, lay), [], `${T.name} round ${r}`)
        await new Promise((resolve) => setImmediate(resolve))
        ledger.clean()
      }
    }
  } finally {
    await worker.terminate()
  }
})
