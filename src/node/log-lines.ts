// Turns an instance's output chunks into log lines: split at newlines (CR LF too), partial lines kept until their
// newline or the instance's end, each line at most 4096 bytes of UTF-8 (longer ones cut and marked with "…").

/** The most bytes of UTF-8 one log line's text holds, the mark included. */
export const MAX_LINE_BYTES = 4096
const MARK = '…'
const MARK_BYTES = Buffer.byteLength(MARK)

/** `text` cut to at most `max` bytes of UTF-8 at a character boundary, ending in "…" when it was cut. */
export function cutLine(text: string, max = MAX_LINE_BYTES): string {
  if (text.length * 3 <= max || Buffer.byteLength(text) <= max) return text
  return `${cutBytes(Buffer.from(text), max - MARK_BYTES).toString('utf8')}${MARK}`
}

/** The first bytes of `buf`, at most `max`, not ending inside a UTF-8 sequence. */
function cutBytes(buf: Buffer, max: number): Buffer {
  let end = Math.min(max, buf.length)
  // Step back over continuation bytes to the start of the character that would be cut.
  if (end < buf.length) while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--
  return buf.subarray(0, end)
}

/**
 * One stream's line splitter. Bytes are kept until their line ends, so a UTF-8 character split across chunks stays
 * whole; a line that grows past MAX_LINE_BYTES without a newline is emitted cut, and the rest of it is skipped.
 */
export class LineSplitter {
  private partial: Buffer[] = []
  private size = 0
  /** The current line was already emitted cut: skip to its newline. */
  private skipping = false

  constructor(private readonly emit: (text: string) => void) {}

  write(chunk: Buffer): void {
    let at = 0
    for (;;) {
      const nl = chunk.indexOf(10, at)
      if (nl === -1) break
      this.add(chunk.subarray(at, nl))
      this.flush()
      this.skipping = false
      at = nl + 1
    }
    if (at < chunk.length) this.add(chunk.subarray(at))
  }

  /** The stream ended: a last line without a newline is emitted too. */
  end(): void {
    if (this.size && !this.skipping) this.flush()
    this.partial = []
    this.size = 0
    this.skipping = false
  }

  private add(part: Buffer): void {
    if (this.skipping || !part.length) return
    this.partial.push(part)
    this.size += part.length
    // Past the limit (plus room for a CR and a character the cut may split): emit it cut, skip the rest.
    if (this.size > MAX_LINE_BYTES + 4) {
      const line = Buffer.concat(this.partial, this.size)
      this.partial = []
      this.size = 0
      this.skipping = true
      this.emit(`${cutBytes(line, MAX_LINE_BYTES - MARK_BYTES).toString('utf8')}${MARK}`)
    }
  }

  private flush(): void {
    let line = this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial, this.size)
    this.partial = []
    this.size = 0
    if (this.skipping) return
    if (line.length && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1)
    this.emit(cutLine(line.toString('utf8')))
  }
}
