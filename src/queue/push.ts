// Bulk push: items are encoded straight into pipelined MULTI/LPUSH/HINCRBY pushed/EXEC batches.
import { GridcoreError } from '../lib/errors.js'
import type { RespPipe } from '../redis/resp.js'
import { writeDigits } from '../redis/resp-bulks.js'
import type { QueueKeys } from './keys.js'

const BATCH_ITEMS = 2_000
const BATCH_BYTES = 512 * 1024
const MAX_IN_FLIGHT = 8

/** Thrown by PushSink.settle() once its stop signal fired: the source stops there, what was read is sent. */
export class PushStopped extends Error {
  constructor() {
    super('the push was stopped')
  }
}

/** Receives items from a source and keeps a bounded number of batches in flight. */
export class PushSink {
  /** Items Redis has acknowledged (EXEC replied). */
  acked = 0
  /** Items handed to the sink so far (the skipped ones included). */
  added = 0
  /** Items still to pass over before adding (a resumed push: they reached Redis before). */
  skip = 0
  /** Makes settle() throw PushStopped (Ctrl-C, a deadline). */
  signal?: AbortSignal
  private body = Buffer.allocUnsafe(BATCH_BYTES + 64 * 1024)
  private len = 0
  private count = 0
  private readonly inFlight: Promise<void>[] = []
  private readonly queueKeyHead: Buffer
  private readonly trailer: Buffer
  private readonly multi = Buffer.from('*1\r\n$5\r\nMULTI\r\n')
  private failure?: Error

  constructor(
    private readonly pipe: RespPipe,
    private readonly keys: QueueKeys,
  ) {
    const q = Buffer.from(keys.input)
    this.queueKeyHead = Buffer.from(`$5\r\nLPUSH\r\n$${q.length}\r\n${keys.input}\r\n`)
    this.trailer = Buffer.from('*1\r\n$4\r\nEXEC\r\n')
  }

  /** Adds bytes [start, end) of buf as one item (the hot path: no strings, no small native copies). */
  add(buf: Buffer, start: number, end: number): void {
    if (this.skip > 0) {
      this.skip--
      this.added++
      return
    }
    const n = end - start
    if (this.len + n + 24 > this.body.length) this.ensure(n + 24)
    const b = this.body
    let p = writeLength(b, this.len, n)
    if (n <= 64) for (let i = start; i < end; i++) b[p++] = buf[i]!
    else p += buf.copy(b, p, start, end)
    b[p++] = 13
    b[p++] = 10
    this.len = p
    this.count++
    this.added++
    if (this.count >= BATCH_ITEMS || p >= BATCH_BYTES) this.cut()
  }

  /** Applies backpressure: resolves once few enough batches are unacknowledged. */
  async settle(): Promise<void> {
    if (this.signal?.aborted) throw new PushStopped()
    if (this.failure) throw this.failure
    while (this.inFlight.length > MAX_IN_FLIGHT) await this.inFlight.shift()
    if (this.failure) throw this.failure
  }

  /** Sends what is buffered and waits for every acknowledgement. */
  async finish(): Promise<void> {
    this.cut()
    while (this.inFlight.length) await this.inFlight.shift()
    if (this.failure) throw this.failure
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.body.length) return
    if (this.count > 0) this.cut()
    if (extra > this.body.length) this.body = Buffer.allocUnsafe(extra + 1024)
  }

  private cut(): void {
    if (this.count === 0) return
    const n = this.count
    const k = this.keys
    const statsKey = Buffer.from(k.stats)
    const hincr = Buffer.from(
      `*4\r\n$7\r\nHINCRBY\r\n$${statsKey.length}\r\n${k.stats}\r\n$6\r\npushed\r\n$${String(n).length}\r\n${n}\r\n`,
    )
    const cmd = Buffer.concat([
      this.multi,
      Buffer.from(`*${n + 2}\r\n`),
      this.queueKeyHead,
      this.body.subarray(0, this.len),
      hincr,
      this.trailer,
    ])
    this.len = 0
    this.count = 0
    const sent = this.pipe.send(cmd, 4).then((replies) => {
      const exec = replies[3]
      const err =
        replies.find((r) => r instanceof Error) ??
        (Array.isArray(exec) ? exec.find((r) => r instanceof Error) : undefined)
      if (err instanceof Error) throw wrongType(err, k.input)
      if (!Array.isArray(exec))
        throw new GridcoreError('REDIS_ERROR', `Redis aborted a push transaction on ${k.input}`)
      this.acked += n
    })
    sent.catch((err: Error) => {
      this.failure ??= err
    })
    this.inFlight.push(sent.catch(() => {}))
  }
}

/** Writes the RESP bulk header `$<n>\r\n` at p; returns the position after it. */
function writeLength(b: Buffer, p: number, n: number): number {
  b[p++] = 36
  p = writeDigits(b, p, n)
  b[p++] = 13
  b[p++] = 10
  return p
}

function wrongType(err: Error, queue: string): GridcoreError {
  if (/WRONGTYPE/.test(err.message)) {
    return new GridcoreError(
      'REDIS_ERROR',
      `the key "${queue}" holds a value that is not a list (WRONGTYPE): choose another --queue or delete that key`,
    )
  }
  return new GridcoreError('REDIS_ERROR', `Redis refused the push to ${queue}: ${err.message}`)
}
