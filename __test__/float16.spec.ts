// Float16Array exists from Node 24 on (in Node 22 behind the V8 flag --js-float16array): run the Float16 checks in a
// child Node that has it, against this build. That child is this node when it is 24 or newer; else this platform's
// node-<platform>@24 from the npm registry (scripts/node-binary.mjs, cached in a temporary folder); where the registry
// has none (darwin-arm64, win32-arm64, musl Linux), this node with --js-float16array on Node 22.
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import test from 'ava'

import { nodeBinary, runningMajor } from '../scripts/node-binary.mjs'

const here = dirname(fileURLToPath(import.meta.url))

async function float16Node(): Promise<{ node: string; flags: string[]; why: string }> {
  if (runningMajor() >= 24) return { node: process.execPath, flags: [], why: `this node (${process.version})` }
  try {
    return { node: await nodeBinary(24), flags: [], why: 'Node 24 from the npm registry' }
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_NO_NODE_PACKAGE' || runningMajor() < 22) throw error
    return { node: process.execPath, flags: ['--js-float16array'], why: `this node (${process.version}) with --js-float16array: ${(error as Error).message}` }
  }
}

test('every operation handles Float16Array exactly as JavaScript does', async (t) => {
  const { node, flags, why } = await float16Node()
  t.log(`Float16 checks run on ${why}`)
  const { stdout } = await promisify(execFile)(node, [...flags, '--no-warnings', join(here, 'helpers', 'float16-child.mts')], {
    cwd: join(here, '..'),
    env: { ...process.env, NODE_OPTIONS: '' },
  }).catch((error: { stdout?: string; stderr?: string }) => {
    t.log(error.stderr)
    return { stdout: error.stdout ?? '' }
  })
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { node: string; execArgv: string[]; float16: string; checks: number; failures: string[] }
  t.is(report.float16, 'function')
  t.true(Number(/^v(\d+)\./.exec(report.node)?.[1]) >= (flags.length ? 22 : 24), `ran on ${report.node}`)
  t.deepEqual(report.failures, [])
  t.true(report.checks > 1000, `${report.checks} checks ran`)
})
