// The attack matrix on operations (every op, sync and async), borrow() and exportsOf(): hostile definitions
// ("triggers") of every property the facade or the binding could read from the objects they accept — arrays, handles,
// option objects, signals, values, and the prototypes those inherit from — crossed with what the hostile code does
// when it runs ("scenarios": detach and collect the memory, transfer it and keep the new owner, shrink a resizable
// buffer, release the handle, collect garbage, abort, or nothing but return decoys).
//
// Each attack predicts its outcome exactly from what happened: whether the hostile code ran (`fired`) and when
// (`phase`: before the binding read the engine's state, after the operation completed, or while a pool operation
// ran). A refusal has the documented class and code; a result is the JavaScript reference computed on the memory the
// export really covered; every byte of every subject, canaries included, is compared with what it must hold.
import {
  callOp,
  coded,
  collect,
  collectThoroughly,
  errorOf,
  expectError,
  expectOk,
  fnName,
  OPS,
  optionKeys,
  outcomeOf,
  pb,
  binding,
  ser,
  Subject,
  takesOptions,
  unguarded,
  bytesOf,
} from './world.mjs'

const INLINE_BYTES = binding.constants().inlineBytes

// ---------------------------------------------------------------------------------------------------------------
// Scenarios: the memory an attack aims at, and what its hostile code does to it (once, however often it runs).

/**
 * `subject`: 'array' or 'handle' (a borrow of the array: 'write' for writing operations, else 'read');
 * `slot`: which argument (0, or 1 for dot/add); `layout`: 'fixed', 'rabTracking', 'rabFixed', 'alloc';
 * `big`: 16 MiB (pool-sized: every async form runs on the pool); `accepts`: the trigger classes it runs with.
 */
export const SCENARIOS = [
  {
    id: 'detach by structuredClone, new owner collected (16 MiB array)',
    sabotage: 'detach', via: 'clone', drop: true, subject: 'array', big: true, accepts: ['pre', 'firing', 'after'], representative: true,
  },
  {
    id: 'transfer by another realm, new owner collected (16 MiB handle)',
    sabotage: 'detach', via: 'realm', drop: true, subject: 'handle', big: true, accepts: ['pre', 'firing', 'after'], representative: true,
  },
  {
    id: 'transfer by another realm, new owner kept (array)',
    sabotage: 'detach', via: 'realm', subject: 'array', accepts: ['pre', 'firing', 'conditional', 'array getters', 'handle getters', 'buffer getters', 'after', 'await', 'refused', 'proxy'],
  },
  {
    id: 'transfer by another realm, new owner kept (handle)',
    sabotage: 'detach', via: 'realm', subject: 'handle', accepts: ['pre', 'firing', 'conditional', 'array getters', 'handle getters', 'buffer getters', 'after', 'await', 'refused', 'proxy'],
  },
  {
    id: 'shrink by another realm (length-tracking array on a resizable buffer)',
    sabotage: 'shrink', subject: 'array', layout: 'rabTracking', accepts: ['pre', 'firing', 'array getters', 'buffer getters'],
  },
  {
    id: 'shrink by another realm (fixed-length array, left out of bounds)',
    sabotage: 'shrink', subject: 'array', layout: 'rabFixed', accepts: ['pre', 'firing', 'buffer getters'],
  },
  {
    id: 'shrink by another realm (handle of a fixed-length array, left out of bounds)',
    sabotage: 'shrink', subject: 'handle', layout: 'rabFixed', accepts: ['pre', 'firing'],
  },
  {
    id: 'shrink by another realm (handle of a length-tracking array)',
    sabotage: 'shrink', subject: 'handle', layout: 'rabTracking', accepts: ['pre', 'firing'],
  },
  { id: 'release the handle', sabotage: 'release', subject: 'handle', accepts: ['pre', 'firing', 'handle getters', 'after', 'await'] },
  { id: 'collect garbage (handle)', sabotage: 'gc', subject: 'handle', accepts: ['firing', 'after', 'await'] },
  { id: 'abort the signal passed', sabotage: 'abort', subject: 'array', accepts: ['signal'] },
  { id: 'nothing: decoys only (array)', sabotage: 'none', subject: 'array', accepts: ['shape'] },
  { id: 'nothing: decoys only (handle)', sabotage: 'none', subject: 'handle', accepts: ['shape'] },
  {
    id: 'transfer argument 2 by another realm, new owner kept',
    sabotage: 'detach', via: 'realm', subject: 'array', slot: 1, accepts: ['pre', 'firing', 'conditional', 'array getters', 'proxy'],
  },
  {
    id: 'detach argument 2 by structuredClone, new owner collected (16 MiB)',
    sabotage: 'detach', via: 'clone', drop: true, subject: 'array', slot: 1, big: true, accepts: ['pre', 'firing'], representative: true,
  },
  { id: 'nothing: decoys only (argument 2)', sabotage: 'none', subject: 'array', slot: 1, accepts: ['shape'] },
  {
    // Only alloc()ed memory may be detached while a pool operation reads it (docs/safety.md, section 6).
    id: 'transfer by another realm, new owner collected (16 MiB alloc() array)',
    sabotage: 'detach', via: 'realm', drop: true, subject: 'array', big: true, layout: 'alloc', accepts: ['pre', 'firing', 'await'], representative: true,
  },
]

