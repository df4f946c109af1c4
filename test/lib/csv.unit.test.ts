// The streaming CSV parser: RFC 4180 quoting, CRLF, newlines in quotes, and any chunking of the same text.
import { describe, expect, it } from 'vitest'
import { CsvParser, type CsvRecord } from '../../src/lib/csv.js'

function parse(chunks: string[]): CsvRecord[] {
  const p = new CsvParser()
  const out: CsvRecord[] = []
  for (const c of chunks) p.feed(c, (r) => out.push(r))
  p.end((r) => out.push(r))
  return out
}

const cases: [string, string, string[][]][] = [
  [
    'plain fields',
    'a,b,c\n1,2,3\n',
    [
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ],
  ],
  [
    'CRLF and a last record without newline',
    'a,b\r\n1,2',
    [
      ['a', 'b'],
      ['1', '2'],
    ],
  ],
  ['a lone CR ends a record', 'a\rb\r\n', [['a'], ['b']]],
  ['empty fields', ',x,\n', [['', 'x', '']]],
  [
    'quoted comma, doubled quote, newline in quotes',
    '"a,b","say ""hi""","l1\nl2"\n',
    [['a,b', 'say "hi"', 'l1\nl2']],
  ],
  ['an empty quoted field', '"",x\n', [['', 'x']]],
  ['blank lines are no records', '\n\na\n\n', [['a']]],
]

describe('CsvParser', () => {
  it.each(cases)('%s', (_name, text, rows) => {
    expect(parse([text]).map((r) => r.fields)).toEqual(rows)
  })

  it.each(cases)('%s, cut at every position', (_name, text, rows) => {
    for (let i = 1; i < text.length; i++)
      expect(
        parse([text.slice(0, i), text.slice(i)]).map((r) => r.fields),
        `cut at ${i}`,
      ).toEqual(rows)
  })

  it('gives each record the line it starts on, counting newlines inside quotes', () => {
    expect(parse(['a\n"x\ny",z\nb\n']).map((r) => r.line)).toEqual([1, 2, 4])
  })

  it.each([
    ['x"y\n', 'line 1: a quote inside an unquoted field'],
    ['a\n"x"y\n', 'line 2: text after a closing quote'],
    ['a\n"open', 'line 2: a quoted field is not closed'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parse([text])).toThrow(message)
  })
})
