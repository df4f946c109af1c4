// Which failures after registering remove a run and which leave it resumable.
import { describe, expect, it } from 'vitest'
import { GridcoreError } from '../../src/lib/errors.js'
import { removable } from '../../src/run/endings.js'

describe('removable', () => {
  it('removes bad input met while pushing, empty input, a task that cannot start, a wait that timed out, a vanished task', () => {
    expect(removable(new GridcoreError('INPUT', 'bad', { remove: true }))).toBe(true)
    expect(removable(new GridcoreError('CANNOT_START', 'x'))).toBe(true)
    expect(removable(new GridcoreError('TIMEOUT', 'x', { behind: 'other' }))).toBe(true)
    expect(removable(new GridcoreError('HUB_REJECTED', 'x', { task: 't', vanished: true }))).toBe(true)
  })
  it('keeps everything else resumable: Ctrl-C, stalls, timeouts while running, Redis or hub lost, bugs', () => {
    for (const code of [
      'INTERRUPTED',
      'STALLED',
      'TIMEOUT',
      'REDIS_UNREACHABLE',
      'HUB_UNREACHABLE',
      'USAGE',
    ] as const)
      expect(removable(new GridcoreError(code, 'x')), code).toBe(false)
  })
})
