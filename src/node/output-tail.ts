// The last lines of an instance's output (stderr and stdout as they arrived), bounded, for error reports.

export const TAIL_LINES = 20
export const TAIL_BYTES = 4096

/** Keeps the newest `maxBytes` bytes written to it. */
export class OutputTail {
  private chunks: Buffer[] = []
  private size = 0

  constructor(private readonly maxBytes = TAIL_BYTES) {}

  write(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    this.chunks.push(buf)
    this.size += buf.length
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.maxBytes) {
      this.size -= this.chunks.shift()!.length
    }
  }

  text(): string {
    return lastLines(Buffer.concat(this.chunks, this.size))
  }
}

/** The last `maxLines` non-empty-tailed lines of `output`, at most `maxBytes` bytes of UTF-8, trimmed. */
export function lastLines(output: Buffer | string, maxLines = TAIL_LINES, maxBytes = TAIL_BYTES): string {
  let buf = typeof output === 'string' ? Buffer.from(output) : output
  if (buf.length > maxBytes) {
    buf = buf.subarray(buf.length - maxBytes)
    // Do not start in the middle of a UTF-8 sequence.
    let skip = 0
    while (skip < buf.length && skip < 3 && (buf[skip]! & 0xc0) === 0x80) skip++
    buf = buf.subarray(skip)
  }
  const lines = buf
    .toString('utf8')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
  while (lines.length && !lines.at(-1)) lines.pop()
  while (lines.length && !lines[0]) lines.shift()
  return lines.slice(-maxLines).join('\n')
}

/**
 * Splits the body of a non-TTY container's logs (Docker's multiplexed format: per frame one byte stream
 * type, three zero bytes, a big-endian u32 length, then the payload) into the text of its frames, in order.
 */
export function demuxDockerLogs(body: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  while (at + 8 <= body.length) {
    const type = body[at]!
    const len = body.readUInt32BE(at + 4)
    if (type > 2 || body[at + 1] !== 0 || body[at + 2] !== 0 || body[at + 3] !== 0) return body // not multiplexed
    parts.push(body.subarray(at + 8, Math.min(body.length, at + 8 + len)))
    at += 8 + len
  }
  return at === 0 && body.length ? body : Buffer.concat(parts)
}
