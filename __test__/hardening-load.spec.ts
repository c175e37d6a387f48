// Load: tens of thousands of async operations in flight at once — sums, minmax, fill, scale, add and sort over
// overlapping and disjoint windows of a few shared buffers, inline-sized and pool-sized, some aborted before or while
// they run — all settle, each with exactly the result or the error a plain-JavaScript model predicts
// (helpers/hardening/load-model.ts): values computed from the bytes the operation saw, BorrowErrors naming the modes,
// sizes and position of the export in the way, AbortErrors carrying their reason. Afterwards every buffer holds what
// the model says and no export is left. A deadlock fails the test at a generous timeout.
import test from 'ava'

import { liveExportCount } from 'parabuf'

import { type OpSpec, type Outcome, LoadModel, prng, randomOp } from './helpers/hardening/load-model.js'
import { TIME_SCALE } from './helpers/timing.js'

/** Far above the few seconds a run takes on 2 cores: reaching it means something stopped making progress. */
const DEADLOCK_MS = 90_000 * TIME_SCALE

function seedOf(): number {
  const fromEnv = Number(process.env.PARABUF_LOAD_SEED)
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31)
}

/** Four Int32Arrays of 256 Ki elements and three Float64Arrays of 192 Ki, filled with small integers. */
function buffers(random: () => number): (Int32Array | Float64Array)[] {
  const fillRandom = <A extends Int32Array | Float64Array>(a: A): A => {
    for (let i = 0; i < a.length; i++) a[i] = Math.floor(random() * 2001) - 1000
    return a
  }
  return [
    ...Array.from({ length: 4 }, () => fillRandom(new Int32Array(1 << 18))),
    ...Array.from({ length: 3 }, () => fillRandom(new Float64Array(3 << 16))),
  ]
}

async function withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled after ${DEADLOCK_MS} ms (deadlock?)`)), DEADLOCK_MS)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

const summary = (tally: Map<Outcome, number>): string => [...tally].map(([k, v]) => `${k} ${v}`).join(', ')

test.serial('10,000 async operations issued at once all settle as the model predicts, and leave no export', async (t) => {
  t.is(liveExportCount(), 0)
  const seed = seedOf()
  t.log(`seed ${seed} (PARABUF_LOAD_SEED=${seed} replays it)`)
  const random = prng(seed)
  // With every call in flight at once, most random calls meet a conflict, so a random mix holds only a dozen or so
  // calls aborted while they run (some seeds fewer than the 20 asked for below) and a handful of length mismatches
  // (4-12). So some calls are those by construction, on two buffers that no random call touches: every 50th a
  // pool-sized sum of the first, aborted after it is issued (reads share it, so nothing conflicts with them), and
  // every 1000th an inline-sized add into the second of one element more from the first (inline, so it holds no
  // export that the next could meet).
  const reserved = Array.from({ length: 2 }, () => Float64Array.from({ length: 1 << 16 }, (_, i) => (i % 2001) - 1000))
  const model = new LoadModel([...buffers(random), ...reserved])
  const [summed, added] = [model.actual.length - 2, model.actual.length - 1]
  const randomBuffers = model.actual.slice(0, summed)
  const abortedWhileRunning: OpSpec = { type: 'sum', buffer: summed, start: 0, end: 1 << 16, abort: 'after' }
  const mismatched: OpSpec = {
    type: 'add',
    buffer: added,
    start: 0,
    end: 1000,
    src: { buffer: summed, start: 0, end: 1001 },
    abort: 'none',
  }
  const reservedCall = (i: number): OpSpec | undefined =>
    i % 1000 === 1 ? mismatched : i % 50 === 0 ? abortedWhileRunning : undefined
  // Every call is made in this one synchronous loop: all 10,000 are in flight together.
  for (let i = 0; i < 10_000; i++) model.issue(reservedCall(i) ?? randomOp(random, randomBuffers))
  await withDeadline(model.settled(), '10,000 concurrent operations')
  model.verifyContents()
  t.log(summary(model.tally))
  t.deepEqual(model.problems, [])
  t.is(model.liveCount, 0)
  t.is(liveExportCount(), 0, 'no export outlives its operation')
  // The mix must have exercised every path.
  const at = (o: Outcome): number => model.tally.get(o) ?? 0
  t.true(at('pool') >= 50, 'operations ran on the pool')
  t.true(at('inline') >= 1000, 'operations ran inline')
  t.true(at('conflict') >= 1000, 'conflicts were predicted and raised')
  t.true(at('abortedBefore') >= 100 && at('abortedInFlight') >= 20, 'aborts before and during the run')
  t.true(at('mismatch') >= 10 && at('empty') >= 1)
})

test.serial('20,000 async operations issued in batches while earlier ones settle: the model follows every release', async (t) => {
  t.is(liveExportCount(), 0)
  const seed = seedOf()
  t.log(`seed ${seed} (PARABUF_LOAD_SEED=${seed} replays it)`)
  const random = prng(seed)
  const model = new LoadModel(buffers(random))
  // 100 batches of 200, each issued from its own macrotask, so pool results settle (and release their exports)
  // between batches and later calls take the bytes they free.
  await withDeadline(
    (async () => {
      for (let batch = 0; batch < 100; batch++) {
        await new Promise((resolve) => setImmediate(resolve))
        for (let i = 0; i < 200; i++) model.issue(randomOp(random, model.actual))
      }
      await model.settled()
    })(),
    'batched operations',
  )
  model.verifyContents()
  t.log(summary(model.tally))
  t.deepEqual(model.problems, [])
  t.is(liveExportCount(), 0)
  const at = (o: Outcome): number => model.tally.get(o) ?? 0
  t.true(at('pool') >= 200 && at('conflict') >= 100 && at('abortedInFlight') >= 20)
})
