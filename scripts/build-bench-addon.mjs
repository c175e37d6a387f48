// Builds the addon the bench runs: the shipped one plus the bench hooks (the `bench` feature: the bandwidth probe and
// the plain parallel sum), into bench/.addon/ (git-ignored). The bench loads it through NAPI_RS_NATIVE_LIBRARY_PATH
// (bench/addon.mjs), with the facade from dist/ as built by `npm run build`. Cargo rebuilds only what changed.
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const napi = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'napi.cmd' : 'napi')
execFileSync(
  napi,
  [
    'build',
    '--release',
    '--features',
    'bench',
    '--manifest-path',
    'crates/parabuf-node/Cargo.toml',
    '--package-json-path',
    'package.json',
    '--output-dir',
    'bench/.addon',
    '--dts',
    'bench-binding.d.ts',
  ],
  { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' },
)
