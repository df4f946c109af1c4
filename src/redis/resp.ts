// A raw pipelined RESP connection for bulk writes: we encode commands into large buffers ourselves and
// count replies, which moves millions of small items per second where a general client would not.
import { connect as netConnect, type Socket } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import { GridcoreError } from '../lib/errors.js'
import { pinnedTlsOptions } from '../net/tls-options.js'
import { redisError } from './errors.js'
import { RedisUrl } from './url.js'

/** Simple strings as text; bulk strings as the bytes they are. */
export type Reply = string | number | null | Error | Buffer | Reply[]

/** Encodes one command (strings or buffers) as a RESP array. */
export function encodeCommand(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF)
  }
  return Buffer.concat(parts)
}
const CRLF = Buffer.from('\r\n')

/**
 * An array reply of bulk strings scanned in place, with no object per item: item i is
 * `buf[starts[i], starts[i] + lengths[i])`. The bytes are handed over: nothing writes into them afterwards.
 */
export interface BulkArray {
  buf: Buffer
  count: number
  starts: Int32Array
  lengths: Int32Array
}

/** How far a bulk-array scan has got; offsets are from the reply's first byte (the parser's position). */
interface Scan {
  count: number
  seen: number
  at: number
  starts: Int32Array
  lengths: Int32Array
}

/** The most bytes of unread replies held: a BulkArray's offsets are 32-bit. */
const MAX_HELD = 2 ** 30

/** Incremental RESP2 reply parser. Bytes held are buf[pos, end); a large reply grows one buffer, not copies. */
export class ReplyParser {
  constructor(private readonly maxHeld = MAX_HELD) {}

  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  private end = 0
  private scan?: Scan

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
      if (held + chunk.length > this.maxHeld)
        throw new Error(`a reply of more than ${this.maxHeld} bytes (offsets past 1 GiB would not fit)`)
      const grown = Buffer.allocUnsafe(
        Math.min(this.maxHeld, Math.max(held + chunk.length, 2 * held, 64 * 1024)),
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
    const start = this.pos
    const r = this.parse()
    if (r === undefined) this.pos = start
    return r
  }

  /**
   * The next reply as a BulkArray (an error reply as an Error), or undefined when more bytes are needed; the scan
   * resumes where it stopped, so a reply arriving in many chunks is read once.
   */
  nextBulkArray(): BulkArray | Error | undefined {
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
      }
    }
    const end = this.end
    let p = this.pos + s.at
    while (s.seen < s.count && p < end) {
      if (b[p] !== 36) throw new Error(`expected a bulk string, got RESP type byte ${b[p]}`)
      let q = p + 1
      let len = 0
      while (q < end && b[q] !== 13) len = len * 10 + b[q++]! - 48
      const start = q + 2
      if (start + len + 2 > end) break
      s.starts[s.seen] = start - this.pos
      s.lengths[s.seen] = len
      s.seen++
      p = start + len + 2
    }
    s.at = p - this.pos
    if (s.seen < s.count) return undefined
    const out = { buf: b.subarray(this.pos, p), count: s.count, starts: s.starts, lengths: s.lengths }
    this.scan = undefined
    this.pos = p
    return out
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

interface Waiter {
  replies: number
  /** The one reply is read as a BulkArray. */
  bulks?: boolean
  got: Reply[]
  resolve(r: Reply[]): void
  reject(e: Error): void
}

export class RespPipe {
  private waiters: Waiter[] = []
  private readonly parser = new ReplyParser()
  private failure?: Error
  private drainWaiters: (() => void)[] = []
  private failListeners: ((err: Error) => void)[] = []
  private constructor(
    private readonly socket: Socket,
    readonly shownUrl: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('drain', () => this.wakeDrain())
    socket.on('error', (err) => this.fail(redisError(err, shownUrl)))
    socket.on('close', () =>
      this.fail(
        new GridcoreError('REDIS_UNREACHABLE', `the connection to Redis at ${shownUrl} closed unexpectedly`),
      ),
    )
  }

