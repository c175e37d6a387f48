// The bench's peers, side by side with parabuf in the same run: nodejs-polars (the Node user's alternative) and numpy
// (in a Python virtual environment). Neither is a dependency of parabuf: bench/peers/package.json is installed into
// bench/peers/node_modules, and numpy into bench/.venv, on demand, the first time the bench runs. A peer that cannot be
// installed (no network, another platform) is skipped with the reason, and its ratios are reported as not measured.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const PEERS = join(here, 'peers')
const VENV = join(here, '.venv')
const python = join(VENV, 'bin', 'python')

/** nodejs-polars, installed into bench/peers on first use: the module, or a string saying why not. */
export function polars() {
  const entry = join(PEERS, 'node_modules', 'nodejs-polars')
  if (!existsSync(entry)) {
    const npm = process.env.npm_execpath
    const args = ['install', '--prefix', PEERS, '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error']
    const r = npm ? spawnSync(process.execPath, [npm, ...args], { encoding: 'utf8' }) : spawnSync('npm', args, { encoding: 'utf8' })
    if (r.status !== 0) return `npm install of bench/peers failed: ${`${r.stderr}${r.error ?? ''}`.trim().split('\n').pop()}`
  }
  try {
    return createRequire(join(PEERS, 'package.json'))('nodejs-polars')
  } catch (error) {
    return `nodejs-polars does not load here: ${String(error.message).split('\n')[0]}`
  }
}

/** numpy's version in bench/.venv, made on first use, or a string saying why there is none. */
export function numpy() {
  if (!existsSync(python)) {
    const made = spawnSync('python3', ['-m', 'venv', VENV], { encoding: 'utf8' })
    if (made.status !== 0) return `python3 -m venv failed: ${`${made.stderr}${made.error ?? ''}`.trim().split('\n').pop()}`
  }
  return venvPackage('numpy')
}

/** numexpr's version in bench/.venv (beside numpy, installed on first use), or a string saying why there is none. */
export function numexpr() {
  const np = numpy()
  return /^\d/.test(np) ? venvPackage('numexpr') : np
}

/** The version of the Python package `name` in bench/.venv, pip-installed on first use, or why there is none. */
function venvPackage(name) {
  const version = () => spawnSync(python, ['-c', `import ${name}; print(${name}.__version__)`], { encoding: 'utf8' })
  let v = version()
  if (v.status !== 0) {
    const pip = spawnSync(python, ['-m', 'pip', 'install', '--quiet', name], { encoding: 'utf8' })
    if (pip.status !== 0) return `pip install ${name} failed: ${pip.stderr.trim().split('\n').pop()}`
    v = version()
  }
  return v.status === 0 ? v.stdout.trim() : `${name} does not import: ${v.stderr.trim().split('\n').pop()}`
}

/**
 * Times numpy expressions on a copy of `a` (written to a temporary file as raw doubles and read back with
 * np.fromfile): for each named expression over `a`, the median of `rounds` calls in ms, after one warm-up call. `setup`
 * (Python statements over `np` and `a`) runs first, untimed, and defines names the expressions may use.
 */
export function timeNumpy(a, expressions, rounds, setup = '') {
  const dir = mkdtempSync(join(tmpdir(), 'parabuf-bench-'))
  try {
    const file = join(dir, 'a.f64')
    writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    const script = `
import json, sys, time
import numpy as np
a = np.fromfile(sys.argv[1], dtype=np.float64)
exprs = json.loads(sys.argv[2])
scope = {'np': np, 'a': a}
exec(sys.argv[3], scope)
out = {}
for name, expr in exprs.items():
    f = eval('lambda: ' + expr, scope)
    f()
    ts = []
    for _ in range(${rounds}):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    ts.sort()
    out[name] = ts[len(ts) // 2] * 1e3
print(json.dumps(out))
`
    const text = execFileSync(python, ['-c', script, file, JSON.stringify(expressions), setup], { encoding: 'utf8', maxBuffer: 1 << 20 })
    return JSON.parse(text)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The median of `count` calls of `fn` after one more, in ms. */
export function timed(fn, count) {
  fn()
  const ts = []
  for (let i = 0; i < count; i++) {
    const t = performance.now()
    fn()
    ts.push(performance.now() - t)
  }
  return ts.sort((x, y) => x - y)[count >> 1]
}
