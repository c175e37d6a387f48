// The attacks that are not an operation call: the resize()/transfer() guards on ArrayBuffer.prototype under hostile
// receivers, Export's members and constructor under hostile receivers and on frozen handles, alloc() under hostile
// constructors, the functions that take no memory, the error classes, inherited option keys of the wrong type, and
// forged handle records.
import { constants as bufferConstants } from 'node:buffer'

import {
  binding,
  callOp,
  coded,
  collect,
  collectThoroughly,
  CONSTRUCTORS,
  engineError,
  errorOf,
  expectError,
  expectOk,
  fnName,
  isBigType,
  isDetached,
  OPS,
  optionKeys,
  outcomeOf,
  pb,
  ser,
  slots,
  SMALL_A,
  Subject,
  takesOptions,
  unguarded,
  bytesOf,
  attackList,
  observed,
  standard,
} from './world.mjs'

const attacks = []
const add = attackList(attacks)

// ---------------------------------------------------------------------------------------------------------------
// ArrayBuffer.prototype.resize / transfer / transferToFixedLength: the guards.

const GUARD_CALLS = [
  { name: 'resize', args: [8], label: 'resize(8), shrinking' },
  { name: 'resize', args: [48], label: 'resize(48), growing' },
  { name: 'transfer', args: [], label: 'transfer()' },
  { name: 'transfer', args: [8], label: 'transfer(8)' },
  { name: 'transferToFixedLength', args: [], label: 'transferToFixedLength()' },
]

/** A resizable buffer of 32 bytes (at most 64) holding 1..32, and a handle of bytes 8..16. */
function exportedBuffer(ctx, buffer = new ArrayBuffer(32, { maxByteLength: 64 }), mode = 'read') {
  new Uint8Array(buffer).forEach((_, i, a) => (a[i] = i + 1))
  const handle = ctx.borrow(new Uint8Array(buffer, 8, 8), mode)
  return { buffer, handle, bytes: new Uint8Array(new Uint8Array(buffer)), handleSum: 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16 }
}

const outcomeOfValue = (value) =>
  value === undefined ? 'undefined' : value instanceof ArrayBuffer ? `an ArrayBuffer of ${slots.bufferByteLength(value)} bytes` : ser(value)

function callGuard(call, receiver) {
  try {
    return { returned: outcomeOfValue(Reflect.apply(ArrayBuffer.prototype[call.name], receiver, call.args)) }
  } catch (error) {
    return { threw: errorOf(error) }
  }
}

function bufferState(buffer, bytes) {
  const now = isDetached(buffer) ? new Uint8Array(0) : new Uint8Array(buffer)
  return {
    byteLength: slots.bufferByteLength(buffer),
    detached: isDetached(buffer),
    bytes: now.length === bytes.length && now.every((b, i) => b === bytes[i]) ? 'unchanged' : 'changed',
  }
}

/** What the call returns once nothing is exported. */
function allowedOutcome(call, resizable = true) {
  if (call.name === 'resize') return resizable ? { returned: 'undefined' } : { threw: engineError('TypeError') }
  return { returned: `an ArrayBuffer of ${call.args[0] ?? 32} bytes` }
}

/**
 * Receivers that are the exported buffer in disguise: the guard must refuse with a BorrowError and leave the buffer
 * as it was. `prepare` returns the receiver and the real buffer.
 */
const DISGUISES = [
  { id: 'the exported buffer itself', prepare: (ctx, b) => b },
  { id: "the exported buffer, 'write' export", mode: 'write', prepare: (ctx, b) => b },
  {
    id: 'own byteLength data property 0',
    prepare: (ctx, b) => (ctx.define(b, 'byteLength', { value: 0 }), b),
  },
  {
    id: 'own accessors byteLength/maxByteLength/resizable/detached lying',
    prepare(ctx, b) {
      for (const [key, lie] of [['byteLength', 0], ['maxByteLength', 0], ['resizable', false], ['detached', true]]) {
        ctx.define(b, key, { get: () => lie })
      }
      return b
    },
  },
  {
    id: 'null prototype (the guarded method applied to it)',
    prepare: (ctx, b) => (Object.setPrototypeOf(b, null), b),
  },
  {
    id: 'ArrayBuffer.prototype byteLength/maxByteLength/resizable getters lying globally',
    prepare(ctx, b) {
      for (const [key, lie] of [['byteLength', 0], ['maxByteLength', 0], ['resizable', false]]) {
        ctx.define(ArrayBuffer.prototype, key, { get: () => lie })
      }
      return b
    },
  },
  {
    id: 'an instance of a subclass with lying getters',
    buffer: () => {
      class Lying extends ArrayBuffer {
        get byteLength() { return 0 }
        get maxByteLength() { return 0 }
        get resizable() { return false }
      }
      return new Lying(32, { maxByteLength: 64 })
    },
    prepare: (ctx, b) => b,
  },
  {
    id: "a buffer made in another realm (this realm's guarded method)",
    buffer: () => unguarded.realmBuffer(32, 64),
    prepare: (ctx, b) => b,
  },
  {
    id: 'the export only of its last byte',
    setup(ctx) {
      const buffer = new ArrayBuffer(32, { maxByteLength: 64 })
      new Uint8Array(buffer).forEach((_, i, a) => (a[i] = i + 1))
      const handle = ctx.borrow(new Uint8Array(buffer, 31, 1), 'write')
      return { buffer, receiver: buffer, handle, bytes: new Uint8Array(new Uint8Array(buffer)), handleSum: 32 }
    },
  },
  {
    // The engine moves a fixed-length buffer's memory as it is: the export still covers it (and exportsOf says so),
    // so the guard of this realm refuses the new owner too, although that buffer was made by the other realm.
    id: 'the new owner (made by another realm) of a fixed-length buffer transferred by that realm while exported',
    resizable: false,
    setup(ctx) {
      const { buffer, handle, bytes } = exportedBuffer(ctx, new ArrayBuffer(32))
      const moved = unguarded.transfer(buffer)
      const covered = pb.exportsOf(new Uint8Array(moved)).length > 0
      return { buffer: moved, receiver: moved, handle, bytes, covered, handleUse: { threw: coded('ERR_PARABUF_DETACHED') } }
    },
  },
]

