// The JSON-array push source: a top-level array read element by element, never the whole file at once.
import type { Readable } from 'node:stream'
import type { PushSink } from './push.js'
import {
  addText,
  type FeedOptions,
  type FeedResult,
  InvalidRecord,
  parseJsonRecord,
  TextReader,
} from './records.js'

/** A top-level JSON array, read element by element: strings are pushed as they are, others as JSON. */
export async function feedJsonArray(
  stream: Readable,
  sink: PushSink,
  opts: FeedOptions,
): Promise<FeedResult> {
  const decoder = new TextReader()
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
    addText(sink, typeof value === 'string' ? value : JSON.stringify(value))
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
    feed(decoder.read(chunk))
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
