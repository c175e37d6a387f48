// alloc(): parabuf-owned, reference-counted memory behind ordinary typed arrays. Every constructor, argument errors,
// and the reason it exists: the memory outlives a detach and a garbage collection while an operation still reads it.
import { execFileSync } from 'node:child_process'
import { constants as bufferConstants } from 'node:buffer'
import { join } from 'node:path'

import test from 'ava'

import { alloc, allocIsExternal, borrow, liveExportCount, sum, sumSync } from 'parabuf'

import { ALL_TYPES } from './helpers/arrays.js'
import { INLINE_BYTES, ledgerBaseline, rangeError, throwsConflict, throwsError, typeError } from './helpers/ledger.js'
import { skippedRssChecks } from './helpers/rss.js'

const CONSTRUCTORS = ALL_TYPES

test.serial('alloc(Float64Array, n) is a real Float64Array of n zeros, usable by sum, sumSync and borrow', async (t) => {
  const ledger = ledgerBaseline(t)
  const n = INLINE_BYTES / 8 + 1000 // large enough for sum() to run on the pool
  const a = alloc(Float64Array, n)
  t.true(a instanceof Float64Array)
  t.is(Object.getPrototypeOf(a), Float64Array.prototype)
  t.is(a.length, n)
  t.is(a.byteOffset, 0)
  t.is(a.byteLength, n * 8)
  t.true(a.buffer instanceof ArrayBuffer)
  t.is(a.buffer.byteLength, n * 8)
  t.false((a.buffer as ArrayBuffer & { resizable?: boolean }).resizable === true)
  t.true(a.every((x) => x === 0))
  t.true(allocIsExternal())

  t.is(sumSync(a), 0)
  a.fill(0.5)
  t.is(sumSync(a), n / 2)
  t.is(await sum(a), n / 2)
  const w = borrow(a.subarray(0, 10), 'write')
  ;(w.array as Float64Array).fill(2)
  t.is(sumSync(w), 20)
  throwsConflict(t, () => sumSync(a), {
    requested: 'read',
    requestedBytes: n * 8,
    blocking: 'write',
    blockingBytes: 80,
    blockingOffset: 0,
  })
  t.is(await sum(a.subarray(10)), (n - 10) / 2)
  w.release()
  t.is(await sum(a), (n - 10) / 2 + 20)
  ledger.clean()
})

test.serial('every supported constructor', (t) => {
  const ledger = ledgerBaseline(t)
  for (const T of CONSTRUCTORS) {
    const a = alloc(T as Float64ArrayConstructor, 7)
    t.true(a instanceof T, T.name)
    t.is(Object.getPrototypeOf(a), T.prototype, T.name)
    t.is(a.length, 7)
    t.is(a.byteLength, 7 * T.BYTES_PER_ELEMENT)
    const big = T === BigInt64Array || T === BigUint64Array
    t.true(Array.from(a as ArrayLike<number | bigint>).every((x) => x === (big ? 0n : 0)), `${T.name} is zeroed`)
    t.is<number | bigint, number | bigint>(sumSync(a), big ? 0n : 0)
    if (big) (a as unknown as BigInt64Array).set([1n, 2n, 3n, 4n, 5n, 6n, 7n])
    else a.set([1, 2, 3, 4, 5, 6, 7])
    t.is<number | bigint, number | bigint>(sumSync(a), big ? 28n : 28, T.name)
    const w = borrow(a, 'write')
    t.is<number | bigint, number | bigint>(sumSync(w), big ? 28n : 28)
    w.release()
  }
  ledger.clean()
})

test.serial('zero length, and subclasses of the typed array constructors', (t) => {
  const empty = alloc(Float64Array, 0)
  t.true(empty instanceof Float64Array)
  t.is(empty.length, 0)
  t.is(sumSync(empty), 0)
  t.true(allocIsExternal(), 'an empty allocation does not count as a refusal of external memory')

  class Samples extends Float32Array {}
  const s = alloc(Samples, 4)
  t.true(s instanceof Samples)
  t.is(s.length, 4)
  s.set([1, 2, 3, 4])
  t.is(sumSync(s), 10)
})

test.serial('a subclass constructor that does not build the asked array over the allocated memory is refused', (t) => {
  const ledger = ledgerBaseline(t)
  const elsewhere = new Float64Array(4)
  const liars = [
    // Another array of the right type and length, over memory parabuf does not own.
    class extends Float64Array {
      constructor(..._args: unknown[]) {
        super(4)
        return elsewhere as unknown as this
      }
    },
    // The right memory, the wrong length or offset.
    class extends Float64Array {
      constructor(buffer: ArrayBuffer) {
        super(buffer, 8, 2)
      }
    },
    // Not a typed array at all, with every property a typed array has (only when given the memory, so that the
    // constructor passes alloc()'s first look at it).
    class extends Float64Array {
      constructor(buffer: ArrayBuffer | number) {
        super(buffer as ArrayBuffer)
        if (typeof buffer === 'object') {
          return { buffer, byteOffset: 0, length: 4, byteLength: 32, BYTES_PER_ELEMENT: 8 } as unknown as this
        }
      }
    },
  ]
  for (const Liar of liars) {
    throwsError(
      t,
      () => alloc(Liar, 4),
      typeError('ERR_INVALID_ARG_TYPE', /^The "Type" constructor must build a Float64Array of 4 elements over the memory alloc\(\) passed it\. Received /),
    )
  }
  ledger.clean()
})

