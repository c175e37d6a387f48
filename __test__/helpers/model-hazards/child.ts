// Runs the hazard property in a process of its own (spawned by __test__/model-hazards.spec.ts): Node 20 offers
// ArrayBuffer.prototype.transfer (in this realm and in `vm` realms) only behind --harmony-rab-gsab-transfer, which the
// ava workers do not get. Prints one JSON line:
//
// - `property`: the hand-written scenarios (scenarios.ts), then random sequences, against the model; on failure the
//   shrunk counterexample (a readable trace), the first failure as found, and the seed and path to replay it;
// - `mutations`: for each deliberate mistake in the model (model.ts MUTATIONS), whether the property catches it: a
//   sequence counts only if the correct model passes it and the mutated one fails it.
//
// Environment: MODEL_HAZARDS_RUNS (random sequences, default 150), MODEL_HAZARDS_SEED and MODEL_HAZARDS_PATH (replay a
// failure), MODEL_HAZARDS_SHRINK=0 (report the first failure as found), MODEL_HAZARDS_MUTANT_RUNS (cap per mutation),
// MODEL_HAZARDS_SCENARIOS=0 (random sequences only).
import fc from 'fast-check'

import { liveExportCount } from 'parabuf'

import { type Command, command } from './commands.js'
import { MUTATIONS } from './model.js'
import { probeCapabilities, type RunContext, runSequence, SequenceFailure } from './runner.js'
import { SCENARIOS } from './scenarios.js'

/** The longest random sequence. */
const MAX_COMMANDS = 30

const capabilities = probeCapabilities()
const baseline = liveExportCount()
const sequences = fc.array(command, { minLength: 1, maxLength: MAX_COMMANDS, size: 'max' })
const examples = process.env.MODEL_HAZARDS_SCENARIOS === '0' ? [] : SCENARIOS.map((scenario): [Command[]] => [[...scenario]])

interface Options {
  readonly seed?: number
  readonly path?: string
  readonly shrink: boolean
}

async function check(numRuns: number, options: Options, run: (list: Command[]) => Promise<void>) {
  let runs = 0
  let commands = 0
  let firstFailure: string | undefined
  const details = await fc.check(
    fc.asyncProperty(sequences, async (list) => {
      runs++
      commands += list.length
      try {
        await run(list)
      } catch (error) {
        firstFailure ??= error instanceof Error ? error.message : String(error)
        throw error
      }
    }),
    {
      numRuns,
      examples,
      endOnFailure: !options.shrink,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.path === undefined ? {} : { path: options.path }),
    },
  )
  const error = details.errorInstance
  return {
    failed: details.failed,
    seed: details.seed,
    path: details.counterexamplePath,
    // Our own failures carry the readable trace; anything else (a crash of the runner) gets fast-check's full report.
    message: details.failed ? (error instanceof SequenceFailure ? error.message : fc.defaultReportMessage(details)) : undefined,
    counterexampleLength: details.counterexample?.[0]?.length,
    // Shrinking may wander to another failure: the first one, as it was found.
    firstFailure,
    runs,
    commands,
  }
}

async function main(): Promise<void> {
  const started = Date.now()
  const mode = process.argv[2]
  const env = process.env
  let report: Record<string, unknown>
  if (mode === 'property') {
    const tally = new Map<string, number>()
    const context: RunContext = { capabilities, baseline, tally }
    const result = await check(
      Number(env.MODEL_HAZARDS_RUNS ?? 150),
      {
        seed: env.MODEL_HAZARDS_SEED === undefined ? undefined : Number(env.MODEL_HAZARDS_SEED),
        path: env.MODEL_HAZARDS_PATH,
        shrink: env.MODEL_HAZARDS_SHRINK !== '0',
      },
      (list) => runSequence(list, context),
    )
    report = { ...result, tally: Object.fromEntries([...tally].sort()) }
  } else if (mode === 'mutations') {
    const caught: Record<string, { caught: boolean; runs: number; message?: string }> = {}
    for (const mutation of MUTATIONS) {
      const result = await check(Number(env.MODEL_HAZARDS_MUTANT_RUNS ?? 300), { shrink: false }, async (list) => {
        try {
          await runSequence(list, { capabilities, baseline, tally: new Map() })
        } catch {
          return // the library departs from the correct model here: not this mutation's doing
        }
        await runSequence(list, { capabilities, baseline, mutation, tally: new Map() })
      })
      caught[mutation] = { caught: result.failed, runs: result.runs, message: result.message?.split('\n')[0] }
    }
    report = { caught }
  } else {
    throw new Error(`unknown mode ${mode}`)
  }
  console.log(
    JSON.stringify({ mode, node: process.version, capabilities, liveExportsAtEnd: liveExportCount(), elapsedMs: Date.now() - started, ...report }),
  )
}

void main()
