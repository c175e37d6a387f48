// Loads the napi-rs binding and gives the facade typed access to it. Internal: nothing here is re-exported.
import type * as Binding from './binding/index.js'

const SUPPORTED = [
  'linux-x64-gnu',
  'linux-x64-musl',
  'linux-arm64-gnu',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
  'win32-arm64-msvc',
]

function libcOf(): string {
  if (process.platform !== 'linux') return ''
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined
  return report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'
}

function load(): typeof Binding {
  try {
    return require('./binding/index.js') as typeof Binding
  } catch (cause) {
    const libc = libcOf()
    const seen = [process.platform, process.arch, libc].filter(Boolean).join('-')
    throw new Error(
      `parabuf has no native binary for this platform (${seen}, Node ${process.version}). ` +
        `Prebuilt binaries exist for: ${SUPPORTED.join(', ')}. ` +
        'If yours is listed, reinstall without --no-optional / --omit=optional so npm installs the parabuf-<platform> package, ' +
        'or point NAPI_RS_NATIVE_LIBRARY_PATH at a parabuf .node file. To build from source, clone the repository, ' +
        'install Rust (https://rustup.rs) and run `npm install && npm run build`.',
      { cause },
    )
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
}

export const native = load() as typeof Binding & Entries
