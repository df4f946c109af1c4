// Any error a command meets, as the one GridcoreError the user sees: oclif's parser errors become usage errors.
import { Errors } from '@oclif/core'
import { GridcoreError, oneLine } from '../lib/errors.js'

/** Maps an error to a GridcoreError; `commandId` (e.g. "task:list") points parser errors at its --help. */
export function toGridcoreError(err: unknown, commandId?: string): GridcoreError {
  const e = err instanceof Error ? err : new Error(String(err))
  const help = commandId ? ` (see gridcore ${commandId.replace(/:/g, ' ')} --help)` : ''
  // A flag's own parser threw: oclif wrapped the message in "Parsing --flag … See more help with --help".
  if (/^Parsing --/.test(e.message)) {
    const msg = parserText(e.message)
    return e instanceof GridcoreError
      ? new GridcoreError(e.code, msg, e.details)
      : new GridcoreError('USAGE', msg)
  }
  if (e instanceof GridcoreError) return e
  // oclif parser errors: unknown flags, missing arguments, invalid options, flag relations.
  if (e instanceof Errors.CLIError || 'parse' in e)
    return new GridcoreError('USAGE', `${parserText(e.message)}${help}`)
  return new GridcoreError(
    'INTERNAL',
    `unexpected error: ${oneLine(e.message)}; rerun with GRIDCORE_DEBUG=1 and report it`,
  )
}

function parserText(message: string): string {
  return oneLine(
    message
      .replace(/\u001b\[[0-9;]*m/g, '')
      .replace(/See more help with --help/, '')
      .replace(/^The following errors? occurred:/, '')
      .replace(/^Parsing --[\w-]+\s*/, ''),
  )
}

/** The --json form of an error: {"error": {code, message, exit_code, ...details}}. */
export function errorJson(e: GridcoreError, message: string): { error: Record<string, unknown> } {
  return { error: { code: e.code, message, exit_code: e.exitCode, ...e.details } }
}
