// Push sources without Redis: lines (LF, CRLF, chunk borders), JSONL, CSV rows -> objects, a streamed JSON
// array, ranges; invalid records stop with their line, or are counted with skipInvalid.
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { PushSink } from '../../src/queue/push.js'
import { InvalidRecord } from '../../src/queue/records.js'
import {
  feedRange,
  feedStream,
  type PushFormat,
  parseRange,
  rangeCount,
  writeInteger,
} from '../../src/queue/sources.js'

/** A sink that keeps the items it is given, in order. */
function collector(): { sink: PushSink; items: string[] } {
  const items: string[] = []
  const sink = {
    add: (buf: Buffer, s: number, e: number) => void items.push(buf.toString('utf8', s, e)),
    addString: (text: string) => void items.push(text),
    settle: async () => {},
  }
  return { sink: sink as unknown as PushSink, items }
}

/** Feeds `chunks` (each its own read) and returns the items and the skipped count. */
async function feed(format: PushFormat, chunks: string[], skipInvalid = false) {
  const { sink, items } = collector()
  const stream = Readable.from(chunks.map((c) => Buffer.from(c)))
  const r = await feedStream(stream, format, sink, { skipInvalid })
  return { items, skipped: r.skipped }
}

/** Every way to cut `text` in two chunks gives the same items. */
async function everySplit(format: PushFormat, text: string) {
  const whole = await feed(format, [text])
  for (let i = 1; i < text.length; i++)
    expect(await feed(format, [text.slice(0, i), text.slice(i)]), `split at ${i}`).toEqual(whole)
  return whole
}

describe('lines', () => {
  it('one item per line, LF or CRLF, empty lines passed over, a last line without newline', async () => {
    expect((await everySplit('lines', 'a\r\nb\n\nc d\r\n\r\nlast')).items).toEqual(['a', 'b', 'c d', 'last'])
  })
  it('keeps UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('é\n€\n')
    const { sink, items } = collector()
    await feedStream(
      Readable.from([bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4)]),
      'lines',
      sink,
      {
        skipInvalid: false,
      },
    )
    expect(items).toEqual(['é', '€'])
  })
  it('counts bytes read for progress', async () => {
    let bytes = 0
    const { sink } = collector()
    await feedStream(Readable.from([Buffer.from('ab\n'), Buffer.from('c\n')]), 'lines', sink, {
      skipInvalid: false,
      onBytes: (n) => {
        bytes += n
      },
    })
    expect(bytes).toBe(5)
  })
})

describe('jsonl', () => {
  it('pushes JSON strings unquoted and other values as their text', async () => {
    expect((await everySplit('jsonl', '"x"\n{"a": 1}\n\n[1,2]\n3\n')).items).toEqual([
      'x',
      '{"a": 1}',
      '[1,2]',
      '3',
    ])
  })
  it('stops at an invalid line with its number, or counts it with skipInvalid', async () => {
    await expect(feed('jsonl', ['1\n{bad\n2\n'])).rejects.toMatchObject({ line: 2 })
    await expect(feed('jsonl', ['1\n{bad\n2\n'])).rejects.toBeInstanceOf(InvalidRecord)
    expect(await feed('jsonl', ['1\n{bad\n2\n'], true)).toEqual({ items: ['1', '2'], skipped: 1 })
  })
})

describe('csv', () => {
  it('turns rows into objects keyed by the header (BOM, quotes, newlines in quotes)', async () => {
    const r = await everySplit('csv', '\uFEFFid,text\r\n1,"a, ""b"""\r\n2,"two\nlines"\n')
    expect(r.items.map((i) => JSON.parse(i))).toEqual([
      { id: '1', text: 'a, "b"' },
      { id: '2', text: 'two\nlines' },
    ])
  })
  it('refuses a row with the wrong number of fields (line given), or skips it', async () => {
    await expect(feed('csv', ['a,b\n1,2\n3\n'])).rejects.toThrow(
      'line 3: has 1 fields where the header has 2',
    )
    expect(await feed('csv', ['a,b\n1,2\n3\n'], true)).toEqual({ items: ['{"a":"1","b":"2"}'], skipped: 1 })
  })
  it('reports a stray quote and an unclosed one as invalid records', async () => {
    await expect(feed('csv', ['a\nx"y\n'])).rejects.toThrow('line 2: a quote inside an unquoted field')
    await expect(feed('csv', ['a\n"open\n'])).rejects.toThrow('line 2: a quoted field is not closed')
  })
})

describe('json (a top-level array, streamed)', () => {
  it('pushes each element: strings as they are, others as compact JSON', async () => {
    const text = ' [ "a", {"k": [1, {"x": "],"}]}, 2 , "q\\"uote", null ]\n'
    expect((await everySplit('json', text)).items).toEqual([
      'a',
      '{"k":[1,{"x":"],"}]}',
      '2',
      'q"uote',
      'null',
    ])
  })
  it('reads an empty array as no items', async () => {
    expect(await feed('json', ['[ ]'])).toEqual({ items: [], skipped: 0 })
  })
  it.each([
    ['{"a": 1}', 1, 'the file is not a JSON array (expected "[")'],
    ['', 1, 'the input is empty, not a JSON array'],
    ['[1, 2', 1, 'the JSON array is not closed with "]"'],
    ['[1]\n x', 2, 'text after the closing "]"'],
    ['[1,\n2, ]', 2, 'an empty array element'],
    ['[1,\n\n2, {bad}]', 3, 'not valid JSON'],
  ])('refuses %j at line %i', async (text, line, why) => {
    const err = await feed('json', [text]).catch((e) => e)
    expect(err).toBeInstanceOf(InvalidRecord)
    expect(err.line).toBe(line)
    expect(err.message).toContain(why)
  })
  it('skips invalid elements with skipInvalid', async () => {
    expect(await feed('json', ['[1, {bad}, 3]'], true)).toEqual({ items: ['1', '3'], skipped: 1 })
  })
})

describe('ranges', () => {
  it.each([
    ['1..5', { start: 1, end: 5, step: 1 }, 5],
    ['5..1', { start: 5, end: 1, step: -1 }, 5],
    ['0..10:5', { start: 0, end: 10, step: 5 }, 3],
    ['-3..3:2', { start: -3, end: 3, step: 2 }, 4],
    [' 7..7 ', { start: 7, end: 7, step: 1 }, 1],
  ])('%s', (text, range, count) => {
    expect(parseRange(text)).toEqual(range)
    expect(rangeCount(parseRange(text))).toBe(count)
  })
  it.each([
    ['1..', /is not a range/],
    ['a..b', /is not a range/],
    ['1..10:0', /never reaches its end/],
    ['1..10:-1', /never reaches its end/],
    ['1..99999999999999999999', /has a number too large/],
  ])('refuses %s in one line naming the flag', (text, why) => {
    expect(() => parseRange(text)).toThrow(why)
    expect(() => parseRange(text)).toThrow(`--range "${text}"`)
  })
  it('feeds every number of the range', async () => {
    const { sink, items } = collector()
    await feedRange(parseRange('10..0:-3'), sink)
    expect(items).toEqual(['10', '7', '4', '1'])
  })
  it('writes each number as String() would, negatives and the largest safe integers too', () => {
    const b = Buffer.alloc(32)
    for (const v of [
      0,
      7,
      10,
      -1,
      -10,
      99,
      100,
      123456789,
      -987654321,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ]) {
      expect(b.toString('latin1', 0, writeInteger(b, v))).toBe(String(v))
    }
  })
})
