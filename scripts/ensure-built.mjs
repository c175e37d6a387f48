// Builds what a development checkout is missing before the demo or the tests run, so a fresh clone needs only
// `npm install && npm run demo` or `npm test`. The package has no install-time script: installing it never builds.
// PARABUF_SKIP_BUILD=1 turns this off (CI jobs that test a binary built elsewhere).
import { execSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (process.env.PARABUF_SKIP_BUILD) process.exit(0)

const bindingDir = join(root, 'src', 'binding')
const hasBinary = existsSync(bindingDir) && readdirSync(bindingDir).some((f) => f.endsWith('.node'))
const hasDist = existsSync(join(root, 'dist', 'index.mjs'))
const step = !hasBinary ? 'build' : !hasDist ? 'build:ts' : undefined
if (step) {
  console.log(`ensure-built: running npm run ${step}`)
  execSync(`npm run ${step}`, { cwd: root, stdio: 'inherit' })
}
