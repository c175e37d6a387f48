// The main job: a big Float64Array, summed by a plain JavaScript loop and by parabuf, with proof that the event loop
// keeps running while parabuf works. Usage: npm run demo [-- <elements>]   (default 1e8)
import { performance } from 'node:perf_hooks'

import { histogram, minmax, sort, std, sum, sumSync, threads } from 'parabuf'

const length = Number(process.argv[2] ?? 1e8)
if (!Number.isInteger(length) || length <= 0) {
  console.error(`usage: npm run demo -- <elements>   (a positive integer, got ${process.argv[2]})`)
  process.exit(2)
}

const ms = (t) => `${t.toFixed(1).padStart(8)} ms`
const mb = ((length * 8) / 2 ** 20).toFixed(0)
console.log(`parabuf demo: ${length.toLocaleString('en-US')} doubles (${mb} MiB), ${threads()} pool threads\n`)

let t0 = performance.now()
const data = new Float64Array(length)
let seed = 42
for (let i = 0; i < length; i++) {
  // A small LCG keeps the data reproducible run to run.
  seed = (seed * 1103515245 + 12345) >>> 0
  data[i] = seed / 2 ** 32 - 0.25
}
console.log(`filled in ${ms(performance.now() - t0)}`)

t0 = performance.now()
let loop = 0
for (let i = 0; i < length; i++) loop += data[i]
const loopMs = performance.now() - t0
console.log(`plain JS loop          ${ms(loopMs)}   sum = ${loop}`)

// Neumaier-compensated loop: what an exact answer looks like, to check parabuf against.
t0 = performance.now()
let s = 0
let c = 0
for (let i = 0; i < length; i++) {
  const x = data[i]
  const t = s + x
  c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s
  s = t
}
const exact = s + c
const exactMs = performance.now() - t0
console.log(`compensated JS loop    ${ms(exactMs)}   sum = ${exact}`)

t0 = performance.now()
const syncSum = sumSync(data)
const syncMs = performance.now() - t0
console.log(`parabuf sumSync        ${ms(syncMs)}   sum = ${syncSum}`)

let ticks = 0
const ticker = setInterval(() => ticks++, 1)
t0 = performance.now()
const pending = sum(data)
const startedMs = performance.now() - t0
const asyncSum = await pending
const asyncMs = performance.now() - t0
clearInterval(ticker)
console.log(`parabuf sum (async)    ${ms(asyncMs)}   sum = ${asyncSum}`)
console.log(`  the call returned in ${startedMs.toFixed(3)} ms; a 1 ms timer fired ${ticks} times while the sum ran`)

const relative = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE)
console.log(`\nparabuf vs compensated JS loop: relative difference ${relative(asyncSum, exact).toExponential(2)}`)
console.log(`plain JS loop vs compensated:   relative difference ${relative(loop, exact).toExponential(2)} (the plain loop's rounding error)`)
console.log(`speed-up over the plain JS loop: ${(loopMs / asyncMs).toFixed(1)}x async, ${(loopMs / syncMs).toFixed(1)}x sync`)

// The other operations, each checked against a plain JavaScript computation of the same thing.
console.log('\nmore operations (parabuf async vs plain JS):')
const timed = async (label, parabufRun, jsRun, same) => {
  let t = performance.now()
  const ours = await parabufRun()
  const oursMs = performance.now() - t
  t = performance.now()
  const theirs = jsRun()
  const theirsMs = performance.now() - t
  const agree = same(ours, theirs)
  console.log(`  ${label.padEnd(22)} parabuf ${ms(oursMs)}   JS ${ms(theirsMs)}   ${agree ? 'agree' : 'DISAGREE'}`)
  return agree
}
let othersOk = await timed(
  'minmax',
  () => minmax(data),
  () => {
    let lo = Infinity
    let hi = -Infinity
    for (let i = 0; i < length; i++) {
      const x = data[i]
      if (x < lo) lo = x
      if (x > hi) hi = x
    }
    return { min: lo, max: hi }
  },
  (a, b) => a.min === b.min && a.max === b.max,
)
othersOk &&= await timed(
  'std',
  () => std(data),
  () => {
    const mean = exact / length
    let squares = 0
    for (let i = 0; i < length; i++) squares += (data[i] - mean) ** 2
    return Math.sqrt(squares / length)
  },
  (a, b) => relative(a, b) <= 1e-9,
)
othersOk &&= await timed(
  'histogram (16 bins)',
  () => histogram(data, { bins: 16, min: -0.25, max: 0.75 }),
  () => {
    const counts = new Float64Array(16)
    for (let i = 0; i < length; i++) {
      const x = data[i]
      if (x >= -0.25 && x <= 0.75) counts[x === 0.75 ? 15 : Math.floor((x + 0.25) * 16)]++
    }
    return counts
  },
  (a, b) => a.every((c, i) => c === b[i]),
)
const sortLength = Math.min(length, 10_000_000)
const ours = data.slice(0, sortLength)
const theirs = data.slice(0, sortLength)
othersOk &&= await timed(
  `sort (${sortLength.toExponential(0)} elements)`,
  () => sort(ours),
  () => theirs.sort(),
  (a, b) => a.every((x, i) => Object.is(x, b[i])),
)

const ok = othersOk && asyncSum === syncSum && relative(asyncSum, exact) <= 1e-12 && relative(loop, exact) <= 1e-6
console.log(ok ? '\nOK: parabuf agrees with the JavaScript reference.' : '\nMISMATCH: parabuf disagrees with the JavaScript reference.')
process.exit(ok ? 0 : 1)
