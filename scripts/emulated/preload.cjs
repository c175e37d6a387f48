// Loaded into every Node process of an emulated run (NODE_OPTIONS=--require, set by scripts/test-emulated.mjs).
// Under qemu-user or musl's loader, process.execPath names the guest binary (or the loader), which the host kernel
// cannot start: no binfmt handler is registered. ava forks its workers, and the tests spawn children, with
// process.execPath, so it is pointed at the wrapper script that starts the guest Node the same way this one was.
if (process.env.PARABUF_EMULATED_NODE) process.execPath = process.env.PARABUF_EMULATED_NODE