function actOf(ctx, scenario, subject) {
  const bpe = subject.T.BYTES_PER_ELEMENT
  switch (scenario.sabotage) {
    case 'detach':
      return () => {
        const move = scenario.via === 'clone' ? unguarded.cloneTransfer : unguarded.transfer
        if (scenario.drop) {
          move(subject.buffer) // the new owner is dropped at once
          subject.dropped = true
          collectThoroughly()
        } else {
          subject.moved = move(subject.buffer)
        }
      }
    case 'shrink':
      return () => unguarded.resize(subject.buffer, (subject.pad + subject.n / 2) * bpe)
    case 'release':
      return () => subject.handle.release()
    case 'gc':
      return () => collect()
    case 'abort':
      return () => ctx.controller.abort()
    default:
      return () => {}
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Triggers: where the hostile code is planted.

const ARRAY_PROPS = ['buffer', 'byteLength', 'byteOffset', 'length', 'constructor', Symbol.toStringTag, Symbol.species]
const TYPED_ARRAY_GETTERS = ['buffer', 'byteLength', 'byteOffset', 'length', Symbol.toStringTag]
const BUFFER_GETTERS = ['byteLength', 'resizable', 'maxByteLength']
const EXPORT_GETTERS = ['array', 'mode', 'byteOffset', 'byteLength', 'released']
/** Every key the facade or the binding reads from an options or parameters object, over all operations. */
const PARAM_KEYS = ['signal', 'ddof', 'bins', 'min', 'max', 'value', 'factor', 'offset']
const name = (key) => (typeof key === 'symbol' ? `[${key.description}]` : key)
const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype)

function arrayDecoy(ctx, prop) {
  switch (prop) {
    case 'buffer':
      return ctx.decoyBuffer()
    case 'byteLength':
      return 1 << 20
    case 'byteOffset':
      return 0
    case 'length':
      return 1 << 17
    case 'constructor':
    case Symbol.species:
      return Int8Array
    case Symbol.toStringTag:
      return 'Int8Array'
    default:
      return undefined
  }
}

/**
 * What a getter planted on an array answers once its hostile code ran: the same-length decoy the array had before the
 * attack (its old length, byte length and offset, a buffer of the same size full of sentinels), so that nothing
 * trusting it notices the buffer was detached or shrunk; a different element type for the type's names.
 */
function staleDecoy(ctx, prop, subject) {
  const bpe = subject.T.BYTES_PER_ELEMENT
  switch (prop) {
    case 'buffer':
      return ctx.decoyBuffer(subject.totalBytes)
    case 'byteLength':
      return subject.n * bpe
    case 'byteOffset':
      return subject.start
    case 'length':
      return subject.n
    default:
      return arrayDecoy(ctx, prop)
  }
}

function exportDecoy(ctx, getter) {
  return { array: ctx.decoyArray(), mode: 'write', byteOffset: 0, byteLength: 1 << 20, released: false }[getter]
}

/** A subclass of `T` whose every getter runs the hostile code and answers a same-length decoy. */
function hostileSubclass(T, ctx, env) {
  const decoy = (prop) => {
    env.fire()
    return staleDecoy(ctx, prop, env.target)
  }
  return class Hostile extends T {
    get buffer() { return decoy('buffer') }
    get byteLength() { return decoy('byteLength') }
    get byteOffset() { return decoy('byteOffset') }
    get length() { return decoy('length') }
    get [Symbol.toStringTag]() { return decoy(Symbol.toStringTag) }
    static get [Symbol.species]() { return decoy(Symbol.species) }
  }
}

/** The options a form gets when an attack does not aim at them. */
function baseOptions(op, form) {
  if (!takesOptions(op, form)) return undefined
  return { ...(op.options ?? {}) }
}

const isAsync = (form) => form === 'async'
const hasHandle = (scenario) => scenario.subject === 'handle'

/**
 * Each trigger: `cls`, which scenarios accept it —
 *   'pre'         the hostile code runs just before the call (the buffer is already detached, shrunk or released);
 *   'firing'      planted where the facade must read (the option keys it takes): it runs before the binding reads
 *                 the engine's state;
 *   'conditional' (and 'array getters', 'handle getters', 'buffer getters') planted where the library has no reason to read: it runs
 *                 only if the library reads there, and then before the binding reads the engine's state;
 *   'after'       runs once the operation has completed (the facade's cleanup);
 *   'await'       a promise hook: runs when the facade awaits, after an inline operation completed or while a pool
 *                 operation runs;
 *   'shape'       an argument of a hostile shape that runs nothing; 'proxy' and 'refused' arguments the facade must
 *                 refuse;
 * `signal` (the trigger passes the controller's signal, so 'abort' applies), `representative` (also run with the
 * 16 MiB scenarios), `applies(op, form, scenario)`, `firing(op, form)` ('always', 'never' or 'conditional'), `phase`
 * ('before', 'after' or 'await'), `refusal()` (the error a refused argument gets) and `install(ctx, env)`, which
 * plants it (in env.inputs, env.options, env.extra, or on a prototype through ctx, which takes it back).
 */
export const TRIGGERS = []
const trigger = (t) => TRIGGERS.push({ firing: () => 'conditional', phase: 'before', applies: () => true, ...t })

trigger({
  id: 'hostile code run just before the call',
  family: 'memory',
  cls: 'pre',
  representative: true,
  firing: () => 'always',
  install(ctx, env) {
    env.beforeCall = () => env.fire()
  },
})

// Option objects: an own accessor for each key the facade reads.
for (const key of PARAM_KEYS) {
  trigger({
    id: `options.${key}: own getter`,
    family: 'option objects',
    cls: 'firing',
    signal: key === 'signal',
    representative: key === 'signal' || key === 'ddof' || key === 'bins',
    firing: () => 'always',
    applies: (op, form) => optionKeys(op, form).includes(key),
    install(ctx, env) {
      const value = key === 'signal' ? ctx.controller.signal : env.options[key]
      delete env.options[key]
      ctx.define(env.options, key, { get: () => (env.fire(), value), enumerable: true })
    },
  })
}

// Option and parameter objects inherit from Object.prototype: a getter there for every key any of them may be asked.
// The facade must read it when the caller's options lack a key the form takes; the binding may read any of them.
for (const key of PARAM_KEYS) {
  const reads = (op, form) => optionKeys(op, form).includes(key)
  for (const read of [true, false]) {
    trigger({
      id: `Object.prototype.${key}: getter`,
      family: 'option objects',
      cls: read ? 'firing' : 'conditional',
      representative: read,
      // Whether inherited options count is the facade's choice: the hostile code runs if it reads them.
      firing: () => 'conditional',
      // Unread keys: the binding may read every parameter key of the operations that pass parameters; one
      // representative for the others.
      applies: (op, form) => reads(op, form) === read && (read || op.options !== undefined || op.write || key === 'value'),
      install(ctx, env) {
        const value = env.options?.[key]
        if (env.options) delete env.options[key]
        ctx.define(Object.prototype, key, { get: () => (env.fire(), value) })
      },
    })
  }
}

trigger({
  id: 'options: Proxy whose get trap runs first',
  family: 'option objects',
  cls: 'firing',
  signal: true,
  representative: true,
  firing: () => 'always',
  applies: (op, form) => takesOptions(op, form),
  install(ctx, env) {
    const target = { ...env.options }
    if (isAsync(env.form)) target.signal = ctx.controller.signal
    env.options = new Proxy(target, {
      get(t, k, r) {
        env.fire()
        return Reflect.get(t, k, r)
      },
    })
  },
})

// Signals: the facade may read a signal through its built-ins only, so these may never run.
const signalTrigger = (t) =>
  trigger({
    family: 'signals',
    cls: 'conditional',
    signal: true,
    applies: (op, form) => isAsync(form),
    ...t,
    install(ctx, env) {
      env.options = { ...env.options, signal: ctx.controller.signal }
      t.install(ctx, env)
    },
  })
const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get

signalTrigger({
  id: 'AbortSignal.prototype.aborted: getter',
  install(ctx, env) {
    ctx.hook(AbortSignal.prototype, 'aborted', function (original) {
      env.fire()
      return original.get.call(this)
    })
  },
})
signalTrigger({
  id: 'signal.aborted: own getter',
  install(ctx, env) {
    const signal = env.options.signal
    ctx.define(signal, 'aborted', { get: () => (env.fire(), abortedOf.call(signal)) })
  },
})
signalTrigger({
  id: 'EventTarget.prototype.addEventListener: runs after registering',
  install(ctx, env) {
    const original = EventTarget.prototype.addEventListener
    ctx.define(EventTarget.prototype, 'addEventListener', {
      writable: true,
      value(...args) {
        const result = Reflect.apply(original, this, args)
        env.fire()
        return result
      },
    })
  },
})
signalTrigger({
  id: 'AbortSignal[Symbol.hasInstance]',
  install(ctx, env) {
    ctx.define(AbortSignal, Symbol.hasInstance, {
      value(value) {
        env.fire()
        return Function.prototype[Symbol.hasInstance].call(this, value)
      },
    })
  },
})
signalTrigger({
  // Node's AbortSignal accepts a proxy of one (its brand check reads a symbol through the proxy): its traps run while
  // the facade checks it, before the binding reads the engine's state.
  id: 'signal: Proxy of an AbortSignal whose get trap runs first',
  install(ctx, env) {
    env.options.signal = new Proxy(ctx.controller.signal, {
      get(t, k, r) {
        env.fire()
        return Reflect.get(t, k, r)
      },
    })
  },
})
signalTrigger({
  id: 'EventTarget.prototype.removeEventListener (runs when the operation is over)',
  cls: 'after',
  signal: false,
  representative: true,
  phase: 'after',
  install(ctx, env) {
    const original = EventTarget.prototype.removeEventListener
    ctx.define(EventTarget.prototype, 'removeEventListener', {
      writable: true,
      value(...args) {
        env.fire()
        return Reflect.apply(original, this, args)
      },
    })
  },
})

// Promise hooks run while the facade awaits the binding's promise: after an inline operation is done, or while a
// pool operation runs (then only alloc()ed memory may be detached: see the suite's header).
const promiseTrigger = (t) =>
  trigger({ family: 'promise hooks', cls: 'await', applies: (op, form) => isAsync(form), phase: 'await', ...t })
promiseTrigger({
  id: 'Promise.prototype.constructor: getter (read by await)',
  representative: true,
  install(ctx, env) {
    ctx.define(Promise.prototype, 'constructor', { get: () => (env.fire(), Promise) })
  },
})
promiseTrigger({
  id: 'Promise[Symbol.hasInstance]',
  install(ctx, env) {
    ctx.define(Promise, Symbol.hasInstance, {
      value(value) {
        env.fire()
        return Function.prototype[Symbol.hasInstance].call(this, value)
      },
    })
  },
})

// Handles: the binding's record class, the public class, and the handle object.
// The binding's classes (whatever it exports: a handle record class, the cancellation token): every accessor and
// method of their prototypes, hooked. The facade may call them; it must not depend on them for memory.
for (const [className, value] of Object.entries(binding)) {
  const proto = typeof value === 'function' ? value.prototype : undefined
  if (!proto) continue
  for (const key of Reflect.ownKeys(proto)) {
    if (key === 'constructor') continue
    const d = Object.getOwnPropertyDescriptor(proto, key)
    trigger({
      id: `binding's ${className}.prototype.${name(key)}: ${d.get ? 'getter' : 'method'} hooked`,
      family: 'handles',
      cls: 'handle getters',
      signal: true,
      install(ctx, env) {
        if (isAsync(env.form)) env.options = { ...env.options, signal: ctx.controller.signal }
        if (d.get) {
          ctx.hook(proto, key, function (original) {
            env.fire()
            return original.get.call(this)
          })
        } else if (typeof d.value === 'function') {
          const original = d.value
          ctx.define(proto, key, {
            writable: true,
            value(...args) {
              env.fire()
              return Reflect.apply(original, this, args)
            },
          })
        }
      },
    })
  }
}
for (const getter of EXPORT_GETTERS) {
  trigger({
    id: `Export.prototype.${getter}: getter answering a decoy`,
    family: 'handles',
    cls: 'handle getters',
    applies: (op, form, scenario) => hasHandle(scenario),
    install(ctx, env) {
      const decoy = exportDecoy(ctx, getter)
      ctx.define(pb.Export.prototype, getter, { get: () => (env.fire(), decoy) })
    },
  })
}

// Arrays: own accessors and data properties, subclasses, prototypes.
for (const prop of ARRAY_PROPS) {
  trigger({
    id: `array.${name(prop)}: own getter answering a same-length decoy`,
    family: 'arrays',
    cls: 'array getters',
    install(ctx, env) {
      const decoy = staleDecoy(ctx, prop, env.target)
      ctx.define(env.target.array, prop, { get: () => (env.fire(), decoy) })
    },
  })
  trigger({
    id: `array.${name(prop)}: own data property holding a decoy`,
    family: 'arrays',
    cls: 'shape',
    firing: () => 'never',
    install(ctx, env) {
      ctx.define(env.target.array, prop, { value: arrayDecoy(ctx, prop), writable: true })
    },
  })
}
trigger({
  id: 'array: subclass whose getters answer same-length decoys',
  family: 'arrays',
  cls: 'array getters',
  make: (ctx, env, T) => (buffer, byteOffset, length) => new (hostileSubclass(T, ctx, env))(buffer, byteOffset, length),
  install() {},
})
trigger({
  id: 'array: null prototype',
  family: 'arrays',
  cls: 'shape',
  firing: () => 'never',
  install(ctx, env) {
    Object.setPrototypeOf(env.target.array, null)
  },
})
trigger({
  id: 'array: null prototype and own decoy properties',
  family: 'arrays',
  cls: 'shape',
  firing: () => 'never',
  install(ctx, env) {
    Object.setPrototypeOf(env.target.array, null)
    for (const prop of ARRAY_PROPS) ctx.define(env.target.array, prop, { value: arrayDecoy(ctx, prop) })
  },
})
for (const prop of TYPED_ARRAY_GETTERS) {
  trigger({
    id: `%TypedArray%.prototype.${name(prop)}: getter answering a same-length decoy`,
    family: 'arrays',
    cls: 'array getters',
    install(ctx, env) {
      const decoy = staleDecoy(ctx, prop, env.target)
      ctx.define(TypedArrayPrototype, prop, { get: () => (env.fire(), decoy) })
    },
  })
}
for (const prop of BUFFER_GETTERS) {
  trigger({
    id: `ArrayBuffer.prototype.${prop}: getter answering a lie`,
    family: 'buffers',
    cls: 'buffer getters',
    install(ctx, env) {
      const lie = prop === 'resizable' ? false : 0
      ctx.define(ArrayBuffer.prototype, prop, { get: () => (env.fire(), lie) })
    },
  })
}

// Arguments the facade must refuse before reading anything of them.
const proxyTraps = (ctx, env) =>
  Object.fromEntries(
    ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'set', 'apply'].map((trap) => [
      trap,
      (...args) => (env.fire(), Reflect[trap](...args)),
    ]),
  )
