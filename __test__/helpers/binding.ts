// The native binding as the tests see it, and the constants they measure against, read from it (so that no test keeps
// a copy of a number the core defines).
import { createRequire } from 'node:module'

/** The parts of the binding the tests use directly. */
export interface TestBinding {
  constants(): { inlineBytes: number; blockElements: number }
  operationTable(): {
    name: string
    arrays: { name: string; mode: string; internal: boolean }[]
    params: string[]
    returns: string
    public: boolean
    axis: string
  }[]
  elementKinds(): { name: string; bytes: number; bigint: boolean }[]
  runSync(op: number, params: object | undefined, ...arrays: unknown[]): unknown
}

export const binding = createRequire(import.meta.url)('../../dist/native.js').native as TestBinding

const constants = binding.constants()

/** Async calls over at most this many bytes run inline; above it they run on the pool (`INLINE_BYTES` in the core). */
export const INLINE_BYTES: number = constants.inlineBytes

/** parabuf's block size in elements: lengths around its multiples exercise block boundaries. */
export const BLOCK: number = constants.blockElements

/** The public operations, from the core's table: name, array modes and result shape. */
export const OPERATIONS = binding
  .operationTable()
  .filter((op) => op.public)
  .map((op) => ({
    name: op.name,
    // The caller's arrays: an internal one (quantile's q) is made by the facade from a parameter.
    modes: op.arrays.filter((array) => !array.internal).map((array) => array.mode as 'read' | 'write'),
    returns: op.returns,
    params: op.params,
    axis: op.axis,
  }))

/** The public operations' names. */
export const OPERATION_NAMES: readonly string[] = OPERATIONS.map((op) => op.name)
