// oclif's command_not_found hook: an unknown command is one `gridcore:` line (+ the JSON error under --json), exit 2.
import { Errors, type Hook } from '@oclif/core'
import { GridcoreError } from '../lib/errors.js'
import { errorJson } from './errors.js'

const hook: Hook<'command_not_found'> = async (opts) => {
  const asked = opts.id.replace(/:/g, ' ')
  const names = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id.replace(/:/g, ' '))
  const near = names
    .filter((n) => distance(n, asked) <= 2)
    .sort((a, b) => distance(a, asked) - distance(b, asked))
  const hint = near[0] ? `did you mean gridcore ${near[0]}? ` : ''
  const e = new GridcoreError(
    'USAGE',
    `unknown command "${asked}": ${hint}gridcore --help lists the commands`,
  )
  process.stderr.write(`gridcore: ${e.message}\n`)
  if (opts.argv?.includes('--json')) process.stdout.write(`${JSON.stringify(errorJson(e, e.message))}\n`)
  throw new Errors.ExitError(e.exitCode)
}

/** Levenshtein distance, for "did you mean". */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]!
}

export default hook
