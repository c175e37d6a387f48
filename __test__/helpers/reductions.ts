// Every operation that reads one array and returns a value, called synchronously with fixed parameters: the list the
// view and expression suites run over, each checking that a different input form gives what the plain array gives.
import * as pb from 'parabuf'

/** `[name, call]` for every single-array operation that returns a value (reductions, orderings, scans, searches). */
export const REDUCTIONS: readonly (readonly [string, (a: pb.Input) => unknown])[] = [
  ['sum', (a) => pb.sumSync(a)],
  ['mean', (a) => pb.meanSync(a)],
  ['min', (a) => pb.minSync(a)],
  ['max', (a) => pb.maxSync(a)],
  ['minmax', (a) => pb.minmaxSync(a)],
  ['argmin', (a) => pb.argminSync(a)],
  ['argmax', (a) => pb.argmaxSync(a)],
  ['variance', (a) => pb.varianceSync(a, { ddof: 1 })],
  ['std', (a) => pb.stdSync(a)],
  ['norm', (a) => pb.normSync(a)],
  ['countNonZero', (a) => pb.countNonZeroSync(a)],
  ['median', (a) => pb.medianSync(a)],
  ['quantile', (a) => pb.quantileSync(a, [0.1, 0.9])],
  ['histogram', (a) => pb.histogramSync(a, { bins: 5, min: -10, max: 10 })],
  ['argsort', (a) => pb.argsortSync(a)],
  ['topk', (a) => pb.topkSync(a, 2)],
  ['unique', (a) => pb.uniqueSync(a)],
  ['cumsum', (a) => pb.cumsumSync(a)],
  ['searchsorted', (a) => pb.searchsortedSync(a, [0, 1.5])],
]
