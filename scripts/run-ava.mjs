// Runs the ava suite and fails when it executed no test (ava exits 0 for an empty run with some configurations).
import { spawnSync } from 'node:child_process'

const run = spawnSync(process.execPath, ['node_modules/ava/entrypoints/cli.mjs', '--tap', ...process.argv.slice(2)], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 256 * 1024 * 1024,
})
process.stdout.write(run.stdout)
const count = (name) => Number(run.stdout.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0)
const passed = count('pass')
const failed = count('fail')
const skipped = count('skip') + count('todo')
console.log(`ava: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
if (run.status !== 0) process.exit(run.status ?? 1)
if (passed === 0) {
  console.error('ava executed no test')
  process.exit(1)
}
if (skipped > 0) {
  console.error('skipped or todo tests are not allowed')
  process.exit(1)
}
