// What run says on each phase (stderr lines off --json).
import { describe, expect, it } from 'vitest'
import { phaseText } from '../../src/cli/run-view.js'

describe('phaseText', () => {
  it('names the task a run waits behind, and what it does on every phase', () => {
    expect(phaseText({ event: 'waiting', behind: 'other' })).toMatch(
      /^waiting for task other to finish first/,
    )
    expect(phaseText({ event: 'registered', task: 't', running: false })).toBe('registered task t')
    expect(phaseText({ event: 'pushed', items: 12345 })).toBe('pushed 12,345 items')
    expect(phaseText({ event: 'redis', state: 'lost' })).toMatch(/reconnecting/)
    expect(phaseText({ event: 'collecting', output: null })).toBe('collecting the last results')
    expect(phaseText({ event: 'note', message: 'm' })).toBe('m')
  })
})
