// Writes crates/parabuf-core/tests/data/expr_js_cases.txt: what V8 computes for expressions of the expression language
// (written as the same JavaScript with Math.*) on special and random doubles, and what it stores into each typed array
// type for those doubles. The core's tests (src/expr/tests.rs) hold the interpreter to it.
//
//   node scripts/expr-js-cases.mjs        (Node 24 or later, for Float16Array)
//
// Lines: `source<TAB>x[<TAB>y[<TAB>z]]<TAB>result` (as many arguments as the source has variables) and
// `store:Type<TAB>x<TAB>stored`, every double as the 16 hex digits of its bits (the stored element as a double too).
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'crates', 'parabuf-core', 'tests', 'data', 'expr_js_cases.txt')

const f64 = new Float64Array(1)
const u64 = new BigUint64Array(f64.buffer)
const hex = (x) => {
  f64[0] = x
  return u64[0].toString(16).padStart(16, '0')
}

const SPECIAL = [
  0, -0, 0.5, -0.5, 1, -1, 1.5, -2.5, 0.49999999999999994, -0.49999999999999994, 3, -7.25, 2 ** 53 + 2, -(2 ** 52) - 0.5,
  5e-324, -2.2250738585072014e-308, 1e308, -1.7976931348623157e308, Infinity, -Infinity, NaN,
]
// For operators of two arguments: every pair.
const PAIRS = [0, -0, 0.5, -0.5, 1, -1, 1.5, -2.5, 0.49999999999999994, 3, 5e-324, 1e308, -1.7976931348623157e308, Infinity, -Infinity, NaN]
const FEW = [0, -0, 1, -1, 0.5, -2.5, Infinity, NaN]

// A deterministic spread of doubles: magnitudes over many binades, either sign.
let seed = 0x2545f4914f6cdd1dn
function random() {
  seed ^= seed << 13n
  seed &= (1n << 64n) - 1n
  seed ^= seed >> 7n
  seed ^= seed << 17n
  seed &= (1n << 64n) - 1n
  return Number(seed >> 11n) / 2 ** 53
}
const wide = () => (random() < 0.5 ? -1 : 1) * (0.5 + random()) * 2 ** Math.floor(random() * 40 - 20)
const RANDOM = Array.from({ length: 24 }, wide)

const lines = []
const evalCase = (source, js, args) => {
  const f = new Function('x', 'y', 'z', `return ${js}`)
  // One argument per variable of the source (they appear in the order x, y, z in every source here).
  args = args.slice(0, new Set(source.match(/\b[xyz]\b/g) ?? []).size)
  lines.push([source, ...args.map(hex), hex(f(...args))].join('\t'))
}

const UNARY = [
  'abs', 'sign', 'sqrt', 'cbrt', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sin', 'cos', 'tan', 'asin', 'acos',
  'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'floor', 'ceil', 'round', 'trunc',
]
for (const f of UNARY) for (const x of [...SPECIAL, ...RANDOM]) evalCase(`${f}(x)`, `Math.${f}(x)`, [x])
for (const [source, js] of [['-x', '-x'], ['+x', '+x'], ['!x', '+!x'], ['hypot(x)', 'Math.hypot(x)'], ['min(x)', 'Math.min(x)']]) {
  for (const x of SPECIAL) evalCase(source, js, [x])
}

const BINARY = [
  ['x + y', 'x + y'], ['x - y', 'x - y'], ['x * y', 'x * y'], ['x / y', 'x / y'], ['x % y', 'x % y'],
  ['x ** y', 'x ** y'], ['pow(x, y)', 'Math.pow(x, y)'], ['x < y', '+(x < y)'], ['x <= y', '+(x <= y)'],
  ['x > y', '+(x > y)'], ['x >= y', '+(x >= y)'], ['x == y', '+(x == y)'], ['x != y', '+(x != y)'],
  ['x === y', '+(x === y)'], ['x && y', 'x && y'], ['x || y', 'x || y'], ['min(x, y)', 'Math.min(x, y)'],
  ['max(x, y)', 'Math.max(x, y)'], ['atan2(x, y)', 'Math.atan2(x, y)'], ['hypot(x, y)', 'Math.hypot(x, y)'],
  ['(-x) ** y', '(-x) ** y'], ['x ** -y', 'x ** -y'],
]
for (const [source, js] of BINARY) for (const x of PAIRS) for (const y of PAIRS) evalCase(source, js, [x, y])
for (const [source, js] of BINARY.filter(([s]) => /[*+/%-]|atan2|hypot/.test(s))) {
  for (let i = 0; i < 24; i++) evalCase(source, js, [RANDOM[i], RANDOM[(i * 7 + 3) % 24]])
}

