// join and node start read --parallelism the same way: a count of at least 1, or auto; anything else is one line.
import { describe, expect, it } from 'vitest'
import { parallelismArg } from '../../src/cli/node-flags.js'

describe('--parallelism', () => {
  it('takes a count of at least 1, or auto', () => {
    expect(parallelismArg('4')).toBe(4)
    expect(parallelismArg('auto')).toBe('auto')
  })
  it('refuses anything else in one line naming what it takes', () => {
    for (const bad of ['0', '-1', '1.5', 'two', ''])
      expect(() => parallelismArg(bad)).toThrow(
        /--parallelism ".*" is not a count: use a whole number of at least 1, or auto/,
      )
  })
})