for (const disguise of DISGUISES) {
  for (const call of GUARD_CALLS) {
    add(`ArrayBuffer.prototype.${call.name}`, 'buffer guards', `${call.label} on ${disguise.id}`, async (ctx) => {
      const r = disguise.setup
        ? disguise.setup(ctx)
        : exportedBuffer(ctx, disguise.buffer ? disguise.buffer() : undefined, disguise.mode ?? 'read')
      const receiver = r.receiver ?? disguise.prepare(ctx, r.buffer)
      collect()
      const refused = callGuard(call, receiver)
      ctx.restore()
      const state = bufferState(r.buffer, r.bytes)
      const handleUse = await outcomeOf('sync', () => pb.sumSync(r.handle))
      r.handle.release()
      const after = callGuard(call, receiver)
      return {
        expected: standard(ctx, {
          refused: { threw: coded('ERR_PARABUF_BORROWED') },
          state: { byteLength: 32, detached: false, bytes: 'unchanged' },
          handleUse: r.handleUse ?? { returned: r.handleSum ?? 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16 },
          afterRelease: allowedOutcome(call, disguise.resizable ?? true),
          ...(r.covered === undefined ? {} : { movedMemoryStillCovered: true }),
        }),
        actual: observed(ctx, {
          refused,
          state,
          handleUse,
          afterRelease: after,
          ...(r.covered === undefined ? {} : { movedMemoryStillCovered: r.covered }),
        }),
      }
    })
  }
}

/** Receivers the engine's method refuses itself (not ArrayBuffers by their internal slots): nothing changes. */
const NOT_BUFFERS = [
  { id: 'a Proxy of the exported buffer', receiver: (ctx, b) => new Proxy(b, {}) },
  {
    id: 'a growable SharedArrayBuffer with a live export',
    shared: true,
    receiver: (ctx, b) => b,
  },
  { id: 'an object inheriting from ArrayBuffer.prototype', receiver: () => Object.create(ArrayBuffer.prototype, { byteLength: { value: 32 } }) },
  { id: 'a typed array over the exported buffer', receiver: (ctx, b) => new Uint8Array(b) },
]
for (const kind of NOT_BUFFERS) {
  for (const call of GUARD_CALLS) {
    add(`ArrayBuffer.prototype.${call.name}`, 'buffer guards', `${call.label} on ${kind.id}`, async (ctx) => {
      const r = exportedBuffer(ctx, kind.shared ? new SharedArrayBuffer(32, { maxByteLength: 64 }) : undefined)
      const receiver = kind.receiver(ctx, r.buffer)
      collect()
      const refused = callGuard(call, receiver)
      const state = bufferState(r.buffer, r.bytes)
      const handleUse = await outcomeOf('sync', () => pb.sumSync(r.handle))
      r.handle.release()
      const after = callGuard(call, receiver)
      return {
        expected: standard(ctx, {
          refused: { threw: engineError('TypeError') },
          state: { byteLength: 32, detached: false, bytes: 'unchanged' },
          handleUse: { returned: r.handleSum },
          afterRelease: { threw: engineError('TypeError') },
        }),
        actual: observed(ctx, { refused, state, handleUse, afterRelease: after }),
      }
    })
  }
}

// An export of zero bytes holds nothing: the buffer may change (docs/safety.md, section 7).
for (const call of GUARD_CALLS) {
  add(`ArrayBuffer.prototype.${call.name}`, 'buffer guards', `${call.label} with only an empty export`, async (ctx) => {
    const buffer = new ArrayBuffer(32, { maxByteLength: 64 })
    ctx.borrow(new Uint8Array(buffer, 8, 0), 'write')
    collect()
    return {
      expected: standard(ctx, { allowed: allowedOutcome(call) }),
      actual: observed(ctx, { allowed: callGuard(call, buffer) }),
    }
  })
}

