// norm: the exact Euclidean norm rounded once, ties and near ties included.
import test from 'ava'

import { norm, normSync } from 'parabuf'

import { dataCases } from './helpers/exact.js'

/** `__test__/data/norm-cases.txt` (scripts/gen-exact-cases.py): [expected, values], by exact integer square roots. */
function normCases(): Array<[number, Float64Array]> {
  return dataCases('norm-cases.txt').map((doubles) => [doubles[0]!, doubles.subarray(1)])
}

test('norms are the exact root of the exact sum of squares, rounded once, sync and async', async (t) => {
  const cases = normCases()
  t.is(cases.length, 127)
  for (const [expected, values] of cases) {
    t.is(normSync(values), expected, `${values.join(', ')}`)
    t.is(await norm(values), expected)
  }
})

test('a sum of squares that is exactly the square of a midpoint rounds to the even neighbour', (t) => {
  // 3e200² + 4e200² is exactly ((4.9999999999999995e200 + 5e200) / 2)², as doubles hold these values.
  t.is(normSync(new Float64Array([3e200, 4e200])), 4.9999999999999995e200)
  t.is(normSync(new Float64Array([0.3, 0.4])), 0.5)
})
