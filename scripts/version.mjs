// Keeps the root package and the per-platform packages under npm/ at one version.
//
// `npm run set-version -- <x>` bumps package.json and package-lock.json (`npm version --no-git-tag-version`), sets every
// npm/<platform>/package.json to that version (`napi version`), then points the root's optionalDependencies on the
// platform packages at it (in package.json and in the lockfile's root entry). Commit and tag `v<x>` yourself. It is not
// npm's `version` lifecycle script because the published manifest carries no lifecycle scripts.
//
// `node scripts/version.mjs --check` changes nothing: it exits 1 when any package is out of step (CI runs it).
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const check = process.argv.includes('--check')
const setAt = process.argv.indexOf('--set')
if (setAt >= 0) {
  const next = process.argv[setAt + 1]
  if (!next) {
    console.error('version: usage: npm run set-version -- <version>')
    process.exit(1)
  }
  const npm = process.env.npm_execpath
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (npm) run(process.execPath, [npm, 'version', next, '--no-git-tag-version', '--ignore-scripts'])
  else run('npm', ['version', next, '--no-git-tag-version', '--ignore-scripts'])
  run(join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'napi.cmd' : 'napi'), ['version'])
}
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'))
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`)

const pkgPath = join(root, 'package.json')
const pkg = readJson(pkgPath)
const { version } = pkg
const problems = []

// The platform packages are the npm/<dir>/ folders `napi create-npm-dirs` made from napi.targets.
const npmDir = join(root, 'npm')
const platformPackages = readdirSync(npmDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(npmDir, entry.name, 'package.json')))
  .map((entry) => ({ dir: `npm/${entry.name}`, manifest: readJson(join(npmDir, entry.name, 'package.json')) }))
if (platformPackages.length === 0) problems.push('npm/ holds no platform package (run `npx napi create-npm-dirs`)')
const expectedDirs = (pkg.napi?.targets ?? []).length
if (platformPackages.length !== expectedDirs) {
  problems.push(`npm/ holds ${platformPackages.length} platform packages but napi.targets lists ${expectedDirs}`)
}

for (const { dir, manifest } of platformPackages) {
  if (manifest.version !== version) problems.push(`${dir}/package.json is at ${manifest.version}, the root at ${version}`)
}

const names = platformPackages.map(({ manifest }) => manifest.name).sort()
const wanted = Object.fromEntries(names.map((name) => [name, version]))
const current = pkg.optionalDependencies ?? {}
const same = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())
if (!same(current, wanted)) {
  problems.push(`package.json optionalDependencies ${JSON.stringify(current)} should be ${JSON.stringify(wanted)}`)
}

const lockPath = join(root, 'package-lock.json')
const lock = existsSync(lockPath) ? readJson(lockPath) : undefined
const lockRoot = lock?.packages?.['']
if (lockRoot && !same(lockRoot.optionalDependencies ?? {}, wanted)) {
  problems.push('package-lock.json root optionalDependencies are out of step with package.json')
}
// A lockfile entry for an older build of a platform package no longer satisfies the bumped range.
const staleLockEntries = Object.keys(lock?.packages ?? {}).filter(
  (key) => names.some((name) => key === `node_modules/${name}`) && lock.packages[key].version !== version,
)
for (const key of staleLockEntries) {
  problems.push(`package-lock.json pins ${key}@${lock.packages[key].version}, the root is at ${version}`)
}

if (check) {
  if (problems.length > 0) {
    for (const p of problems) console.error(`version: ${p}`)
    console.error('version: out of step; `npm version <new>` runs the fix, or run `npx napi version && node scripts/version.mjs`')
    process.exit(1)
  }
  console.log(`version: root and ${platformPackages.length} platform packages all at ${version}`)
  process.exit(0)
}

// Write mode: only the platform-package versions themselves must already be right (that is `napi version`'s job).
const unfixable = platformPackages.filter(({ manifest }) => manifest.version !== version)
if (unfixable.length > 0) {
  for (const { dir, manifest } of unfixable) console.error(`version: ${dir} is at ${manifest.version}, expected ${version}`)
  console.error('version: run `npx napi version` first')
  process.exit(1)
}
pkg.optionalDependencies = wanted
writeJson(pkgPath, pkg)
if (lockRoot) {
  lockRoot.optionalDependencies = wanted
  for (const key of staleLockEntries) delete lock.packages[key]
  writeJson(lockPath, lock)
}
console.log(`version: root optionalDependencies point at ${names.length} platform packages at ${version}`)
