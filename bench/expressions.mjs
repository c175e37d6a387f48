// Expressions against their alternatives, in one run: the in-run streaming limit (copy bandwidth, scaled to the bytes an
// expression reads and writes), numpy's one-temporary-per-operator form, numexpr on every core, and a plain JS loop;
// the fused sum against dot over the same arrays; the cost of compiling and of a small second run.
import os from 'node:os'

import * as parabuf from 'parabuf'

import * as peers from './peers.mjs'

const { timed } = peers

/** The next-value function of a xorshift32 generator started at `seed`: deterministic unsigned 32-bit integers. */
export function xorshift32(seed) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
}

/** A deterministic array of `n` doubles in [0, 1), from xorshift with `seed`. */
export function uniform(n, seed) {
  const a = new Float64Array(n)
  const next = xorshift32(seed)
  for (let i = 0; i < n; i++) a[i] = next() / 4294967296
  return a
}

/** The same arrays numpy builds from `a` (b reversed, c an affine map) in `PY_SETUP`. */
function companions(a) {
  const b = a.slice().reverse()
  const c = a.map((x) => x * 0.5 + 0.25)
  return { b, c }
}
const PY_SETUP = 'b = a[::-1].copy(); c = a * 0.5 + 0.25; o = np.empty_like(a)'

/**
 * Measures the expressions section; `copyBytesPerSecond(src, dst)` is the in-run copy bandwidth (bytes moved per
 * second, reads and writes counted) through the same views the kernels use. Returns the results, and logs as it goes.
 */
export async function expressionSection({ size, copyBytesPerSecond, log }) {
  const threads = parabuf.threads()
  const result = { size, threads, streaming: [], transcendental: null, fused: null, compile: null, notes: [] }
  const numexpr = peers.numexpr()
  if (!/^\d/.test(numexpr)) result.notes.push(`numpy and numexpr not measured: ${numexpr}`)
  log(`\nexpressions (${threads} pool threads${/^\d/.test(numexpr) ? `; numexpr ${numexpr} on ${os.availableParallelism()} threads` : ''}):`)

  const a = uniform(size, 11)
  const { b, c } = companions(a)
  const out = new Float64Array(size)
  const rounds = 7
  for (const { source, inputs, numpy, numexprSource, arrays } of [
    { source: 'a * b + c', inputs: { a, b, c }, numpy: 'np.add(np.multiply(a, b), c, out=o)', numexprSource: 'a*b+c', arrays: 4 },
    { source: 'sqrt(x*x + y*y)', inputs: { x: a, y: b }, numpy: 'np.sqrt(np.add(np.multiply(a, a), np.multiply(b, b)), out=o)', numexprSource: 'sqrt(a*a+b*b)', arrays: 3 },
  ]) {
    const expression = parabuf.compile(source)
    const ms = timed(() => expression.runSync(inputs, { out }), rounds)
    const limits = []
    for (let i = 0; i < 3; i++) limits.push(copyBytesPerSecond(a, out))
    const limit = Math.max(...limits)
    const limitMs = ((arrays * size * 8) / limit) * 1e3
    let numpyMs = null
    let numexprMs = null
    if (/^\d/.test(numexpr)) {
      const times = peers.timeNumpy(
        a,
        { numpy, numexpr: `ne.evaluate(${JSON.stringify(numexprSource)}, out=o)` },
        rounds,
        `${PY_SETUP}; import numexpr as ne; ne.set_num_threads(${os.availableParallelism()})`,
      )
      numpyMs = times.numpy
      numexprMs = times.numexpr
    }
    const row = { source, ms, limitMs, fraction: limitMs / ms, numpyMs, numexprMs }
    result.streaming.push(row)
    log(
      `  ${size.toExponential(0)}  ${source} into out: ${ms.toFixed(1)} ms; the streaming limit for ${arrays - 1} reads + 1 write ${limitMs.toFixed(1)} ms ` +
        `(${row.fraction.toFixed(2)} of it)` +
        (numpyMs === null ? '' : `; numpy ${numpyMs.toFixed(1)} ms (${(numpyMs / ms).toFixed(2)}×), numexpr ${numexprMs.toFixed(1)} ms (${(numexprMs / ms).toFixed(2)}×)`),
    )
  }

  {
    const n = Math.min(size, 1e7)
    const x = a.subarray(0, n)
    const small = out.subarray(0, n)
    const expression = parabuf.compile('sin(x) * exp(-x*x)')
    const ms = timed(() => expression.runSync({ x }, { out: small }), rounds)
    const jsMs = timed(() => {
      for (let i = 0; i < n; i++) small[i] = Math.sin(x[i]) * Math.exp(-x[i] * x[i])
    }, 3)
    let numexprMs = null
    if (/^\d/.test(numexpr)) {
      numexprMs = peers.timeNumpy(
        x,
        { numexpr: "ne.evaluate('sin(a) * exp(-a*a)', out=o)" },
        rounds,
        `o = np.empty_like(a); import numexpr as ne; ne.set_num_threads(${os.availableParallelism()})`,
      ).numexpr
    }
    result.transcendental = { size: n, ms, jsMs, numexprMs }
    log(
      `  ${n.toExponential(0)}  sin(x) * exp(-x*x): ${ms.toFixed(1)} ms; JS loop ${jsMs.toFixed(1)} ms (${(jsMs / ms).toFixed(2)}×)` +
        (numexprMs === null ? '' : `; numexpr ${numexprMs.toFixed(1)} ms (${(numexprMs / ms).toFixed(2)}×)`),
    )
  }

  {
    const bound = parabuf.compile('(a - b) ** 2').bind({ a, b })
    const fused = []
    const dot = []
    parabuf.sumSync(bound)
    parabuf.dotSync(a, b)
    for (let i = 0; i < rounds; i++) {
      let t = performance.now()
      parabuf.sumSync(bound)
      fused.push(performance.now() - t)
      t = performance.now()
      parabuf.dotSync(a, b)
      dot.push(performance.now() - t)
    }
    const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1]
    result.fused = { size, ms: median(fused), dotMs: median(dot) }
    log(`  ${size.toExponential(0)}  sum((a - b) ** 2) fused: ${result.fused.ms.toFixed(1)} ms; dot(a, b) ${result.fused.dotMs.toFixed(1)} ms (${(result.fused.ms / result.fused.dotMs).toFixed(2)}×)`)
  }

  {
    // About 200 nodes: 34 terms of `x * k + y` joined by `+`, with a distinct constant per compilation so none is cached.
    let serial = 0
    const source = () => {
      serial++
      return Array.from({ length: 34 }, (_, i) => `x * ${i + serial / 1e6} + y`).join(' + ')
    }
    const compileMs = timed(() => parabuf.compile(source()), 21)
    const nodes = parabuf.compile(source()).source.split(/[+*]/).length * 2 - 1
    const expression = parabuf.compile('x * y + 1')
    const x = a.subarray(0, 1000)
    const y = b.subarray(0, 1000)
    const small = new Float64Array(1000)
    const calls = 20_000
    const runNs = timed(() => {
      for (let i = 0; i < calls; i++) expression.runSync({ x, y }, { out: small })
    }, 7) * (1e6 / calls)
    result.compile = { nodes, compileMs, runNs }
    log(`  compile of a ${nodes}-node expression: ${(compileMs * 1e3).toFixed(0)} µs; a second runSync on 1e3 elements: ${(runNs / 1e3).toFixed(2)} µs`)
  }
  for (const note of result.notes) log(`  (${note})`)
  return result
}