const TERNARY = [
  ['x ? y : z', 'x ? y : z'], ['where(x, y, z)', 'x ? y : z'], ['clamp(x, y, z)', 'Math.min(Math.max(x, y), z)'],
  ['min(x, y, z)', 'Math.min(x, y, z)'], ['max(x, y, z)', 'Math.max(x, y, z)'], ['hypot(x, y, z)', 'Math.hypot(x, y, z)'],
  ['x ? y : z ? x : y', 'x ? y : z ? x : y'], ['x || y && z', 'x || y && z'], ['!x || y', '+!x || y'],
]
for (const [source, js] of TERNARY) for (const x of FEW) for (const y of FEW) for (const z of FEW) evalCase(source, js, [x, y, z])
for (const source of ['hypot(x, y, z)', 'clamp(x, y, z)']) {
  const js = TERNARY.find(([s]) => s === source)[1]
  for (let i = 0; i < 24; i++) evalCase(source, js, [RANDOM[i], RANDOM[(i + 11) % 24], RANDOM[(i * 3 + 5) % 24]])
}
// Composite expressions, each a line of JavaScript with the same meaning.
const COMPOSITE = [
  ['x * y + z', 'x * y + z'], ['sqrt(x*x + y*y)', 'Math.sqrt(x*x + y*y)'], ['sin(x) * exp(-x*x)', 'Math.sin(x) * Math.exp(-x*x)'],
  ['2 ** 3 ** 2 + x', '2 ** 3 ** 2 + x'], ['-x % 3 - y / -0', '-x % 3 - y / -0'], ['x > y ? x - y : -(y - x)', 'x > y ? x - y : -(y - x)'],
  ['round(x * 10) / 10 + sign(y) * abs(z)', 'Math.round(x * 10) / 10 + Math.sign(y) * Math.abs(z)'],
  ['(x + y + z) / 3 - PI * E', '(x + y + z) / 3 - Math.PI * Math.E'], ['!!x + !y * 2', '+!!x + !y * 2'],
  ['floor(x) % ceil(y) + trunc(z)', 'Math.floor(x) % Math.ceil(y) + Math.trunc(z)'],
]
for (const [source, js] of COMPOSITE) {
  for (const x of FEW) for (const y of FEW) evalCase(source, js, [x, y, 1.5])
  for (let i = 0; i < 24; i++) evalCase(source, js, [RANDOM[i], RANDOM[(i + 5) % 24], RANDOM[(i + 9) % 24]])
}

const TYPES = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float16Array, Float32Array, Float64Array]
const STORE = [
  ...SPECIAL, ...RANDOM.map((x) => x * 1e3), 127.5, 128, -128.5, -129, 255.5, 254.5, 256, 65535.5, 65536 + 3.7, -32768.5,
  2147483647.5, 2147483648, -2147483649, 4294967295.5, 4294967296 + 12, 1e20, -1e20, 2 ** 63, 2 ** 64 + 2 ** 12,
  1 + 2 ** -11 + 2 ** -40, 65519.99, 65520, 2 ** -25, 2 ** -25 + 2 ** -60, 3.4028235677973366e38, 1 + 2 ** -24,
]
for (const T of TYPES) {
  const a = new T(1)
  for (const x of STORE) {
    a[0] = x
    lines.push([`store:${T.name}`, hex(x), hex(a[0])].join('\t'))
  }
}

writeFileSync(out, lines.join('\n') + '\n')
console.log(`${lines.length} lines to ${out} (${process.version})`)