  /**
   * Connects, authenticates and selects the URL's database; a rediss:// server is verified against `caPem` (the
   * cluster CA) when given, else the system's roots (or with `tls`, the options of a connection opened before).
   */
  static async open(
    url: string | RedisUrl,
    o: { timeoutMs?: number; caPem?: string; tls?: ConnectionOptions } = {},
  ): Promise<RespPipe> {
    const timeoutMs = o.timeoutMs ?? 5_000
    const { parts: u, shown } = RedisUrl.of(url)
    const port = Number(u.port || 6379)
    const host = u.hostname.replace(/^\[|\]$/g, '')
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s =
        u.protocol === 'rediss:'
          ? tlsConnect({ host, port, ...(o.tls ?? pinnedTlsOptions(o.caPem, host)) })
          : netConnect({ host, port })
      const timer = setTimeout(() => {
        s.destroy()
        reject(
          new GridcoreError(
            'REDIS_UNREACHABLE',
            `cannot reach Redis at ${shown} (no answer within ${timeoutMs} ms)`,
          ),
        )
      }, timeoutMs)
      s.once(u.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        resolve(s)
      })
      s.once('error', (err) => {
        clearTimeout(timer)
        reject(redisError(err, shown))
      })
    })
    socket.setNoDelay(true)
    const pipe = new RespPipe(socket, shown)
    const hello: (string | Buffer)[][] = []
    if (u.password) {
      const pw = decodeURIComponent(u.password)
      hello.push(u.username ? ['AUTH', decodeURIComponent(u.username), pw] : ['AUTH', pw])
    }
    const db = u.pathname.replace(/^\//, '')
    if (db && db !== '0') hello.push(['SELECT', db])
    hello.push(['PING'])
    const replies = await pipe.send(Buffer.concat(hello.map(encodeCommand)), hello.length)
    const err = replies.find((r) => r instanceof Error) as Error | undefined
    if (err) {
      pipe.close()
      throw redisError(err, shown)
    }
    return pipe
  }

  /**
   * Writes pre-encoded commands (parts written together, none copied: do not change them afterwards); resolves
   * with their `replies` replies. Waits while the socket is full.
   */
  async send(buf: Buffer | Buffer[], replies: number): Promise<Reply[]> {
    if (this.failure) throw this.failure
    const p = new Promise<Reply[]>((resolve, reject) =>
      this.waiters.push({ replies, got: [], resolve, reject }),
    )
    let room = true
    if (Array.isArray(buf)) {
      this.socket.cork()
      for (const b of buf) room = this.socket.write(b)
      this.socket.uncork()
    } else room = this.socket.write(buf)
    if (!room) await new Promise<void>((r) => this.drainWaiters.push(r))
    return p
  }

  /**
   * Sends one command whose reply is an array of bulk strings (LRANGE) and resolves with it scanned in place: no
   * object per item, for replies of many thousands. An error reply rejects with REDIS_ERROR.
   */
  async bulkArray(args: (string | Buffer)[]): Promise<BulkArray> {
    if (this.failure) throw this.failure
    const p = new Promise<Reply[]>((resolve, reject) =>
      this.waiters.push({ replies: 1, bulks: true, got: [], resolve, reject }),
    )
    if (!this.socket.write(encodeCommand(args))) await new Promise<void>((r) => this.drainWaiters.push(r))
    const [r] = await p
    if (r instanceof Error)
      throw new GridcoreError('REDIS_ERROR', `Redis at ${this.shownUrl} refused ${args[0]}: ${r.message}`)
    return r as unknown as BulkArray
  }

  /** Called once if the connection fails (e.g. to stop reading input that can no longer be sent). */
  onFailure(listener: (err: Error) => void): void {
    if (this.failure) listener(this.failure)
    else this.failListeners.push(listener)
  }

  /** Replies still awaited. */
  get pending(): number {
    return this.waiters.length
  }

  close(): void {
    this.failure ??= new GridcoreError('REDIS_ERROR', 'connection closed')
    this.socket.destroy()
  }

  async quit(): Promise<void> {
    try {
      await this.send(encodeCommand(['QUIT']), 1)
    } catch {}
    this.close()
  }

  private onData(chunk: Buffer): void {
    try {
      this.parser.push(chunk)
    } catch (err) {
      this.unreadable(err as Error)
      return
    }
    for (;;) {
      const w = this.waiters[0]
      if (!w) return
      let r: Reply | BulkArray | undefined
      try {
        r = w.bulks ? this.parser.nextBulkArray() : this.parser.next()
      } catch (err) {
        this.unreadable(err as Error)
        return
      }
      if (r === undefined) return
      w.got.push(r as Reply)
      if (w.got.length === w.replies) {
        this.waiters.shift()
        w.resolve(w.got)
      }
    }
  }

  /** A reply it cannot read fails the connection (what was sent may or may not have run). */
  private unreadable(err: Error): void {
    this.fail(
      new GridcoreError('REDIS_ERROR', `unreadable reply from Redis at ${this.shownUrl}: ${err.message}`),
    )
    this.socket.destroy()
  }

  private wakeDrain(): void {
    const ws = this.drainWaiters
    this.drainWaiters = []
    for (const w of ws) w()
  }

  private fail(err: GridcoreError): void {
    if (this.failure) return
    this.failure = err
    for (const w of this.waiters) w.reject(err)
    this.waiters = []
    this.wakeDrain()
    for (const l of this.failListeners) l(err)
  }
}
