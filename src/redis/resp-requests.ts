// Counts the complete RESP requests in a byte stream (arrays of bulk strings, or inline commands), so a proxy
// that cannot serve them can still answer each one with an error reply, in order.
export class RequestCounter {
  private buf: Buffer = Buffer.alloc(0)

  /** Adds bytes; returns how many requests they completed. Throws on bytes that are no RESP request. */
  push(chunk: Buffer): number {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    let n = 0
    for (;;) {
      const end = this.requestEnd()
      if (end === undefined) return n
      this.buf = this.buf.subarray(end)
      n++
    }
  }

  /** Where the first complete request ends, or undefined when more bytes are needed. */
  private requestEnd(): number | undefined {
    const b = this.buf
    if (b.length === 0) return undefined
    if (b[0] !== 0x2a /* * */) {
      const nl = b.indexOf(0x0a)
      return nl === -1 ? undefined : nl + 1 // an inline command: one line
    }
    let pos = 0
    const line = (): number | undefined => {
      const cr = b.indexOf('\r\n', pos)
      if (cr === -1) return undefined
      const v = Number(b.toString('latin1', pos + 1, cr))
      if (!Number.isInteger(v) || v < -1) throw new Error('not a RESP request')
      pos = cr + 2
      return v
    }
    const count = line()
    if (count === undefined) return undefined
    for (let i = 0; i < count; i++) {
      if (pos >= b.length) return undefined
      if (b[pos] !== 0x24 /* $ */) throw new Error('not a RESP request')
      const len = line()
      if (len === undefined) return undefined
      if (pos + Math.max(len, 0) + 2 > b.length) return undefined
      pos += Math.max(len, 0) + 2
    }
    return pos
  }
}