trigger({
  id: 'argument: Proxy of the array, every trap hostile',
  family: 'arrays',
  cls: 'proxy',
  refusal: () => coded('ERR_INVALID_ARG_TYPE'),
  applies: (op, form, scenario) => !hasHandle(scenario),
  install(ctx, env) {
    env.inputs[env.slot] = new Proxy(env.target.array, proxyTraps(ctx, env))
  },
})
trigger({
  id: 'argument: Proxy of the handle, every trap hostile',
  family: 'handles',
  cls: 'proxy',
  refusal: () => coded('ERR_INVALID_ARG_TYPE'),
  applies: (op, form, scenario) => hasHandle(scenario),
  install(ctx, env) {
    env.inputs[env.slot] = new Proxy(env.target.handle, proxyTraps(ctx, env))
  },
})
trigger({
  id: 'argument: Object.create(handle)',
  family: 'handles',
  cls: 'proxy',
  firing: () => 'never',
  refusal: () => coded('ERR_INVALID_ARG_TYPE'),
  applies: (op, form, scenario) => hasHandle(scenario),
  install(ctx, env) {
    env.inputs[env.slot] = Object.create(env.target.handle)
  },
})
trigger({
  id: 'argument: forged Export (Export.prototype, own array/mode/byteOffset/byteLength)',
  family: 'handles',
  cls: 'proxy',
  firing: () => 'never',
  refusal: () => coded('ERR_INVALID_ARG_TYPE'),
  applies: (op, form, scenario) => hasHandle(scenario),
  install(ctx, env) {
    const s = env.target
    env.inputs[env.slot] = Object.create(pb.Export.prototype, {
      array: { value: s.array },
      mode: { value: 'write' },
      byteOffset: { value: 0 },
      byteLength: { value: s.totalBytes },
      released: { value: false },
    })
  },
})
trigger({
  id: 'value argument: object whose valueOf, toString and @@toPrimitive run hostile code',
  family: 'values',
  cls: 'refused',
  firing: () => 'never',
  refusal: () => coded('ERR_INVALID_ARG_TYPE'),
  applies: (op) => op.name === 'fill' || op.name === 'scale',
  install(ctx, env) {
    const hostile = { valueOf: () => (env.fire(), 7), toString: () => (env.fire(), '7'), [Symbol.toPrimitive]: () => (env.fire(), 7) }
    env.extra = env.op.name === 'fill' ? [hostile] : [2, hostile]
  },
})

