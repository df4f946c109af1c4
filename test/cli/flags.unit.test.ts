// Shared flags: duration flags give milliseconds and show their default as written; where items come from.
import { describe, expect, it } from 'vitest'
import { durationFlag, itemSource } from '../../src/cli/flags.js'

describe('durationFlag', () => {
  it('parses what it is given to milliseconds, naming the flag when it cannot', async () => {
    const f = durationFlag({ description: 'd' })
    const parse = (input: string) => f.parse(input, {} as never, { ...f, name: 'stall-timeout' } as never)
    expect(await parse('1.5s')).toBe(1_500)
    expect(await parse('2')).toBe(2_000)
    await expect(parse('2 minutes')).rejects.toThrow('--stall-timeout expects a positive duration')
    expect(f.default).toBeUndefined()
  })

  it('holds its default in milliseconds and shows it as written', async () => {
    const f = durationFlag({ description: 'd', default: '2m' })
    expect(f.default).toBe(120_000)
    expect(await (f.defaultHelp as () => Promise<string>)()).toBe('2m')
  })

  it('refuses a default that is not a duration (a programming error, caught at load)', () => {
    expect(() => durationFlag({ description: 'd', default: '2 min' })).toThrow('expects a positive duration')
  })
})

describe('itemSource', () => {
  const o = { pipedStdin: false, nothing: 'nothing to push' }
  it('takes a range, a file, or - for stdin', () => {
    expect(itemSource({ range: '1..3' }, o)).toEqual({ range: '1..3' })
    expect(itemSource({ input: 'items.txt' }, o)).toEqual({ file: 'items.txt' })
    expect(itemSource({ input: '-' }, o)).toEqual({ stdin: process.stdin })
  })
  it('says what to pass when nothing is given', () => {
    expect(() => itemSource({}, o)).toThrow('nothing to push')
  })
})
