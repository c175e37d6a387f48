// The consumer smoke test of an emulated run: loads parabuf as a package (dist/, with the binding the run chose),
// checks which .node file was loaded and on what platform, and compares a few operations with plain JavaScript.
// Prints one JSON line; exits non-zero on the first mismatch.
const assert = require('node:assert/strict')
const { join } = require('node:path')

const root = join(__dirname, '..', '..')
const parabuf = require(root)
const expected = process.env.NAPI_RS_NATIVE_LIBRARY_PATH

async function main() {
  const header = process.report.getReport().header
  const loaded = process.report
    .getReport()
    .sharedObjects.filter((f) => f.endsWith('.node'))
  assert.ok(loaded.includes(expected), `loaded ${JSON.stringify(loaded)}, expected ${expected}`)

  // Integers below 2^53 sum exactly in any order, so the reference loop and the parallel sum must agree bit for bit.
  const n = 3_000_001
  const a = new Float64Array(n)
  let reference = 0
  for (let i = 0; i < n; i++) {
    a[i] = (i % 1999) - 999
    reference += a[i]
  }
  assert.equal(parabuf.sumSync(a), reference)
  assert.equal(await parabuf.sum(a), reference)
  assert.equal(parabuf.minSync(a), -999)
  assert.equal(await parabuf.max(a), 999)

  const ints = Int32Array.from({ length: 100_003 }, (_, i) => (i * 7919) % 10007)
  const sorted = Int32Array.from(ints).sort()
  await parabuf.sort(ints)
  assert.deepEqual(ints, sorted)

  const x = Float64Array.from({ length: 50_000 }, (_, i) => i % 17)
  const y = Float64Array.from({ length: 50_000 }, (_, i) => (i % 13) - 6)
  let dot = 0
  for (let i = 0; i < x.length; i++) dot += x[i] * y[i]
  assert.equal(parabuf.dotSync(x, y), dot)
  parabuf.scaleSync(x, 2)
  assert.equal(x[16], 32)
  assert.equal(parabuf.liveExportCount(), 0)

  console.log(
    JSON.stringify({
      node: process.version,
      arch: process.arch,
      libc: header.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'musl',
      binding: loaded,
      threads: parabuf.threads(),
      checks: 'sum sumSync min max sort dot scale liveExportCount',
    }),
  )
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
