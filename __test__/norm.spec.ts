// norm: the exact Euclidean norm rounded once, ties and near ties included.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import { norm, normSync } from 'parabuf'

/** `__test__/data/norm-cases.txt` (scripts/gen-exact-cases.py): [expected, values], by exact integer square roots. */
function normCases(): Array<[number, Float64Array]> {
  const text = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'data', 'norm-cases.txt'), 'utf8')
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const doubles = new Float64Array(new BigUint64Array(line.split(' ').map((hex) => BigInt(`0x${hex}`))).buffer)
      return [doubles[0]!, doubles.subarray(1)]
    })
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
