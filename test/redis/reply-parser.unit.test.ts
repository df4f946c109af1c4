// The RESP reply parser push and the drains use: replies parsed incrementally from any chunking, and an array of
// bulk strings scanned in place.
import { describe, expect, it } from 'vitest'
import { type BulkArray, type Reply, ReplyParser } from '../../src/redis/reply-parser.js'

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

describe('ReplyParser.nextBulkArray (an LRANGE reply scanned in place)', () => {
  const items = [
    Buffer.from('r1'),
    Buffer.from([0xff, 0x0d, 0x0a, 0x00]),
    Buffer.alloc(0),
    Buffer.alloc(70_000, 7),
  ]
  const reply = Buffer.concat([
    Buffer.from(`*${items.length}\r\n`),
    ...items.flatMap((b) => [Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]),
  ])
  const itemsOf = (a: BulkArray) =>
    Array.from({ length: a.count }, (_, i) =>
      Buffer.from(a.buf.subarray(a.starts[i]!, a.starts[i]! + a.lengths[i]!)),
    )

  it('gives each item as offsets into the bytes, however the reply is cut, and the next reply after it', () => {
    for (const cut of [1, 2, 5, 9, 17, 300, 65_536, reply.length - 1]) {
      const p = new ReplyParser()
      p.push(reply.subarray(0, cut))
      expect(p.nextBulkArray(), `cut at ${cut}`).toBeUndefined()
      p.push(Buffer.concat([reply.subarray(cut), Buffer.from(':5\r\n')]))
      const a = p.nextBulkArray() as BulkArray
      expect(itemsOf(a), `cut at ${cut}`).toEqual(items)
      expect(p.next()).toBe(5)
    }
  })

  it('reads a reply fed byte by byte, keeps handed-out bytes intact, and gives error replies as errors', () => {
    const p = new ReplyParser()
    const small = Buffer.from('*2\r\n$2\r\nab\r\n$1\r\nc\r\n*0\r\n-WRONGTYPE no list\r\n')
    let got: (BulkArray | Error)[] = []
    for (const b of small) {
      p.push(Buffer.from([b]))
      for (let r = p.nextBulkArray(); r !== undefined; r = p.nextBulkArray()) got.push(r)
    }
    expect(itemsOf(got[0] as BulkArray)).toEqual([Buffer.from('ab'), Buffer.from('c')])
    expect((got[1] as BulkArray).count).toBe(0)
    expect(got[2]).toEqual(new Error('WRONGTYPE no list'))
    got = []
    const p2 = new ReplyParser()
    p2.push(Buffer.from('*1\r\n$3\r\nxyz\r\n*1\r\n$2\r\n'))
    const first = p2.nextBulkArray() as BulkArray
    p2.push(Buffer.alloc(100_000, 1))
    expect(itemsOf(first)).toEqual([Buffer.from('xyz')])
  })

  it('refuses an array holding something other than bulk strings', () => {
    const p = new ReplyParser()
    p.push(Buffer.from('*1\r\n:1\r\n'))
    expect(() => p.nextBulkArray()).toThrow('expected a bulk string')
  })
})

describe('ReplyParser limits', () => {
  it('refuses to keep more of an array reply than its limit (32-bit offsets), rather than wrap or crash', () => {
    const p = new ReplyParser(100)
    p.push(Buffer.from('*1\r\n$150\r\n'))
    expect(p.nextBulkArray()).toBeUndefined()
    expect(() => p.push(Buffer.alloc(150, 1))).toThrow('an array reply of more than 100 bytes to keep')
    // Other replies are not scanned into offsets: no limit.
    const q = new ReplyParser(100)
    q.push(Buffer.from('$150\r\n'))
    expect(q.next()).toBeUndefined()
    q.push(Buffer.concat([Buffer.alloc(150, 1), Buffer.from('\r\n')]))
    expect((q.next() as Buffer).length).toBe(150)
  })
})

describe('ReplyParser.nextBulkArray with a byte budget', () => {
  const bulks = (items: string[]) =>
    Buffer.from(`*${items.length}\r\n${items.map((i) => `$${i.length}\r\n${i}\r\n`).join('')}`)
  const wire = Buffer.concat([
    bulks(['aa', 'bbbb', 'cc', 'dddddd', 'e']),
    Buffer.from(':7\r\n'),
    bulks(['z']),
  ])

  it('keeps the items that fit (the first always), drops the rest as it arrives, then reads on, however cut', () => {
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new ReplyParser()
      const got: (Reply | BulkArray)[] = []
      const pull = () => {
        for (;;) {
          const r = got.length === 0 ? p.nextBulkArray(5) : got.length === 1 ? p.next() : p.nextBulkArray(0)
          if (r === undefined) return
          got.push(r)
        }
      }
      p.push(wire.subarray(0, cut))
      pull()
      p.push(wire.subarray(cut))
      pull()
      const a = got[0] as BulkArray
      expect(
        [a.count, a.truncated, String(a.buf.subarray(a.starts[1]!, a.starts[1]! + a.lengths[1]!))],
        `cut ${cut}`,
      ).toEqual([1, true, ''])
      expect(String(a.buf.subarray(a.starts[0]!, a.starts[0]! + a.lengths[0]!))).toBe('aa')
      expect(got[1], `cut ${cut}`).toBe(7)
      const z = got[2] as BulkArray
      expect([z.count, z.truncated], `cut ${cut}`).toEqual([1, false])
    }
  })
})
