// Counting RESP requests in a stream, however the bytes are split.
import { describe, expect, it } from 'vitest'
import { encodeCommand } from '../../src/redis/resp.js'
import { RequestCounter } from '../../src/redis/resp-requests.js'

describe('RequestCounter', () => {
  it('counts array requests and inline commands, whole or split at every byte', () => {
    const stream = Buffer.concat([
      encodeCommand(['CLIENT', 'SETINFO', 'LIB-NAME', 'ioredis']),
      encodeCommand(['SET', 'k', Buffer.from('a\r\nb')]),
      Buffer.from('PING\r\n'),
      encodeCommand(['ECHO', '']),
    ])
    expect(new RequestCounter().push(stream)).toBe(4)
    const c = new RequestCounter()
    let total = 0
    for (const byte of stream) total += c.push(Buffer.from([byte]))
    expect(total).toBe(4)
  })

  it('waits for a request that is not complete yet', () => {
    const c = new RequestCounter()
    const req = encodeCommand(['BRPOP', 'q', '5'])
    expect(c.push(req.subarray(0, req.length - 1))).toBe(0)
    expect(c.push(req.subarray(req.length - 1))).toBe(1)
  })

  it('throws on bytes that are no RESP request', () => {
    expect(() => new RequestCounter().push(Buffer.from('*x\r\n'))).toThrow(/not a RESP request/)
    expect(() => new RequestCounter().push(Buffer.from('*1\r\n:1\r\n'))).toThrow(/not a RESP request/)
  })
})
