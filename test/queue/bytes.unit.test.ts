// Bytes as text and back (surrogate escapes for bytes that are not UTF-8).
import { describe, expect, it } from 'vitest'
import { bytesToText, invalidAt, textToBytes } from '../../src/queue/bytes.js'

const cases: [string, number[]][] = [
  ['ascii', [0x61, 0x62]],
  ['valid multi-byte', [...Buffer.from('ü✓😀')]],
  ['0xff 0xfe', [0xff, 0xfe]],
  ['a lone continuation byte', [0x41, 0x80, 0x42]],
  ['a truncated sequence', [0x61, 0xe2, 0x82]],
  ['an overlong encoding', [0xc0, 0xaf]],
  ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['NUL and newline', [0x00, 0x0a]],
]

describe('bytesToText / textToBytes', () => {
  it.each(cases)('round-trips %s', (_name, bytes) => {
    const b = Buffer.from(bytes)
    expect(textToBytes(bytesToText(b))).toEqual(b)
  })

  it('maps each invalid byte to U+DC00 + byte and leaves valid text alone', () => {
    expect(bytesToText(Buffer.from([0x61, 0xff, 0xe2, 0x82]))).toBe('a\udcff\udce2\udc82')
    expect(bytesToText(Buffer.from('ok ✓'))).toBe('ok ✓')
    expect(JSON.stringify(bytesToText(Buffer.from([0xff])))).toBe('"\\udcff"')
  })

  it('keeps a real astral character whose low half looks like an escape', () => {
    const s = '\ud83d\udc80' // U+1F480, low surrogate in the escape range
    expect(textToBytes(s)).toEqual(Buffer.from(s, 'utf8'))
  })

  it('invalidAt finds the first byte that breaks UTF-8', () => {
    expect(invalidAt(Buffer.from('abc'))).toBe(3)
    expect(invalidAt(Buffer.from([0x61, 0x0a, 0xe2, 0x82, 0x61]))).toBe(2)
  })
})