// ---------------------------------------------------------------------------------------------------------------
// Running one attack and predicting its outcome.

function makeSubjects(ctx, env, scenario, trigger) {
  const subjects = []
  for (let i = 0; i < env.op.arrays; i++) {
    const mine = i === env.slot
    const layout = mine ? (scenario.layout ?? 'fixed') : scenario.layout === 'alloc' ? 'alloc' : 'fixed'
    const make = mine && trigger.make ? trigger.make(ctx, env, Float64Array) : undefined
    const s = new Subject({ layout, data: i === 0 ? 'a' : 'b', big: scenario.big, make })
    if (mine && hasHandle(scenario)) s.handle = ctx.borrow(s.array, i === 0 && env.op.write ? 'write' : 'read')
    subjects.push(s)
  }
  return subjects
}

/** What the binding must have seen of each argument when it read the engine's state. */
function statesAtCall(env, scenario, effective) {
  return env.subjects.map((s, i) => {
    const hit = effective && i === env.slot
    const shrunk = hit && scenario.sabotage === 'shrink'
    return {
      subject: s,
      released: hit && scenario.sabotage === 'release',
      detached: hit && scenario.sabotage === 'detach',
      outOfBounds: shrunk && s.layout === 'rabFixed',
      length: shrunk && s.layout === 'rabTracking' ? s.n / 2 : s.n,
      shrunk,
    }
  })
}

