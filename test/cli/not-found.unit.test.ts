// "did you mean": the edit distance behind the unknown-command line.
import { describe, expect, it } from 'vitest'
import { distance } from '../../src/cli/not-found.js'

describe('distance', () => {
  it.each([
    ['status', 'status', 0],
    ['stauts', 'status', 2],
    ['task lst', 'task list', 1],
    ['', 'up', 2],
    ['down', 'up', 4],
  ])('%s ~ %s = %i', (a, b, d) => {
    expect(distance(a, b)).toBe(d)
    expect(distance(b, a)).toBe(d)
  })
})
