// The attacks on the expression API (compile, evaluate, evaluateSync, Expression, BoundExpression) and on strided
// views (view, StridedView): hostile receivers and arguments whose traps must never run, getters that detach or
// export memory mid-call, and outputs that overlap their inputs.
import { attackList, coded, observed, outcomeOf, pb, ser, standard } from './world.mjs'

const attacks = []
const add = attackList(attacks)

/** A Proxy whose every trap counts as fired hostile code. */
const hostile = (fire, target = {}) =>
  new Proxy(
    target,
    Object.fromEntries(
      ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'apply', 'construct'].map((t) => [t, (...a) => (fire(), Reflect[t](...a))]),
    ),
  )

/** Detaches `array`'s buffer by transferring it away. */
const detach = (array) => structuredClone(array.buffer, { transfer: [array.buffer] })

add('compile', 'expressions', 'a source that is a Proxy with toString', async (ctx) => {
  const fire = ctx.once(() => {})
  const outcome = await outcomeOf('sync', () => pb.compile(hostile(fire, { toString: () => 'x' })))
  return {
    expected: standard(ctx, { outcome: { threw: coded('ERR_INVALID_ARG_TYPE') }, fired: false }),
    actual: observed(ctx, { outcome, fired: ctx.fired > 0 }),
  }
})

add('evaluateSync', 'expressions', 'an input getter that detaches the input it returns', async (ctx) => {
  const x = new Float64Array([1, 2, 3])
  const inputs = { get x() { detach(x); return x } }
  const outcome = await outcomeOf('sync', () => pb.evaluateSync('x * 2', inputs))
  return {
    expected: standard(ctx, { outcome: { threw: coded('ERR_PARABUF_DETACHED') } }),
    actual: observed(ctx, { outcome }),
  }
})

add('evaluate', 'expressions', 'an output overlapping its input at a shift, and an input getter that borrows the output', async (ctx) => {
  const data = new Float64Array([1, 2, 3, 4])
  ctx.decoy(data, new Uint8Array(data.buffer))
  const shifted = await outcomeOf('async', () => pb.evaluate('x + 1', { x: data.subarray(1) }, { out: data.subarray(0, 3) }))
  const out = new Float64Array(3)
  const inputs = { get x() { ctx.borrow(out, 'read'); return data.subarray(1) } }
  const borrowed = await outcomeOf('async', () => pb.evaluate('x + 1', inputs, { out }))
  return {
    expected: standard(ctx, { shifted: { rejected: coded('ERR_PARABUF_BORROWED') }, borrowed: { rejected: coded('ERR_PARABUF_BORROWED') }, out: [0, 0, 0] }),
    actual: observed(ctx, { shifted, borrowed, out: Array.from(out) }),
  }
})

add('Expression', 'expressions', 'run, runSync and bind on a hostile receiver', async (ctx) => {
  const fire = ctx.once(() => {})
  const receiver = hostile(fire, Object.create(pb.Expression.prototype))
  const x = new Float64Array([1])
  const outcomes = {
    runSync: await outcomeOf('sync', () => pb.Expression.prototype.runSync.call(receiver, { x })),
    run: await outcomeOf('async', () => pb.Expression.prototype.run.call(receiver, { x })),
    bind: await outcomeOf('sync', () => pb.Expression.prototype.bind.call(receiver, { x })),
  }
  return {
    expected: standard(ctx, {
      outcomes: { runSync: { threw: coded('ERR_INVALID_ARG_TYPE') }, run: { rejected: coded('ERR_INVALID_ARG_TYPE') }, bind: { threw: coded('ERR_INVALID_ARG_TYPE') } },
      fired: false,
    }),
    actual: observed(ctx, { outcomes, fired: ctx.fired > 0 }),
  }
})

add('BoundExpression', 'expressions', 'a forged bound expression, and the expression getter on a hostile receiver', async (ctx) => {
  const fire = ctx.once(() => {})
  const forged = Object.create(pb.BoundExpression.prototype)
  const summed = await outcomeOf('sync', () => pb.sumSync(forged))
  const getter = Object.getOwnPropertyDescriptor(pb.BoundExpression.prototype, 'expression').get
  const read = await outcomeOf('sync', () => getter.call(hostile(fire)))
  const x = new Float64Array([1, 2])
  const real = await outcomeOf('sync', () => pb.sumSync(pb.compile('x * x').bind({ x })))
  return {
    expected: standard(ctx, { summed: { threw: coded('ERR_INVALID_ARG_TYPE') }, read: { threw: coded('ERR_INVALID_ARG_TYPE') }, real: { returned: ser(5) }, fired: false }),
    actual: observed(ctx, { summed, read, real, fired: ctx.fired > 0 }),
  }
})

add('view', 'views', 'data that is a Proxy of a typed array', async (ctx) => {
  const fire = ctx.once(() => {})
  const outcome = await outcomeOf('sync', () => pb.view(hostile(fire, new Float64Array(4)), { shape: [4] }))
  return {
    expected: standard(ctx, { outcome: { threw: coded('ERR_INVALID_ARG_TYPE') }, fired: false }),
    actual: observed(ctx, { outcome, fired: ctx.fired > 0 }),
  }
})

add('view', 'views', 'a shape whose element getter detaches the data: the view refuses when used', async (ctx) => {
  const data = new Float64Array([1, 2, 3, 4])
  const shape = [4]
  Object.defineProperty(shape, 0, { get: () => (detach(data), 4) })
  const made = pb.view(data, { shape })
  const outcome = await outcomeOf('sync', () => pb.sumSync(made))
  return {
    expected: standard(ctx, { outcome: { threw: coded('ERR_PARABUF_DETACHED') } }),
    actual: observed(ctx, { outcome }),
  }
})

add('view', 'views', 'a scijs-like object whose getters lie about the view between reads', async (ctx) => {
  const data = new Float64Array([1, 2, 3, 4])
  let reads = 0
  const lying = {
    data,
    get shape() {
      reads++
      return reads === 1 ? [1] : [1000]
    },
    stride: [1],
    offset: 0,
  }
  const outcome = await outcomeOf('sync', () => pb.sumSync(lying))
  return {
    expected: standard(ctx, { outcome: { returned: ser(1) } }),
    actual: observed(ctx, { outcome }),
  }
})

add('StridedView', 'views', 'members on a hostile receiver, and a view of a released export', async (ctx) => {
  const fire = ctx.once(() => {})
  const getters = ['data', 'shape', 'strides', 'offset', 'length'].map((key) => Object.getOwnPropertyDescriptor(pb.StridedView.prototype, key).get)
  const read = []
  for (const getter of getters) read.push(await outcomeOf('sync', () => getter.call(hostile(fire))))
  const handle = ctx.borrow(new Float64Array([1, 2, 3]), 'read')
  const v = pb.view(handle, { shape: [2], strides: [2] })
  handle.release()
  const released = await outcomeOf('sync', () => pb.sumSync(v))
  return {
    expected: standard(ctx, { read: getters.map(() => ({ threw: coded('ERR_INVALID_ARG_TYPE') })), released: { threw: coded('ERR_PARABUF_RELEASED') }, fired: false }),
    actual: observed(ctx, { read, released, fired: ctx.fired > 0 }),
  }
})

export function expressionAttacks() {
  return attacks
}
