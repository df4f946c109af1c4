// The line-filter worker's adaptive batch size: starts at --batch, grows at most 4x a batch while items are
// quick, shrinks at once to about TARGET_MS of work when they are slow, and stays within 1..MAX_BATCH.
import { describe, expect, it } from 'vitest'
import { BatchSize, MAX_BATCH, TARGET_MS } from '../../src/run/batch-size.js'

describe('BatchSize', () => {
  it('starts at the given size, within 1..max', () => {
    expect(new BatchSize(100).next).toBe(100)
    expect(new BatchSize(0).next).toBe(1)
    expect(new BatchSize(99_999).next).toBe(MAX_BATCH)
  })

  it('grows at most 4x a batch while items are quick, up to the max', () => {
    const b = new BatchSize(100)
    const seen: number[] = []
    for (let i = 0; i < 6; i++) {
      b.record(b.next, b.next * 0.002) // 2 µs an item
      seen.push(b.next)
    }
    expect(seen).toEqual([400, 1600, MAX_BATCH, MAX_BATCH, MAX_BATCH, MAX_BATCH])
  })

  it('shrinks at once to about TARGET_MS of work, and to 1 for items slower than that', () => {
    const b = new BatchSize(1000)
    b.record(1000, 1000 * 2) // 2 ms an item
    expect(b.next).toBe(TARGET_MS / 2)
    b.record(50, 50 * 500) // half a second an item
    expect(b.next).toBe(1)
  })

  it('ignores an empty batch and survives a batch that took no measurable time', () => {
    const b = new BatchSize(10)
    b.record(0, 5)
    expect(b.next).toBe(10)
    b.record(10, 0)
    expect(b.next).toBe(40)
  })
})
