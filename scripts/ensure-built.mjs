// `npm install` on a development checkout: build the addon and the facade when they are missing, so a fresh clone
// needs no extra step. Installed as a dependency (no crates/ folder), it does nothing: users get prebuilt binaries.
import { execSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (!existsSync(join(root, 'crates')) || process.env.PARABUF_SKIP_PREPARE) process.exit(0)

const bindingDir = join(root, 'src', 'binding')
const hasBinary = existsSync(bindingDir) && readdirSync(bindingDir).some((f) => f.endsWith('.node'))
const hasDist = existsSync(join(root, 'dist', 'index.mjs'))
const step = !hasBinary ? 'build' : !hasDist ? 'build:ts' : undefined
if (step) {
  console.log(`prepare: running npm run ${step}`)
  execSync(`npm run ${step}`, { cwd: root, stdio: 'inherit' })
}
