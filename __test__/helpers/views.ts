// Random strided layouts for the view and axis tests, the data indices a layout reaches, and results as plain data.
import fc from 'fast-check'

import * as pb from 'parabuf'

import type { Ctor } from './arrays.js'

export type Layout = { shape: number[]; strides: number[]; offset: number; length: number }

/** The data index of each element of a layout, in row-major order of the indices. */
export function indices({ shape, strides, offset }: Layout): number[] {
  const out: number[] = []
  const walk = (axis: number, at: number) => {
    if (axis === shape.length) {
      out.push(at)
      return
    }
    for (let i = 0; i < shape[axis]!; i++) walk(axis + 1, at + i * strides[axis]!)
  }
  walk(0, offset)
  return out
}

/** The layout of `axes` of `l` (in that order) with the others fixed where `offset` puts them: a lane, a slice, or
 * the elements of one output. */
export function subLayout(l: Layout, axes: readonly number[], offset: number): Layout {
  return { shape: axes.map((k) => l.shape[k]!), strides: axes.map((k) => l.strides[k]!), offset, length: l.length }
}

/** A random layout of up to 4 dimensions within an array of `length`: strides of any sign, zero allowed unless
 * `writable`. */
export function layout(writable: boolean): fc.Arbitrary<Layout> {
  return fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
      fc.array(fc.integer({ min: writable ? 1 : 0, max: 7 }), { minLength: 4, maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 9 }),
    )
    .map(([shape, magnitudes, negative, slack]) => {
      // Strides growing with the axis so that writable layouts reach each element once.
      let span = 1
      const strides = shape.map((_, k) => {
        const s = writable ? span * magnitudes[k]! : magnitudes[k]!
        span = Math.max(span, s * Math.max(shape[k]!, 1))
        return negative[k] ? -s : s
      })
      // The offset puts the lowest index reached at `slack`.
      const low = shape.reduce((sum, n, k) => sum + (strides[k]! < 0 ? strides[k]! * Math.max(n - 1, 0) : 0), 0)
      const high = shape.reduce((sum, n, k) => sum + (strides[k]! > 0 ? strides[k]! * Math.max(n - 1, 0) : 0), 0)
      const offset = slack - low
      return { shape, strides, offset, length: offset + high + 1 + slack }
    })
    .filter((l) => !writable || new Set(indices(l)).size === indices(l).length)
}

/** An axis of `l`, counted from either end (0 for a layout of no dimensions, which an axis must then refuse). */
export function axisOf(l: Layout): fc.Arbitrary<number> {
  const n = l.shape.length
  return n === 0 ? fc.constant(0) : fc.integer({ min: -n, max: n - 1 })
}

/** An array of `T` as long as `l` needs, filled with `values` over and over. */
export function dataOf(T: Ctor, l: Layout, values: readonly (number | bigint)[]): InstanceType<Ctor> {
  const data = new T(l.length) as InstanceType<Ctor>
  for (let i = 0; i < l.length; i++) (data as unknown as (number | bigint)[])[i] = values[i % values.length]!
  return data
}

/**
 * What a call gives as plain data for deepEqual: a view as `{ shape, type, values }`, a typed array as
 * `{ type, values }`, a `{ min, max }` pair of either with each converted, anything else as it is.
 */
export function plain(result: unknown): unknown {
  if (result instanceof pb.StridedView) {
    return { shape: [...result.shape], type: result.data.constructor.name, values: Array.from(result.data as ArrayLike<number | bigint>) }
  }
  if (ArrayBuffer.isView(result)) return { type: result.constructor.name, values: Array.from(result as unknown as ArrayLike<number | bigint>) }
  if (typeof result === 'object' && result !== null && 'min' in result) {
    const { min, max } = result as { min: unknown; max: unknown }
    return { min: plain(min), max: plain(max) }
  }
  return result
}

/** `x` as JSON, with bigints, -0 and NaN told apart from numbers, 0 and null. */
export const show = (x: unknown): string =>
  JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v))

/** Whether `a` and `b` are the same plain data as {@link show} tells them. */
export const same = (a: unknown, b: unknown): boolean => show(a) === show(b)

/** What a call gives: its value as {@link plain} data, or its error's code. */
export function outcome(f: () => unknown): unknown {
  try {
    return plain(f())
  } catch (error) {
    return (error as { code?: string }).code ?? error
  }
}
