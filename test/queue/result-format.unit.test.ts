// Rendering results: raw bytes, JSON lines (with the documented escape), CSV.
import { describe, expect, it } from 'vitest'
import { Formatter } from '../../src/queue/result-format.js'

const b = (...xs: (string | number[])[]) =>
  xs.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x)))

describe('Formatter', () => {
  it('raw writes the bytes as they are, one line each', () => {
    const out = new Formatter('raw', false).render(b([0xff, 0xfe], 'x', [0x80]))
    expect(out).toEqual(Buffer.from([0xff, 0xfe, 0x0a, 0x78, 0x0a, 0x80, 0x0a]))
  })

  it('jsonl keeps JSON as written, quotes text, escapes bytes that are not UTF-8 as \\udcXX', () => {
    const out = new Formatter('jsonl', false).render(b(' {"a":1} ', 'plain', [0x61, 0xff], '"\\udcff"'))
    expect(out.toString()).toBe('{"a":1}\n"plain"\n"a\\udcff"\n"\\udcff"\n')
  })

  it('csv takes columns from the first object and keeps other bytes as they are', () => {
    const f = new Formatter('csv', false)
    expect(f.render(b('{"a":1,"b":"x,y"}', '{"a":2}')).toString()).toBe('a,b\n1,"x,y"\n2,\n')
    const raw = new Formatter('csv', true).render(b([0xff, 0x2c]))
    expect(raw).toEqual(Buffer.from([0x22, 0xff, 0x2c, 0x22, 0x0a]))
  })
})
