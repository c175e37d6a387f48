// The export ledger under load: what a borrow, a release and an unrelated synchronous operation cost with 0, 1,000 and
// 100,000 live exports, against the targets of the export-model work (with 100,000 live exports: a borrow or a release
// ≤ 2 µs, an unrelated sync op ≤ 0.2 µs more than with none).
//
//   npm run bench:ledger        results in bench/results/ledger.{json,md}
//   node --expose-gc bench/ledger.mjs [--out=DIR]
import './addon.mjs'

import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { measure } from 'mitata'
import { borrow, liveExportCount, sumSync } from 'parabuf'

const here = dirname(fileURLToPath(import.meta.url))
const OUT = process.argv.find((a) => a.startsWith('--out='))?.slice(6) ?? join(here, 'results')
const LIVE = [0, 1_000, 100_000]
const TARGET = { borrowRelease: 2_000, unrelatedSumExtra: 200 } // ns, at 100,000 live exports

if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc (npm run bench:ledger does)')
  process.exit(2)
}

const p50 = async (fn) => (await measure(fn, { min_cpu_time: 300e6, min_samples: 20 })).p50

/** Takes `count` live exports: read exports of disjoint 8-byte windows of one buffer, as many handles hold. */
function holdExports(count) {
  const backing = new Float64Array(Math.max(count, 1))
  const handles = []
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < count; i++) handles.push(borrow(backing.subarray(i, i + 1), i % 2 ? 'read' : 'write'))
  const created = Number(process.hrtime.bigint() - t0)
  return { handles, createdPerExport: count ? created / count : 0 }
}

function releaseAll(handles) {
  const t0 = process.hrtime.bigint()
  for (const h of handles) h.release()
  return handles.length ? Number(process.hrtime.bigint() - t0) / handles.length : 0
}

const unrelated = new Float64Array(1000).fill(0.5)
const other = new Float64Array(64)
const rows = []
for (const live of LIVE) {
  globalThis.gc()
  const before = liveExportCount()
  const { handles, createdPerExport } = holdExports(live)
  const borrowRelease = await p50(() => borrow(other, 'write').release())
  const borrowRead = await p50(() => borrow(other, 'read').release())
  const unrelatedSum = await p50(() => sumSync(unrelated))
  const releasedPerExport = releaseAll(handles)
  if (liveExportCount() !== before) throw new Error('the bench leaked exports')
  rows.push({ live, createdPerExport, releasedPerExport, borrowRelease, borrowRead, unrelatedSum })
  console.log(
    `${String(live).padStart(7)} live: borrow+release write ${borrowRelease.toFixed(0)} ns, read ${borrowRead.toFixed(0)} ns; ` +
      `sumSync(1e3) ${unrelatedSum.toFixed(0)} ns; creating them ${createdPerExport.toFixed(0)} ns each, releasing ${releasedPerExport.toFixed(0)} ns each`,
  )
}

const none = rows[0]
const most = rows.at(-1)
const targets = [
  {
    description: `borrow+release with ${most.live.toLocaleString('en')} live exports ≤ ${TARGET.borrowRelease / 1000} µs`,
    measured: `${(Math.max(most.borrowRelease, most.borrowRead) / 1000).toFixed(3)} µs (creating each of them: ${(most.createdPerExport / 1000).toFixed(3)} µs, releasing: ${(most.releasedPerExport / 1000).toFixed(3)} µs)`,
    pass: Math.max(most.borrowRelease, most.borrowRead, most.createdPerExport, most.releasedPerExport) <= TARGET.borrowRelease,
  },
  {
    description: `an unrelated sumSync with ${most.live.toLocaleString('en')} live exports ≤ ${TARGET.unrelatedSumExtra / 1000} µs slower than with none`,
    measured: `${((most.unrelatedSum - none.unrelatedSum) / 1000).toFixed(3)} µs (${most.unrelatedSum.toFixed(0)} vs ${none.unrelatedSum.toFixed(0)} ns)`,
    pass: most.unrelatedSum - none.unrelatedSum <= TARGET.unrelatedSumExtra,
  },
]
for (const t of targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.description}: ${t.measured}`)

const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, load: os.loadavg() }
await mkdir(OUT, { recursive: true })
await writeFile(join(OUT, 'ledger.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, rows, targets }, null, 2)}\n`)
const table = [
  '| live exports | borrow+release (write) | borrow+release (read) | sumSync of 1e3 f64 | creating one | releasing one |',
  '| ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.live.toLocaleString('en')} | ${r.borrowRelease.toFixed(0)} ns | ${r.borrowRead.toFixed(0)} ns | ${r.unrelatedSum.toFixed(0)} ns | ${r.live ? `${r.createdPerExport.toFixed(0)} ns` : '–'} | ${r.live ? `${r.releasedPerExport.toFixed(0)} ns` : '–'} |`,
  ),
]
await writeFile(
  join(OUT, 'ledger.md'),
  `# The export ledger under load\n\n${new Date().toISOString()}, Node ${process.version}, ${machine.cpus} × ${machine.model}, load ${machine.load.map((l) => l.toFixed(2)).join(' ')}.\nMedians (mitata p50) of calls made through the public API; the live exports are handles on disjoint 8-byte windows of one buffer, half read, half write.\n\n${table.join('\n')}\n\n${targets.map((t) => `- ${t.pass ? 'PASS' : 'MISS'} ${t.description}: ${t.measured}`).join('\n')}\n`,
)