test.serial('bad Type: TypeError ERR_INVALID_ARG_TYPE', (t) => {
  const ledger = ledgerBaseline(t)
  const bad: unknown[] = [Array, DataView, ArrayBuffer, SharedArrayBuffer, Object, Map, {}, null, undefined, 'Float64Array', () => {}, new Float64Array(2)]
  for (const Type of bad) {
    throwsError(
      t,
      () => alloc(Type as Float64ArrayConstructor, 4),
      typeError('ERR_INVALID_ARG_TYPE', /^The "Type" argument must be a typed array constructor such as Float64Array\. Received /),
    )
  }
  ledger.clean()
})

test.serial('bad length: TypeError ERR_INVALID_ARG_TYPE or RangeError ERR_OUT_OF_RANGE, never a crash', (t) => {
  for (const length of ['3', 3n, null, undefined, {}, [4]]) {
    throwsError(t, () => alloc(Float64Array, length as number), typeError('ERR_INVALID_ARG_TYPE', /^The "length" argument must be of type number/))
  }
  for (const length of [-1, 1.5, NaN, Infinity, -Infinity, -(2 ** 60)]) {
    throwsError(t, () => alloc(Float64Array, length), rangeError('ERR_OUT_OF_RANGE', /^alloc\(\) length must be a non-negative integer/))
  }
  // Too large to allocate, or larger than the runtime's biggest buffer: a RangeError, not an abort.
  const tooLarge: [Float64ArrayConstructor | Uint8ArrayConstructor, number][] = [
    [Uint8Array, bufferConstants.MAX_LENGTH + 1],
    [Float64Array, Math.floor(bufferConstants.MAX_LENGTH / 8) + 1],
    [Uint8Array, 2 ** 52],
    [Float64Array, 2 ** 50],
    [Float64Array, 2 ** 53],
    [Uint8Array, 2 ** 64],
  ]
  for (const [Type, length] of tooLarge) {
    throwsError(t, () => alloc(Type as Float64ArrayConstructor, length), rangeError('ERR_OUT_OF_RANGE', /^alloc\(\) of \d+ elements/))
  }
  t.true(allocIsExternal(), 'a refused size does not disable external memory')
  t.is(sumSync(alloc(Uint8Array, 16)), 0, 'and alloc() still works')
})

test.serial('an alloc()ed buffer cannot be detached by structuredClone: Node copies it or refuses', async (t) => {
  const a = alloc(Float64Array, 1000).fill(1)
  // Node marks external buffers untransferable: Node 20 copies them despite the transfer list, Node ≥ 21 throws.
  let outcome: string
  try {
    const copy = structuredClone(a.buffer, { transfer: [a.buffer] })
    outcome = copy.byteLength === 8000 && copy !== a.buffer ? 'copied' : 'transferred'
  } catch (error) {
    outcome = (error as Error).name
  }
  t.true(outcome === 'copied' || outcome === 'DataCloneError', outcome)
  t.is(a.length, 1000)
  t.is(await sum(a), 1000)
})

test.serial('memory outlives a detach and garbage collection while an async sum reads it, then is released', (t) => {
  // In a child process: Node 20 needs a V8 flag for ArrayBuffer.prototype.transfer, the only way to detach an
  // alloc()ed buffer from JavaScript (the script captures it before parabuf loads, bypassing parabuf's guard).
  const flags = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function' ? [] : ['--harmony-rab-gsab-transfer']
  const script = join(process.cwd(), '__test__', 'helpers', 'alloc-detach-child.mjs')
  const output = execFileSync(process.execPath, ['--expose-gc', ...flags, script], { encoding: 'utf8' })
  const report = JSON.parse(output)
  t.like(report, {
    external: true,
    detached: true,
    liveWhileRunning: 1,
    outcome: {
      name: 'TypeError',
      code: 'ERR_PARABUF_DETACHED',
      message: 'an array passed to sum() while it ran is detached: its memory was transferred or freed',
    },
    liveAfter: 0,
    ownedAtStart: 0,
    ownedAfterAlloc: 1,
    ownedWhileRunning: 1,
    ownedAtEnd: 0,
  })
  // 2e7 doubles = 153 MiB, committed by alloc() and returned to the system once the operation and the array are gone.
  if (report.rssUnmeasurable) t.log(skippedRssChecks('RSS growth and release in the child', report.rssUnmeasurable))
  else {
    t.true(report.rssGrowthMiB >= 140, `rss grew by ${report.rssGrowthMiB} MiB`)
    t.true(report.rssLeftMiB < 40, `rss still ${report.rssLeftMiB} MiB above the baseline`)
  }
  t.true(report.externalGrowthMiB >= 140, `external grew by ${report.externalGrowthMiB} MiB`)
  t.true(report.externalLeftMiB < 40, `external still ${report.externalLeftMiB} MiB above the baseline`)
  t.is(liveExportCount(), 0)
})
