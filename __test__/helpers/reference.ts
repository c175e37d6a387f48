// Plain-JavaScript references for every parabuf operation, written for clarity, not speed.

/** Correctly rounded sum of doubles (Shewchuk's algorithm, as Python's math.fsum). Finite inputs only. */
export function fsum(values: Iterable<number>): number {
  const partials: number[] = []
  for (let x of values) {
    let i = 0
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x]
      const hi = x + y
      const lo = y - (hi - x)
      if (lo !== 0) partials[i++] = lo
      x = hi
    }
    partials.length = i
    partials.push(x)
  }
  let n = partials.length
  if (n === 0) return 0
  let hi = partials[--n]!
  let lo = 0
  while (n > 0) {
    const x = hi
    const y = partials[--n]!
    hi = x + y
    const yr = hi - x
    lo = y - yr
    if (lo !== 0) break
  }
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2
    const x = hi + y
    if (y === x - hi) hi = x
  }
  return hi
}

/** Math.min/Math.max semantics over any values (bigints compare as bigints). */
export function extreme<T extends number | bigint>(values: readonly T[], which: 'min' | 'max'): T {
  let best = values[0]!
  for (const x of values) {
    if (typeof x === 'number' && Number.isNaN(x)) return x
    if (typeof best === 'number' && Number.isNaN(best)) return best
    const better =
      which === 'min'
        ? x < best || (x === best && Object.is(x, -0))
        : x > best || (x === best && Object.is(x, 0) && Object.is(best, -0))
    if (better) best = x
  }
  return best
}

/** Index of the first NaN, else of the first extreme value (-0 below +0). */
export function argExtreme(values: readonly (number | bigint)[], which: 'min' | 'max'): number {
  const nan = values.findIndex((x) => typeof x === 'number' && Number.isNaN(x))
  if (nan >= 0) return nan
  let best = 0
  for (let i = 1; i < values.length; i++) {
    const x = values[i]!
    const b = values[best]!
    const better =
      which === 'min'
        ? x < b || (x === b && Object.is(x, -0) && Object.is(b, 0))
        : x > b || (x === b && Object.is(x, 0) && Object.is(b, -0))
    if (better) best = i
  }
  return best
}

/** numpy-style histogram with parabuf's documented bin rule. */
export function histogramOf(values: readonly number[], bins: number, min?: number, max?: number): Float64Array {
  let lo = min
  let hi = max
  if (lo === undefined || hi === undefined) {
    const finite = values.filter((x) => !Number.isNaN(x))
    const dataMin = finite.length ? finite.reduce((a, b) => (b < a ? b : a)) : 0
    const dataMax = finite.length ? finite.reduce((a, b) => (b > a ? b : a)) : 1
    lo ??= dataMin
    hi ??= dataMax
  }
  if (lo === hi) {
    lo -= 0.5
    hi += 0.5
  }
  const counts = new Float64Array(bins)
  for (const x of values) {
    if (!(x >= lo && x <= hi)) continue
    let bin = x === hi ? bins - 1 : Math.floor(((x - lo) / (hi - lo)) * bins)
    if (bin >= bins) bin = bins - 1
    counts[bin]!++
  }
  return counts
}

/** Same values, compared with Object.is (so -0 and NaN are told apart from 0 and each other correctly). */
export function sameElements(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}
