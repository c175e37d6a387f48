// Runs under a Node.js that has Float16Array (24+): every operation on Float16Arrays against plain-JS references,
// including what assignment stores (the f64 → f16 rounding). Prints one JSON line and exits 1 on any mismatch.
import fc from 'fast-check'

import * as pb from 'parabuf'

import { exactSum } from './exact.ts'
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
    check('sort', sameElements(await pb.sort(a.slice()), a.slice().sort()), show)
    using view = pb.borrow(a, 'read')
    check('borrow', pb.exportsOf(a).length === (a.length > 0 ? 1 : 0) && view.byteLength === a.byteLength, show)
    return true
  }),
  { numRuns: 150 },
)
check('ledger clean', pb.liveExportCount() === 0, () => String(pb.liveExportCount()))
console.log(JSON.stringify({ node: process.version, checks, failures }))
process.exit(failures.length === 0 ? 0 : 1)
