// Whatever a command throws becomes one GridcoreError: oclif parser errors are usage errors (exit 2), the rest
// keep their code, anything unknown is an "unexpected error" (exit 1).
import { Errors } from '@oclif/core'
import { describe, expect, it } from 'vitest'
import { errorJson, toGridcoreError } from '../../src/cli/errors.js'
import { GridcoreError } from '../../src/lib/errors.js'

describe('toGridcoreError', () => {
  it('keeps a GridcoreError as it is', () => {
    const e = new GridcoreError('REDIS_AUTH', 'refused')
    expect(toGridcoreError(e, 'push')).toBe(e)
  })

  it('turns an oclif parser error into one usage line pointing at the command help', () => {
    const e = toGridcoreError(
      new Errors.CLIError('Nonexistent flag: --bogus\nSee more help with --help'),
      'task:list',
    )
    expect(e).toMatchObject({ code: 'USAGE', exitCode: 2 })
    expect(e.message).toBe('Nonexistent flag: --bogus (see gridcore task list --help)')
  })

  it('unwraps a flag parser failure ("Parsing --flag …") and keeps the thrown error’s code', () => {
    const thrown = new GridcoreError('USAGE', '--timeout expects a duration, got "x"')
    thrown.message = `Parsing --timeout \n\t${thrown.message}\nSee more help with --help`
    expect(toGridcoreError(thrown, 'watch')).toMatchObject({
      code: 'USAGE',
      message: '--timeout expects a duration, got "x"',
    })
    const plain = new Error(
      'Parsing --port \n\tExpected an integer but received: x\nSee more help with --help',
    )
    expect(toGridcoreError(plain).message).toBe('Expected an integer but received: x')
  })

  it('strips colour from parser messages', () => {
    const e = toGridcoreError(new Errors.CLIError('\u001b[1mExpected\u001b[22m --x'))
    expect(e.message).toBe('Expected --x')
  })

  it('reports anything else as an unexpected error in one line (exit 1)', () => {
    const e = toGridcoreError(new TypeError('boom\nsecond line'))
    expect(e).toMatchObject({ code: 'INTERNAL', exitCode: 1 })
    expect(e.message).toBe('unexpected error: boom second line; rerun with GRIDCORE_DEBUG=1 and report it')
    expect(toGridcoreError('a string').message).toContain('unexpected error: a string')
  })
})

describe('errorJson', () => {
  it('is {error: {code, message, exit_code, ...details}}', () => {
    const e = new GridcoreError('INTERRUPTED', 'stopped', { task: 't1' })
    expect(errorJson(e, 'shown')).toEqual({
      error: { code: 'INTERRUPTED', message: 'shown', exit_code: 130, task: 't1' },
    })
  })
})
