// Push sources: a file or stdin as lines, JSONL, CSV (rows -> JSON objects) or a JSON array; or a range.
import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { CsvParser } from '../lib/csv.js'
import { GridcoreError } from '../lib/errors.js'
import type { PushSink } from './push.js'

export type PushFormat = 'lines' | 'jsonl' | 'csv' | 'json'

export interface FeedOptions {
  skipInvalid: boolean
  /** Called with the byte count of each chunk read (progress). */
  onBytes?: (n: number) => void
}

export interface FeedResult {
  skipped: number
}

/** Raised for a record that is not valid in its format; carries the 1-based line. */
export class InvalidRecord extends Error {
  constructor(
    readonly line: number,
    readonly why: string,
  ) {
    super(`line ${line}: ${why}`)
  }
}

export interface Range {
  start: number
  end: number
  step: number
}

export function parseRange(text: string): Range {
  const m = /^(-?\d+)\.\.(-?\d+)(?::(-?\d+))?$/.exec(text.trim())
  const bad = (why: string) =>
    new GridcoreError(
      'USAGE',
      `--range "${text}" ${why}: expected A..B or A..B:STEP with whole numbers, e.g. 1..100000`,
    )
  if (!m) throw bad('is not a range')
  const start = Number(m[1])
  const end = Number(m[2])
  const step = m[3] === undefined ? (end >= start ? 1 : -1) : Number(m[3])
  if (![start, end, step].every(Number.isSafeInteger)) throw bad('has a number too large')
  if (step === 0 || (end - start) * step < 0) throw bad('never reaches its end with that step')
  return { start, end, step }
}

export function rangeCount(r: Range): number {
  return Math.floor((r.end - r.start) / r.step) + 1
}

export async function feedRange(r: Range, sink: PushSink): Promise<void> {
  const total = rangeCount(r)
  const scratch = Buffer.allocUnsafe(32)
  for (let i = 0; i < total; i++) {
    const n = scratch.write(String(r.start + i * r.step), 0, 'latin1')
    sink.add(scratch, 0, n)
    if ((i & 0xfff) === 0xfff) await sink.settle()
  }
}

export async function feedStream(
  stream: Readable,
  format: PushFormat,
  sink: PushSink,
  opts: FeedOptions,
): Promise<FeedResult> {
  switch (format) {
    case 'lines':
    case 'jsonl':
      return feedLines(stream, format, sink, opts)
    case 'csv':
      return feedCsv(stream, sink, opts)
    case 'json':
      return feedJsonArray(stream, sink, opts)
  }
}

/** One item per line (CRLF or LF); empty lines are passed over. JSONL lines are checked as JSON. */
async function feedLines(
  stream: Readable,
  format: 'lines' | 'jsonl',
  sink: PushSink,
  opts: FeedOptions,
): Promise<FeedResult> {
  let carry: Buffer | undefined
  let line = 0
  let skipped = 0
  const jsonl = format === 'jsonl'
  const emit = (buf: Buffer, s: number, e: number) => {
    line++
    if (e > s && buf[e - 1] === 13) e--
    if (e === s) return
    if (!jsonl) return sink.add(buf, s, e)
    const text = buf.toString('utf8', s, e).trim()
    if (!text) return
    const parsed = parseJsonRecord(text, line, opts.skipInvalid)
    if (!parsed) {
      skipped++
      return
    }
    sink.addString(typeof parsed.value === 'string' ? parsed.value : text)
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    opts.onBytes?.(chunk.length)
    let pos = 0
    if (carry) {
      const nl = chunk.indexOf(10)
      if (nl === -1) {
        carry = Buffer.concat([carry, chunk])
        continue
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, nl)])
      carry = undefined
      emit(joined, 0, joined.length)
      pos = nl + 1
    }
    const n = chunk.length
    for (let i = pos; i < n; i++) {
      if (chunk[i] === 10) {
        emit(chunk, pos, i)
        pos = i + 1
      }
    }
    if (pos < chunk.length) carry = Buffer.from(chunk.subarray(pos))
    await sink.settle()
  }
  if (carry) emit(carry, 0, carry.length)
  return { skipped }
}

