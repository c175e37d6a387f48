// Loads parabuf's native binary and gives the facade typed access to it. Internal: nothing here is re-exported.
//
// parabuf finds its binary itself rather than through napi-rs's generated loader, so that the package names are
// parabuf's own scope (`@parabuf/<platform>`, which no one else can publish under) and a failure names the one package
// this platform needs and the command that installs it. Where it looks, in order:
// 1. `NAPI_RS_NATIVE_LIBRARY_PATH`, when set: that file and nothing else;
// 2. `binding/parabuf.<platform>.node` beside this file: a build from source (the published package ships none);
// 3. the platform package `@parabuf/<platform>`, which must be at parabuf's own version.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import type * as Binding from './binding/index.js'

/** The platforms parabuf publishes a binary for: `<os>-<cpu>[-<abi>]`, as the `npm/` folders name them. */
export const SUPPORTED_PLATFORMS = [
  'linux-x64-gnu',
  'linux-x64-musl',
  'linux-arm64-gnu',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
  'win32-arm64-msvc',
] as const

/** The `code` of the error thrown when parabuf's native binary cannot be found or loaded. */
export const NO_NATIVE_BINARY = 'ERR_PARABUF_NO_NATIVE_BINARY'

/** The scope of the platform packages. */
const SCOPE = '@parabuf'

function libc(): 'gnu' | 'musl' {
  // glibcVersionRuntime is set exactly when the running node is linked against glibc. The report would otherwise
  // collect the machine's network interfaces, which is slow and not needed.
  const report = process.report as { excludeNetwork?: boolean; getReport(): object } | undefined
  if (!report) return 'gnu'
  const excluded = report.excludeNetwork
  report.excludeNetwork = true
  try {
    const { header } = report.getReport() as { header?: { glibcVersionRuntime?: string } }
    return header?.glibcVersionRuntime ? 'gnu' : 'musl'
  } finally {
    report.excludeNetwork = excluded
  }
}

/** This process's platform in the form of {@link SUPPORTED_PLATFORMS}. */
export function platformName(): string {
  const base = `${process.platform}-${process.arch}`
  if (process.platform === 'linux') return `${base}-${libc()}`
  if (process.platform === 'win32') return `${base}-msvc`
  return base
}

function noBinary(message: string, cause?: unknown): Error {
  const error = new Error(`parabuf could not load its native binary: ${message}`, cause === undefined ? undefined : { cause })
  Object.defineProperty(error, 'code', { value: NO_NATIVE_BINARY, enumerable: true })
  return error
}

/** The first line of a loader error: the dynamic linker's own reason, without Node's require stack. */
function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0] ?? ''
}

function load(): typeof Binding {
  const version = (require('../package.json') as { version: string }).version
  const platform = platformName()

  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH
  if (override) {
    try {
      return require(override) as typeof Binding
    } catch (cause) {
      throw noBinary(`NAPI_RS_NATIVE_LIBRARY_PATH is ${override}, which did not load (${firstLine(cause)}).`, cause)
    }
  }

  const local = join(__dirname, 'binding', `parabuf.${platform}.node`)
  if (existsSync(local)) return require(local) as typeof Binding

  if (!(SUPPORTED_PLATFORMS as readonly string[]).includes(platform)) {
    throw noBinary(
      `no binary is published for this platform (${platform}, Node ${process.version}). ` +
        `Published platforms: ${SUPPORTED_PLATFORMS.join(', ')}. To build one, clone the repository, install Rust ` +
        '(https://rustup.rs) and run `npm install && npm run build`; then set NAPI_RS_NATIVE_LIBRARY_PATH to the built ' +
        `src/binding/parabuf.${platform}.node.`,
    )
  }

  const name = `${SCOPE}/${platform}`
  const install = `npm install ${name}@${version}`
  let manifest: { version?: string }
  try {
    manifest = require(`${name}/package.json`) as { version?: string }
  } catch {
    throw noBinary(
      `the binary for ${platform} is in the package ${name}@${version}, which is not installed ` +
        '(npm leaves it out under --omit=optional, --no-optional, or a lockfile made on another platform). ' +
        `Install it with \`${install}\`, or reinstall parabuf without omitting optional dependencies.`,
    )
  }
  if (manifest.version !== version) {
    throw noBinary(
      `${name} is at version ${String(manifest.version)} but parabuf is at ${version}; the two must match. ` +
        `Install the matching binary with \`${install}\`.`,
    )
  }
  try {
    return require(name) as typeof Binding
  } catch (cause) {
    throw noBinary(`${name}@${version} is installed but did not load: ${firstLine(cause)}`, cause)
  }
}

/**
 * The operation entry points. The binding defines them by hand (they read their own arguments, with no per-argument
 * conversion), so the generated declarations do not list them. `arrays` are `(array, kind)` pairs: a typed array (a
 * `Uint16Array` alias for a `Float16Array`) and its kind code, or an export handle (whose kind comes from its record;
 * the code beside it is ignored).
 */
interface Entries {
  runSync(op: number, params: object | undefined, ...arrays: unknown[]): unknown
  runAsync(op: number, params: object | undefined, cancel: Binding.CancelToken | undefined, ...arrays: unknown[]): unknown
  /** An expression (`expression`, its `inputs` as `value, kind` pairs) through the reduction `op`, or into `out`. */
  evaluateSync(
    op: number | undefined,
    params: object | undefined,
    expression: object,
    inputs: unknown[],
    out?: unknown,
    outKind?: number,
    outView?: unknown,
  ): unknown
  /** As `evaluateSync`, off the JavaScript thread. */
  evaluateAsync(
    op: number | undefined,
    params: object | undefined,
    cancel: Binding.CancelToken | undefined,
    expression: object,
    inputs: unknown[],
    out?: unknown,
    outKind?: number,
    outView?: unknown,
  ): unknown
}

export const native = load() as typeof Binding & Entries
