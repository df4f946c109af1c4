// A raw pipelined RESP connection for bulk writes: we encode commands into large buffers ourselves and
// count replies, which moves millions of small items per second where a general client would not.
import { connect as netConnect, type Socket } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import { GridcoreError } from '../lib/errors.js'
import { pinnedTlsOptions } from '../net/tls-options.js'
import { redisError } from './errors.js'
import { type BulkArray, type Reply, ReplyParser } from './reply-parser.js'
import { RedisUrl } from './url.js'

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

interface Waiter {
  replies: number
  /** The one reply is read as a BulkArray, keeping about this many bytes of its items (see nextBulkArray). */
  bulks?: number
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
   * object per item, for replies of many thousands. Items are kept while their bytes fit `budget` (the first always
   * is); the rest are read and dropped (`truncated`). An error reply rejects with REDIS_ERROR.
   */
  async bulkArray(args: (string | Buffer)[], budget = Number.POSITIVE_INFINITY): Promise<BulkArray> {
    if (this.failure) throw this.failure
    const p = new Promise<Reply[]>((resolve, reject) =>
      this.waiters.push({ replies: 1, bulks: budget, got: [], resolve, reject }),
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
        r = w.bulks === undefined ? this.parser.next() : this.parser.nextBulkArray(w.bulks)
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