/** CSV with a header row; each row becomes a JSON object keyed by the header. */
async function feedCsv(stream: Readable, sink: PushSink, opts: FeedOptions): Promise<FeedResult> {
  const parser = new CsvParser()
  const decoder = new StringDecoder('utf8')
  let header: string[] | undefined
  let skipped = 0
  const onRecord = ({ fields, line }: { fields: string[]; line: number }) => {
    if (!header) {
      header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f))
      return
    }
    if (fields.length !== header.length) {
      if (opts.skipInvalid) {
        skipped++
        return
      }
      throw new InvalidRecord(line, `has ${fields.length} fields where the header has ${header.length}`)
    }
    const obj: Record<string, string> = {}
    for (let i = 0; i < fields.length; i++) obj[header[i]!] = fields[i]!
    sink.addString(JSON.stringify(obj))
  }
  const feed = (text: string) => {
    try {
      parser.feed(text, onRecord)
    } catch (err) {
      if (err instanceof InvalidRecord) throw err
      const m = /^line (\d+): (.*)$/.exec((err as Error).message)
      throw new InvalidRecord(Number(m?.[1] ?? 0), m?.[2] ?? (err as Error).message)
    }
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    opts.onBytes?.(chunk.length)
    feed(decoder.write(chunk))
    await sink.settle()
  }
  feed(decoder.end())
  try {
    parser.end(onRecord)
  } catch (err) {
    if (err instanceof InvalidRecord) throw err
    const m = /^line (\d+): (.*)$/.exec((err as Error).message)
    throw new InvalidRecord(Number(m?.[1] ?? 0), m?.[2] ?? (err as Error).message)
  }
  return { skipped }
}

/** A top-level JSON array, read element by element: strings are pushed as they are, others as JSON. */
async function feedJsonArray(stream: Readable, sink: PushSink, opts: FeedOptions): Promise<FeedResult> {
  const decoder = new StringDecoder('utf8')
  let state: 'before' | 'value' | 'after' | 'done' = 'before'
  let depth = 0
  let inString = false
  let escaped = false
  let elem = ''
  let line = 1
  let elemLine = 1
  let skipped = 0
  let elements = 0
  const finishElement = () => {
    const text = elem.trim()
    elem = ''
    if (!text) throw new InvalidRecord(elemLine, 'an empty array element')
    const parsed = parseJsonRecord(text, elemLine, opts.skipInvalid)
    if (!parsed) {
      skipped++
      return
    }
    const value = parsed.value
    elements++
    sink.addString(typeof value === 'string' ? value : JSON.stringify(value))
  }
  const feed = (text: string) => {
    let start = 0
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!
      if (c === '\n') line++
      if (state === 'before') {
        if (c === '[') {
          state = 'value'
          start = i + 1
          elemLine = line
        } else if (!/\s/.test(c)) throw new InvalidRecord(line, 'the file is not a JSON array (expected "[")')
        continue
      }
      if (state === 'done') {
        if (!/\s/.test(c)) throw new InvalidRecord(line, 'text after the closing "]"')
        continue
      }
      if (inString) {
        if (escaped) escaped = false
        else if (c === '\\') escaped = true
        else if (c === '"') inString = false
        continue
      }
      if (c === '"') inString = true
      else if (c === '[' || c === '{') depth++
      else if ((c === ']' || c === '}') && depth > 0) depth--
      else if (depth === 0 && (c === ',' || c === ']')) {
        elem += text.slice(start, i)
        if (c === ']' && elem.trim() === '' && elements === 0 && skipped === 0) {
          elem = ''
          state = 'done'
          continue
        }
        finishElement()
        start = i + 1
        elemLine = line
        if (c === ']') state = 'done'
      }
    }
    if (state === 'value') elem += text.slice(start)
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    opts.onBytes?.(chunk.length)
    feed(decoder.write(chunk))
    await sink.settle()
  }
  feed(decoder.end())
  const final = state as string
  if (final !== 'done')
    throw new InvalidRecord(
      line,
      final === 'before' ? 'the input is empty, not a JSON array' : 'the JSON array is not closed with "]"',
    )
  return { skipped }
}

/** Parses one JSON record; undefined when it is invalid and invalid records are skipped, else InvalidRecord. */
function parseJsonRecord(text: string, line: number, skipInvalid: boolean): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) }
  } catch (err) {
    if (skipInvalid) return undefined
    throw new InvalidRecord(line, `not valid JSON (${(err as Error).message})`)
  }
}
