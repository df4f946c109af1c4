// Push sources: a file or stdin as lines, JSONL, CSV (rows -> JSON objects) or a JSON array; or a range.
import { isUtf8 } from 'node:buffer'
import type { Readable } from 'node:stream'
import { CsvParser } from '../lib/csv.js'
import { GridcoreError } from '../lib/errors.js'
import { writeDigits } from '../redis/resp-bulks.js'
import { feedJsonArray } from './json-array.js'
import type { PushSink } from './push.js'
import {
  addText,
  type FeedOptions,
  type FeedResult,
  InvalidRecord,
  NOT_UTF8,
  parseJsonRecord,
  TextReader,
} from './records.js'

export type PushFormat = 'lines' | 'jsonl' | 'csv' | 'json'

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
    sink.add(scratch, 0, writeInteger(scratch, r.start + i * r.step))
    if ((i & 0xfff) === 0xfff) await sink.settle()
  }
}

/** Writes a safe integer's decimal digits at the start of `b`; their count. */
export function writeInteger(b: Buffer, v: number): number {
  if (v >= 0) return writeDigits(b, 0, v)
  b[0] = 45
  return writeDigits(b, 1, -v)
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
    if (!isUtf8(buf.subarray(s, e))) {
      if (!opts.skipInvalid) throw new InvalidRecord(line, NOT_UTF8)
      skipped++
      return
    }
    const text = buf.toString('utf8', s, e).trim()
    if (!text) return
    const parsed = parseJsonRecord(text, line, opts.skipInvalid)
    if (!parsed) {
      skipped++
      return
    }
    addText(sink, typeof parsed.value === 'string' ? parsed.value : text)
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
  const decoder = new TextReader()
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
    addText(sink, JSON.stringify(obj))
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
    feed(decoder.read(chunk))
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
