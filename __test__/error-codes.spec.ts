// The error codes as the public types name them, held to where the codes are defined: the core's catalog (Rust's
// `CATALOG`, read through the binding) and the one code the facade raises before the binding exists (`NO_NATIVE_BINARY`
// in src/native.ts, a plain Error). `ParabufErrorCode` has exactly these codes, each error class's `code` type has
// exactly the codes raised as that class, and the documentation of each code names that class. The types are read with
// the TypeScript compiler from src/index.ts, as typedoc and the build read them; the codes from the built facade.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import test from 'ava'
import ts from 'typescript'

import { AbortError, BorrowError, type BorrowErrorCode, ParabufError, type ParabufErrorCode } from 'parabuf'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

const built = createRequire(import.meta.url)('../dist/native.js') as {
  native: { errorCatalog(): [string, string][] }
  NO_NATIVE_BINARY: string
}

/** `[code, class name]` for every code: the binding's catalog, which the facade builds its errors from, and the load error's. */
const CATALOG: [string, string][] = [...built.native.errorCatalog(), [built.NO_NATIVE_BINARY, 'LoadError']]

/**
 * The public class each catalog class name is raised as (`makeError` in src/errors.ts); `LoadError` stands for the load
 * error, a plain `Error` thrown by src/native.ts.
 */
const PUBLIC_CLASS: Readonly<Record<string, string>> = {
  TypeError: 'TypeError',
  RangeError: 'RangeError',
  SyntaxError: 'SyntaxError',
  BorrowError: 'BorrowError',
  AbortError: 'AbortError',
  Error: 'ParabufError',
  LoadError: 'Error',
}

/** The catalog's codes raised as `publicClass` (every code for `undefined`), sorted. */
function catalogCodes(publicClass?: string): string[] {
  return CATALOG.filter(([, cls]) => publicClass === undefined || PUBLIC_CLASS[cls] === publicClass)
    .map(([code]) => code)
    .sort()
}

/** The TypeScript program of the public entry point, compiled with the repository's tsconfig.json. */
function program(): { checker: ts.TypeChecker; index: ts.SourceFile; exports: Map<string, ts.Symbol> } {
  const configPath = join(root, 'tsconfig.json')
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  if (config === undefined) throw new Error('cannot read tsconfig.json')
  const entry = join(root, 'src', 'index.ts')
  const prog = ts.createProgram([entry], config.options)
  const checker = prog.getTypeChecker()
  const index = prog.getSourceFile(entry)!
  const moduleSymbol = checker.getSymbolAtLocation(index)!
  const exports = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]))
  return { checker, index, exports }
}

const { checker, exports } = program()

/** The string literals a type is the union of, sorted; throws for any other member. */
function literals(type: ts.Type): string[] {
  const members = type.isUnion() ? type.types : [type]
  return members
    .map((member) => {
      if (!member.isStringLiteral()) throw new Error(`not a string literal: ${checker.typeToString(member)}`)
      return member.value
    })
    .sort()
}

/** The declared type of an exported type alias. */
function aliasType(name: string): ts.Type {
  const symbol = checker.getAliasedSymbol(exports.get(name)!)
  return checker.getDeclaredTypeOfSymbol(symbol)
}

/** The type of the `code` property of instances of an exported class. */
function codeTypeOf(className: string): ts.Type {
  const symbol = checker.getAliasedSymbol(exports.get(className)!)
  const instance = checker.getDeclaredTypeOfSymbol(symbol)
  return checker.getTypeOfSymbol(instance.getProperty('code')!)
}

test('the catalog lists each code once, so the sets below compare it whole', (t) => {
  const codes = catalogCodes()
  t.true(codes.length > 0)
  t.is(new Set(codes).size, codes.length)
  t.deepEqual([...new Set(CATALOG.map(([, cls]) => cls))].sort(), Object.keys(PUBLIC_CLASS).sort())
})

test('ParabufErrorCode is exactly the codes of the core catalog and the load error', (t) => {
  t.deepEqual(literals(aliasType('ParabufErrorCode')), catalogCodes())
})

test("each error class's code type is exactly the codes the catalog raises as that class", (t) => {
  t.deepEqual(literals(aliasType('BorrowErrorCode')), catalogCodes('BorrowError'))
  t.deepEqual(literals(codeTypeOf('BorrowError')), catalogCodes('BorrowError'))
  t.deepEqual(literals(codeTypeOf('AbortError')), catalogCodes('AbortError'))
  // A ParabufError may be built with any code (makeError raises unknown classes as one); parabuf raises it for these.
  t.deepEqual(literals(codeTypeOf('ParabufError')), catalogCodes())
  t.true(catalogCodes('ParabufError').length > 0)
})

test('the documentation of each code opens with the class the catalog raises it as', (t) => {
  const declaration = checker.getAliasedSymbol(exports.get('ParabufErrorCode')!).declarations![0] as ts.TypeAliasDeclaration
  const source = declaration.getSourceFile().text
  const union = declaration.type as ts.UnionTypeNode
  const documented = union.types.map((member, i) => {
    // A member's comment sits before its `|`, outside the member's node: read the text since the previous member.
    const before = source.slice(i === 0 ? union.pos : union.types[i - 1]!.end, member.getStart())
    const doc = [...before.matchAll(/\/\*\*([\s\S]*?)\*\//g)].at(-1)?.[1] ?? ''
    const opening = doc.replace(/^[\s*]+/, '').match(/^(?:\{@link (\w+)\}|`(\w+)`):/)
    return [(member as ts.LiteralTypeNode).literal.getText().slice(1, -1), opening?.[1] ?? opening?.[2] ?? 'undocumented']
  })
  t.deepEqual(
    Object.fromEntries(documented.sort()),
    Object.fromEntries(CATALOG.map(([code, cls]) => [code, PUBLIC_CLASS[cls]!]).sort()),
  )
})

// Checked by tsc (`npm run lint`), not at run time: the public classes' `code` types as the docs state them.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
export const typeChecks: [
  Equal<BorrowError['code'], BorrowErrorCode>,
  Equal<ParabufError['code'], ParabufErrorCode>,
  Equal<AbortError['code'], 'ABORT_ERR'>,
  Equal<Extract<ParabufErrorCode, BorrowErrorCode | 'ABORT_ERR'>, BorrowErrorCode | 'ABORT_ERR'>,
] = [true, true, true, true]
