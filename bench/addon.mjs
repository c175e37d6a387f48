// Imported first by every bench entry point: points the facade's loader at the bench build of the addon
// (`scripts/build-bench-addon.mjs`, run by the npm bench scripts), which has the bench hooks the shipped one lacks.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const addon = join(dirname(fileURLToPath(import.meta.url)), '.addon', 'parabuf.node')
if (!existsSync(addon)) {
  throw new Error(`the bench addon ${addon} is missing: run \`node scripts/build-bench-addon.mjs\` (npm run bench does)`)
}
process.env.NAPI_RS_NATIVE_LIBRARY_PATH = addon
