// `npm run build:cross -- <target>... | --all [--out-dir DIR]`: builds the Linux addons on this (x64 Linux) machine
// and checks each result's architecture, libc and glibc floor. Targets are napi-rs platform names or Rust triples:
//   linux-x64-gnu, linux-arm64-gnu    gcc cross toolchains with a glibc 2.17 sysroot (@napi-rs/cross-toolchain-*)
//   linux-x64-musl, linux-arm64-musl  `napi build --cross-compile`: cargo-zigbuild with zig from PyPI
// Everything it fetches goes to ${XDG_CACHE_HOME:-~/.cache}/parabuf-cross (or $PARABUF_CROSS_CACHE), never the
// checkout; a second run reuses it, and cargo's output for each target is kept in <CARGO_TARGET_DIR or
// target>/cross/<platform>, so a re-run rebuilds nothing that did not change. The napi build arguments are those of
// `npm run build:native` (package.json), so the output has the same layout: <out>/parabuf.<platform>.node plus the
// generated index.d.ts type definitions.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { PINS, TARGETS, cacheDir, npmPackage, once, parseArgs, root, run, seconds, verifyBinary } from './cross-common.mjs'

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/** `npm run build:native`'s napi arguments, with the output folder replaced. */
function napiArgs(outDir) {
  const words = manifest.scripts['build:native'].split(/\s+/)
  if (words[0] !== 'napi' || words[1] !== 'build') throw new Error(`package.json build:native is not a napi build: ${manifest.scripts['build:native']}`)
  const args = words.slice(1)
  const at = args.indexOf('--output-dir')
  if (at < 0) throw new Error('package.json build:native has no --output-dir')
  args[at + 1] = outDir
  return args
}

function ensureRustTarget(triple) {
  const installed = run('rustup', ['target', 'list', '--installed'], { capture: true, what: 'rustup' }).split('\n')
  if (!installed.includes(triple)) run('rustup', ['target', 'add', triple], { what: `rustup target add ${triple}` })
}

