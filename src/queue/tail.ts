// Reads the oldest results of an output list (its tail), oldest first, without removing them: what a drain writes
// before collect.lua removes exactly that many. Plain LRANGEs over a raw connection, scanned in place, so a
// result costs Redis a native copy and the drainer no object: a Lua script read them at several times the cost.
// Producers LPUSH at the head and only the drain-lock holder trims the tail, so the tail holds still between reads.
import type { BulkArray } from '../redis/reply-parser.js'
import type { RespPipe } from '../redis/resp.js'

/** A batch of the oldest results: `count` of them, `bytes` long as lines (each followed by a newline). */
export class Oldest {
  constructor(
    /** The replies read, each with how many of its last items (the oldest first, from its end) are in the batch. */
    private readonly parts: { a: BulkArray; took: number }[],
    readonly count: number,
    readonly bytes: number,
  ) {}

  /** The results each followed by a newline, oldest first: the raw format's bytes. */
  lines(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes)
    let p = 0
    for (const { a, took } of this.parts) {
      const src = a.buf
      for (let i = a.count - 1; i >= a.count - took; i--) {
        const s = a.starts[i]!
        const n = a.lengths[i]!
        if (n < 64) for (let j = 0; j < n; j++) out[p + j] = src[s + j]!
        else src.copy(out, p, s, s + n)
        p += n
        out[p++] = 10
      }
    }
    return out
  }

  /** The results, oldest first (views of the replies' bytes). */
  items(): Buffer[] {
    const out: Buffer[] = []
    for (const { a, took } of this.parts)
      for (let i = a.count - 1; i >= a.count - took; i--)
        out.push(a.buf.subarray(a.starts[i]!, a.starts[i]! + a.lengths[i]!))
    return out
  }
}

/**
 * A read asks for at most this many times the results the batch has so far (FIRST to start), and no more than
 * fit the bytes left at the largest size seen. A reply holding more than the bytes left is dropped as it arrives
 * (the part kept would be its newest end) and read again smaller, so what the drainer holds stays near the cap
 * whatever sizes come; Redis's reply stays bounded while the sizes hold.
 */
const GROWTH = 8
const FIRST = 32

export class TailReader {
  /** Bytes a result (with its newline) averaged in the last batch: it may only shrink the first read. */
  private avg = 0

  constructor(
    private readonly pipe: RespPipe,
    private readonly output: string,
  ) {}

  /**
   * The oldest results: at most `max` of them and about `cap` bytes (never fewer than one when there is one). Read
   * in chunks sized by what fits so far and growing at most GROWTH-fold, so results that grow part-way are never
   * held far past the cap.
   */
  async read(max: number, cap: number): Promise<Oldest> {
    const parts: { a: BulkArray; took: number }[] = []
    let count = 0
    let bytes = 0
    let largest = 0
    let chunk = this.avg ? Math.min(FIRST, Math.floor(cap / this.avg) + 1) : FIRST
    while (count < max) {
      chunk = Math.max(1, Math.min(chunk, max - count))
      const a = await this.pipe.bulkArray(
        ['LRANGE', this.output, String(-(count + chunk)), String(-(count + 1))],
        Math.max(0, cap - bytes),
      )
      if (a.truncated) {
        // More bytes than are left: the kept part is the range's newest end, not the oldest it needs. Read
        // fewer, sized by what was seen (a single result is always kept whole).
        for (let i = 0; i < a.count; i++) largest = Math.max(largest, a.lengths[i]! + 1)
        chunk = Math.min(Math.floor(chunk / GROWTH), Math.floor((cap - bytes) / largest) + 1)
        continue
      }
      // The reply is the newest first: the oldest results are at its end.
      let took = 0
      let full = false
      for (let i = a.count - 1; i >= 0; i--) {
        const size = a.lengths[i]! + 1
        largest = Math.max(largest, size)
        if (count > 0 && bytes + size > cap) {
          full = true
          break
        }
        count++
        took++
        bytes += size
      }
      parts.push({ a, took })
      if (full || a.count < chunk) break
      chunk = Math.min(GROWTH * count, Math.floor((cap - bytes) / largest) + 1)
    }
    if (count) this.avg = bytes / count
    return new Oldest(parts, count, bytes)
  }
}
