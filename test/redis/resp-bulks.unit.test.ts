// RespBulks: bulk strings written straight from the bytes they come from, as a RESP command's arguments.
import { describe, expect, it } from 'vitest'
import { encodeCommand } from '../../src/redis/resp.js'
import { commandHead, RespBulks } from '../../src/redis/resp-bulks.js'

describe('RespBulks', () => {
  it('encodes slices of bytes as bulk strings, lengths of any size, bytes kept as they are', () => {
    const b = new RespBulks(8) // grows as it goes
    const src = Buffer.from('xx\u00ffhello\n')
    b.add(src, 2, 9)
    b.add(Buffer.alloc(0))
    b.addString('x'.repeat(1234))
    b.add(Buffer.from([0, 13, 10, 0xfe]))
    expect(b.count).toBe(4)
    const expected = Buffer.concat([
      Buffer.from('$7\r\n'),
      src.subarray(2, 9),
      Buffer.from('\r\n$0\r\n\r\n$1234\r\n'),
      Buffer.from('x'.repeat(1234)),
      Buffer.from('\r\n$4\r\n'),
      Buffer.from([0, 13, 10, 0xfe]),
      Buffer.from('\r\n'),
    ])
    expect(b.bytes()).toEqual(expected)
    expect(b.values()).toEqual([
      src.subarray(2, 9),
      Buffer.alloc(0),
      Buffer.from('x'.repeat(1234)),
      Buffer.from([0, 13, 10, 0xfe]),
    ])
  })

  it('appends another run, truncates back to a mark, and clears', () => {
    const a = new RespBulks(4)
    a.addString('a')
    const mark = { length: a.length, count: a.count }
    a.addString('bb')
    const c = new RespBulks()
    c.addString('ccc')
    a.append(c)
    expect(a.values().map(String)).toEqual(['a', 'bb', 'ccc'])
    a.truncate(mark.length, mark.count)
    expect(a.values().map(String)).toEqual(['a'])
    a.clear()
    expect([a.count, a.length]).toEqual([0, 0])
  })

  it('with commandHead makes the same bytes as encoding the whole command', () => {
    const tail = new RespBulks()
    for (const s of ['r1', '', 'r3']) tail.addString(s)
    const whole = Buffer.concat([commandHead(['EVALSHA', 'abc', '1', 'k'], tail.count), tail.bytes()])
    expect(whole).toEqual(encodeCommand(['EVALSHA', 'abc', '1', 'k', 'r1', '', 'r3']))
  })
})
