// What parabuf changes in the engine when it loads: while any export covers bytes of an ArrayBuffer, the ways this
// realm offers to resize or detach it refuse, as CPython refuses to resize an exported bytearray. Every decision is the
// binding's: it brand-checks the receiver (an object that is not an ArrayBuffer by its internal slots gets no check,
// and the original method refuses it itself), reads the buffer's memory and maxByteLength from the engine, and asks
// the ledger, so a receiver's own properties, prototype or realm of origin change nothing. Growing a
// SharedArrayBuffer never moves or frees memory, so `grow` needs no guard. What stays out of reach (other realms'
// methods, methods captured before parabuf loaded, Node's own internals) is listed in docs/safety.md.
import { MessagePort } from 'node:worker_threads'

import { makeError } from './errors.js'
import { apply, isArray } from './intrinsics.js'
import { native } from './native.js'

/**
 * Throws `ERR_PARABUF_BORROWED` when `buffer` is an ArrayBuffer with live exports; `action` and `through` say what was
 * refused.
 */
function refuseIfExported(buffer: unknown, action: string, through = ''): void {
  const live = native.exportsOfBuffer(buffer)
  if (live === null || live.length === 0) return
  const e = live[0]!
  throw makeError(
    'ERR_PARABUF_BORROWED',
    `cannot ${action} an ArrayBuffer${through} with live exports: a '${e.mode}' export holds bytes ${e.byteOffset}..${e.byteOffset + e.byteLength} (${live.length} live export${live.length === 1 ? '' : 's'})`,
  )
}

function replaceMethod(target: object, name: string, make: (original: (...args: unknown[]) => unknown) => Function): void {
  const original = (target as Record<string, unknown>)[name]
  if (typeof original !== 'function') return
  Object.defineProperty(target, name, {
    value: make(original as (...args: unknown[]) => unknown),
    writable: true,
    configurable: true,
    enumerable: Object.getOwnPropertyDescriptor(target, name)?.enumerable ?? false,
  })
}

for (const name of ['resize', 'transfer', 'transferToFixedLength'] as const) {
  replaceMethod(ArrayBuffer.prototype, name, (original) => {
    const guarded = {
      [name](this: unknown, ...args: unknown[]): unknown {
        refuseIfExported(this, `${name}()`)
        return apply(original, this, args)
      },
    }[name]!
    return guarded
  })
}

/**
 * A copy of a transfer list (an array, or the `transfer` of an options object), read once: the original call gets the
 * copy, so a getter or proxy cannot show the check one list and the engine another. `undefined` when there is none.
 */
function copyTransferList(listOrOptions: unknown): unknown[] | undefined {
  let list = listOrOptions
  if (list === null || typeof list !== 'object') return undefined
  if (!isArray(list)) list = (list as { transfer?: unknown }).transfer
  if (!isArray(list)) return undefined
  const copy: unknown[] = []
  const length = (list as unknown[]).length
  for (let i = 0; i < length; i++) copy[i] = (list as unknown[])[i]
  return copy
}

function refuseExportedTransfers(list: readonly unknown[], through: string): void {
  for (const item of list) refuseIfExported(item, 'transfer', ` through ${through}`)
}

// Transfer lists detach every ArrayBuffer they name. structuredClone and postMessage are how this realm's code does it.
replaceMethod(globalThis, 'structuredClone', (original) => {
  function structuredClone(value: unknown, options?: unknown): unknown {
    const list = copyTransferList(options)
    if (list === undefined) return apply(original, undefined, arguments.length < 2 ? [value] : [value, options])
    refuseExportedTransfers(list, 'structuredClone()')
    return apply(original, undefined, [value, { transfer: list }])
  }
  return structuredClone
})

replaceMethod(MessagePort.prototype, 'postMessage', (original) => {
  function postMessage(this: unknown, value: unknown, transfer?: unknown): unknown {
    const list = copyTransferList(transfer)
    if (list === undefined) return apply(original, this, [...arguments])
    refuseExportedTransfers(list, 'postMessage()')
    return apply(original, this, [value, list])
  }
  return postMessage
})
