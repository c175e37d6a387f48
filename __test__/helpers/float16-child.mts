// Runs under a Node.js that has Float16Array (24+, or 22 with --js-float16array): every operation on Float16Arrays against plain-JS references,
// including what assignment stores (the f64 → f16 rounding). Prints one JSON line and exits 1 on any mismatch.
import fc from 'fast-check'

import * as pb from 'parabuf'

import { exactSum, roundUnits, units } from './exact.ts'
import { argExtreme, extreme, fsum, histogramOf, sameElements } from './reference.ts'

declare const Float16Array: Float32ArrayConstructor

const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5, 65504, -65504, 6e-8, 2049, 0.1, 1.0009765625, 1.00048828125]
const element = fc.oneof(fc.constantFrom(...SPECIAL), fc.double({ min: -70000, max: 70000 }), fc.double({ min: -4, max: 4 }))
const length = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: fc.constantFrom(16383, 16384, 16385) })
const arrays = fc.record({ length, offset: fc.integer({ min: 0, max: 5 }), seed: fc.array(element, { minLength: 1, maxLength: 50 }) }).map(({ length, offset, seed }) => {
  const array = new Float16Array(new ArrayBuffer((length + offset + 2) * 2), offset * 2, length)
  for (let i = 0; i < length; i++) array[i] = seed[i % seed.length]!
  return array
})

/**
 * What TypedArray.prototype.sort() gives by the specification (ascending, -0 before +0, NaN last), computed on plain
 * numbers: Node 22's Float16Array (behind --js-float16array) sorts by bit pattern, putting negatives after positives.
 */
function specSorted(a: Float32Array): Float32Array {
  const rank = (x: number, y: number): number =>
    Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : Number.isNaN(y) ? -1 : x !== y ? x - y : Object.is(x, -0) ? (Object.is(y, -0) ? 0 : -1) : Object.is(y, -0) ? 1 : 0
  return Float16Array.from(Array.from(a).sort(rank))
}

let checks = 0
const failures: string[] = []
function check(name: string, ok: boolean, detail: () => string): void {
  checks++
  if (!ok && failures.length < 10) failures.push(`${name}: ${detail()}`)
}

await fc.assert(
  fc.asyncProperty(arrays, element, element, async (a, v, w) => {
    const values = Array.from(a)
    const show = () => `[${values.slice(0, 8).join(', ')}${values.length > 8 ? ', …' : ''}] (${values.length}) v=${v} w=${w}`
    check('sum', Object.is(pb.sumSync(a), exactSum(values)) && Object.is(await pb.sum(a), pb.sumSync(a)), show)
    if (values.length > 0) {
      check('min', Object.is(pb.minSync(a), extreme(values, 'min')), show)
      check('max', Object.is(await pb.max(a), extreme(values, 'max')), show)
      check('argmin', pb.argminSync(a) === argExtreme(values, 'min'), show)
      check('argmax', (await pb.argmax(a)) === argExtreme(values, 'max'), show)
    }
    const finite = values.every(Number.isFinite)
    if (finite) {
      check('dot', pb.dotSync(a, a.slice()) === fsum(values.map((x) => x * x)), show)
      // Where numpy raises, parabuf throws its coded RangeError.
      const expected = histogramOf(values, 7, undefined, undefined, 'f16')
      let got: Float64Array | string
      try {
        got = pb.histogramSync(a, { bins: 7 })
      } catch (error) {
        got = (error as { code?: string }).code ?? String(error)
      }
      check('histogram', expected === null ? got === 'ERR_OUT_OF_RANGE' : typeof got !== 'string' && sameElements(got, expected), show)
    }
    const filled = a.slice().fill(v)
    check('fill', sameElements(pb.fillSync(a.slice(), v), filled), show)
    const scaled = a.slice()
    for (let i = 0; i < scaled.length; i++) scaled[i] = scaled[i]! * v + w
    check('scale', sameElements(await pb.scale(a.slice(), v, w), scaled), show)
    const other = a.slice().reverse()
    const added = a.slice()
    for (let i = 0; i < added.length; i++) added[i] += other[i]!
    check('add', sameElements(pb.addSync(a.slice(), other), added), show)
    check('sort', sameElements(await pb.sort(a.slice()), specSorted(a)), show)
    // The exact prefixes rounded once (which the compensated pair holds exactly for halves), non-finite ones as IEEE
    // sums them, and -0 while every element so far is -0.
    let total = 0n
    let [nan, positive, negative, negativeZeros] = [false, false, false, true]
    const prefixes = values.map((x) => {
      if (Number.isNaN(x)) nan = true
      else if (x === Infinity) positive = true
      else if (x === -Infinity) negative = true
      else total += units(x)
      negativeZeros &&= Object.is(x, -0)
      if (nan || (positive && negative)) return NaN
      if (positive || negative) return positive ? Infinity : -Infinity
      return negativeZeros ? -0 : roundUnits(total)
    })
    // Each value of the sorted copy searched for: 'left' finds its first occurrence, 'right' one past its last (NaN
    // last, -0 equal to +0).
    const sorted = specSorted(a)
    const same = (x: number, y: number) => x === y || (Number.isNaN(x) && Number.isNaN(y))
    const before = (x: number, y: number) => (Number.isNaN(y) ? !Number.isNaN(x) : x < y)
    const needles = Array.from(sorted)
    const lefts = needles.map((n) => needles.filter((x) => before(x, n)).length)
    const rights = needles.map((n) => needles.filter((x) => before(x, n) || same(x, n)).length)
    check('searchsorted', sameElements(pb.searchsortedSync(sorted, sorted), lefts) && sameElements(await pb.searchsorted(sorted, needles, { side: 'right' }), rights), show)
    check('cumsum', sameElements(pb.cumsumSync(a), prefixes) && sameElements(await pb.cumsum(a), prefixes), show)
    // unique along an axis: as of the same values in a Float32Array (which holds every half exactly), in the input's
    // type; the rows of an n × 2 view and its columns.
    const rows = Math.floor(values.length / 2)
    for (const axis of [0, 1]) {
      const half = pb.uniqueSync(pb.view(a, { shape: [rows, 2] }), { axis })
      const single = await pb.unique(pb.view(Float32Array.from(values), { shape: [rows, 2] }), { axis })
      check(
        `unique axis ${axis}`,
        half.values.data instanceof Float16Array &&
          half.values.shape.join() === single.values.shape.join() &&
          sameElements(half.values.data as Float32Array, single.values.data as Float32Array) &&
          sameElements(half.counts, single.counts),
        show,
      )
    }
    // try/finally rather than `using`: on Node 22 (Float16Array behind --js-float16array) `using` is a syntax error.
    const view = pb.borrow(a, 'read')
    try {
      check('borrow', pb.exportsOf(a).length === (a.length > 0 ? 1 : 0) && view.byteLength === a.byteLength, show)
    } finally {
      view[Symbol.dispose]()
    }
    check('borrow released', pb.exportsOf(a).length === 0, show)
    return true
  }),
  { numRuns: 150 },
)
check('ledger clean', pb.liveExportCount() === 0, () => String(pb.liveExportCount()))
console.log(JSON.stringify({ node: process.version, execArgv: process.execArgv, float16: typeof Float16Array, checks, failures }))
process.exit(failures.length === 0 ? 0 : 1)
