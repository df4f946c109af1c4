// Flags a node is started with, the same in node start and join.
import { Flags } from '@oclif/core'
import { GridcoreError } from '../lib/errors.js'

/** --parallelism: a count of at least 1, or auto (adaptive). */
export const parallelismFlag = (dflt: string) =>
  Flags.custom<number | 'auto'>({
    helpValue: '<count>|auto',
    description: `instances of the task, or auto: min(CPUs, free memory / container memory), fewer while the CPUs stay over 85 % busy (default: ${dflt})`,
    parse: async (v) => parallelismArg(v),
  })()

export function parallelismArg(v: string): number | 'auto' {
  if (v === 'auto') return 'auto'
  if (/^\d+$/.test(v) && Number(v) >= 1) return Number(v)
  throw new GridcoreError(
    'USAGE',
    `--parallelism "${v}" is not a count: use a whole number of at least 1, or auto`,
  )
}
