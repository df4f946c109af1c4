// RESP2 replies parsed incrementally from any chunking: each reply as an object, or an array of bulk strings (an
// LRANGE of thousands) scanned in place with no object per item.

/** Simple strings as text; bulk strings as the bytes they are. */
export type Reply = string | number | null | Error | Buffer | Reply[]

/**
 * An array reply of bulk strings scanned in place, with no object per item: item i is
 * `buf[starts[i], starts[i] + lengths[i])`. The bytes are handed over: nothing writes into them afterwards.
 */
export interface BulkArray {
  buf: Buffer
  count: number
  starts: Int32Array
  lengths: Int32Array
  /** The reply held more items than fit the byte budget: `count` are the first, the rest were read and dropped. */
  truncated: boolean
}

/** How far a bulk-array scan has got; offsets are from the reply's first byte (the parser's position). */
interface Scan {
  count: number
  seen: number
  at: number
  starts: Int32Array
  lengths: Int32Array
  /** Bytes of the items kept, and how many may be kept (the first item always is). */
  bytes: number
  budget: number
}

/** The most bytes a bulk-array scan holds: its offsets are 32-bit (a budget keeps a scan far below this). */
const MAX_HELD = 2 ** 30

/** Incremental RESP2 reply parser. Bytes held are buf[pos, end); a large reply grows one buffer, not copies. */
export class ReplyParser {
  constructor(private readonly maxHeld = MAX_HELD) {}

  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  private end = 0
  private scan?: Scan
  /** The rest of a truncated bulk array, read and dropped before the next reply: items left, bytes of the current. */
  private skip?: { left: number; inItem: number }

  push(chunk: Buffer): void {
    if (this.pos >= this.end) {
      this.buf = chunk
      this.pos = 0
      this.end = chunk.length
      return
    }
    if (this.end + chunk.length > this.buf.length) {
      // A fresh buffer (never one handed out as a BulkArray), doubling so a long reply is copied O(1) times a byte.
      const held = this.end - this.pos
      if (this.scan && held + chunk.length > this.maxHeld)
        throw new Error(
          `an array reply of more than ${this.maxHeld} bytes to keep (read it in smaller parts)`,
        )
      const grown = Buffer.allocUnsafe(
        Math.max(held + chunk.length, Math.min(this.maxHeld, Math.max(2 * held, 64 * 1024))),
      )
      this.buf.copy(grown, 0, this.pos, this.end)
      this.buf = grown
      this.pos = 0
      this.end = held
    }
    chunk.copy(this.buf, this.end)
    this.end += chunk.length
  }

  /** The next complete reply, or undefined when more bytes are needed. */
  next(): Reply | undefined {
    if (this.skip && !this.skipRest()) return undefined
    const start = this.pos
    const r = this.parse()
    if (r === undefined) this.pos = start
    return r
  }

  /**
   * The next reply as a BulkArray (an error reply as an Error), or undefined when more bytes are needed; the scan
   * resumes where it stopped, so a reply arriving in many chunks is read once.
   */
  nextBulkArray(budget = Number.POSITIVE_INFINITY): BulkArray | Error | undefined {
    if (this.skip && !this.skipRest()) return undefined
    const b = this.buf
    let s = this.scan
    if (!s) {
      if (this.pos >= this.end) return undefined
      if (b[this.pos] !== 42) {
        const r = this.next()
        if (r === undefined || r instanceof Error) return r
        throw new Error('expected an array of bulk strings')
      }
      const eol = b.indexOf(13, this.pos)
      if (eol === -1 || eol + 1 >= this.end) return undefined
      const n = Math.max(0, Number(b.toString('latin1', this.pos + 1, eol)))
      s = this.scan = {
        count: n,
        seen: 0,
        at: eol + 2 - this.pos,
        starts: new Int32Array(n),
        lengths: new Int32Array(n),
        bytes: 0,
        budget,
      }
    }
    const end = this.end
    let p = this.pos + s.at
    while (s.seen < s.count && p < end) {
      if (b[p] !== 36) throw new Error(`expected a bulk string, got RESP type byte ${b[p]}`)
      let q = p + 1
      let len = 0
      while (q < end && b[q] !== 13) len = len * 10 + b[q++]! - 48
      if (q < end && s.seen > 0 && s.bytes + len > s.budget) {
        // Past the budget: hand over what was kept, and drop the rest of the reply as it arrives.
        this.skip = { left: s.count - s.seen, inItem: 0 }
        return this.handOver(s, p, true)
      }
      const start = q + 2
      if (start + len + 2 > end) break
      s.starts[s.seen] = start - this.pos
      s.lengths[s.seen] = len
      s.bytes += len
      s.seen++
      p = start + len + 2
    }
    s.at = p - this.pos
    if (s.seen < s.count) return undefined
    return this.handOver(s, p, false)
  }

  private handOver(s: Scan, p: number, truncated: boolean): BulkArray {
    const out = {
      buf: this.buf.subarray(this.pos, p),
      count: s.seen,
      starts: s.starts,
      lengths: s.lengths,
      truncated,
    }
    this.scan = undefined
    this.pos = p
    return out
  }

  /** Reads and drops the rest of a truncated bulk array; true once it is all gone. */
  private skipRest(): boolean {
    const k = this.skip!
    for (;;) {
      if (k.inItem > 0) {
        const n = Math.min(k.inItem, this.end - this.pos)
        this.pos += n
        k.inItem -= n
        if (k.inItem > 0) return false
        k.left--
      }
      if (k.left === 0) {
        this.skip = undefined
        return true
      }
      const eol = this.buf.indexOf(13, this.pos)
      if (eol === -1 || eol + 1 >= this.end) return false
      k.inItem = Number(this.buf.toString('latin1', this.pos + 1, eol)) + 2
      this.pos = eol + 2
    }
  }

  private line(): string | undefined {
    const end = this.buf.indexOf(13, this.pos)
    if (end === -1 || end + 1 >= this.end) return undefined
    const s = this.buf.toString('latin1', this.pos, end)
    this.pos = end + 2
    return s
  }

  private parse(): Reply | undefined {
    if (this.pos >= this.end) return undefined
    const type = this.buf[this.pos]!
    this.pos++
    const l = this.line()
    if (l === undefined) return undefined
    switch (type) {
      case 43: // +
        return l
      case 45: // -
        return new Error(l)
      case 58: // :
        return Number(l)
      case 36: {
        // $
        const n = Number(l)
        if (n < 0) return null
        if (this.pos + n + 2 > this.end) return undefined
        const bytes = Buffer.from(this.buf.subarray(this.pos, this.pos + n))
        this.pos += n + 2
        return bytes
      }
      case 42: {
        // *
        const n = Number(l)
        if (n < 0) return null
        const out: Reply[] = []
        for (let i = 0; i < n; i++) {
          const r = this.parse()
          if (r === undefined) return undefined
          out.push(r)
        }
        return out
      }
      default:
        throw new Error(`unexpected RESP type byte ${type}`)
    }
  }
}