/** The gcc + glibc 2.17 sysroot toolchain for a gnu triple, unpacked from its pinned npm package. */
function gnuToolchain(triple) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${triple}: the napi-rs cross toolchains in the npm registry run on an x64 Linux host only (this is ${process.platform}-${process.arch})`)
  }
  const spec = PINS.crossToolchain[triple]
  const dir = cacheDir('napi-cross', spec.replace(/^@napi-rs\//, '').replace('@', '-'))
  once(dir, (tmp) => {
    const pkg = npmPackage(spec, tmp)
    const archive = readdirSync(pkg).find((f) => f.endsWith('.tar.xz'))
    if (!archive) throw new Error(`${spec}: no .tar.xz toolchain inside the package`)
    run('tar', ['-xJf', join(pkg, archive), '-C', tmp], { what: `unpacking ${archive}` })
    run('rm', ['-rf', pkg])
  })
  const gcc = join(dir, 'bin', `${triple}-gcc`)
  if (!existsSync(gcc)) throw new Error(`${spec}: ${gcc} is missing after unpacking`)
  const tool = (name) => join(dir, 'bin', `${triple}-${name}`)
  const key = triple.replace(/-/g, '_')
  // The variables `napi build --use-napi-cross` would set (see docs/platforms.md for why it is not used directly):
  // the linker for cargo, and the compilers for cc-rs both as a cross and as a host-triple build.
  return {
    [`CARGO_TARGET_${key.toUpperCase()}_LINKER`]: gcc,
    [`CC_${key}`]: gcc,
    [`CXX_${key}`]: tool('g++'),
    [`AR_${key}`]: tool('ar'),
    [`RANLIB_${key}`]: tool('ranlib'),
    TARGET_SYSROOT: join(dir, triple, 'sysroot'),
  }
}

/** zig (PyPI `ziglang`, in a venv) and cargo-zigbuild (cargo install --root), both pinned, first on PATH. */
function zigTools() {
  const venv = cacheDir(`zig-${PINS.zig}`)
  once(venv, (tmp) => {
    run('python3', ['-m', 'venv', tmp], { what: 'python3 -m venv (for zig)' })
    run(join(tmp, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `ziglang==${PINS.zig}`], { what: `pip install ziglang==${PINS.zig}` })
  })
  const zig = spawnSync(join(venv, 'bin', 'python3'), ['-c', 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))'], { encoding: 'utf8' })
  const zigPath = zig.stdout?.trim()
  if (zig.status !== 0 || !zigPath || !existsSync(zigPath)) throw new Error(`zig: ziglang ${PINS.zig} in ${venv} has no zig binary (${zig.stderr})`)
  const zigBin = cacheDir(`zig-${PINS.zig}`, 'path')
  if (!existsSync(join(zigBin, 'zig'))) run('ln', ['-sf', zigPath, join(zigBin, 'zig')])
  const version = run(join(zigBin, 'zig'), ['version'], { capture: true, what: 'zig version' }).trim()
  if (version !== PINS.zig) throw new Error(`zig: ${join(zigBin, 'zig')} is ${version}, expected ${PINS.zig}`)

  const zigbuildRoot = cacheDir(`cargo-zigbuild-${PINS.cargoZigbuild}`)
  const zigbuild = join(zigbuildRoot, 'bin', 'cargo-zigbuild')
  const installed = existsSync(zigbuild) && spawnSync(zigbuild, ['--version'], { encoding: 'utf8' }).stdout?.includes(PINS.cargoZigbuild)
  if (!installed) {
    run('cargo', ['install', 'cargo-zigbuild', '--version', PINS.cargoZigbuild, '--locked', '--root', zigbuildRoot], {
      what: `cargo install cargo-zigbuild@${PINS.cargoZigbuild}`,
    })
  }
  return {
    PATH: [zigBin, join(zigbuildRoot, 'bin'), process.env.PATH].join(':'),
    CARGO_ZIGBUILD_ZIG_PATH: join(zigBin, 'zig'),
    CARGO_ZIGBUILD_CACHE_DIR: cacheDir('cargo-zigbuild-cache'),
  }
}

function build(platform, outDir) {
  const target = TARGETS[platform]
  const start = performance.now()
  ensureRustTarget(target.triple)
  // A target folder per platform: the gnu builds give cargo a linker for their triple, which for x86_64 also links
  // the host's build scripts and proc macros, and cargo rebuilds whatever was linked differently before. Sharing one
  // folder would rebuild every dependency at each switch between targets (and with `npm run build`).
  const targetDir = join(process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, 'target'), 'cross', platform)
  const env = { ...process.env, CARGO_TARGET_DIR: targetDir }
  const args = [...napiArgs(outDir), '--target', target.triple]
  if (target.libc === 'gnu') Object.assign(env, gnuToolchain(target.triple))
  else {
    Object.assign(env, zigTools())
    args.push('--cross-compile')
  }
  const fetched = seconds(start)
  console.log(`build:cross: ${platform}: napi ${args.join(' ')}`)
  const cli = join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm install first`)
  const buildStart = performance.now()
  run(process.execPath, [cli, ...args], { cwd: root, env, what: `napi build for ${platform}` })
  const file = join(outDir, `${manifest.napi.binaryName}.${platform}.node`)
  if (!existsSync(file)) throw new Error(`${platform}: napi build succeeded but ${file} does not exist`)
  const summary = verifyBinary(platform, file)
  return { summary, time: `${seconds(start)} s (tools ${fetched} s, build ${seconds(buildStart)} s)` }
}

let parsed
try {
  parsed = parseArgs(process.argv.slice(2), ['--out-dir'])
} catch (error) {
  console.error(`build:cross: ${error.message}\nusage: npm run build:cross -- <target>... | --all [--out-dir DIR]`)
  process.exit(2)
}
const outDir = resolve(root, parsed.options['out-dir'] ?? join('src', 'binding'))
const results = []
for (const platform of parsed.targets) {
  try {
    results.push({ platform, ...build(platform, outDir) })
  } catch (error) {
    for (const r of results) console.log(`build:cross: ok   ${r.summary} [${r.time}]`)
    console.error(`build:cross: FAILED ${platform}: ${error.message}`)
    process.exit(1)
  }
}
for (const r of results) console.log(`build:cross: ok   ${r.summary} [${r.time}]`)
