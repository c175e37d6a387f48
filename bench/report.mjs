// Turns a bench result (latest.json) into a markdown report and one log-log SVG plot per case.
//   node bench/report.mjs [DIR]   re-renders DIR/latest.md and DIR/*.svg from DIR/latest.json (default bench/results)
import { readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A duration in nanoseconds, with a unit that keeps 2–3 significant digits. */
export function fmtTime(ns) {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`
  return `${(ns / 1e9).toFixed(2)} s`
}

const gbps = (bytesPerSecond) => (bytesPerSecond / 1e9).toFixed(bytesPerSecond < 1e9 ? 3 : 2)
const sizeLabel = (n) => n.toExponential(0).replace('e+', 'e')

const STYLE = {
  'parabuf-async': { color: '#d62728', width: 3 },
  'parabuf-sync': { color: '#ff7f0e', width: 2, dash: '6 3' },
  'js-loop': { color: '#1f77b4', width: 2 },
  'typedarray-sort': { color: '#1f77b4', width: 2 },
  workers: { color: '#2ca02c', width: 2 },
  'stdlib-pairwise': { color: '#9467bd', width: 2 },
  'native-plain': { color: '#8c564b', width: 2, dash: '2 3' },
}

const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** Throughput (GB/s of input) against size, log-log, one line per contender, the read limit as a dashed line. */
export function plot(c, limit, sizes) {
  const [W, H, left, right, top, bottom] = [760, 420, 64, 536, 40, 360]
  const points = c.contenders.flatMap((x) => x.results.map((r) => r.bytesPerSecond / 1e9))
  const streaming = c.streaming
  const lo = Math.floor(Math.log10(Math.min(...points)))
  const hi = Math.ceil(Math.log10(Math.max(...points, streaming ? limit / 1e9 : 0)))
  const [x0, x1] = [Math.log10(Math.min(...sizes)), Math.log10(Math.max(...sizes))]
  const X = (n) => left + ((Math.log10(n) - x0) / (x1 - x0 || 1)) * (right - left)
  const Y = (g) => bottom - ((Math.log10(g) - lo) / (hi - lo || 1)) * (bottom - top)
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">${escape(c.title)}</text>`,
  ]
  for (let e = lo; e <= hi; e++) {
    out.push(`<line x1="${left}" x2="${right}" y1="${Y(10 ** e)}" y2="${Y(10 ** e)}" stroke="#ddd"/>`)
    out.push(`<text x="${left - 6}" y="${Y(10 ** e) + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)}</text>`)
  }
  for (const n of sizes) {
    out.push(`<line x1="${X(n)}" x2="${X(n)}" y1="${top}" y2="${bottom}" stroke="#eee"/>`)
    out.push(`<text x="${X(n)}" y="${bottom + 18}" text-anchor="middle">${sizeLabel(n)}</text>`)
  }
  out.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#888"/>`)
  out.push(`<text x="${(left + right) / 2}" y="${bottom + 38}" text-anchor="middle">elements</text>`)
  out.push(`<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">GB/s of input (log)</text>`)
  if (streaming) {
    const y = Y(limit / 1e9)
    out.push(`<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#000" stroke-dasharray="8 4"/>`)
    out.push(`<text x="${right - 4}" y="${y - 5}" text-anchor="end">read limit ${gbps(limit)} GB/s</text>`)
  }
  c.contenders.forEach((x, i) => {
    const s = STYLE[x.id] ?? { color: '#7f7f7f', width: 2 }
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : ''
    const path = x.results.map((r) => `${X(r.size).toFixed(1)},${Y(r.bytesPerSecond / 1e9).toFixed(1)}`).join(' ')
    out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="${s.width}"${dash}/>`)
    for (const r of x.results) out.push(`<circle cx="${X(r.size).toFixed(1)}" cy="${Y(r.bytesPerSecond / 1e9).toFixed(1)}" r="3" fill="${s.color}"/>`)
    const ly = top + 10 + i * 22
    out.push(`<line x1="${right + 14}" x2="${right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="${s.width}"${dash}/>`)
    out.push(`<text x="${right + 46}" y="${ly + 4}">${escape(x.label)}</text>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

/** The markdown report. */
export function markdown(results) {
  const { machine, limit, sizes } = results
  const lines = [
    `# parabuf benchmarks${results.quick ? ' (quick run)' : ''}`,
    '',
    `${results.date.slice(0, 16).replace('T', ' ')} UTC · ${machine.model} · ${machine.cpus} CPUs · ${machine.poolThreads} pool threads · ` +
      `${machine.totalMemoryGiB} GiB · Node ${machine.node} · ${machine.platform} · load average ${machine.loadAverage.start.join(' / ')} at start, ` +
      `${machine.loadAverage.end.join(' / ')} at end · ${Math.round(results.durationSeconds / 60)} min`,
    '',
    `**Read limit: ${gbps(limit.bytesPerSecond)} GB/s** — every pool thread XOR-folding u64 words (prefetched 4 KiB ahead, as the kernels read) of a ` +
      `${(limit.probes[0].plain.bytes / 2 ** 30).toFixed(2)} GiB buffer, best of ${limit.probes[0].plain.seconds.length} passes, ` +
      `measured at the start and the end of the run (best kept). The same probe reading through parabuf's views ` +
      `(aligned vector copies into a local buffer, as most kernels read JavaScript memory) reaches ${gbps(limit.viewsBytesPerSecond)} GB/s.` +
      (limit.input
        ? ` The same probe over the ${(limit.input.bytes / 2 ** 30).toFixed(2)} GiB Float64Array that the f64 contenders read reaches ` +
          `${gbps(limit.input.bytesPerSecond)} GB/s: the limit of that memory in particular, which the sum target is held against ` +
          `(fractions in the table are of the private buffer's limit).`
        : ''),
    '',
    'Cells: median time per call, then throughput in GB/s of input (bytes of every input array / median time) and, for ' +
      `sizes ≥ 1e7, that throughput as a fraction of the read limit. Medians of mitata samples after warm-up.`,
    '',
    '## Targets',
    '',
    '| target | measured | |',
    '| --- | --- | --- |',
    ...results.targets.map((t) => `| ${t.description} | ${t.measured} | ${t.pass === null ? 'n/a' : t.pass ? '✅ pass' : '❌ miss'} |`),
    '',
  ]
  for (const c of results.cases) {
    lines.push(`## ${c.title}`, '', `![${c.title}](${c.id}.svg)`, '')
    lines.push(`| contender | ${sizes.map(sizeLabel).join(' | ')} |`, `| --- | ${sizes.map(() => '---:').join(' | ')} |`)
    for (const x of c.contenders) {
      const cells = sizes.map((n) => {
        const r = x.results.find((y) => y.size === n)
        if (!r) return '—'
        const fraction = r.limitFraction == null ? '' : ` · ${(r.limitFraction * 100).toFixed(0)} %`
        const bad = r.check === 'ok' ? '' : ' ⚠'
        return `${fmtTime(r.medianNs)}${bad}<br>${gbps(r.bytesPerSecond)} GB/s${fraction}`
      })
      lines.push(`| ${x.label} | ${cells.join(' | ')} |`)
    }
    const notes = c.contenders.flatMap((x) => x.results.filter((r) => r.check !== 'ok').map((r) => `${x.label} at ${sizeLabel(r.size)}: ${r.check}`))
    if (notes.length) lines.push('', ...notes.map((n) => `⚠ ${n}`))
    lines.push('')
  }
  lines.push(
    '## Event-loop lag',
    '',
    `Largest delay of a 1 ms \`setInterval\` timer while an async call is in flight (ms), leaving out ticks that a V8 ` +
      `garbage-collection pause overlapped, measured in 3 separate windows of calls and the smallest of the three maxima ` +
      `kept: this machine delays timers by itself now and then, and a delay a call causes comes back in every window. ` +
      `Where a V8 pause made a tick later, the delay counting it follows in parentheses. With no call in flight, the same ` +
      `measurement gives ${results.machine.timerNoiseMs ?? '—'} ms, and single spikes of up to ` +
      `${results.machine.idleSpikeMs ?? '—'} ms (timer noise of the idle machine).`,
    '',
    `| case | contender | ${sizes.map(sizeLabel).join(' | ')} |`,
    `| --- | --- | ${sizes.map(() => '---:').join(' | ')} |`,
  )
  for (const c of results.cases) {
    for (const x of c.contenders.filter((y) => y.async)) {
      const cells = sizes.map((n) => {
        const r = x.results.find((y) => y.size === n)
        if (r?.lagMs == null) return '—'
        return r.lagWithGcMs > r.lagMs ? `${r.lagMs.toFixed(2)} (${r.lagWithGcMs.toFixed(2)})` : r.lagMs.toFixed(2)
      })
      lines.push(`| ${c.id} | ${x.label} | ${cells.join(' | ')} |`)
    }
  }
  lines.push('')
  return lines.join('\n')
}

/** Writes DIR/latest.md and DIR/<case>.svg; returns the paths written. */
export async function writeReports(results, dir) {
  const written = []
  const put = async (name, text) => {
    const path = join(dir, name)
    await writeFile(`${path}.tmp`, text)
    await rename(`${path}.tmp`, path)
    written.push(path)
  }
  for (const c of results.cases) await put(`${c.id}.svg`, plot(c, results.limit.bytesPerSecond, results.sizes))
  await put('latest.md', markdown(results))
  return written
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'results')
  const results = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8'))
  console.log(`wrote ${(await writeReports(results, dir)).join(', ')}`)
}
