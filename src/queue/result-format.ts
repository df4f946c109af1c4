// Renders results (bytes) as output lines: raw (the bytes as they are), jsonl or csv.
// Non-UTF-8 bytes: raw and csv keep them as they are; jsonl writes such a result as a JSON string in which each
// byte that is not valid UTF-8 is the escape \udcXX (Python: json.loads(line).encode('utf-8', 'surrogateescape')).
import { isUtf8 } from 'node:buffer'
import { bytesToText } from './bytes.js'

export type ResultFormat = 'raw' | 'jsonl' | 'csv'

const NL = Buffer.from('\n')

/** Turns result bytes into output lines; CSV columns come from the first JSON-object result. */
export class Formatter {
  private columns?: string[]
  constructor(
    private readonly format: ResultFormat,
    private headerDone: boolean,
  ) {}

  render(items: Buffer[]): Buffer {
    if (this.format === 'raw') return Buffer.concat(items.flatMap((i) => [i, NL]))
    return Buffer.concat(items.map((i) => this.line(i)))
  }

  private line(item: Buffer): Buffer {
    const text = bytesToText(item)
    let value: unknown
    // JSON text is UTF-8: a result that is not is never parsed as JSON.
    let parsed = isUtf8(item)
    try {
      if (parsed) value = JSON.parse(text)
    } catch {
      parsed = false
    }
    if (this.format === 'jsonl') return Buffer.from(`${parsed ? text.trim() : JSON.stringify(text)}\n`)
    const isObject = parsed && typeof value === 'object' && value !== null && !Array.isArray(value)
    if (!this.columns) this.columns = isObject ? Object.keys(value as object) : ['result']
    let head = ''
    if (!this.headerDone) {
      head = `${this.columns.map(csvCell).join(',')}\n`
      this.headerDone = true
    }
    if (isObject && this.columns[0] !== 'result') {
      const o = value as Record<string, unknown>
      return Buffer.from(`${head}${this.columns.map((c) => csvCell(o[c])).join(',')}\n`)
    }
    return Buffer.concat([Buffer.from(head), csvBytes(item), NL])
  }
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A CSV cell of the bytes as they are, quoted when they hold a quote, comma, CR or LF. */
function csvBytes(b: Buffer): Buffer {
  if (!b.some((c) => c === 0x22 || c === 0x2c || c === 0x0d || c === 0x0a)) return b
  const out: number[] = [0x22]
  for (const c of b) {
    out.push(c)
    if (c === 0x22) out.push(0x22)
  }
  out.push(0x22)
  return Buffer.from(out)
}
