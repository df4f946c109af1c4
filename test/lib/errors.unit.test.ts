// One error type with its documented exit code; messages collapse to one line.
import { describe, expect, it } from 'vitest'
import { type ErrorCode, EXIT, GridcoreError, oneLine } from '../../src/lib/errors.js'

describe('GridcoreError', () => {
  it.each([
    ['USAGE', 2],
    ['INPUT', 2],
    ['CONFIG', 3],
    ['HUB_UNREACHABLE', 4],
    ['HUB_AUTH', 5],
    ['REDIS_AUTH', 5],
    ['HUB_REJECTED', 6],
    ['HUB_BAD_RESPONSE', 6],
    ['NOTHING_RUNNING', 6],
    ['REDIS_UNREACHABLE', 7],
    ['REDIS_ERROR', 7],
    ['STALLED', 8],
    ['TIMEOUT', 9],
    ['CANNOT_START', 11],
    ['INTERRUPTED', 130],
    ['INTERNAL', 1],
  ] as [ErrorCode, number][])('%s exits %i', (code, exit) => {
    const e = new GridcoreError(code, 'm', { task: 't' })
    expect(e).toMatchObject({
      code,
      exitCode: exit,
      message: 'm',
      details: { task: 't' },
      name: 'GridcoreError',
    })
  })

  it('takes every exit code from the EXIT table', () => {
    expect(EXIT).toMatchObject({
      OK: 0,
      FAILURE: 1,
      USAGE: 2,
      PARTIAL: 10,
      CANNOT_START: 11,
      INTERRUPTED: 130,
    })
    const codes = new Set<number>(Object.values(EXIT))
    for (const code of [
      'USAGE',
      'CONFIG',
      'HUB_REJECTED',
      'REDIS_ERROR',
      'TIMEOUT',
      'INTERNAL',
    ] as ErrorCode[])
      expect(codes.has(new GridcoreError(code, '').exitCode)).toBe(true)
  })
})

describe('oneLine', () => {
  it('collapses newlines and the space around them', () => {
    expect(oneLine('  first\n   second \r\n\tthird  ')).toBe('first second third')
  })
})
