// The child process of the adversarial object-model suite (adversarial.spec.ts). Run with --expose-gc (and, on Node 20,
// --harmony-rab-gsab-transfer):
//
//   node child.mjs --list              one JSON line: every attack's id, target and family
//   node child.mjs --shard K/N         runs the attacks whose position modulo N is K
//   node child.mjs --only ID           runs one attack (to reproduce a failure)
//   node child.mjs --grep REGEXP       runs the attacks whose id matches
//   node child.mjs --selftest          attacks that fake a stray write, a wrong code, a hang and a crash, to prove
//                                      that the spec's checks catch them
//
// Every attack runs isolated: a fresh context, gc() right before the call under attack (and in every "collect" step of
// a scenario), every hostile definition taken back and every handle released whatever happens. Output is JSON lines,
// written synchronously to fd 1 so that the lines of the attacks that completed survive a crash: `{ start: id }` before
// each attack, then `{ id, expected, actual, ms }`, and `{ done: count }` at the end. `{ id, hang: true }` is written
// (and the process exits) when an attack does not settle in time.
import { writeSync } from 'node:fs'

import { Ctx, pb, Subject, coded, outcomeOf } from './world.mjs'

const emit = (value) => writeSync(1, `${JSON.stringify(value)}\n`)

// How long one attack may take before it counts as hung. The slowest attack, alloc() of a 4 GiB + 8 array that is
// then filled from JavaScript (page faults over 4 GiB), took 19-22 s on a loaded 2-core machine under Node 24 and musl
// (with a 20 s limit it was reported as a hang); emulated runs (PARABUF_TIME_SCALE, helpers/timing.ts) are slower still.
const ATTACK_MS = 60_000 * Math.max(1, Number(process.env.PARABUF_TIME_SCALE) || 1)
const turn = () => new Promise((resolve) => setImmediate(resolve))

async function runAll(attacks, timeoutMs) {
  for (const attack of attacks) {
    emit({ start: attack.id })
    const t0 = performance.now()
    const ctx = new Ctx()
    let record
    let timer
    try {
      const hang = new Promise((resolve) => {
        timer = setTimeout(() => resolve('hang'), timeoutMs)
      })
      const result = await Promise.race([attack.run(ctx), hang])
      if (result === 'hang') {
        emit({ id: attack.id, hang: true })
        process.exit(3)
      }
      record = result
    } catch (error) {
      record = { expected: { completes: true }, actual: { completes: false, harnessError: String(error?.stack ?? error) } }
    } finally {
      clearTimeout(timer)
    }
    try {
      ctx.cleanup()
    } catch (error) {
      record.actual.cleanupError = String(error)
    }
    await turn()
    record.expected.ledgerAfter = 0
    record.actual.ledgerAfter = pb.liveExportCount() - ctx.baseline
    emit({ id: attack.id, expected: record.expected, actual: record.actual, ms: Math.round(performance.now() - t0) })
  }
  emit({ done: attacks.length })
}

/** Attacks whose violations are staged, each as the suite would see a real one. */
function selftests() {
  return [
    {
      id: 'selftest · a write outside the exported array',
      target: 'selftest',
      family: 'selftest',
      run: async () => {
        const s = new Subject()
        // A "kernel" that writes one element past the end of its array.
        new Float64Array(s.buffer)[s.pad + s.n] = 0
        return { expected: { memory: 'intact' }, actual: { memory: s.check() } }
      },
    },
    {
      id: 'selftest · a wrong error code',
      target: 'selftest',
      family: 'selftest',
      run: async (ctx) => {
        const s = new Subject()
        const handle = ctx.borrow(s.array, 'read')
        handle.release()
        // The prediction says "detached"; the library answers "released".
        const outcome = await outcomeOf('sync', () => pb.sumSync(handle))
        return { expected: { outcome: { threw: coded('ERR_PARABUF_DETACHED') } }, actual: { outcome } }
      },
    },
    {
      id: 'selftest · a leaked export',
      target: 'selftest',
      family: 'selftest',
      run: async () => {
        pb.borrow(new Float64Array(8), 'read') // never released, kept alive below
        globalThis.leaked = pb.borrow(new Float64Array(8), 'read')
        return { expected: {}, actual: {} }
      },
    },
    {
      id: 'selftest · a crash',
      target: 'selftest',
      family: 'selftest',
      run: async () => {
        process.kill(process.pid, 'SIGSEGV')
        await new Promise((resolve) => setTimeout(resolve, 5000))
        return { expected: {}, actual: {} }
      },
    },
    {
      id: 'selftest · never reached',
      target: 'selftest',
      family: 'selftest',
      run: async () => ({ expected: {}, actual: {} }),
    },
  ]
}

function hangTest() {
  return [
    {
      id: 'selftest · a hang',
      target: 'selftest',
      family: 'selftest',
      run: () => new Promise(() => {}),
    },
  ]
}

const [mode, arg] = process.argv.slice(2)
if (mode === '--selftest') {
  await runAll(selftests(), ATTACK_MS)
} else if (mode === '--selftest-hang') {
  await runAll(hangTest(), 500)
} else {
  const { catalog } = await import('./catalog.mjs')
  const attacks = catalog()
  if (mode === '--list') {
    emit({ attacks: attacks.map(({ id, target, family }) => ({ id, target, family })) })
  } else if (mode === '--shard') {
    const [k, n] = arg.split('/').map(Number)
    await runAll(attacks.filter((_, i) => i % n === k), ATTACK_MS)
  } else if (mode === '--only') {
    const attack = attacks.find((a) => a.id === arg)
    if (!attack) throw new Error(`no attack ${arg}`)
    await runAll([attack], ATTACK_MS)
  } else if (mode === '--grep') {
    const pattern = new RegExp(arg)
    await runAll(attacks.filter((a) => pattern.test(a.id)), ATTACK_MS)
  } else {
    throw new Error('usage: child.mjs --list | --shard K/N | --only ID | --grep REGEXP | --selftest | --selftest-hang')
  }
}
