// Exact references in BigInt arithmetic: the real value of a float computation, rounded once at the end.

const SCALE = 1074n
const view = new DataView(new ArrayBuffer(8))

/** `x` (finite) as an integer multiple of 2^-1074. */
export function units(x: number): bigint {
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const exponent = Number((bits >> 52n) & 0x7ffn)
  const fraction = bits & ((1n << 52n) - 1n)
  const magnitude = exponent === 0 ? fraction : (fraction | (1n << 52n)) << BigInt(exponent - 1)
  return bits >> 63n ? -magnitude : magnitude
}

/** The double nearest `n` × 2^-1074, ties to even (±Infinity past the largest double); +0 for 0. */
export function roundUnits(n: bigint): number {
  if (n === 0n) return 0
  const negative = n < 0n
  let magnitude = negative ? -n : n
  const length = magnitude.toString(2).length
  // Keep 55 bits and fold every dropped bit into the last one ("round to odd"): rounding that to 53 bits then gives
  // the correctly rounded value of the whole.
  const drop = Math.max(0, length - 55)
  if (drop > 0) {
    const sticky = (magnitude & ((1n << BigInt(drop)) - 1n)) !== 0n
    magnitude = (magnitude >> BigInt(drop)) | (sticky ? 1n : 0n)
  }
  // Below 2^55 units, Number() rounds once (to 53 bits); the power-of-two scalings after it are exact, in two steps
  // that keep the intermediate normal (a result below 2^-1022 has fewer than 53 bits, so drop is 0 and it is exact).
  const shift = drop - Number(SCALE)
  const half = Math.trunc(shift / 2)
  const value = Number(magnitude) * 2 ** half * 2 ** (shift - half)
  return negative ? -value : value
}

/** The exact sum of `values` rounded once to a double, with IEEE's rules for non-finite terms (NaN for a NaN or for
 * both infinities, else the infinity given) and +0 for a zero sum, as Python's math.fsum. */
export function exactSum(values: Iterable<number>): number {
  let total = 0n
  let nan = false
  let positive = false
  let negative = false
  for (const x of values) {
    if (Number.isNaN(x)) nan = true
    else if (x === Infinity) positive = true
    else if (x === -Infinity) negative = true
    else total += units(x)
  }
  if (nan || (positive && negative)) return NaN
  if (positive) return Infinity
  if (negative) return -Infinity
  return roundUnits(total)
}