const resizable = (s) => s.layout === 'rabTracking' || s.layout === 'rabFixed'

/**
 * The exact outcome, from the documented order of checks: an abort before anything; per argument in order, a released
 * handle, a detached buffer, a view out of bounds, a handle's array shrunk below its export, a resizable buffer (async
 * forms); mismatched lengths; a buffer detached while a pool operation ran; else the reference result.
 */
function predict(env, scenario, trigger, fired) {
  const { op, form } = env
  if (trigger.refusal) return { outcome: expectError(form, trigger.refusal()), written: undefined }
  const phase = typeof trigger.phase === 'function' ? trigger.phase(env) : trigger.phase
  const effective = fired && phase === 'before'
  const states = statesAtCall(env, scenario, effective)
  const fail = (code) => ({ outcome: expectError(form, coded(code)), written: undefined })
  if (effective && scenario.sabotage === 'abort' && isAsync(form) && trigger.signal) return fail('ABORT_ERR')
  for (const st of states) {
    const s = st.subject
    if (s.handle) {
      if (st.released) return fail('ERR_PARABUF_RELEASED')
      if (st.detached) return fail('ERR_PARABUF_DETACHED')
      if (st.outOfBounds) return fail('ERR_PARABUF_OUT_OF_BOUNDS')
      if (st.shrunk) return fail('ERR_PARABUF_DETACHED')
    } else {
      if (st.detached) return fail('ERR_PARABUF_DETACHED')
      if (st.outOfBounds) return fail('ERR_PARABUF_OUT_OF_BOUNDS')
    }
    if (isAsync(form) && resizable(s)) return fail('ERR_PARABUF_RESIZABLE')
  }
  if (states.length === 2 && states[0].length !== states[1].length) return fail('ERR_PARABUF_LENGTH_MISMATCH')
  // A promise hook runs after an inline operation completed, or while a pool operation runs.
  if (fired && phase === 'await') {
    const bytes = env.subjects.reduce((n, s) => n + s.n * s.T.BYTES_PER_ELEMENT, 0)
    if (bytes > INLINE_BYTES && scenario.sabotage === 'detach') return fail('ERR_PARABUF_DETACHED')
  }
  const values = states.map((st) => st.subject.initialElements(st.length))
  const options = { ...(op.options ?? {}) }
  const result = op.ref(values[0], values[1], options, env.subjects[0].T)
  if (op.write) {
    return { outcome: expectOk(form, env.subjects[0].array, env.subjects.map((s) => s.array)), written: bytesOf(env.subjects[0].T, result) }
  }
  return { outcome: expectOk(form, result), written: undefined }
}

