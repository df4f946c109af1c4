// A streaming RFC 4180 CSV parser: quoted fields, doubled quotes, newlines inside quotes, CRLF.

export interface CsvRecord {
  fields: string[]
  /** 1-based line where the record starts. */
  line: number
}

export class CsvParser {
  private field = ''
  private fields: string[] = []
  private inQuotes = false
  private quoteClosed = false
  private line = 1
  private recordLine = 1
  private sawAny = false
  private lastWasCR = false

  /** Feeds text; calls onRecord for each complete record. Throws on a stray quote. */
  feed(text: string, onRecord: (r: CsvRecord) => void): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!
      if (this.lastWasCR) {
        this.lastWasCR = false
        if (c === '\n') continue
      }
      if (this.inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            this.field += '"'
            i++
          } else if (i + 1 === text.length) {
            // A quote at a chunk's end: decide on the next chunk.
            this.inQuotes = false
            this.quoteClosed = true
          } else {
            this.inQuotes = false
            this.quoteClosed = true
          }
        } else {
          if (c === '\n') this.line++
          this.field += c
        }
        continue
      }
      if (c === '"') {
        if (this.quoteClosed) {
          // "" split across chunks: a literal quote inside a quoted field.
          this.field += '"'
          this.inQuotes = true
          this.quoteClosed = false
          continue
        }
        if (this.field !== '') throw new Error(`line ${this.line}: a quote inside an unquoted field`)
        this.inQuotes = true
        this.sawAny = true
        continue
      }
      if (c === ',') {
        this.endField()
        continue
      }
      if (c === '\n' || c === '\r') {
        this.lastWasCR = c === '\r'
        this.endRecord(onRecord)
        this.line++
        this.recordLine = this.line
        continue
      }
      if (this.quoteClosed) throw new Error(`line ${this.line}: text after a closing quote`)
      this.field += c
      this.sawAny = true
    }
  }

  /** Flushes a last record without a trailing newline. */
  end(onRecord: (r: CsvRecord) => void): void {
    if (this.inQuotes) throw new Error(`line ${this.recordLine}: a quoted field is not closed`)
    this.endRecord(onRecord)
  }

  private endField(): void {
    this.fields.push(this.field)
    this.field = ''
    this.quoteClosed = false
    this.sawAny = true
  }

  private endRecord(onRecord: (r: CsvRecord) => void): void {
    if (!this.sawAny && this.field === '' && this.fields.length === 0) return
    this.endField()
    const fields = this.fields
    this.fields = []
    this.sawAny = false
    onRecord({ fields, line: this.recordLine })
  }
}
