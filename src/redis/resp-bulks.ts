// A growing run of RESP bulk strings ($len CRLF bytes CRLF), written straight from the bytes they come from: a
// line filter's answers become a command's arguments with one copy each and no object per line.

const CR = 13
const LF = 10
const DOLLAR = 36

export class RespBulks {
  private buf: Buffer
  /** Bytes written. */
  length = 0
  /** Bulk strings written. */
  count = 0

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity)
  }

  /** Appends bytes[start..end) as one bulk string. */
  add(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const n = end - start
    this.reserve(n + 16)
    const b = this.buf
    let p = this.length
    b[p++] = DOLLAR
    p = writeDigits(b, p, n)
    b[p++] = CR
    b[p++] = LF
    b.set(bytes.subarray(start, end), p)
    p += n
    b[p++] = CR
    b[p++] = LF
    this.length = p
    this.count++
  }

  addString(s: string): void {
    this.add(Buffer.from(s))
  }

  /** Appends every bulk string of another run. */
  append(other: RespBulks): void {
    this.reserve(other.length)
    other.buf.copy(this.buf, this.length, 0, other.length)
    this.length += other.length
    this.count += other.count
  }

  /** The bytes written so far (a view: valid until the next write or clear). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length)
  }

  /** Each bulk string as its own Buffer (copies; for the rare paths that need them one by one). */
  values(): Buffer[] {
    const out: Buffer[] = []
    let p = 0
    while (p < this.length) {
      const cr = this.buf.indexOf(CR, p)
      const n = Number(this.buf.toString('latin1', p + 1, cr))
      out.push(Buffer.from(this.buf.subarray(cr + 2, cr + 2 + n)))
      p = cr + 2 + n + 2
    }
    return out
  }

  clear(): void {
    this.truncate(0, 0)
  }

  /** Drops what was written after the run was `length` bytes and `count` strings long. */
  truncate(length: number, count: number): void {
    this.length = length
    this.count = count
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + extra))
    this.buf.copy(grown, 0, 0, this.length)
    this.buf = grown
  }
}

/** Writes n (>= 0) in decimal at p; returns the position after it. */
/** Writes a non-negative integer's decimal digits at p (in JS: no native call); returns the position after them. */
export function writeDigits(b: Buffer, p: number, n: number): number {
  if (n < 10) {
    b[p] = 48 + n
    return p + 1
  }
  let digits = 1
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
  for (let i = p + digits - 1, x = n; i >= p; i--, x = Math.floor(x / 10)) b[i] = 48 + (x % 10)
  return p + digits
}

/** Encodes the head of a command whose last `tail` arguments follow as bulk strings already encoded. */
export function commandHead(args: (string | Buffer)[], tail: number): Buffer {
  const head = new RespBulks(256)
  for (const a of args) head.add(typeof a === 'string' ? Buffer.from(a) : a)
  return Buffer.concat([Buffer.from(`*${args.length + tail}\r\n`), head.bytes()])
}
