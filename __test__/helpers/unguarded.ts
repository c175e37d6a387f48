// structuredClone as it was before parabuf loaded: the "method captured before parabuf loaded" bypass that
// docs/safety.md lists, which the suites use to detach buffers that still have live exports. A suite imports this
// module before anything that loads parabuf; if parabuf got in first, the guard refuses and the test fails loudly.
const structuredCloneBeforeParabuf = globalThis.structuredClone

/** Detaches `buffer` whatever its exports (moves its memory into a new ArrayBuffer, which is returned). */
export function detachUnguarded(buffer: ArrayBufferLike): ArrayBuffer {
  return structuredCloneBeforeParabuf(buffer, { transfer: [buffer as ArrayBuffer] }) as ArrayBuffer
}
