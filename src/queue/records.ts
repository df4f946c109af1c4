// Records of text inputs (JSONL, CSV, JSON arrays): what makes one invalid, strict UTF-8 decoding, and how text
// becomes an item's bytes.
import { invalidAt, textToBytes } from './bytes.js'
import type { PushSink } from './push.js'

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

/** Parses one JSON record; undefined when it is invalid and invalid records are skipped, else InvalidRecord. */
export function parseJsonRecord(
  text: string,
  line: number,
  skipInvalid: boolean,
): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) }
  } catch (err) {
    if (skipInvalid) return undefined
    throw new InvalidRecord(line, `not valid JSON (${(err as Error).message})`)
  }
}

export const NOT_UTF8 =
  'is not valid UTF-8, which JSON and CSV text must be: push such items as bytes with --format lines'

/** Text pushed as an item; U+DC80..U+DCFF (the escape `gridcore results --format jsonl` uses) become bytes again. */
export function addText(sink: PushSink, text: string): void {
  const b = textToBytes(text)
  sink.add(b, 0, b.length)
}

/** Decodes a text input strictly: bytes that are not UTF-8 stop the push at their line, never become U+FFFD. */
export class TextReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })
  private line = 1

  read(chunk: Buffer): string {
    try {
      return this.count(this.decoder.decode(chunk, { stream: true }))
    } catch {
      throw new InvalidRecord(this.line + newlinesBeforeInvalid(chunk), NOT_UTF8)
    }
  }

  end(): string {
    try {
      return this.decoder.decode()
    } catch {
      throw new InvalidRecord(this.line, NOT_UTF8)
    }
  }

  private count(text: string): string {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.line++
    return text
  }
}

/** Newlines in the chunk before its first byte that breaks UTF-8 (for the line number of the error). */
function newlinesBeforeInvalid(chunk: Buffer): number {
  const at = invalidAt(chunk)
  let n = 0
  for (let i = chunk.indexOf(10); i !== -1 && i < at; i = chunk.indexOf(10, i + 1)) n++
  return n
}
