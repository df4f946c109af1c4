// Output chunks -> log lines: newlines (CR LF too), partial lines across chunks, UTF-8 split across chunks, the
// 4096-byte cut with its mark, the last line without a newline.
import { describe, expect, it } from 'vitest'
import { cutLine, LineSplitter, MAX_LINE_BYTES } from '../../src/node/log-lines.js'

const split = (chunks: (string | Buffer)[], end = true) => {
  const out: string[] = []
  const s = new LineSplitter((t) => out.push(t))
  for (const c of chunks) s.write(typeof c === 'string' ? Buffer.from(c) : c)
  if (end) s.end()
  return out
}

describe('cutLine', () => {
  it('keeps a line of at most 4096 bytes and cuts a longer one at a character boundary, ending in …', () => {
    expect(cutLine('short')).toBe('short')
    const exact = 'x'.repeat(MAX_LINE_BYTES)
    expect(cutLine(exact)).toBe(exact)
    const cut = cutLine(`${'x'.repeat(MAX_LINE_BYTES)}y`)
    expect(cut.endsWith('…')).toBe(true)
    expect(Buffer.byteLength(cut)).toBe(MAX_LINE_BYTES)
    // 'é' is two bytes: the cut never leaves half of one.
    const accents = cutLine('é'.repeat(3000))
    expect(Buffer.byteLength(accents)).toBeLessThanOrEqual(MAX_LINE_BYTES)
    expect(accents).toMatch(/^é+…$/)
  })
})

describe('LineSplitter', () => {
  it('splits at LF and CR LF, joins partial lines across chunks, keeps empty lines', () => {
    expect(split(['a\nb', 'c\r\n', '\n', 'd\n'])).toEqual(['a', 'bc', '', 'd'])
  })

  it('keeps a UTF-8 character split across chunks whole', () => {
    const euro = Buffer.from('€\n') // e2 82 ac 0a
    expect(split([euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2)])).toEqual(['€'])
  })

  it('emits the last line without a newline at the end, and nothing for an empty tail', () => {
    expect(split(['one\ntwo'])).toEqual(['one', 'two'])
    expect(split(['one\ntwo'], false)).toEqual(['one'])
    expect(split(['one\n'])).toEqual(['one'])
  })

  it('cuts a line that grows past the limit once, skips its rest, and goes on after its newline', () => {
    const long = 'z'.repeat(3000)
    const out = split([long, long, long, '\nnext\n'])
    expect(out).toHaveLength(2)
    expect(Buffer.byteLength(out[0]!)).toBe(MAX_LINE_BYTES)
    expect(out[0]!.endsWith('z…')).toBe(true)
    expect(out[1]).toBe('next')
  })

  it('replaces bytes that are not UTF-8', () => {
    expect(split([Buffer.from([0x66, 0xff, 0x0a])])).toEqual(['f\ufffd'])
  })
})
