// Memory safety of parabuf-core's unsafe foundations: the unit tests of the ledger, regions and views (and of the
// executor, which runs views on rayon threads) under Miri, which checks every memory access against Rust's rules
// (undefined behaviour, provenance, aliasing, data races, leaks), and under valgrind's memcheck, which checks the
// compiled code (invalid reads and writes, uses of freed or uninitialised memory, leaks).
//
//   node scripts/test-memory.mjs [--tool=all|miri|valgrind]
//
// --tool=all (the default) runs every tool this machine has and fails if it has none; naming a tool fails if it is
// missing. Miri needs a nightly toolchain with the miri and rust-src components
// (`rustup toolchain install nightly --component miri,rust-src`); valgrind comes from the system's packages.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const MODULES = ['layout::', 'ledger::', 'region::', 'view::']
const EXECUTOR = ['exec::']
// Miri cannot simulate a failed allocation: asking it for 2^62 bytes stops the run ("resource exhaustion") instead of
// returning an error. valgrind runs this test.
const MIRI_SKIP = ['region::tests::impossible_allocations_fail_instead_of_aborting']

const tool = (process.argv.find((a) => a.startsWith('--tool='))?.slice('--tool='.length) ?? 'all').toLowerCase()
if (!['all', 'miri', 'valgrind'].includes(tool)) {
  console.error(`test-memory: unknown --tool=${tool} (all, miri or valgrind)`)
  process.exit(2)
}

function run(command, args, options = {}) {
  const shown = [options.env?.MIRIFLAGS ? `MIRIFLAGS='${options.env.MIRIFLAGS}'` : '', command, ...args].filter(Boolean).join(' ')
  console.log(`\n$ ${shown}`)
  const started = performance.now()
  const result = spawnSync(command, args, { stdio: 'inherit', ...options, env: { ...process.env, ...options.env } })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  if (result.error) throw result.error
  if (result.status !== 0) {
    console.error(`test-memory: FAILED (${shown} exited with ${result.status ?? result.signal}, after ${seconds} s)`)
    process.exit(1)
  }
  console.log(`test-memory: ok in ${seconds} s`)
}

function available(command, args) {
  const probe = spawnSync(command, args, { encoding: 'utf8' })
  return probe.status === 0
}

function miri() {
  // Stacked Borrows (Miri's default aliasing model) and then Tree Borrows, both with strict provenance: the tests build
  // their address-only regions with ptr::without_provenance_mut, so every pointer that is dereferenced must carry the
  // provenance of a real allocation.
  const skip = MIRI_SKIP.flatMap((name) => ['--skip', name])
  run('cargo', ['+nightly', 'miri', 'test', '-p', 'parabuf-core', '--lib', '--', ...MODULES, ...skip], {
    env: { MIRIFLAGS: '-Zmiri-strict-provenance' },
  })
  run('cargo', ['+nightly', 'miri', 'test', '-p', 'parabuf-core', '--lib', '--', ...MODULES, ...skip], {
    env: { MIRIFLAGS: '-Zmiri-strict-provenance -Zmiri-tree-borrows' },
  })
  // The executor runs on rayon, whose crossbeam-epoch uses integer-to-pointer casts and breaks Stacked Borrows
  // (crossbeam-rs/crossbeam#545; it is sound under Tree Borrows), and whose pool threads live as long as the process:
  // permissive provenance, Tree Borrows, and no leak check for the pool's threads.
  run('cargo', ['+nightly', 'miri', 'test', '-p', 'parabuf-core', '--lib', '--', ...EXECUTOR], {
    env: { MIRIFLAGS: '-Zmiri-permissive-provenance -Zmiri-tree-borrows -Zmiri-ignore-leaks' },
  })
}

/** The unit-test executable of parabuf-core, built (debug, stable toolchain) by cargo. */
function testBinary() {
  console.log('\n$ cargo test -p parabuf-core --lib --no-run --message-format=json')
  const build = spawnSync('cargo', ['test', '-p', 'parabuf-core', '--lib', '--no-run', '--message-format=json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  if (build.status !== 0) {
    console.error('test-memory: FAILED (cargo could not build the unit tests)')
    process.exit(1)
  }
  const executables = build.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((m) => m.reason === 'compiler-artifact' && m.target?.name === 'parabuf_core' && m.profile?.test && m.executable)
    .map((m) => m.executable)
  if (executables.length !== 1) {
    console.error(`test-memory: FAILED (expected one test executable of parabuf-core, found ${executables.length})`)
    process.exit(1)
  }
  return executables[0]
}

// Allocations that are not parabuf's and are never freed by design: the test harness's per-thread std handles, the
// thread-local storage of the executor's rayon threads, which live as long as the process, and that of a harness test
// thread that has sent its result but not finished exiting when the harness exits (libtest does not join them; which
// thread, if any, depends on timing) — valgrind reports them as "possibly lost". Anything definitely or indirectly lost,
// and any other possible leak, still fails.
const SUPPRESSIONS = `{
   std-thread-handle-of-harness-threads
   Memcheck:Leak
   match-leak-kinds: possible
   fun:malloc
   ...
   fun:*init_current*
}
{
   rayon-pool-thread-local-storage
   Memcheck:Leak
   match-leak-kinds: possible
   fun:calloc
   ...
   fun:_dl_allocate_tls
   ...
   fun:*rayon_core*
}
{
   harness-test-thread-local-storage
   Memcheck:Leak
   match-leak-kinds: possible
   fun:calloc
   ...
   fun:_dl_allocate_tls
   ...
   fun:*test*run_test*
}
`

function valgrind() {
  const binary = testBinary()
  const dir = mkdtempSync(join(tmpdir(), 'parabuf-valgrind-'))
  const suppressions = join(dir, 'parabuf.supp')
  writeFileSync(suppressions, SUPPRESSIONS)
  try {
    run('valgrind', [
      '--error-exitcode=1',
      '--leak-check=full',
      '--errors-for-leak-kinds=definite,indirect,possible',
      '--track-origins=yes',
      '--fair-sched=yes',
      `--suppressions=${suppressions}`,
      binary,
      ...MODULES,
      ...EXECUTOR,
    ], {
      // The property tests compare the ledger with a linear model over thousands of steps: natively that takes a second,
      // under valgrind minutes. Memory errors show in a few cases as well as in hundreds.
      env: { PROPTEST_CASES: '8' },
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const hasMiri = available('cargo', ['+nightly', 'miri', '--version'])
const hasValgrind = available('valgrind', ['--version'])
console.log(`test-memory: Miri ${hasMiri ? 'available' : 'not available'}, valgrind ${hasValgrind ? 'available' : 'not available'}`)
const started = performance.now()
if (tool === 'miri' || tool === 'all') {
  if (hasMiri) miri()
  else if (tool === 'miri') {
    console.error('test-memory: Miri is not installed (rustup toolchain install nightly --component miri,rust-src)')
    process.exit(1)
  }
}
if (tool === 'valgrind' || tool === 'all') {
  if (hasValgrind) valgrind()
  else if (tool === 'valgrind') {
    console.error('test-memory: valgrind is not installed')
    process.exit(1)
  }
}
if (!hasMiri && !hasValgrind) {
  console.error('test-memory: neither Miri nor valgrind is available, so nothing was checked')
  process.exit(1)
}
console.log(`\ntest-memory: all checks passed in ${((performance.now() - started) / 1000).toFixed(1)} s`)
