// Durations say their unit: 500ms, 30s, 2m, 1h, 30d, 1.5s, a bare number of seconds; anything else is refused in one line.
import { describe, expect, it } from 'vitest'
import { MAX_DURATION_MS, parseDuration } from '../../src/lib/duration.js'
import { GridcoreError } from '../../src/lib/errors.js'

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['3', 3_000],
    ['0.25', 250],
    ['90S', 90_000],
    [' 2m ', 120_000],
    ['1 h', 3_600_000],
    ['596h', 596 * 3_600_000],
    ['1d', 86_400_000],
    ['1.5D', 129_600_000],
  ])('%s is %i ms', (input, ms) => {
    expect(parseDuration(input, '--timeout')).toBe(ms)
  })

  it.each([
    '-1',
    '-5s',
    '0',
    '0s',
    '0.0001',
    '',
    'abc',
    '3x',
    '1e3',
    '1m30s',
    's',
    '5 minutes',
    'NaN',
    'Infinity',
  ])('refuses %j naming the flag, what was expected and what arrived', (input) => {
    const err = (() => {
      try {
        parseDuration(input, '--stall-timeout')
      } catch (e) {
        return e as GridcoreError
      }
    })()
    expect(err).toBeInstanceOf(GridcoreError)
    expect(err!.exitCode).toBe(2)
    expect(err!.message).toBe(
      `--stall-timeout expects a positive duration such as 500ms, 30s, 2m, 1h or 30d (a bare number is seconds), got "${input}"`,
    )
  })

  it('refuses what a timer cannot hold', () => {
    expect(parseDuration(`${MAX_DURATION_MS}ms`, '--timeout')).toBe(MAX_DURATION_MS)
    expect(() => parseDuration('597h', '--timeout')).toThrow(
      '--timeout is at most 596h (about 24 days), got "597h"',
    )
  })

  it('takes days, and a caller may allow more than a timer holds', () => {
    expect(() => parseDuration('30d', '--timeout')).toThrow(
      '--timeout is at most 596h (about 24 days), got "30d"',
    )
    const years = { maxMs: 3650 * 86_400_000, maxText: '3650d (about 10 years)' }
    expect(parseDuration('30d', '--expires', years)).toBe(30 * 86_400_000)
    expect(() => parseDuration('3651d', '--expires', years)).toThrow(
      '--expires is at most 3650d (about 10 years), got "3651d"',
    )
  })
})
