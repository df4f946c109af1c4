// The raw RESP codec push uses: commands encoded as RESP arrays, replies parsed incrementally from any chunking.
import { describe, expect, it } from 'vitest'
import { encodeCommand, type Reply, ReplyParser } from '../../src/redis/resp.js'

describe('encodeCommand', () => {
  it('encodes strings and buffers as a RESP array of bulk strings (lengths in bytes)', () => {
    expect(encodeCommand(['LPUSH', 'q', 'é', Buffer.from([0, 13, 10])]).toString('latin1')).toBe(
      `*4\r\n$5\r\nLPUSH\r\n$1\r\nq\r\n$2\r\n${Buffer.from('é').toString('latin1')}\r\n$3\r\n\u0000\r\n\r\n`,
    )
    expect(encodeCommand([]).toString()).toBe('*0\r\n')
  })
})

/** Every reply in `wire`, fed in the given chunks. */
function parseAll(chunks: Buffer[]): Reply[] {
  const p = new ReplyParser()
  const out: Reply[] = []
  for (const c of chunks) {
    p.push(c)
    for (let r = p.next(); r !== undefined; r = p.next()) out.push(r)
  }
  return out
}

const wire = Buffer.concat([
  Buffer.from('+OK\r\n-WRONGPASS invalid password\r\n:42\r\n$4\r\nhé!\r\n$3\r\n'),
  Buffer.from([0xff, 0x80, 0x0a]),
  Buffer.from('\r\n$-1\r\n*-1\r\n*3\r\n:1\r\n*2\r\n+a\r\n$0\r\n\r\n$-1\r\n*0\r\n'),
])

describe('ReplyParser', () => {
  const expected = (): Reply[] => [
    'OK',
    new Error('WRONGPASS invalid password'),
    42,
    Buffer.from('hé!'),
    Buffer.from([0xff, 0x80, 0x0a]),
    null,
    null,
    [1, ['a', Buffer.alloc(0)], null],
    [],
  ]

  it('parses simple strings, errors, integers, bulk strings (as the bytes they are), nulls and nested arrays', () => {
    expect(parseAll([wire])).toEqual(expected())
  })

  it('gives the same replies however the bytes are cut, and waits for the rest', () => {
    for (let i = 1; i < wire.length; i++)
      expect(parseAll([wire.subarray(0, i), wire.subarray(i)]), `cut at ${i}`).toEqual(expected())
    expect(parseAll([...wire].map((b) => Buffer.from([b])))).toEqual(expected())
  })

  it('returns undefined while a reply is incomplete', () => {
    const p = new ReplyParser()
    p.push(Buffer.from('$5\r\nab'))
    expect(p.next()).toBeUndefined()
    p.push(Buffer.from('cde\r\n'))
    expect(p.next()).toEqual(Buffer.from('abcde'))
    expect(p.next()).toBeUndefined()
  })

  it('refuses a byte that starts no RESP type', () => {
    const p = new ReplyParser()
    p.push(Buffer.from('?huh\r\n'))
    expect(() => p.next()).toThrow('unexpected RESP type byte 63')
  })
})
