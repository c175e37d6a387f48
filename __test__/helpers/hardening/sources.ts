// The expression sources the hardening fuzzer uses, and what each is by the documented language (src/expression.ts):
// its variables in order of first appearance and a JavaScript function computing the same doubles, or a syntax error.
// The model never asks parabuf: a source outside this table is a bug of the generator.

/** A source of the table: valid (its variables and its value per element) or refused as a syntax error. */
export type SourceModel =
  | { readonly variables: readonly string[]; readonly f: (...values: number[]) => number }
  | { readonly syntax: true }

const syntax = { syntax: true } as const

/** `x+x+…+x` of `n` terms, left to right as the language (and JavaScript) adds. */
const repeatedSum = (n: number) => (x: number) => {
  let s = x
  for (let i = 1; i < n; i++) s += x
  return s
}

const DEEP = 100_000

/** Every source the generators draw, by its text. */
export const SOURCES: ReadonlyMap<string, SourceModel> = new Map<string, SourceModel>([
  ['x', { variables: ['x'], f: (x) => x }],
  ['x * 2 + y', { variables: ['x', 'y'], f: (x, y) => x * 2 + y }],
  ['sqrt(x*x + y*y)', { variables: ['x', 'y'], f: (x, y) => Math.sqrt(x * x + y * y) }],
  ['where(x > y, x, y) - z', { variables: ['x', 'y', 'z'], f: (x, y, z) => (x > y ? x : y) - z }],
  ['y / x', { variables: ['y', 'x'], f: (y, x) => y / x }],
  ['x % 3 - abs(y)', { variables: ['x', 'y'], f: (x, y) => (x % 3) - Math.abs(y) }],
  ['1 + 2', { variables: [], f: () => 3 }],
  ['(-x) ** 2 + min(x, y)', { variables: ['x', 'y'], f: (x, y) => (-x) ** 2 + Math.min(x, y) }],
  ['x+'.repeat(2000) + 'x', { variables: ['x'], f: repeatedSum(2001) }], // 6 KiB: beyond the cache's 4 KiB
  ['('.repeat(50) + 'x' + ')'.repeat(50), { variables: ['x'], f: (x) => x }],
  ['('.repeat(DEEP) + 'x' + ')'.repeat(DEEP), syntax], // nesting too deep
  ['-'.repeat(DEEP) + 'x', syntax], // unary operators nest as deep
  ['', syntax],
  ['   ', syntax],
  ['sqrt(x', syntax],
  ['x +', syntax],
  ['x y', syntax],
  ['foo(x)', syntax],
  ['atan2(x)', syntax],
  ['clamp(x, 1)', syntax],
  ['1 +* 2', syntax],
  ['x\u0000', syntax],
  ['x @ y', syntax],
  [')', syntax],
  ['x = 1', syntax],
  ['x.y', syntax],
  ['constructor', { variables: ['constructor'], f: (x) => x }],
  ['__proto__ + 1', { variables: ['__proto__'], f: (x) => x + 1 }],
])

/** Sources with variables, by the names the world gives their compiled expressions (`expr.<name>`). */
export const WORLD_EXPRESSIONS: Readonly<Record<string, string>> = {
  x: 'x',
  xy: 'x * 2 + y',
  hyp: 'sqrt(x*x + y*y)',
  xyz: 'where(x > y, x, y) - z',
  yx: 'y / x',
  const: '1 + 2',
  proto: '__proto__ + 1',
}

/** The model of a source of the table (a source outside it is a bug of the generator). */
export function sourceModel(source: string): SourceModel {
  const model = SOURCES.get(source)
  if (model === undefined) throw new Error(`the hardening model does not know the source ${JSON.stringify(source.slice(0, 40))}`)
  return model
}
