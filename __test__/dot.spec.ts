// dot of floats: the exact sum of the exact products, rounded once.
import test from 'ava'
import fc from 'fast-check'

import { dot, dotSync } from 'parabuf'

import { BLOCK } from './helpers/binding.js'
import { dataCases, sameDouble as same, exactDot } from './helpers/exact.js'

/** `__test__/data/dot-cases.txt` (scripts/gen-exact-cases.py): [expected, a, b], by rational arithmetic. */
function dotCases(): Array<[number, Float64Array, Float64Array]> {
  return dataCases('dot-cases.txt').map((doubles) => {
    const terms = doubles.subarray(1)
    return [doubles[0]!, terms.filter((_, i) => i % 2 === 0), terms.filter((_, i) => i % 2 === 1)]
  })
}

test('dot of the peer cases is the exact sum of the exact products rounded once, sync and async', async (t) => {
  const cases = dotCases()
  t.is(cases.length, 83)
  for (const [expected, a, b] of cases) {
    t.true(same(dotSync(a, b), expected), `${a.join(', ')} · ${b.join(', ')}`)
    t.true(same(await dot(a, b), expected))
  }
})

test('products that overflow alone but cancel give the exact sum; NaN only from NaN, Infinity·0 or both infinities', (t) => {
  t.is(dotSync(new Float64Array([1e200, 1e200, 1]), new Float64Array([1e200, -1e200, 3])), 3)
  t.is(dotSync(new Float64Array([1e200, 1e200]), new Float64Array([1e200, 1e200])), Infinity)
  t.is(dotSync(new Float64Array([Infinity, 1]), new Float64Array([0, 1])), NaN)
  t.is(dotSync(new Float64Array([Infinity, -1]), new Float64Array([1, Infinity])), NaN)
  t.is(dotSync(new Float64Array([Infinity, 1]), new Float64Array([2, 1])), Infinity)
  // Products below the subnormal range still count: 0.4·2^-1074 three times is 1.2·2^-1074, which rounds to 2^-1074
  // (each product alone rounds to 0).
  const tiny = new Float64Array(3).fill(2 ** -537)
  const scaled = new Float64Array(3).fill(0.4 * 2 ** -537)
  t.is(tiny[0]! * scaled[0]!, 0)
  t.is(dotSync(tiny, scaled), exactDot([...tiny], [...scaled]))
  t.is(dotSync(tiny, scaled), 2 ** -1074)
})

/** Pairs whose products cancel: each pair followed by nearly its negation, among ordinary ones. */
const cancelling = fc
  .array(
    fc.tuple(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e150, max: 1e150 }),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e150, max: 1e150 }),
      fc.constantFrom(0, 1, -1, 2 ** -52, -(2 ** -52)),
    ),
    { maxLength: 40 },
  )
  .map((triples) => {
    const a: number[] = []
    const b: number[] = []
    for (const [x, y, nudge] of triples) {
      a.push(x, -x)
      b.push(y, y * (1 + nudge))
    }
    return [a, b] as const
  })

test('dot equals an exact BigInt reference on cancelling and random data (property), sync and async', async (t) => {
  await fc.assert(
    fc.asyncProperty(cancelling, fc.integer({ min: 0, max: 2 }), async ([a, b], spread) => {
      const step = 1 + spread * Math.ceil(BLOCK / 5)
      const x = new Float64Array(a.length * step)
      const y = new Float64Array(a.length * step)
      a.forEach((v, i) => {
        x[i * step] = v
        y[i * step] = b[i]!
      })
      const expected = exactDot(a, b)
      return same(dotSync(x, y), expected) && same(await dot(x, y), expected)
    }),
    { numRuns: 3000 },
  )
  t.pass()
})

test('Float32 dot is the exact sum of the exact products, rounded once (property)', (t) => {
  fc.assert(
    fc.property(fc.float32Array({ minLength: 1, maxLength: 200 }), (a) => {
      const b = a.map((x, i) => (i % 2 ? -x : x * 1.5))
      return same(dotSync(a, b), exactDot([...a], [...b]))
    }),
    { numRuns: 1000 },
  )
  t.pass()
})