/** The issue's targets for the section, through `add(description, measured, pass)` (`pass` null when not measured). */
export function expressionTargets(result, add) {
  if (!result) return
  for (const { source, ms, limitMs, fraction, numpyMs, numexprMs } of result.streaming) {
    const n = result.size.toExponential(0)
    add(`${source} over ${n} f64 into out ≥ 0.8 of the streaming limit`, `${fraction.toFixed(2)} (${ms.toFixed(1)} ms vs ${limitMs.toFixed(1)} ms)`, fraction >= 0.8)
    const vs = (peerMs, name, target) =>
      add(
        `${source} over ${n} f64 ≥ ${target}× ${name}`,
        peerMs === null ? `not measured (${name})` : `${(peerMs / ms).toFixed(2)}× (${ms.toFixed(1)} ms vs ${peerMs.toFixed(1)} ms)`,
        peerMs === null ? null : peerMs / ms >= target,
      )
    vs(numpyMs, 'numpy', 2)
    vs(numexprMs, 'numexpr', 1.2)
  }
  if (result.transcendental) {
    const { size, ms, jsMs, numexprMs } = result.transcendental
    const n = size.toExponential(0)
    add(`sin(x) * exp(-x*x) over ${n} f64 ≥ 6× a JS loop`, `${(jsMs / ms).toFixed(2)}× (${ms.toFixed(1)} ms vs ${jsMs.toFixed(1)} ms)`, jsMs / ms >= 6)
    add(
      `sin(x) * exp(-x*x) over ${n} f64 ≥ 1.5× numexpr`,
      numexprMs === null ? 'not measured (numexpr)' : `${(numexprMs / ms).toFixed(2)}× (${ms.toFixed(1)} ms vs ${numexprMs.toFixed(1)} ms)`,
      numexprMs === null ? null : numexprMs / ms >= 1.5,
    )
  }
  if (result.fused) {
    const { size, ms, dotMs } = result.fused
    add(`sum((a - b) ** 2) fused over ${size.toExponential(0)} f64 ≤ 1.2× dot(a, b)`, `${(ms / dotMs).toFixed(2)}× (${ms.toFixed(1)} ms vs ${dotMs.toFixed(1)} ms)`, ms / dotMs <= 1.2)
  }
  if (result.compile) {
    const { nodes, compileMs, runNs } = result.compile
    add(`compile of a ${nodes}-node expression ≤ 1 ms`, `${(compileMs * 1e3).toFixed(0)} µs`, compileMs <= 1)
    add('a second runSync of a compiled expression on 1e3 elements ≤ 2 µs', `${(runNs / 1e3).toFixed(2)} µs`, runNs <= 2000)
  }
}
