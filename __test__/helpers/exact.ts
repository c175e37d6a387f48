import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Exact references in BigInt arithmetic: the real value of a float computation, rounded once at the end.

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

/** The double nearest `n` × 2^-`unit`, ties to even (±Infinity past the largest double); +0 for 0, -0 for a negative
 * value too small for the smallest subnormal. `unit` is 1074 (sums of doubles) or 2148 (sums of their products). */
export function roundUnits(n: bigint, unit = 1074): number {
  if (n === 0n) return 0
  const negative = n < 0n
  const magnitude = negative ? -n : n
  const length = magnitude.toString(2).length
  // The result's last bit: 53 below the leading one, or the subnormal unit 2^-1074 if that is higher.
  const lowest = Math.max(length - 53, unit - 1074, 0)
  let kept = magnitude >> BigInt(lowest)
  const dropped = magnitude - (kept << BigInt(lowest))
  const half = lowest > 0 ? 1n << BigInt(lowest - 1) : 0n
  if (lowest > 0 && (dropped > half || (dropped === half && (kept & 1n) === 1n))) kept += 1n
  // kept <= 2^53 converts exactly; the power of two, applied in two halves that stay normal, rounds nothing but an
  // overflow (to Infinity).
  const shift = lowest - unit
  const first = Math.trunc(shift / 2)
  const value = Number(kept) * 2 ** first * 2 ** (shift - first)
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

/** The exact `Σ a[i]·b[i]` rounded once to a double, with IEEE's rules for non-finite products (NaN for a NaN, an
 * infinity times a zero, or infinities of both signs; else the infinity). */
export function exactDot(a: readonly number[], b: readonly number[]): number {
  let total = 0n
  const special: number[] = []
  a.forEach((x, i) => {
    const y = b[i]!
    if (Number.isFinite(x) && Number.isFinite(y)) total += units(x) * units(y)
    else special.push(x * y)
  })
  if (special.length > 0) return exactSum(special)
  return roundUnits(total, 2148)
}

/** The exact variance `Σ(x - mean)² / (n - ddof)` of finite `values`, rounded to a double (to within one unit of the
 * 128th bit below the leading one before the final rounding, so a double away from a tie is the correctly rounded
 * one). With `x = u·2^-1074`, it is `(nΣu² - (Σu)²) / (n(n - ddof)) · 2^-2148`. */
export function exactVariance(values: readonly number[], ddof: number): number {
  const n = BigInt(values.length)
  let total = 0n
  let squares = 0n
  for (const x of values) {
    const u = units(x)
    total += u
    squares += u * u
  }
  const numerator = n * squares - total * total
  const extra = 128n
  return roundUnits((numerator << extra) / (n * (n - BigInt(ddof))), 2148 + Number(extra))
}

/** The lines of `__test__/data/<name>` (written by scripts/gen-exact-cases.py), each as the doubles its 16-hex-digit
 * IEEE bit patterns spell. */
export function dataCases(name: string): Float64Array[] {
  const text = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'data', name), 'utf8')
  return text
    .trim()
    .split('\n')
    .map((line) => new Float64Array(new BigUint64Array(line.split(' ').map((hex) => BigInt(`0x${hex}`))).buffer))
}

/** Whether two numbers are the same double, or both NaN. */
/** The double whose IEEE 754 bits are the 16 hex digits `hex` (how the numpy case files write doubles exactly). */
export const fromBits = (hex: string): number => new Float64Array(new BigUint64Array([BigInt(`0x${hex}`)]).buffer)[0]!

export const sameDouble = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))
