// Runs one call of the public API and holds it to the model's prediction (api.ts): invalid calls fail with a catalog
// code the model expects, as the catalog's class, synchronously for sync functions and as a rejection for async ones;
// no call changes memory it may not change; every call leaves the ledger as the model says.
import { inspect } from 'node:util'

import { liveExportCount } from 'parabuf'

import { CATALOG, CLASS_OF, ERROR_CATALOG, type Prediction } from './api.js'
import type { ArgSpec, CallSpec } from './arbitraries.js'
import { Snapshot, type World } from './world.js'

/** Turns generated argument descriptions into values of `world`. */
export function resolve(spec: ArgSpec, world: World): unknown {
  if ('ref' in spec) {
    if (!world.values.has(spec.ref)) return undefined // a plan handle that was not taken: `undefined` stands in
    return world.values.get(spec.ref)
  }
  if ('lit' in spec) return spec.lit
  if ('get' in spec) return resolve(spec.get, world) // a getter needs an object to be on: alone, its value
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(spec.obj)) {
    if ('get' in value) world.defineGetter(out, key, resolve(value.get, world), value.effect)
    else out[key] = resolve(value, world)
  }
  return out
}

/** A readable rendering of a value for failure messages: world values by name. */
export function show(value: unknown, world: World): string {
  for (const [name, v] of world.values) if (v === value && (typeof v === 'object' || typeof v === 'function')) return `<${name}>`
  if (typeof value === 'function') return `[function ${value.name}]`
  return inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 6 })
}

/** Per-function tallies, so a test can require that the generator reached every function and every code. */
export class Tally {
  readonly valid = new Map<string, number>()
  readonly invalid = new Map<string, number>()
  readonly skipped = new Map<string, number>()
  readonly codes = new Map<string, Set<string>>()

  count(map: Map<string, number>, name: string): void {
    map.set(name, (map.get(name) ?? 0) + 1)
  }

  code(name: string, code: string): void {
    if (!this.codes.has(name)) this.codes.set(name, new Set())
    this.codes.get(name)!.add(code)
  }

  allCodes(): Set<string> {
    return new Set([...this.codes.values()].flatMap((s) => [...s]))
  }
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }

/** Buffers of the typed arrays and DataViews among `values` (one level deep, so options objects count too), found
 * without running a getter or a trap (the world's own values are in its buffers already). */
function buffersIn(values: readonly unknown[], world: World): ArrayBufferLike[] {
  const out: ArrayBufferLike[] = []
  const known = new Set(world.values.values())
  const visit = (v: unknown, depth: number): void => {
    if (ArrayBuffer.isView(v)) out.push(v.buffer)
    else if (depth > 0 && typeof v === 'object' && v !== null && !known.has(v) && !(v instanceof Map) && !(v instanceof Set)) {
      for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(v))) {
        if ('value' in d) visit(d.value, depth - 1)
        else visit(world.getterOf(v, key)?.value, depth - 1)
      }
    }
  }
  for (const v of values) visit(v, 1)
  return out
}

/** A description of what went wrong with an error for a prediction, or `undefined` if it is the right kind. */
function wrongError(error: unknown, prediction: Prediction): string | undefined {
  const e = error as Error & { code?: unknown }
  const code = typeof e?.code === 'string' ? e.code : undefined
  if (code === undefined || !ERROR_CATALOG.has(code)) {
    return `failed with ${String(e?.name)} ${String(code)} (not a catalog code): ${String(e?.message)}`
  }
  if (!prediction.codes.has(code)) return `failed with ${code} (${e.message}); expected one of ${[...prediction.codes].join(', ')}`
  const cls = ERROR_CATALOG.get(code)!
  if (!(e instanceof CLASS_OF[cls]!) || e.name !== (cls === 'Error' ? 'ParabufError' : cls)) {
    return `${code} raised as ${e.name} (${e.constructor?.name}), not ${cls}`
  }
  return undefined
}

/**
 * Runs `call` against `world` and returns a description of every broken rule, or `undefined` when the call behaved as
 * predicted. `runBaseline` is the live export count before the world took its handles.
 */
export async function runCall(
  call: CallSpec,
  world: World,
  runBaseline: number,
  tally?: Tally,
  exact?: string,
): Promise<string | undefined> {
  const spec = CATALOG[call.name]!
  const args = call.args.map((a) => resolve(a, world))
  const label = `${call.name}(${args.map((a) => show(a, world)).join(', ')})`
  const prediction = spec.predict(args, world, runBaseline)
  const valid = prediction.codes.size === 0
  if (exact !== undefined && !(exact === 'ok' ? valid : prediction.codes.has(exact))) {
    return `${label}: the model predicts ${valid ? 'success' : [...prediction.codes].join(', ')}, the case expects ${exact}`
  }
  if (valid && prediction.skip && exact === undefined) {
    tally?.count(tally.skipped, call.name)
    return undefined
  }
  tally?.count(valid ? tally.valid : tally.invalid, call.name)

  const before = liveExportCount()
  const handlesBefore = world.handles.length
  const releasesBefore = world.effectReleases
  const snapshot = new Snapshot([...world.buffers, ...buffersIn(args, world)])
  const async = spec.kind === 'async' || spec.kind === 'asyncMethod'
  const problems: string[] = []
  let outcome: Outcome
  try {
    const returned = spec.invoke(args)
    if (async) {
      if (!(returned instanceof Promise)) problems.push('an async function must return a promise')
      outcome = await Promise.resolve(returned).then(
        (value) => ({ ok: true, value }) as const,
        (error) => ({ ok: false, error }) as const,
      )
    } else {
      if (returned instanceof Promise) problems.push('a sync function returned a promise')
      outcome = { ok: true, value: returned }
    }
  } catch (error) {
    if (async) problems.push(`threw synchronously instead of rejecting: ${String(error)}`)
    outcome = { ok: false, error }
  }

  if (valid) {
    if (!outcome.ok) {
      const e = outcome.error as Error & { code?: string }
      problems.push(`a valid call failed: ${e?.name} ${e?.code}: ${e?.message}`)
    } else {
      const wrong = prediction.check?.(outcome.value)
      if (wrong) problems.push(wrong)
      prediction.cleanup?.(outcome.value)
    }
  } else if (outcome.ok) {
    problems.push(`succeeded (${show(outcome.value, world)}) although ${[...prediction.codes].join(', ')} was expected`)
  } else {
    const wrong = wrongError(outcome.error, prediction)
    const code = (outcome.error as { code?: unknown }).code
    if (wrong) problems.push(wrong)
    else if (exact !== undefined && code !== exact) problems.push(`failed with ${String(code)}, expected exactly ${exact}`)
    else tally?.code(call.name, (outcome.error as { code: string }).code)
  }

  // A buffer a getter of the call detached (the script's doing) has no bytes left to compare.
  const changed = snapshot.changes(valid ? prediction.writes : undefined, (buffer) => world.effectDetached.has(buffer))
  if (changed) problems.push(`memory changed: ${changed}`)
  // Exports a getter of the call took (the script's) are the world's handles, released with it; those it released
  // are the script's doing too.
  const taken = world.handles.slice(handlesBefore).filter((h) => !h.handle.released).length - (world.effectReleases - releasesBefore)
  const expectedCount = before + taken + (valid ? (prediction.exportDelta ?? 0) : 0)
  const count = liveExportCount()
  if (count !== expectedCount) problems.push(`live exports ${count}, expected ${expectedCount}`)
  return problems.length ? `${label}: ${problems.join('; ')}` : undefined
}
