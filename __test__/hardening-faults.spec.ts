// Faults: worker threads terminated while they hold exports and have operations in flight on shared memory, and whole
// processes ended (process.exit, an uncaught exception, a worker exiting or terminated) while operations run. Nothing
// crashes; every export of a dead environment ends, so the survivors can take a write export of the same memory.
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import { borrow, exportsOf, liveExportCount, sumSync } from 'parabuf'

import { ledgerBaseline } from './helpers/ledger.js'
import { TIME_SCALE } from './helpers/timing.js'

const HELPERS = join(process.cwd(), '__test__', 'helpers', 'hardening')
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits (up to 5 s) for the live export count to come back to `baseline`. */
async function settleTo(baseline: number): Promise<number> {
  for (let i = 0; i < 500 && liveExportCount() !== baseline; i++) await sleep(10)
  return liveExportCount()
}

test.serial('workers terminated while holding exports and running operations on shared memory release everything', async (t) => {
  const ledger = ledgerBaseline(t)
  const n = 4 * 500_000
  const shared = new SharedArrayBuffer(8 * n)
  const doubles = new Float64Array(shared)
  const quarter = n / 4
  // Three timings: before the worker has started (it may be loading parabuf, or taking its exports), right after it
  // reports its operations started, and a few milliseconds later (kernels running or results queued).
  const timings = ['at once', 'on ready', 'after ready'] as const
  for (let round = 0; round < 12; round++) {
    const timing = timings[round % 3]!
    doubles.fill(1)
    const worker = new Worker(join(HELPERS, 'fault-worker.mjs'), { workerData: { shared } })
    const exited = once(worker, 'exit')
    if (timing === 'at once') {
      await sleep(round)
    } else {
      const [report] = (await once(worker, 'message')) as [{ ready: boolean; live: number; checked: boolean; held: number }]
      t.true(report.ready && report.checked, `round ${round}: the worker wrote its quarter through its handle`)
      // Two handles and the operations still in flight, counted from inside the worker.
      t.true(report.live >= ledger.baseline + report.held, `round ${round}: the worker saw ${report.live} live exports`)
      t.true(liveExportCount() >= ledger.baseline + report.held, 'main sees the worker exports in the shared ledger')
      t.is(exportsOf(doubles.subarray(0, 1))[0]?.mode, 'write', 'the write handle covers the first quarter')
      if (timing === 'after ready') await sleep(2 + (round % 5))
    }
    await worker.terminate()
    await exited
    t.is(await settleTo(ledger.baseline), ledger.baseline, `round ${round} (${timing}): the worker's exports ended`)
    // The memory is free for anyone: a write export of all of it, and a read of what the worker left.
    const w = borrow(doubles, 'write')
    w.release()
    if (timing !== 'at once') t.is(sumSync(doubles.subarray(0, quarter)), 7 * quarter, 'the first quarter as the worker wrote it')
    t.true(Number.isFinite(sumSync(doubles)))
  }
  ledger.clean()
})

interface ChildRun {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

function runChild(mode: string, delay: number): ChildRun {
  const run = spawnSync(process.execPath, [join(HELPERS, 'exit-child.mjs'), mode, String(delay)], {
    encoding: 'utf8',
    timeout: 60_000 * TIME_SCALE,
  })
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr }
}

/** What a crash leaves on stderr: a signal report, a Rust panic, a V8 or Node-API fatal error, a failed assertion. */
const CRASH = /Segmentation fault|core dumped|Aborted|SIGSEGV|SIGABRT|SIGBUS|panicked|FATAL ERROR|Fatal error|NAPI FATAL|Assertion|double free|corrupted/i

const EXITS: readonly { mode: string; status: number; stdout?: RegExp; stderr?: RegExp }[] = [
  { mode: 'exit-now', status: 7 },
  { mode: 'exit-later', status: 7 },
  { mode: 'exit-in-then', status: 7 },
  { mode: 'throw', status: 1, stderr: /Error: thrown while parabuf operations run/ },
  { mode: 'worker-exit', status: 7 },
  { mode: 'worker-self', status: 0, stdout: /^\{"started":13,"workerExit":3,"live":0\}$/m },
  { mode: 'worker-drop', status: 0, stdout: /^\{"started":13,"workerExit":1,"live":0\}$/m },
]

for (const { mode, status, stdout, stderr } of EXITS) {
  test(`an environment torn down with operations in flight does not crash: ${mode}`, (t) => {
    for (const delay of [0, 3, 15]) {
      const run = runChild(mode, delay)
      const where = `${mode} after ${delay} ms`
      t.is(run.signal, null, `${where}: killed by ${run.signal}`)
      t.is(run.status, status, `${where}: exit code (stderr: ${run.stderr.slice(0, 500)})`)
      t.notRegex(run.stderr, CRASH, where)
      if (stdout) t.regex(run.stdout, stdout, where)
      if (stderr) t.regex(run.stderr, stderr, where)
      else t.is(run.stderr, '', `${where}: nothing on stderr`)
    }
  })
}
