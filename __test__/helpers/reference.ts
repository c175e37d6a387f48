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

/** How numpy bins an element type: in its own float format (`f16`, `f32`, `f64`), or as integers (`int`, in `float64`). */
export type BinType = 'f16' | 'f32' | 'f64' | 'int'

/** The bin type of a typed array constructor's elements. */
export function binTypeOf(name: string): BinType {
  return name === 'Float16Array' ? 'f16' : name === 'Float32Array' ? 'f32' : name === 'Float64Array' ? 'f64' : 'int'
}

const f16round = (Math as unknown as { f16round?: (x: number) => number }).f16round

/** `numpy.linspace(first, last, bins + 1)` with every operation rounded by `r` (numpy's arithmetic in that format). */
function linspace(first: number, last: number, bins: number, r: (x: number) => number): number[] {
  const div = r(bins)
  const delta = r(last - first)
  const step = r(delta / div)
  const edges: number[] = []
  for (let k = 0; k <= bins; k++) {
    const y = step === 0 ? r(r(r(k) / div) * delta) : r(r(k) * step)
    edges.push(r(y + first))
  }
  edges[bins] = last
  return edges
}

/**
 * numpy 2.x's `histogram(a, bins, range)` written out operation by operation (a port of `_get_outer_edges`,
 * `_get_bin_edges`, `linspace` and the uniform-bin fast path of `histogram`, with numpy's type rules), for parabuf's
 * options as docs/numerics.md maps them: no bounds is numpy's range from the data (NaN ignored); one or two bounds
 * are `range=(float(min), float(max))`, a missing one being the data's extreme as a double. Returns `null` where
 * numpy raises. Every operation on doubles here rounds exactly as numpy's does: `Math.fround`/`Math.f16round` of a
 * double result is the correctly rounded float32/float16 result for + - * / of values of that format.
 */
export function histogramOf(
  values: readonly (number | bigint)[],
  bins: number,
  min?: number,
  max?: number,
  type: BinType = 'f64',
): Float64Array | null {
  const r: (x: number) => number =
    type === 'f32' ? Math.fround : type === 'f16' ? (f16round ?? ((): number => { throw new Error('no Math.f16round') })) : (x) => x
  const numbers = values.filter((x) => !(typeof x === 'number' && Number.isNaN(x)))
  const lo = numbers.length ? numbers.reduce((a, b) => (b < a ? b : a)) : undefined
  const hi = numbers.length ? numbers.reduce((a, b) => (b > a ? b : a)) : undefined
  let first: number, last: number, denom: number, scale: number, edges: number[]
  let keepLo: number, keepHi: number, firstR: number
  let index: (s: number) => number // (x - first, rounded) -> the unrounded index
  if (min === undefined && max === undefined && lo !== undefined && hi !== undefined) {
    // The range from the data, in the data's type.
    if (type === 'int') {
      if (lo === hi) {
        first = Number(lo) - 0.5
        last = Number(hi) + 0.5
        denom = last - first
      } else {
        first = Number(lo)
        last = Number(hi)
        denom = Number(BigInt(hi) - BigInt(lo))
      }
    } else {
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null
      ;[first, last] = lo === hi ? [r(Number(lo) - 0.5), r(Number(hi) + 0.5)] : [Number(lo), Number(hi)]
      denom = r(last - first)
    }
    scale = r(bins)
    edges = linspace(first, last, bins, r)
    ;[keepLo, keepHi, firstR] = [first, last, first]
    index = (s) => r(r(s / denom) * scale)
  } else {
    if (min === undefined && max === undefined) {
      if (values.length > 0) return null // every element NaN
      ;[min, max] = [0, 1]
    } else if (min === undefined || max === undefined) {
      if (lo === undefined || hi === undefined) {
        min ??= max! - 1
        max ??= min + 1
      } else {
        min ??= Number(lo)
        max ??= Number(hi)
      }
    }
    if (!(min <= max) || !Number.isFinite(min) || !Number.isFinite(max)) return null
    ;[first, last] = min === max ? [min - 0.5, max + 0.5] : [min, max]
    denom = last - first
    edges = linspace(first, last, bins, (x) => x).map(r)
    ;[keepLo, keepHi, firstR] = [r(first), r(last), r(first)]
    index = (s) => (s / denom) * bins
  }
  for (let k = 0; k < bins; k++) if (edges[k]! >= edges[k + 1]!) return null // "Too many bins for data range" (NaN passes)
  const counts = new Float64Array(bins)
  for (const v of values) {
    const x = r(Number(v))
    if (!(x >= keepLo && x <= keepHi)) continue
    const f = index(r(x - firstR))
    if (!(f < bins + 1)) return null // numpy: IndexError
    let i = Math.trunc(f)
    if (i === bins) i--
    if (x < edges[i]!) i--
    if (i !== bins - 1 && x >= edges[i + 1]!) i++
    counts[i]!++
  }
  return counts
}

/** Same values, compared with Object.is (so -0 and NaN are told apart from 0 and each other correctly). */
export function sameElements(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

/** sort's order: numeric, -0 before +0, every NaN last (equal to each other). */
export function compare(x: number | bigint, y: number | bigint): number {
  if (typeof x === 'bigint') return x < (y as bigint) ? -1 : x > (y as bigint) ? 1 : 0
  const [a, b] = [x, y as number]
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1
  if (a === 0 && b === 0) return Object.is(a, -0) === Object.is(b, -0) ? 0 : Object.is(a, -0) ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}
