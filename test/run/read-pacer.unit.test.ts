// How long the worker may leave a filter's answers in the pipe: long enough that many lines share one read, short
// enough that the pipe never fills and the batch's last answers are read at once.
import { describe, expect, it } from 'vitest'
import { readGap } from '../../src/run/read-pacer.js'

describe('readGap', () => {
  it('lets about 24 KB of quick answers gather, at most 20 ms', () => {
    expect(readGap(100_000, 0.002, 8)).toBeCloseTo((24 * 1024 * 0.002) / 8) // ~6 ms of 8-byte lines
    expect(readGap(1_000_000, 0.04, 4)).toBe(20)
  })

  it('never waits past half of what is left, and reads at once near the end', () => {
    expect(readGap(2000, 0.002, 8)).toBeCloseTo(2) // 4 ms left
    expect(readGap(500, 0.002, 8)).toBe(0) // 1 ms left
  })

  it('reads slow, unknown or huge answers as they come', () => {
    expect(readGap(10, 50, 8)).toBe(0)
    expect(readGap(100_000, 1.5, 8)).toBe(0)
    expect(readGap(100_000, 0.5, 8)).toBe(20)
    expect(readGap(100_000, 0, 8)).toBe(0)
    expect(readGap(100_000, 0.002, 0)).toBe(0)
    expect(readGap(100_000, 0.002, 100_000)).toBe(0) // one line would fill much of the pipe
  })
})
