// Float16Array exists from Node 24 on: run the Float16 checks in a real Node 24 (installed from the npm registry into a
// temporary cache by scripts/node-binary.mjs) against this build.
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import test from 'ava'

import { nodeBinary } from '../scripts/node-binary.mjs'

const here = dirname(fileURLToPath(import.meta.url))

test('every operation handles Float16Array exactly as JavaScript does (Node 24)', async (t) => {
  const node = await nodeBinary(24)
  const { stdout } = await promisify(execFile)(node, ['--no-warnings', join(here, 'helpers', 'float16-child.mts')], {
    cwd: join(here, '..'),
    env: { ...process.env, NODE_OPTIONS: '' },
  }).catch((error: { stdout?: string; stderr?: string }) => {
    t.log(error.stderr)
    return { stdout: error.stdout ?? '' }
  })
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { node: string; checks: number; failures: string[] }
  t.regex(report.node, /^v24\./)
  t.deepEqual(report.failures, [])
  t.true(report.checks > 1000, `${report.checks} checks ran`)
})
