// Run by hazards.spec.ts in a child process (Node 20 needs --harmony-rab-gsab-transfer for ArrayBuffer.prototype.transfer).
// Reports, as one JSON line, how ArrayBuffer.prototype.resize/transfer/transferToFixedLength behave around live exports,
// including methods captured before parabuf was loaded (which parabuf cannot guard).
const cached = {
  resize: ArrayBuffer.prototype.resize,
  transfer: ArrayBuffer.prototype.transfer,
  transferToFixedLength: ArrayBuffer.prototype.transferToFixedLength,
}

const { borrow, BorrowError, liveExportCount, sumSync } = await import('parabuf')

const report = {
  available: typeof cached.transfer === 'function' && typeof cached.transferToFixedLength === 'function',
  guarded: {},
  cachedBypass: {},
}

function attempt(fn) {
  try {
    const value = fn()
    return { threw: false, byteLength: value?.byteLength }
  } catch (e) {
    return { threw: true, borrowError: e instanceof BorrowError, name: e.name, code: e.code, message: e.message }
  }
}

for (const name of ['transfer', 'transferToFixedLength']) {
  const buffer = new ArrayBuffer(64)
  const doubles = new Float64Array(buffer).fill(1)
  const handle = borrow(doubles.subarray(2, 4), 'read')
  const refused = attempt(() => buffer[name]())
  const unchanged = { byteLength: buffer.byteLength, sum: sumSync(doubles) }
  handle.release()
  const allowed = attempt(() => buffer[name]())
  report.guarded[name] = {
    refused,
    unchanged,
    allowed,
    detachedAfter: buffer.byteLength === 0 && doubles.length === 0,
    liveExports: liveExportCount(),
  }
}

// A resizable buffer: transfer(newLength) would move and resize it.
{
  const buffer = new ArrayBuffer(32, { maxByteLength: 64 })
  const handle = borrow(new Uint8Array(buffer), 'write')
  report.guarded.resizableTransfer = attempt(() => buffer.transfer(16))
  report.guarded.resizableStillAttached = buffer.byteLength === 32
  handle.release()
}

// Methods captured before parabuf installed its guards bypass them: parabuf cannot stop this.
{
  const buffer = new ArrayBuffer(32, { maxByteLength: 64 })
  const handle = borrow(new Uint8Array(buffer), 'read')
  report.cachedBypass.resize = attempt(() => cached.resize.call(buffer, 8))
  report.cachedBypass.byteLengthAfterResize = buffer.byteLength
  report.cachedBypass.transfer = attempt(() => cached.transfer.call(buffer))
  report.cachedBypass.detachedAfterTransfer = buffer.byteLength === 0
  handle.release()
  report.liveExportsAtEnd = liveExportCount()
}

console.log(JSON.stringify(report))