// The export of a pool operation in flight pins its buffer too.
for (const call of GUARD_CALLS) {
  add(`ArrayBuffer.prototype.${call.name}`, 'buffer guards', `${call.label} while a pool operation reads the buffer`, async (ctx) => {
    const s = new Subject({ big: true })
    const running = pb.sum(s.array)
    const refused = callGuard(call, s.buffer)
    const state = bufferState(s.buffer, s.initial)
    const settled = await outcomeOf('async', () => running)
    const after = callGuard(call, s.buffer)
    const total = s.initialElements().reduce((x, y) => x + y, 0)
    return {
      expected: standard(ctx, {
        refused: { threw: coded('ERR_PARABUF_BORROWED') },
        state: { byteLength: s.totalBytes, detached: false, bytes: 'unchanged' },
        settled: { resolved: total },
        afterSettled: call.name === 'resize' ? { threw: engineError('TypeError') } : { returned: `an ArrayBuffer of ${call.args[0] ?? s.totalBytes} bytes` },
      }),
      actual: observed(ctx, { refused, state, settled, afterSettled: after }),
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Export: members on hostile receivers, frozen handles, the constructor.

const MEMBERS = [
  { key: 'array', getter: true },
  { key: 'mode', getter: true },
  { key: 'byteOffset', getter: true },
  { key: 'byteLength', getter: true },
  { key: 'released', getter: true },
  { key: 'release', getter: false },
  { key: Symbol.dispose, getter: false },
]
const memberName = (m) => (typeof m.key === 'symbol' ? `Export.prototype[${m.key.description}]` : `Export.prototype.${m.key}`)

function useMember(member, receiver) {
  const d = Object.getOwnPropertyDescriptor(pb.Export.prototype, member.key)
  return member.getter ? Reflect.apply(d.get, receiver, []) : Reflect.apply(d.value, receiver, [])
}

const HOSTILE_RECEIVERS = [
  {
    id: 'a Proxy of a live handle, every trap hostile',
    make: (ctx, h, fire) =>
      new Proxy(h, Object.fromEntries(['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf'].map((t) => [t, (...a) => (fire(), Reflect[t](...a))]))),
  },
  { id: 'Object.create(a live handle)', make: (ctx, h) => Object.create(h) },
  {
    id: 'a forged Export with own fields',
    make: (ctx, h, fire, s) =>
      Object.create(pb.Export.prototype, { array: { value: s.array }, mode: { value: 'write' }, byteLength: { value: 1 << 20 } }),
  },
  { id: 'a null-prototype object with own fields', make: (ctx, h, fire, s) => Object.assign(Object.create(null), { array: s.array, mode: 'read' }) },
  { id: "the handle's array", make: (ctx, h, fire, s) => s.array },
  { id: 'undefined', make: () => undefined },
]

for (const member of MEMBERS) {
  for (const hostile of HOSTILE_RECEIVERS) {
    add(memberName(member), 'handles', `called on ${hostile.id}`, async (ctx) => {
      const s = new Subject()
      const handle = (s.handle = ctx.borrow(s.array, 'read'))
      const fire = ctx.once(() => {
        s.moved = unguarded.transfer(s.buffer)
      })
      const receiver = hostile.make(ctx, handle, fire, s)
      collect()
      const outcome = await outcomeOf('sync', () => useMember(member, receiver))
      const fired = ctx.fired > 0
      // The real handle is untouched: live, and still reading its memory (unless the hostile code moved it).
      const handleAfter = { released: handle.released, use: await outcomeOf('sync', () => pb.sumSync(handle)) }
      return {
        expected: standard(ctx, {
          outcome: { threw: coded('ERR_INVALID_ARG_TYPE') },
          handleAfter: { released: false, use: fired ? { threw: coded('ERR_PARABUF_DETACHED') } : { returned: 36 } },
          memory: 'intact',
        }),
        actual: observed(ctx, { outcome, handleAfter, memory: s.check() }),
      }
    })
  }
  add(memberName(member), 'handles', 'on a handle whose array was transferred by another realm', async (ctx) => {
    const s = new Subject()
    const handle = (s.handle = ctx.borrow(s.array, 'write'))
    s.moved = unguarded.transfer(s.buffer)
    collect()
    const outcome = await outcomeOf('sync', () => useMember(member, handle), [s.array])
    const expectedValue = { array: s.array, mode: 'write', byteOffset: 24, byteLength: 64, released: false }[member.key]
    return {
      expected: standard(ctx, { outcome: expectOk('sync', expectedValue, [s.array]), released: !member.getter, memory: 'intact' }),
      actual: observed(ctx, { outcome, released: handle.released, memory: s.check() }),
    }
  })
}

add('Export.prototype.mode', 'handles', 'every getter under Object.prototype accessors (decoy getter, swallowing setter) for its state keys', async (ctx) => {
  const s = new Subject()
  const handle = ctx.borrow(s.array, 'write')
  for (const key of ['mode', 'byteOffset', 'byteLength', 'released', 'kind', 'id', 'array']) {
    ctx.define(Object.prototype, key, { get: () => 'decoy', set() {} })
  }
  const shows = { array: handle.array === s.array, mode: handle.mode, byteOffset: handle.byteOffset, byteLength: handle.byteLength, released: handle.released }
  ctx.restore()
  return {
    expected: standard(ctx, { shows: { array: true, mode: 'write', byteOffset: 24, byteLength: 64, released: false } }),
    actual: observed(ctx, { shows }),
  }
})

const FROZEN_ATTEMPTS = [
  ...MEMBERS.map((m) => ({
    id: `Object.defineProperty(handle, ${typeof m.key === 'symbol' ? `Symbol.${m.key.description.replace('nodejs.', '')}` : `'${m.key}'`}, …)`,
    act: (h, s) => Object.defineProperty(h, m.key, { value: m.key === 'array' ? new Float64Array(64) : 0 }),
    expected: { threw: engineError('TypeError') },
  })),
  ...MEMBERS.filter((m) => m.getter).map((m) => ({
    id: `handle.${m.key} = decoy (strict mode)`,
    act: (h) => {
      h[m.key] = 0
    },
    expected: { threw: engineError('TypeError') },
  })),
  ...MEMBERS.filter((m) => m.getter).map((m) => ({
    id: `delete handle.${m.key} (inherited: nothing to delete)`,
    act: (h) => delete h[m.key],
    expected: { returned: true },
  })),
  { id: 'Object.setPrototypeOf(handle, null)', act: (h) => Object.setPrototypeOf(h, null), expected: { threw: engineError('TypeError') } },
  {
    id: 'Object.setPrototypeOf(handle, a prototype of decoy getters)',
    act: (h) => Object.setPrototypeOf(h, { get array() { return new Float64Array(64) }, byteOffset: 0 }),
    expected: { threw: engineError('TypeError') },
  },
  { id: "Object.defineProperty(handle, 'x', …): a new property", act: (h) => Object.defineProperty(h, 'x', { value: 1 }), expected: { threw: engineError('TypeError') } },
]
for (const attempt of FROZEN_ATTEMPTS) {
  add('borrow', 'handles', `frozen handle: ${attempt.id}`, async (ctx) => {
    const s = new Subject()
    const handle = ctx.borrow(s.array, 'write')
    const outcome = await outcomeOf('sync', () => attempt.act(handle, s))
    const shows = {
      array: handle.array === s.array,
      mode: handle.mode,
      byteOffset: handle.byteOffset,
      byteLength: handle.byteLength,
      released: handle.released,
      prototype: Object.getPrototypeOf(handle) === pb.Export.prototype,
    }
    const use = await outcomeOf('sync', () => pb.scaleSync(handle, 2, 1), [s.array])
    return {
      expected: standard(ctx, {
        outcome: attempt.expected,
        shows: { array: true, mode: 'write', byteOffset: 24, byteLength: 64, released: false, prototype: true },
        use: { returned: 'the array of argument 1' },
        memory: 'intact',
      }),
      actual: observed(ctx, { outcome, shows, use, memory: s.check(bytesOf(Float64Array, SMALL_A.map((x) => x * 2 + 1))) }),
    }
  })
}

const CONSTRUCTIONS = [
  { id: 'new Export()', act: () => new pb.Export(), expected: { threw: coded('ERR_INVALID_ARG_TYPE') } },
  {
    id: 'new (class extends Export)()',
    act: () => new (class Sub extends pb.Export {})(),
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
  },
  { id: 'Reflect.construct(Export, [], Object)', act: () => Reflect.construct(pb.Export, [], Object), expected: { threw: coded('ERR_INVALID_ARG_TYPE') } },
  { id: 'Export() without new', act: () => pb.Export(), expected: { threw: engineError('TypeError') } },
]
for (const construction of CONSTRUCTIONS) {
  add('Export', 'handles', construction.id, async (ctx) => ({
    expected: standard(ctx, { outcome: construction.expected }),
    actual: observed(ctx, { outcome: await outcomeOf('sync', construction.act) }),
  }))
}

// ---------------------------------------------------------------------------------------------------------------
// alloc(): hostile constructors and lengths. What a subclass constructor returns is checked through the internal
// slots; every refusal leaves no owned allocation behind once collected.

const ALLOC_CASES = [
  {
    id: 'a subclass whose constructor detaches (by another realm) the memory it is given',
    Type: () =>
      class Detaching extends Float64Array {
        constructor(...args) {
          super(...args)
          if (args[0] instanceof ArrayBuffer && args[0].byteLength > 0) unguarded.transfer(args[0])
        }
      },
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
  },
  {
    id: 'a subclass whose constructor moves the memory and returns a view of the new owner',
    Type: () =>
      class Moving extends Float64Array {
        constructor(...args) {
          if (args[0] instanceof ArrayBuffer && args[0].byteLength > 0) return new Float64Array(unguarded.transfer(args[0]))
          super(...args)
        }
      },
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
  },
  {
    id: 'a subclass whose constructor returns a view of another buffer',
    Type: () =>
      class Elsewhere extends Float64Array {
        constructor(...args) {
          if (args[0] instanceof ArrayBuffer) return new Float64Array(args[2])
          super(...args)
        }
      },
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
  },
  {
    id: 'a subclass whose constructor returns a view at byteOffset 8',
    Type: () =>
      class Shifted extends Float64Array {
        constructor(...args) {
          if (args[0] instanceof ArrayBuffer) return new Float64Array(args[0], 8, args[2] - 1)
          super(...args)
        }
      },
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
  },
  {
    id: 'a subclass whose probe is an Int8Array (a lie about the element type)',
    Type: () =>
      class Liar extends Float64Array {
        constructor(...args) {
          if (!(args[0] instanceof ArrayBuffer)) return new Int8Array(0)
          return new Float64Array(args[0], 0, 1)
        }
      },
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
  },
  {
    id: 'a subclass whose instances claim BYTES_PER_ELEMENT 1 (2^29 + 1 doubles: 4 GiB + 8)',
    Type: () =>
      class Small extends Float64Array {
        get BYTES_PER_ELEMENT() { return 1 }
      },
    length: 2 ** 29 + 1,
    // Sized by the real element size: past the largest buffer where the runtime has one that small (Node 20: 4 GiB),
    // an ordinary (lazily committed) allocation where it allows more.
    expected:
      (2 ** 29 + 1) * 8 > bufferConstants.MAX_LENGTH
        ? { threw: coded('ERR_OUT_OF_RANGE') }
        : { returned: `a Float64Array of ${2 ** 29 + 1} elements over owned memory` },
  },
  {
    id: 'a subclass with decoy getters (buffer, length, byteOffset, byteLength, toStringTag)',
    Type: (ctx) => {
      const decoy = ctx.decoyBuffer()
      return class Decoys extends Float64Array {
        get buffer() { return decoy }
        get length() { return 1 << 17 }
        get byteOffset() { return 8 }
        get byteLength() { return 1 << 20 }
        get [Symbol.toStringTag]() { return 'Int8Array' }
      }
    },
    expected: { returned: 'a Float64Array of 8 elements over owned memory' },
  },
  {
    id: 'a Proxy of Float64Array whose traps run hostile code (and answer the truth)',
    Type: (ctx, fire) =>
      new Proxy(Float64Array, {
        get: (t, k, r) => (fire(), Reflect.get(t, k, r)),
        construct: (t, a, n) => (fire(), Reflect.construct(t, a, n)),
      }),
    expected: { returned: 'a Float64Array of 8 elements over owned memory' },
  },
  {
    // Constructing it throws (a proxy must answer a non-configurable property's value): no constructor at all.
    id: "a Proxy of Float64Array whose get trap answers a decoy prototype (breaking the proxy's invariant)",
    Type: () => new Proxy(Float64Array, { get: (t, k, r) => (k === 'prototype' ? Int8Array.prototype : Reflect.get(t, k, r)) }),
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
  },
  {
    id: 'a Proxy of Float64Array whose construct trap answers a plain array',
    Type: () => new Proxy(Float64Array, { construct: () => [0, 0, 0] }),
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
  },
  {
    id: 'a length whose valueOf runs hostile code',
    Type: () => Float64Array,
    length: (ctx, fire) => ({ valueOf: () => (fire(), 8) }),
    expected: { threw: coded('ERR_INVALID_ARG_TYPE') },
    neverFires: true,
  },
]

function describeAllocated(value) {
  const tag = slots.tag(value)
  if (tag === undefined) return `not a typed array: ${typeof value}`
  const owned = binding.ownedBufferCount() > 0
  return `a ${tag} of ${slots.length(value)} elements over ${owned ? 'owned' : 'engine'} memory`
}

/** Allocates, describes and uses the array in a frame of its own, so nothing keeps it once this returns. */
function tryAlloc(Type, length) {
  try {
    const made = pb.alloc(Type, length)
    const outcome = { returned: describeAllocated(made) }
    made.fill(2)
    return { outcome, usable: ser(pb.sumSync(made)) }
  } catch (error) {
    return { outcome: { threw: errorOf(error) }, usable: undefined }
  }
}

for (const c of ALLOC_CASES) {
  add('alloc', 'alloc', c.id, async (ctx) => {
    collect()
    const ownedBefore = binding.ownedBufferCount()
    const fire = ctx.once(() => {})
    const Type = c.Type(ctx, fire)
    const length = typeof c.length === 'function' ? c.length(ctx, fire) : (c.length ?? 8)
    const { outcome, usable } = tryAlloc(Type, length)
    ctx.restore()
    // Node-API finalizers of collected external buffers run after the collection: give them turns.
    for (let i = 0; i < 20 && binding.ownedBufferCount() > ownedBefore; i++) {
      collect()
      await new Promise((resolve) => setImmediate(resolve))
    }
    return {
      expected: standard(ctx, {
        outcome: c.expected,
        usable: 'returned' in c.expected ? 2 * length : undefined, // filled with 2, then summed
        fired: c.neverFires ? false : ctx.fired > 0,
        ownedLeft: 0,
      }),
      actual: observed(ctx, { outcome, usable, fired: ctx.fired > 0, ownedLeft: binding.ownedBufferCount() - ownedBefore }),
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Functions that take no memory, and the error classes.

const hostileArgument = (fire) =>
  new Proxy(
    { valueOf: () => (fire(), 1), toString: () => (fire(), '1') },
    Object.fromEntries(['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor'].map((t) => [t, (...a) => (fire(), Reflect[t](...a))])),
  )
for (const fn of ['threads', 'liveExportCount', 'allocIsExternal']) {
  add(fn, 'no memory', 'an extra argument whose every trap runs hostile code', async (ctx) => {
    const fire = ctx.once(() => {})
    const outcome = await outcomeOf('sync', () => pb[fn](hostileArgument(fire)))
    return {
      expected: standard(ctx, { outcome: { threw: coded('ERR_INVALID_ARG_VALUE') }, fired: false }),
      actual: observed(ctx, { outcome, fired: ctx.fired > 0 }),
    }
  })
  add(fn, 'no memory', 'called with a hostile Proxy as this', async (ctx) => {
    const fire = ctx.once(() => {})
    const expectedValue = fn === 'threads' ? pb.threads() : fn === 'liveExportCount' ? pb.liveExportCount() : pb.allocIsExternal()
    const outcome = await outcomeOf('sync', () => Reflect.apply(pb[fn], hostileArgument(fire), []))
    return {
      expected: standard(ctx, { outcome: { returned: ser(expectedValue) }, fired: false }),
      actual: observed(ctx, { outcome, fired: ctx.fired > 0 }),
    }
  })
}

const ERROR_CLASSES = [
  { name: 'BorrowError', code: 'ERR_PARABUF_BORROWED' },
  { name: 'AbortError', code: 'ABORT_ERR' },
  { name: 'ParabufError', code: 'ERR_PARABUF_INTERNAL' },
]
for (const { name, code } of ERROR_CLASSES) {
  add(name, 'errors', 'constructed with a hostile message and options (getters, toString)', async (ctx) => {
    const fire = ctx.once(() => {})
    const message = { toString: () => (fire(), 'hostile') }
    const error =
      name === 'AbortError' ? new pb.AbortError(message, { get cause() { fire(); return 'why' } }) : new pb[name](message)
    return {
      expected: standard(ctx, { error: { class: name, code }, name, message: 'hostile', fired: true }),
      actual: observed(ctx, { error: errorOf(error), name: error.name, message: error.message, fired: ctx.fired > 0 }),
    }
  })
  add(name, 'errors', 'Error.prototype and Object.prototype code/name setters swallowing what the class sets', async (ctx) => {
    for (const target of [Object.prototype, Error.prototype]) {
      for (const key of ['code', 'name']) ctx.define(target, key, { get: () => 'decoy', set() {} })
    }
    const error = name === 'AbortError' ? new pb.AbortError('m') : new pb[name]('m')
    const seen = { error: errorOf(error) }
    ctx.restore()
    return {
      expected: standard(ctx, { seen: { error: { class: name, code } } }),
      actual: observed(ctx, { seen }),
    }
  })
}

// The errors parabuf raises keep their class and code whatever Object.prototype says about `code`.
for (const [label, make, expected] of [
  [
    'a detached array (TypeError ERR_PARABUF_DETACHED)',
    () => {
      const a = new Float64Array(4)
      unguarded.cloneTransfer(a.buffer)
      return () => pb.sumSync(a)
    },
    coded('ERR_PARABUF_DETACHED'),
  ],
  [
    "a conflict (BorrowError ERR_PARABUF_BORROWED)",
    (ctx) => {
      const a = new Float64Array(4)
      ctx.borrow(a, 'write')
      return () => pb.sumSync(a)
    },
    coded('ERR_PARABUF_BORROWED'),
  ],
  ['an empty array (RangeError ERR_PARABUF_EMPTY)', () => () => pb.minSync(new Float64Array(0)), coded('ERR_PARABUF_EMPTY')],
]) {
  add('sumSync', 'errors', `Object.prototype.code accessor (getter 'ERR_PARABUF_RELEASED', setter swallowing) and ${label}`, async (ctx) => {
    const call = make(ctx)
    ctx.define(Object.prototype, 'code', { get: () => 'ERR_PARABUF_RELEASED', set() {} })
    const outcome = await outcomeOf('sync', call)
    ctx.restore()
    return { expected: standard(ctx, { outcome: { threw: expected } }), actual: observed(ctx, { outcome }) }
  })
}

add('borrow', 'arrays', "mode: an object whose toString answers 'read' and runs hostile code", async (ctx) => {
  const s = new Subject()
  const fire = ctx.once(() => {
    s.moved = unguarded.transfer(s.buffer)
  })
  const mode = { toString: () => (fire(), 'read'), valueOf: () => (fire(), 'read'), [Symbol.toPrimitive]: () => (fire(), 'read') }
  const outcome = await outcomeOf('sync', () => pb.borrow(s.array, mode))
  return {
    expected: standard(ctx, { outcome: { threw: coded('ERR_INVALID_ARG_VALUE') }, fired: false, memory: 'intact' }),
    actual: observed(ctx, { outcome, fired: ctx.fired > 0, memory: s.check() }),
  }
})

// ---------------------------------------------------------------------------------------------------------------
// Inherited keys of the wrong type. Options and the parameter objects the facade builds inherit from Object.prototype:
// a key that a form does not take must change nothing, whatever Object.prototype says about it (whether a key the
// form takes may be inherited is the facade's choice, and not attacked here).

const PARAM_KEYS = ['signal', 'ddof', 'bins', 'min', 'max', 'value', 'factor', 'offset']
for (const op of OPS) {
  for (const form of ['sync', 'async']) {
    const target = fnName(op, form)
    const cases = PARAM_KEYS.filter((key) => !optionKeys(op, form).includes(key)).map((key) => ({
      key,
      options: takesOptions(op, form) ? { ...(op.options ?? {}) } : undefined,
    }))
    if (op.name === 'histogram') {
      cases.push({ key: 'min', options: { bins: 4, min: 1 }, label: ' (with an own min: 1)' })
      cases.push({ key: 'max', options: { bins: 4, max: 8 }, label: ' (with an own max: 8)' })
    }
    for (const { key, options, label = '' } of cases) {
      add(target, 'option objects', `Object.prototype.${key}: a getter answering a string, no setter${label}`, async (ctx) => {
        const subjects = Array.from({ length: op.arrays }, (_, i) => new Subject({ data: i === 0 ? 'a' : 'b' }))
        const arrays = subjects.map((s) => s.array)
        ctx.define(Object.prototype, key, { get: () => 'x' })
        const outcome = await outcomeOf(form, () => callOp(op, form, arrays, options), arrays)
        ctx.restore()
        const values = subjects.map((s) => s.initialElements())
        const result = op.ref(values[0], values[1], { ...(op.options ?? {}), ...(options ?? {}) }, subjects[0].T)
        const expected = expectOk(form, op.write ? arrays[0] : result, arrays)
        const written = op.write ? bytesOf(Float64Array, result) : undefined
        return {
          expected: standard(ctx, { outcome: expected, memory: subjects.map(() => 'intact') }),
          actual: observed(ctx, { outcome, memory: subjects.map((s, i) => s.check(i === 0 ? written : undefined)) }),
        }
      })
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Forged handles. Whatever the facade keeps its handles in, a script may replace the built-in containers' methods
// (WeakMap, Map, Set, WeakSet) to claim that an object of its own is a handle: that object must still be refused as
// what it is, a value that is not a handle from borrow() (ERR_INVALID_ARG_TYPE), and no memory touched.

const CONTAINERS = [WeakMap, Map, Set, WeakSet]
for (const name of ['sum', 'fill', 'add', 'sort']) {
  const op = OPS.find((o) => o.name === name)
  for (const form of ['sync', 'async']) {
    add(fnName(op, form), 'handles', 'a forged handle claimed by every has/get of WeakMap, Map, Set and WeakSet', async (ctx) => {
      const subjects = Array.from({ length: op.arrays }, (_, i) => new Subject({ data: i === 0 ? 'a' : 'b' }))
      const real = ctx.borrow(subjects[0].array, op.write ? 'write' : 'read')
      const fake = Object.freeze(Object.create(pb.Export.prototype))
      for (const C of CONTAINERS) {
        const { has, get } = C.prototype
        ctx.define(C.prototype, 'has', { writable: true, value(key) { return key === fake || Reflect.apply(has, this, [key]) } })
        if (get) {
          ctx.define(C.prototype, 'get', {
            writable: true,
            // The forged entry: whatever a real handle's entry is, answered for the fake.
            value(key) { return Reflect.apply(get, this, [key === fake ? real : key]) },
          })
        }
      }
      const arrays = subjects.map((x) => x.array)
      const outcome = await outcomeOf(form, () => callOp(op, form, [fake, ...arrays.slice(1)], undefined), arrays)
      ctx.restore()
      return {
        expected: standard(ctx, { outcome: expectError(form, coded('ERR_INVALID_ARG_TYPE')), memory: subjects.map(() => 'intact') }),
        actual: observed(ctx, { outcome, memory: subjects.map((x) => x.check()) }),
      }
    })
  }
}

// The binding called directly (the threat model lets a script require its .node file): a handle is the whole
// argument, whatever array and kind are passed beside it, and anything that is not the binding's own handle is refused.

const SUM = binding.operationTable().findIndex((op) => op.name === 'sum')
const FLOAT64 = binding.elementKinds().findIndex((kind) => kind.name === 'Float64Array')
const VARIANCE = binding.operationTable().findIndex((op) => op.name === 'variance')
/** Parameters whose `ddof` getter transfers the subject's buffer away when the binding reads it. */
const transferringParams = (s) => ({
  get ddof() {
    s.moved = unguarded.transfer(s.buffer)
    return 0
  },
})
const bindingCalls = [
  {
    id: "runSync with a live handle and another kind beside it (Int8): the handle's memory and kind are used",
    call(ctx, s) {
      const handle = binding.exportOpen(s.array, FLOAT64, 0)
      ctx.binding.push(handle)
      return binding.runSync(SUM, undefined, handle, 0)
    },
    expected: { returned: 36 },
  },
  {
    id: 'runSync with a handle whose array was transferred by another realm',
    call(ctx, s) {
      const handle = binding.exportOpen(s.array, FLOAT64, 1)
      ctx.binding.push(handle)
      s.moved = unguarded.transfer(s.buffer)
      return binding.runSync(SUM, undefined, handle, FLOAT64)
    },
    expected: { threw: { code: 'ERR_PARABUF_DETACHED' } },
  },
  {
    id: 'runSync with a released handle',
    call(ctx, s) {
      const handle = binding.exportOpen(s.array, FLOAT64, 1)
      binding.exportRelease(handle)
      return binding.runSync(SUM, undefined, handle, FLOAT64)
    },
    expected: { threw: { code: 'ERR_PARABUF_RELEASED' } },
  },
  {
    id: 'runSync whose parameter getter transfers the array: the parameters are read first, so the array is refused',
    call: (ctx, s) => binding.runSync(VARIANCE, transferringParams(s), s.array, FLOAT64),
    expected: { threw: { code: 'ERR_PARABUF_DETACHED' } },
  },
  {
    id: 'runAsync whose parameter getter transfers the array: refused before any work starts',
    call: (ctx, s) => binding.runAsync(VARIANCE, transferringParams(s), undefined, s.array, FLOAT64),
    expected: { threw: { code: 'ERR_PARABUF_DETACHED' } },
  },
  {
    id: 'runSync with a CancelToken as the array',
    call: () => binding.runSync(SUM, undefined, new binding.CancelToken(), FLOAT64),
    expected: { threw: { code: 'ERR_INVALID_ARG_TYPE' } },
  },
  {
    id: 'runSync with a plain object as the array',
    call: () => binding.runSync(SUM, undefined, { kind: FLOAT64, mode: 'write' }, FLOAT64),
    expected: { threw: { code: 'ERR_INVALID_ARG_TYPE' } },
  },
  {
    id: 'runSync with a kind code that is not the array’s (Int8 for a Float64Array)',
    call: (ctx, s) => binding.runSync(SUM, undefined, s.array, 0),
    expected: { threw: { code: 'ERR_INVALID_ARG_TYPE' } },
  },
  {
    id: 'runSync with a Proxy of a typed array',
    call: (ctx, s) => binding.runSync(SUM, undefined, new Proxy(s.array, {}), FLOAT64),
    expected: { threw: { code: 'ERR_INVALID_ARG_TYPE' } },
  },
  {
    id: 'exportOpen of a Proxy of a typed array',
    call: (ctx, s) => binding.exportOpen(new Proxy(s.array, {}), FLOAT64, 0),
    expected: { threw: { code: 'ERR_INVALID_ARG_TYPE' } },
  },
  {
    id: 'exportState of a plain object',
    call: () => binding.exportState({ released: false }),
    expected: { threw: { code: 'ERR_INVALID_ARG_TYPE' } },
  },
  {
    id: 'exportRelease of a CancelToken',
    call: () => binding.exportRelease(new binding.CancelToken()),
    expected: { threw: { code: 'ERR_INVALID_ARG_TYPE' } },
  },
  {
    id: 'no export of the binding replaces the built-ins it captured when it loaded',
    call: () => Object.keys(binding).filter((name) => /intrinsic|capture/i.test(name)),
    expected: { returned: [] },
  },
  {
    id: 'exportsOfBuffer of a look-alike and of a SharedArrayBuffer',
    call: () => [binding.exportsOfBuffer(Object.create(ArrayBuffer.prototype)), binding.exportsOfBuffer(new SharedArrayBuffer(8))],
    expected: { returned: [null, null] },
  },
]
for (const c of bindingCalls) {
  add('binding', 'handles', c.id, async (ctx) => {
    ctx.binding = []
    const s = new Subject()
    let outcome
    try {
      outcome = { returned: ser(c.call(ctx, s)) }
    } catch (error) {
      outcome = { threw: { code: errorOf(error).code } }
    }
    for (const handle of ctx.binding) binding.exportRelease(handle)
    return {
      expected: standard(ctx, { outcome: c.expected, memory: 'intact' }),
      actual: observed(ctx, { outcome, memory: s.check() }),
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// While a pool operation runs (every async form, 16 MiB arguments): what the caller does to its arguments meanwhile.

const RUNNING = [
  {
    id: 'its handle released, Export.prototype.array replaced by a decoy, every other reference dropped, gc()',
    handle: true,
    during(ctx, env) {
      env.subjects[0].handle.release()
      ctx.handles.length = 0 // released: nothing left to clean up, and no reference kept
      ctx.define(pb.Export.prototype, 'array', { get: () => ctx.decoyArray() })
      env.drop()
      collectThoroughly()
    },
    expected: 'result',
  },
  {
    id: 'every reference to its arguments dropped, gc()',
    during(ctx, env) {
      env.drop()
      collectThoroughly()
    },
    expected: 'result',
  },
  {
    id: "its buffer's transfer() called (guarded)",
    during(ctx, env) {
      env.refused = callGuard({ name: 'transfer', args: [] }, env.subjects[0].buffer)
    },
    expected: 'result',
    refused: { threw: coded('ERR_PARABUF_BORROWED') },
  },
  {
    id: 'its buffer in a structuredClone transfer list (guarded)',
    during(ctx, env) {
      try {
        const b = env.subjects[0].buffer
        structuredClone(b, { transfer: [b] })
        env.refused = { returned: 'a clone' }
      } catch (error) {
        env.refused = { threw: errorOf(error) }
      }
    },
    expected: 'result',
    refused: { threw: coded('ERR_PARABUF_BORROWED') },
  },
  {
    id: 'its signal aborted',
    signal: true,
    during(ctx) {
      ctx.controller.abort()
    },
    expected: 'abort',
  },
  {
    // alloc() memory stays alive for the export whatever happens to the buffer: the only memory that may be detached
    // (here through another realm, which no guard sees) while a pool operation reads it.
    id: 'its alloc() buffer transferred by another realm, the new owner dropped, gc()',
    layout: 'alloc',
    during(ctx, env) {
      unguarded.transfer(env.subjects[0].buffer)
      env.subjects[0].dropped = true
      collectThoroughly()
    },
    expected: 'detached',
  },
]

for (const op of OPS) {
  for (const case_ of RUNNING) {
    add(op.name, 'while running', `while it runs on the pool: ${case_.id}`, async (ctx) => {
      const env = {}
      let subjects = Array.from({ length: op.arrays }, (_, i) => new Subject({ data: i === 0 ? 'a' : 'b', big: true, layout: case_.layout ?? 'fixed' }))
      env.subjects = subjects
      if (case_.handle) subjects[0].handle = ctx.borrow(subjects[0].array, op.write ? 'write' : 'read')
      const values = subjects.map((s) => s.initialElements())
      const result = op.ref(values[0], values[1], { ...(op.options ?? {}) }, subjects[0].T)
      const written = op.write ? bytesOf(Float64Array, result) : undefined
      // What survives the drop: for writing operations the array (to check what was written), else nothing.
      const keep = op.write ? subjects[0] : undefined
      const options = { ...(op.options ?? {}), ...(case_.signal ? { signal: ctx.controller.signal } : {}) }
      env.drop = () => {
        subjects = undefined
        env.subjects = undefined
      }
      collect()
      const running = callOp(op, 'async', subjects.map((s) => s.input), options)
      const during = { liveExports: pb.liveExportCount() - ctx.baseline }
      case_.during(ctx, env)
      const outcome = await outcomeOf('async', () => running, keep ? [keep.array] : [])
      ctx.restore()
      const expectedOutcome =
        case_.expected === 'result'
          ? expectOk('async', op.write ? keep.array : result, keep ? [keep.array] : [])
          : case_.expected === 'abort'
            ? expectError('async', coded('ABORT_ERR'))
            : expectError('async', coded('ERR_PARABUF_DETACHED'))
      const memory = keep ? (case_.expected === 'result' ? keep.check(written) : keep.canariesIntact()) : 'not kept'
      const expectedMemory = keep ? (keep.dropped ? 'gone' : 'intact') : 'not kept'
      return {
        expected: standard(ctx, {
          outcome: expectedOutcome,
          // One export per array: a handle's export is lent to the operation, not duplicated.
          during: { liveExports: op.exports },
          ...(case_.refused ? { refusedMeanwhile: case_.refused } : {}),
          memory: expectedMemory,
        }),
        actual: observed(ctx, {
          outcome,
          during,
          ...(case_.refused ? { refusedMeanwhile: env.refused } : {}),
          memory,
        }),
      }
    })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// structuredClone's transfer list, guarded like transfer(): hostile lists.

const TRANSFER_LISTS = [
  { id: '[buffer]', options: (b) => ({ transfer: [b] }), refused: true },
  { id: 'a Proxy of [buffer]', options: (b) => ({ transfer: new Proxy([b], {}) }), refused: true },
  {
    id: 'a transfer getter answering [buffer] once, then []',
    options: (b) => {
      let reads = 0
      return { get transfer() { return reads++ === 0 ? [b] : [] } }
    },
    refused: true,
  },
  {
    // The list is read once and the engine gets that copy: nothing is transferred, the buffer is copied.
    id: 'a transfer getter answering [] once, then [buffer]',
    options: (b) => {
      let reads = 0
      return { get transfer() { return reads++ === 0 ? [] : [b] } }
    },
    refused: false,
  },
  {
    // The copy holds the decoy, which the engine transfers; the exported buffer is copied.
    id: 'a list whose index getter answers a decoy once, then the buffer',
    options: (b) => {
      let reads = 0
      const list = [new ArrayBuffer(8)]
      Object.defineProperty(list, 0, { get: () => (reads++ === 0 ? new ArrayBuffer(8) : b) })
      return { transfer: list }
    },
    refused: false,
  },
]
for (const list of TRANSFER_LISTS) {
  add('structuredClone', 'buffer guards', `transfer list ${list.id} naming an exported buffer`, async (ctx) => {
    const r = exportedBuffer(ctx, new ArrayBuffer(32))
    const options = list.options(r.buffer)
    collect()
    const outcome = await outcomeOf('sync', () => {
      const clone = structuredClone(r.buffer, options)
      return clone instanceof ArrayBuffer && clone !== r.buffer ? 'a copy' : 'something else'
    })
    return {
      expected: standard(ctx, {
        outcome: list.refused ? { threw: coded('ERR_PARABUF_BORROWED') } : { returned: 'a copy' },
        state: { byteLength: 32, detached: false, bytes: 'unchanged' },
        handleUse: { returned: r.handleSum },
      }),
      actual: observed(ctx, {
        outcome,
        state: bufferState(r.buffer, r.bytes),
        handleUse: await outcomeOf('sync', () => pb.sumSync(r.handle)),
      }),
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Every element type, and Node's Buffer, under the array shapes: the kind comes from the internal slot, whatever the
// object says about itself.

const KINDS = [...Object.entries(CONSTRUCTORS).map(([label, T]) => ({ label, T })), { label: 'Buffer', T: Uint8Array, buffer: true }]
const KIND_OPS = [
  { name: 'sum', form: 'sync' },
  { name: 'sum', form: 'async' },
  { name: 'minmax', form: 'sync' },
  { name: 'fill', form: 'sync' },
  { name: 'fill', form: 'async' },
  { name: 'sort', form: 'sync' },
]
const ARRAY_KEYS = ['buffer', 'byteLength', 'byteOffset', 'length', 'constructor', Symbol.toStringTag, Symbol.species]
function lyingValue(ctx, key, s) {
  switch (key) {
    case 'buffer':
      return ctx.decoyBuffer(s.totalBytes)
    case 'byteLength':
      return s.n * s.T.BYTES_PER_ELEMENT
    case 'byteOffset':
      return s.start
    case 'length':
      return s.n
    case Symbol.toStringTag:
      return s.T === Float64Array ? 'Int8Array' : 'Float64Array'
    default:
      return s.T === Float64Array ? Int8Array : Float64Array
  }
}
const KIND_SHAPES = [
  { id: 'as is', install() {} },
  {
    id: 'null prototype and own data properties claiming another type',
    install(ctx, s) {
      Object.setPrototypeOf(s.array, null)
      for (const key of ARRAY_KEYS) ctx.define(s.array, key, { value: lyingValue(ctx, key, s) })
    },
  },
  {
    id: 'own getters that transfer the buffer (other realm) and answer same-length decoys',
    install(ctx, s, fire) {
      for (const key of ARRAY_KEYS) ctx.define(s.array, key, { get: () => (fire(), lyingValue(ctx, key, s)) })
    },
  },
]
for (const { label, T, buffer } of KINDS) {
  const big = isBigType(T)
  for (const { name, form } of KIND_OPS) {
    const op = OPS.find((o) => o.name === name)
    for (const shape of KIND_SHAPES) {
      add(fnName(op, form), 'arrays', `a ${label} (${shape.id})`, async (ctx) => {
        const s = new Subject({ T, make: buffer ? (b, o, l) => Buffer.from(b, o, l) : undefined })
        const fire = ctx.once(() => {
          s.moved = unguarded.transfer(s.buffer)
        })
        shape.install(ctx, s, fire)
        collect()
        const outcome = await outcomeOf(form, () => callOp(op, form, [s.array], undefined, op.extra(big)), [s.array])
        ctx.restore()
        const fired = ctx.fired > 0
        const values = s.initialElements()
        const result = op.ref(values, undefined, undefined, T)
        const expected = fired
          ? expectError(form, coded('ERR_PARABUF_DETACHED'))
          : expectOk(form, op.write ? s.array : result, [s.array])
        const written = !fired && op.write ? bytesOf(T, result) : undefined
        return {
          expected: standard(ctx, { outcome: expected, memory: 'intact' }),
          actual: observed(ctx, { outcome, memory: s.check(written) }),
        }
      })
    }
  }
  add('borrow', 'arrays', `a ${label} with a null prototype and own data properties claiming another type, 'write'`, async (ctx) => {
    const s = new Subject({ T, make: buffer ? (b, o, l) => Buffer.from(b, o, l) : undefined })
    KIND_SHAPES[1].install(ctx, s)
    collect()
    const handle = ctx.borrow(s.array, 'write')
    const shows = { array: handle.array === s.array, byteOffset: handle.byteOffset, byteLength: handle.byteLength }
    const use = await outcomeOf('sync', () => pb.fillSync(handle, big ? 7n : 7), [s.array])
    return {
      expected: standard(ctx, {
        shows: { array: true, byteOffset: s.start, byteLength: s.n * T.BYTES_PER_ELEMENT },
        use: { returned: 'the array of argument 1' },
        memory: 'intact',
      }),
      actual: observed(ctx, { shows, use, memory: s.check(bytesOf(T, s.initialElements().map(() => (big ? 7n : 7)))) }),
    }
  })
}

export function otherAttacks() {
  return attacks
}
