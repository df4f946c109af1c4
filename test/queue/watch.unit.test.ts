// The watch's wait between polls: the end of a run is looked at when it is due, not a whole interval late.
import { describe, expect, it } from 'vitest'
import { MIN_POLL_MS, pollPause } from '../../src/queue/watch.js'

describe('pollPause', () => {
  it('waits the usual pause while the end is further off', () => {
    expect(pollPause(250, 900_000, 600_000)).toBe(250)
  })

  it('looks again when the items left should be done', () => {
    // 36,000 items left at 600,000 items/s: due in 60 ms.
    expect(pollPause(250, 36_000, 600_000)).toBe(60 + MIN_POLL_MS)
  })

  it('never polls more often than the floor', () => {
    expect(pollPause(250, 1, 600_000)).toBe(MIN_POLL_MS + 1)
    expect(pollPause(5, 100, 600_000)).toBe(MIN_POLL_MS)
  })

  it('keeps the pause while no rate is known or nothing is left', () => {
    expect(pollPause(250, 36_000, 0)).toBe(250)
    expect(pollPause(250, 0, 600_000)).toBe(250)
  })
})
