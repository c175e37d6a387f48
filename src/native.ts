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

export const native = load()
