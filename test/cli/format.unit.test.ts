// Counts as people read them, the same as en-US grouping.
import { describe, expect, it } from 'vitest'
import { fmtInt } from '../../src/cli/format.js'

describe('fmtInt', () => {
  it('groups thousands as en-US does', () => {
    for (const n of [0, 7, 999, 1_000, 12_345, 999_999, 1_000_000, 1_234_567_890, -1_234, -12, 3.6, 1_999.5])
      expect(fmtInt(n)).toBe(Math.round(n).toLocaleString('en-US'))
  })
})
