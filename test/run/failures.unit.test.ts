// Failure groups: what varies between items is normalised away, so one cause is one group; items shown safely.
import { describe, expect, it } from 'vitest'
import { nextSteps, normaliseError, showItem } from '../../src/run/failures.js'

describe('normaliseError', () => {
  it('puts the same exception on different items, lines, paths and ids into one group', () => {
    const a = `Traceback (most recent call last):\n  File "/tmp/a/f.py", line 5, in <module>\nValueError: bad item 1000`
    const b = `Traceback (most recent call last):\n  File "/home/x/f.py", line 9, in <module>\nValueError: bad item 77`
    expect(normaliseError(a)).toBe(normaliseError(b))
    expect(normaliseError(a)).toBe('Traceback (most recent call last): … ValueError: bad item <n>')
    expect(normaliseError("invalid literal for int() with base 10: 'abc'")).toBe(
      normaliseError("invalid literal for int() with base 10: 'x y'"),
    )
    expect(normaliseError('cannot open /data/in/0042.csv')).toBe(normaliseError('cannot open ./other.csv'))
    expect(normaliseError('job 3fa85f64-5717-4562-b3fc-2c963f66afa6 failed')).toBe('job <id> failed')
    expect(normaliseError('object at 0x7f3a9c failed, sha deadbeef1234')).toBe(
      'object at <n> failed, sha <id>',
    )
  })

  it('keeps different causes apart, and apostrophes inside words are not quotes', () => {
    expect(normaliseError('ValueError: x')).not.toBe(normaliseError('KeyError: x'))
    expect(normaliseError("can't parse 'a'")).toBe(normaliseError("can't parse 'b'"))
    expect(normaliseError("can't parse 'a'")).toBe("can't parse '…'")
  })
})

describe('showItem', () => {
  it('shows control and non-UTF-8 bytes as \\xNN, keeps text and real astral characters, and cuts at 60', () => {
    expect(showItem('a\tb\n')).toBe('a\\x09b\\x0a')
    expect(showItem('\udcff\udcfeok')).toBe('\\xff\\xfeok')
    expect(showItem('ü😀')).toBe('ü😀')
    expect(showItem('x'.repeat(100))).toHaveLength(60)
  })
})

describe('nextSteps', () => {
  it('names the list commands that apply and the retry, with the cluster when it is not the default', () => {
    expect(
      nextSteps({ task: 't', input_queue: 'q:in', failed: 2, dead: 0 }, 'gridcore run --retry t'),
    ).toEqual({
      failed: 'gridcore queue dead --failed --queue q:in',
      retry: 'gridcore run --retry t',
    })
    expect(nextSteps({ task: 't', input_queue: 'q:in', failed: 0, dead: 1 }, 'R', ' --cluster prod')).toEqual(
      { dead: 'gridcore queue dead --queue q:in --cluster prod', retry: 'R' },
    )
  })
})
