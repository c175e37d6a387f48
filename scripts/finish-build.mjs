// After tsc: place the generated binding types (and, in a development build, the binary) beside the compiled facade,
// and add the ES module entry points, whose export list is read from the CommonJS build so the two can never disagree.
// dist/native.js finds the binary itself; napi-rs's generated JS loader is not built (`--no-js`) and not shipped.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const from = join(root, 'src', 'binding')
const to = join(root, 'dist', 'binding')
mkdirSync(to, { recursive: true })
for (const name of readdirSync(to)) {
  if (name.endsWith('.js')) rmSync(join(to, name)) // a loader left by an older build
}
for (const name of readdirSync(from)) {
  if (!name.endsWith('.d.ts') && !name.endsWith('.node')) continue
  // Copy, then rename over the old file: a process that has the old binary loaded keeps its mapping intact, where
  // writing into the same file would change code under it.
  const partial = join(to, `.${name}.partial`)
  copyFileSync(join(from, name), partial)
  renameSync(partial, join(to, name))
}

const require = createRequire(import.meta.url)
const names = Object.keys(require(join(root, 'dist', 'index.js'))).filter((n) => n !== 'default' && n !== '__esModule')
writeFileSync(
  join(root, 'dist', 'index.mjs'),
  `// ES module entry: re-exports the CommonJS build, so both share one module instance.\nimport parabuf from './index.js'\n\nexport const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = parabuf\nexport default parabuf\n`,
)
writeFileSync(
  join(root, 'dist', 'index.d.mts'),
  "export * from './index.js'\nimport * as parabuf from './index.js'\nexport default parabuf\n",
)
console.log(`finish-build: binding copied, ESM entry exports ${names.length} names`)
