// The bounded tail of an instance's output that error reports carry.
import { describe, expect, it } from 'vitest'
import { demuxDockerLogs, lastLines, OutputTail } from '../../src/node/output-tail.js'

describe('lastLines', () => {
  it('keeps the last 20 lines, without trailing blanks or CRs', () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}\r`).join('\n') + '\n\n'
    const out = lastLines(text)
    expect(out.split('\n')).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 10}`))
  })
  it('keeps at most 4096 bytes and never starts inside a UTF-8 character', () => {
    const out = lastLines(`${'é'.repeat(5000)}\nend`)
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(4096)
    expect(out.startsWith('é')).toBe(true)
    expect(out).not.toContain('\ufffd')
    expect(out.endsWith('\nend')).toBe(true)
  })
})

describe('OutputTail', () => {
  it('keeps the newest bytes across many writes', () => {
    const t = new OutputTail(100)
    for (let i = 0; i < 1000; i++) t.write(`w${i}\n`)
    expect(t.text().split('\n').at(-1)).toBe('w999')
    expect(t.text()).not.toContain('w900\n')
  })
  it('keeps a single chunk larger than the cap, cut to the last lines', () => {
    const t = new OutputTail()
    t.write(Buffer.from(`${'x'.repeat(10_000)}\n{"error": "the redis package is missing"}\n`))
    expect(t.text().split('\n').at(-1)).toBe('{"error": "the redis package is missing"}')
  })
})

describe('demuxDockerLogs', () => {
  const frame = (stream: number, text: string) => {
    const body = Buffer.from(text)
    const h = Buffer.alloc(8)
    h[0] = stream
    h.writeUInt32BE(body.length, 4)
    return Buffer.concat([h, body])
  }
  it('joins the frames of stdout and stderr in order', () => {
    const buf = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')])
    expect(demuxDockerLogs(buf).toString()).toBe('out 1\nerr 1\nout 2\n')
  })
  it('returns a TTY container’s raw logs as they are', () => {
    expect(demuxDockerLogs(Buffer.from('plain text, no frames\n')).toString()).toBe('plain text, no frames\n')
  })
})
