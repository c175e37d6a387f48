// The engine unlocked: determinism across thread counts, the event loop and libuv stay free, aborts, panics.
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import test from 'ava'

import * as pb from 'parabuf'

import { binding } from './helpers/binding.js'

const DETERMINISM_SCRIPT = `
const pb = require('parabuf')
const n = 3_000_003
const a = new Float64Array(n)
const b = new Float32Array(n)
let seed = 7
for (let i = 0; i < n; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0
  a[i] = (seed / 2 ** 32 - 0.5) * 10 ** ((i % 17) - 8)
  b[i] = a[i]
}
// Heavy cancellation (each value and nearly its negation), which the exact pass decides.
const c = new Float64Array(n)
for (let i = 0; i + 1 < n; i += 2) {
  c[i] = a[i] * 1e12
  c[i + 1] = -c[i] + a[i + 1]
}
const bits = (x) => Buffer.from(new Float64Array([x]).buffer).toString('hex')
const out = {
  threads: pb.threads(),
  sum: bits(pb.sumSync(a)),
  sumCancelling: bits(pb.sumSync(c)),
  sum32: bits(pb.sumSync(b)),
  mean: bits(pb.meanSync(a)),
  variance: bits(pb.varianceSync(a, { ddof: 1 })),
  std: bits(pb.stdSync(b)),
  dot: bits(pb.dotSync(a, a)),
  norm: bits(pb.normSync(a)),
  histogram: Array.from(pb.histogramSync(a, { bins: 97 })).join(),
}
process.stdout.write(JSON.stringify(out))
`

function runWithThreads(threads: number): Record<string, string | number> {
  const out = execFileSync(process.execPath, ['-e', DETERMINISM_SCRIPT], {
    env: { ...process.env, PARABUF_THREADS: String(threads) },
    encoding: 'utf8',
  })
  return JSON.parse(out) as Record<string, string | number>
}

test.serial('float reductions are bit-identical under PARABUF_THREADS=1, 2, 3 and 7', (t) => {
  const [first, ...others] = [1, 2, 3, 7].map((threads) => {
    const { threads: used, ...bits } = runWithThreads(threads)
    t.is(used, threads)
    return bits
  })
  for (const other of others) t.deepEqual(other, first)
})

test.serial('a timer keeps firing while a long async call is in flight', async (t) => {
  const a = new Float64Array(30_000_000).fill(1)
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  const pending = pb.sum(a)
  const seenBefore = ticks
  const result = await pending
  clearInterval(timer)
  t.is(result, 30_000_000)
  t.is(seenBefore, 0)
  t.true(ticks > 0, 'the interval fired while the sum ran')
})

test.serial('long reductions in flight do not occupy libuv threads', async (t) => {
  const file = join(tmpdir(), `parabuf-small-${process.pid}.txt`)
  await fs.writeFile(file, 'hello')
  const arrays = Array.from({ length: 8 }, () => new Float64Array(20_000_000).fill(0.5))
  const started = performance.now()
  const reductions = arrays.map((a) => pb.sum(a))
  const read = fs.readFile(file, 'utf8').then((text) => ({ text, at: performance.now() - started }))
  const [{ text, at }, sums] = await Promise.all([read, Promise.all(reductions)])
  const allDone = performance.now() - started
  await fs.unlink(file)
  t.is(text, 'hello')
  t.deepEqual(sums, Array(8).fill(10_000_000))
  // With the kernels on libuv's 4 threads, the read would wait for two whole reductions; generously bounded.
  t.true(at < Math.max(250, allDone / 4), `readFile took ${at.toFixed(1)} ms of ${allDone.toFixed(1)} ms`)
})

test.serial('an abort mid-run rejects with AbortError and releases the exports', async (t) => {
  const a = new Float64Array(40_000_000)
  const controller = new AbortController()
  const pending = pb.sum(a, { signal: controller.signal })
  t.is(pb.exportsOf(a).length, 1, 'the call holds a read export')
  controller.abort(new Error('stop'))
  const error = await t.throwsAsync(pending)
  t.is(error?.name, 'AbortError')
  t.is((error as Error & { code: string }).code, 'ABORT_ERR')
  t.is((error?.cause as Error).message, 'stop')
  t.is(pb.exportsOf(a).length, 0)
  t.is(pb.liveExportCount(), 0)
})

test.serial('an already-aborted signal rejects at once and takes no export', async (t) => {
  const a = new Float64Array(10)
  const pending = pb.fill(a, 1, { signal: AbortSignal.abort() })
  t.is(pb.liveExportCount(), 0)
  const error = await t.throwsAsync(pending, { instanceOf: pb.AbortError })
  t.is(error?.name, 'AbortError')
  t.deepEqual(a, new Float64Array(10))
})

test.serial('small async calls settle without a thread hand-off', async (t) => {
  const a = new Float64Array([1, 2, 3])
  const pending = pb.sum(a)
  t.is(pb.liveExportCount(), 0, 'an inline call has already released its export')
  t.is(await pending, 6)
})

test.serial('a panic inside a kernel becomes ERR_PARABUF_INTERNAL and the process lives on', (t) => {
  // The self-test operation panics inside the pool on purpose; only the binding exposes it.
  const selfTest = binding.operationTable().findIndex((op) => op.name === '__panic')
  const FLOAT64 = binding.elementKinds().findIndex((kind) => kind.name === 'Float64Array')
  t.true(selfTest >= 0)
  const error = t.throws(() => binding.runSync(selfTest, undefined, new Float64Array(4), FLOAT64))
  t.is((error as Error & { code: string }).code, 'ERR_PARABUF_INTERNAL')
  t.regex(error!.message, /panic/)
  t.is(pb.liveExportCount(), 0)
  t.is(pb.sumSync(new Float64Array([1, 2])), 3)
})

test('the shipped addon has no bench hooks (they build only with the bench feature)', (t) => {
  const exported = Object.keys(binding as object)
  t.deepEqual(
    exported.filter((name) => name.startsWith('bench')),
    [],
  )
  t.true(exported.includes('runSync'))
})
