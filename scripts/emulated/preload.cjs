// Loaded into every guest Node process of an emulated run: the wrapper script that starts the guest Node (written by
// scripts/test-emulated.mjs) adds it to NODE_OPTIONS. Under qemu-user or musl's loader, process.execPath names the
// guest binary (or the loader), which the host kernel cannot start, as no binfmt handler is registered. ava forks its
// workers, and the tests spawn children, with process.execPath, so it is pointed at the wrapper instead.
const { appendFileSync } = require('node:fs')

process.execPath = process.env.PARABUF_EMULATED_NODE
// One line per guest process, so that test:emulated can check the suite really ran on the guest platform.
if (process.env.PARABUF_EMULATED_LOG) {
  const libc = process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'
  appendFileSync(process.env.PARABUF_EMULATED_LOG, `${process.pid} ${process.arch} ${libc} ${process.version} ${process.argv.slice(1, 2).join(' ')}\n`)
}