async function runOperationAttack(ctx, { op, form, trigger, scenario }) {
  const env = { op, form, slot: scenario.slot ?? 0, extra: op.extra(false) }
  env.fire = () => env.act()
  env.subjects = makeSubjects(ctx, env, scenario, trigger)
  env.target = env.subjects[env.slot]
  env.act = ctx.once(actOf(ctx, scenario, env.target))
  env.inputs = env.subjects.map((s) => s.input)
  env.options = baseOptions(op, form)
  trigger.install(ctx, env)
  collect()
  env.beforeCall?.()
  const arrays = env.subjects.map((s) => s.array)
  const outcome = await outcomeOf(form, () => callOp(op, form, env.inputs, env.options, env.extra), arrays)
  ctx.restore()
  const fired = ctx.fired > 0
  const firing = trigger.firing(op, form)
  const { outcome: expectedOutcome, written } = predict(env, scenario, trigger, fired)
  const okOutcome = 'returned' in expectedOutcome || 'resolved' in expectedOutcome
  const memory = env.subjects.map((s, i) => s.check(okOutcome && i === 0 ? written : undefined))
  const expectedMemory = env.subjects.map((s) => (s.dropped ? 'gone' : 'intact'))
  return {
    expected: {
      outcome: expectedOutcome,
      fired: firing === 'always' ? true : firing === 'never' ? false : fired,
      memory: expectedMemory,
      decoysIntact: true,
      strayExports: 0,
      harness: [],
    },
    actual: {
      outcome,
      fired,
      memory,
      decoysIntact: ctx.decoysIntact(),
      strayExports: ctx.strayExports(),
      harness: ctx.restoreErrors,
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// borrow() and exportsOf() under the array triggers.

const ARRAY_TRIGGER_FAMILIES = new Set(['arrays', 'buffers', 'memory'])

async function runBorrowAttack(ctx, { mode, trigger, scenario }) {
  const env = { op: { arrays: 1, write: mode === 'write', name: 'borrow' }, form: 'sync', slot: 0 }
  env.fire = () => env.act()
  const s = new Subject({ make: trigger.make ? trigger.make(ctx, env, Float64Array) : undefined })
  env.subjects = [s]
  env.target = s
  env.act = ctx.once(actOf(ctx, scenario, s))
  env.inputs = [s.array]
  trigger.install(ctx, env)
  collect()
  env.beforeCall?.()
  let outcome
  let handle
  try {
    handle = pb.borrow(env.inputs[0], mode)
    ctx.handles.push(handle)
    outcome = { returned: 'a handle' }
  } catch (error) {
    outcome = { threw: errorOf(error) }
  }
  ctx.restore()
  const fired = ctx.fired > 0
  let expectedOutcome = { returned: 'a handle' }
  if (trigger.refusal) expectedOutcome = { threw: trigger.refusal() }
  else if (fired && scenario.sabotage === 'detach') expectedOutcome = { threw: coded('ERR_PARABUF_DETACHED') }
  // What the handle shows, and what an operation through it computes or writes.
  let shows
  let expectedShows
  let written
  if (handle) {
    shows = {
      mode: handle.mode,
      byteOffset: handle.byteOffset,
      byteLength: handle.byteLength,
      array: handle.array === s.array,
      released: handle.released,
      use: ser(mode === 'write' ? pb.fillSync(handle, 7) === s.array : pb.sumSync(handle)),
    }
  }
  if ('returned' in expectedOutcome) {
    expectedShows = { mode, byteOffset: s.start, byteLength: s.n * 8, array: true, released: false, use: ser(mode === 'write' ? true : 36) }
    if (mode === 'write') written = bytesOf(Float64Array, s.initialElements().map(() => 7))
  }
  const firing = trigger.firing(env.op, 'sync')
  return {
    expected: {
      outcome: expectedOutcome,
      shows: expectedShows,
      fired: firing === 'always' ? true : firing === 'never' ? false : fired,
      memory: s.dropped ? 'gone' : 'intact',
      decoysIntact: true,
      strayExports: 0,
      harness: [],
    },
    actual: {
      outcome,
      shows,
      fired,
      memory: s.check(written),
      decoysIntact: ctx.decoysIntact(),
      strayExports: ctx.strayExports(),
      harness: ctx.restoreErrors,
    },
  }
}

async function runExportsOfAttack(ctx, { trigger, scenario }) {
  const env = { op: { arrays: 1, write: false, name: 'exportsOf' }, form: 'sync', slot: 0 }
  env.fire = () => env.act()
  const s = new Subject({ make: trigger.make ? trigger.make(ctx, env, Float64Array) : undefined })
  env.subjects = [s]
  env.target = s
  env.act = ctx.once(actOf(ctx, scenario, s))
  env.inputs = [s.array]
  // A live export of elements 1 and 2, through another view of the buffer.
  ctx.borrow(new Float64Array(s.buffer, s.start + 8, 2), 'read')
  trigger.install(ctx, env)
  collect()
  env.beforeCall?.()
  const outcome = await outcomeOf('sync', () => pb.exportsOf(env.inputs[0]).map(({ mode, byteOffset, byteLength }) => ({ mode, byteOffset, byteLength })))
  ctx.restore()
  const fired = ctx.fired > 0
  let expectedOutcome = { returned: [{ mode: 'read', byteOffset: s.start + 8, byteLength: 16 }] }
  if (trigger.refusal) expectedOutcome = { threw: trigger.refusal() }
  else if (fired && scenario.sabotage === 'detach') expectedOutcome = { threw: coded('ERR_PARABUF_DETACHED') }
  const firing = trigger.firing(env.op, 'sync')
  return {
    expected: {
      outcome: expectedOutcome,
      fired: firing === 'always' ? true : firing === 'never' ? false : fired,
      memory: 'intact',
      decoysIntact: true,
      strayExports: 0,
      harness: [],
    },
    actual: {
      outcome,
      fired,
      memory: s.check(),
      decoysIntact: ctx.decoysIntact(),
      strayExports: ctx.strayExports(),
      harness: ctx.restoreErrors,
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The catalog of these attacks.

function accepts(scenario, trigger) {
  if (scenario.representative && !trigger.representative) return false
  if (scenario.sabotage === 'abort') return Boolean(trigger.signal) && (trigger.cls === 'firing' || trigger.cls === 'conditional')
  return scenario.accepts.includes(trigger.cls)
}

export function operationAttacks() {
  const attacks = []
  for (const op of OPS) {
    for (const form of ['sync', 'async']) {
      const target = fnName(op, form)
      for (const trigger of TRIGGERS) {
        for (const scenario of SCENARIOS) {
          if ((scenario.slot ?? 0) >= op.arrays) continue
          if (!accepts(scenario, trigger) || !trigger.applies(op, form, scenario)) continue
          // Abort needs a signal, which only async forms take.
          if (scenario.sabotage === 'abort' && !isAsync(form)) continue
          attacks.push({
            id: `${target} · ${trigger.id} · ${scenario.id}`,
            target,
            family: trigger.family,
            run: (ctx) => runOperationAttack(ctx, { op, form, trigger, scenario }),
          })
        }
      }
    }
  }
  const small = SCENARIOS.filter((s) => !s.big && (s.slot ?? 0) === 0 && s.subject === 'array' && (s.sabotage === 'detach' || s.sabotage === 'none'))
  for (const trigger of TRIGGERS.filter((t) => ARRAY_TRIGGER_FAMILIES.has(t.family) && t.cls !== 'refused')) {
    for (const scenario of small) {
      if (!accepts(scenario, trigger)) continue
      for (const mode of ['read', 'write']) {
        attacks.push({
          id: `borrow(·, '${mode}') · ${trigger.id} · ${scenario.id}`,
          target: 'borrow',
          family: trigger.family,
          run: (ctx) => runBorrowAttack(ctx, { mode, trigger, scenario }),
        })
      }
      attacks.push({
        id: `exportsOf · ${trigger.id} · ${scenario.id}`,
        target: 'exportsOf',
        family: trigger.family,
        run: (ctx) => runExportsOfAttack(ctx, { trigger, scenario }),
      })
    }
  }
  return attacks
}

