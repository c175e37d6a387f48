// Checks what typedoc's own validation does not, from the JSON model `npm run docs` writes beside the site
// (docs/api/api.json): every export sits in a topic of typedoc.json's `categoryOrder` by an explicit `@category` (the
// default category, `defaultCategory`, holds the project documents alone, so an untagged export shows up there and
// fails), no category exists outside that order, every export has an `@example`, and an optional property whose
// description speaks of a default states it as `@defaultValue`. Prints every finding and exits 1 on any.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8'))
const jsonOutput = config.outputs?.find((output) => output.name === 'json')
if (jsonOutput === undefined) {
  console.error('check-docs: typedoc.json has no json output to check')
  process.exit(1)
}
const project = JSON.parse(readFileSync(join(root, jsonOutput.path), 'utf8'))
const topics = config.categoryOrder.filter((title) => title !== '*')
const fallback = config.defaultCategory

const problems = []
const categoryOf = new Map()
for (const category of project.categories ?? []) {
  if (!topics.includes(category.title)) problems.push(`category "${category.title}" is not in typedoc.json's categoryOrder`)
  for (const id of category.children) categoryOf.set(id, category.title)
}

const documentIds = new Set((project.documents ?? []).map((document) => document.id))
for (const document of project.documents ?? []) {
  if (categoryOf.get(document.id) !== fallback) problems.push(`document ${document.name} is not in "${fallback}"`)
}

/** The text of a comment's summary, or of a block tag's content. */
const text = (parts) => (parts ?? []).map((part) => part.text).join('')

/** The comment that documents a reflection: its own, or its first signature's. */
const commentOf = (reflection) => reflection.comment ?? reflection.signatures?.[0]?.comment

/** Optional properties (of interfaces, classes and type literals) that speak of a default without `@defaultValue`. */
function checkDefaults(reflection, path) {
  for (const child of reflection.children ?? []) {
    const comment = child.comment
    const hasTag = comment?.blockTags?.some((tag) => tag.tag === '@defaultValue')
    if (child.flags?.isOptional && /\bdefault/i.test(text(comment?.summary)) && !hasTag) {
      problems.push(`${path}.${child.name} names a default in prose: state it as @defaultValue`)
    }
    checkDefaults(child, `${path}.${child.name}`)
  }
}

for (const child of project.children ?? []) {
  if (documentIds.has(child.id)) continue
  const category = categoryOf.get(child.id)
  if (category === undefined || category === fallback) {
    problems.push(`${child.name} has no @category (one of: ${topics.filter((t) => t !== fallback).join(', ')})`)
  }
  if (!commentOf(child)?.blockTags?.some((tag) => tag.tag === '@example')) problems.push(`${child.name} has no @example`)
  checkDefaults(child, child.name)
}

for (const problem of problems) console.error(`check-docs: ${problem}`)
if (problems.length > 0) process.exit(1)
console.log(`check-docs: ${project.children.length} exports in ${topics.length - 1} topics, ${documentIds.size} documents`)
