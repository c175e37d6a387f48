// Completes package-lock.json with the per-platform optional packages that `npm install` could not resolve, so that
// `npm ci` accepts the lockfile. Two kinds are missing:
// - parabuf's own parabuf-<platform> packages before their version is published;
// - platform builds of tool dependencies (@napi-rs/lzma-*, ...) that a partial registry mirror lacks.
// Each added entry carries the os/cpu/libc its name implies, so npm skips it on every other platform; on the one
// platform it matches, npm tries it like any optional dependency and carries on without it.
// `--check` only reports whether entries are missing (npm run lint runs it).
import { readFileSync, writeFileSync } from 'node:fs'

const LOCK = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(LOCK, 'utf8'))
const packages = lock.packages

const CPUS = { x64: 'x64', arm64: 'arm64', arm: 'arm', ia32: 'ia32', riscv64: 'riscv64', ppc64: 'ppc64', s390x: 's390x', wasm32: 'wasm32', universal: undefined }
const OSES = ['android', 'darwin', 'freebsd', 'linux', 'win32', 'openharmony', 'wasm32']

function platformOf(name) {
  const parts = name.split('/').pop().split('-')
  const at = parts.findIndex((p) => OSES.includes(p))
  if (at < 0) return undefined
  const [os, cpu, abi] = parts.slice(at)
  if (os === 'wasm32') return { cpu: ['wasm32'] }
  const entry = { os: [os] }
  if (cpu === 'universal') entry.cpu = ['x64', 'arm64']
  else if (CPUS[cpu]) entry.cpu = [CPUS[cpu]]
  if (os === 'linux' && abi) entry.libc = [abi.startsWith('musl') ? 'musl' : 'glibc']
  return entry
}

let added = 0
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const prefix = path === '' ? '' : `${path}/`
    if (packages[`${prefix}node_modules/${name}`] || packages[`node_modules/${name}`]) continue
    const platform = platformOf(name)
    if (!platform) continue
    const version = range.replace(/^[\^~=]/, '')
    packages[`node_modules/${name}`] = { version, ...platform, optional: true }
    added++
  }
}
if (process.argv.includes('--check')) {
  if (added > 0) {
    console.error(`package-lock.json lacks ${added} optional platform entries: run node scripts/lock-optional-platforms.mjs`)
    process.exit(1)
  }
  process.exit(0)
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))))
lock.packages = sorted
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`lock-optional-platforms: added ${added} optional platform entries`)
