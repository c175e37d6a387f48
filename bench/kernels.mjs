// The plain-JavaScript contenders: loops written the way a careful user would write them (several independent
// accumulators, no allocation, no closures in the loop). The main thread runs them on whole arrays; the worker pool
// runs them on slices [lo, hi) and combines the partial results.

/** Sum of x[lo..hi), four accumulators. */
export function sum(x, lo = 0, hi = x.length) {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let i = lo
  for (const end = hi - 3; i < end; i += 4) {
    s0 += x[i]
    s1 += x[i + 1]
    s2 += x[i + 2]
    s3 += x[i + 3]
  }
  for (; i < hi; i++) s0 += x[i]
  return s0 + s1 + (s2 + s3)
}

/** Smallest and largest of x[lo..hi) (NaN-oblivious, as a hand-written loop usually is), two pairs of accumulators. */
export function minmax(x, lo = 0, hi = x.length) {
  let min0 = Infinity
  let max0 = -Infinity
  let min1 = Infinity
  let max1 = -Infinity
  let i = lo
  for (const end = hi - 1; i < end; i += 2) {
    const a = x[i]
    const b = x[i + 1]
    if (a < min0) min0 = a
    if (a > max0) max0 = a
    if (b < min1) min1 = b
    if (b > max1) max1 = b
  }
  if (i < hi) {
    if (x[i] < min0) min0 = x[i]
    if (x[i] > max0) max0 = x[i]
  }
  return { min: Math.min(min0, min1), max: Math.max(max0, max1) }
}

/** Count, mean and sum of squared deviations of x[lo..hi): two passes (mean, then deviations), four accumulators. */
export function moments(x, lo = 0, hi = x.length) {
  const n = hi - lo
  if (n === 0) return { n: 0, mean: 0, m2: 0 }
  const mean = sum(x, lo, hi) / n
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let i = lo
  for (const end = hi - 3; i < end; i += 4) {
    const d0 = x[i] - mean
    const d1 = x[i + 1] - mean
    const d2 = x[i + 2] - mean
    const d3 = x[i + 3] - mean
    s0 += d0 * d0
    s1 += d1 * d1
    s2 += d2 * d2
    s3 += d3 * d3
  }
  for (; i < hi; i++) {
    const d = x[i] - mean
    s0 += d * d
  }
  return { n, mean, m2: s0 + s1 + (s2 + s3) }
}

/** Population variance (ddof 0), as parabuf's default. */
export function variance(x) {
  const { n, m2 } = moments(x)
  return m2 / n
}

/** Chan et al.'s combination of two {n, mean, m2} partials. */
export function combineMoments(a, b) {
  const n = a.n + b.n
  if (n === 0) return a
  const delta = b.mean - a.mean
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n }
}

/** Sum of a[i] * b[i] over [lo, hi), four accumulators. */
export function dot(a, b, lo = 0, hi = a.length) {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let i = lo
  for (const end = hi - 3; i < end; i += 4) {
    s0 += a[i] * b[i]
    s1 += a[i + 1] * b[i + 1]
    s2 += a[i + 2] * b[i + 2]
    s3 += a[i + 3] * b[i + 3]
  }
  for (; i < hi; i++) s0 += a[i] * b[i]
  return s0 + s1 + (s2 + s3)
}

/** Adds the counts of x[lo..hi) in `bins` equal-width bins over [min, max] (max in the last bin) to `counts`. */
export function histogramInto(counts, x, bins, min, max, lo = 0, hi = x.length) {
  const scale = bins / (max - min)
  const last = bins - 1
  for (let i = lo; i < hi; i++) {
    const v = x[i]
    if (v >= min && v <= max) {
      const b = ((v - min) * scale) | 0
      counts[b > last ? last : b]++
    }
  }
  return counts
}

/** Counts of x in `bins` equal-width bins over [min, max]. */
export function histogram(x, bins, min, max) {
  return histogramInto(new Float64Array(bins), x, bins, min, max)
}

/** Merges the sorted runs of `src` that start at `starts` (and end where the next starts, the last at `n`) into `dst`. */
export function mergeRuns(src, dst, starts, n) {
  let runs = starts.map((s, i) => [s, i + 1 < starts.length ? starts[i + 1] : n])
  let from = src
  let to = dst
  while (runs.length > 1) {
    const next = []
    for (let r = 0; r < runs.length; r += 2) {
      if (r + 1 === runs.length) {
        const [lo, hi] = runs[r]
        to.set(from.subarray(lo, hi), lo)
        next.push(runs[r])
        continue
      }
      const [lo, mid] = runs[r]
      const hi = runs[r + 1][1]
      let i = lo
      let j = mid
      let k = lo
      while (i < mid && j < hi) {
        const a = from[i]
        const b = from[j]
        if (b < a) {
          to[k++] = b
          j++
        } else {
          to[k++] = a
          i++
        }
      }
      if (i < mid) to.set(from.subarray(i, mid), k)
      else if (j < hi) to.set(from.subarray(j, hi), k)
      next.push([lo, hi])
    }
    runs = next
    ;[from, to] = [to, from]
  }
  return from
}
