// The raw RESP connection's encoding: commands as RESP arrays of bulk strings.
import { describe, expect, it } from 'vitest'
import { encodeCommand } from '../../src/redis/resp.js'

describe('encodeCommand', () => {
  it('encodes strings and buffers as a RESP array of bulk strings (lengths in bytes)', () => {
    expect(encodeCommand(['LPUSH', 'q', 'é', Buffer.from([0, 13, 10])]).toString('latin1')).toBe(
      `*4\r\n$5\r\nLPUSH\r\n$1\r\nq\r\n$2\r\n${Buffer.from('é').toString('latin1')}\r\n$3\r\n\u0000\r\n\r\n`,
    )
    expect(encodeCommand([]).toString()).toBe('*0\r\n')
  })
})
