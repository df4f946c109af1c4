// A raw pipelined RESP connection for bulk writes: we encode commands into large buffers ourselves and
// count replies, which moves millions of small items per second where a general client would not.
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
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

/** Incremental RESP2 reply parser. */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0

  push(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk
    this.pos = 0
  }

  /** The next complete reply, or undefined when more bytes are needed. */
  next(): Reply | undefined {
    const start = this.pos
    const r = this.parse()
    if (r === undefined) this.pos = start
    return r
  }

  private line(): string | undefined {
    const end = this.buf.indexOf(13, this.pos)
    if (end === -1 || end + 1 >= this.buf.length) return undefined
    const s = this.buf.toString('latin1', this.pos, end)
    this.pos = end + 2
    return s
  }

  private parse(): Reply | undefined {
    if (this.pos >= this.buf.length) return undefined
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
        if (this.pos + n + 2 > this.buf.length) return undefined
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
   * cluster CA) when given, else the system's roots.
   */
  static async open(
    url: string | RedisUrl,
    o: { timeoutMs?: number; caPem?: string } = {},
  ): Promise<RespPipe> {
    const timeoutMs = o.timeoutMs ?? 5_000
    const { parts: u, shown } = RedisUrl.of(url)
    const port = Number(u.port || 6379)
    const host = u.hostname.replace(/^\[|\]$/g, '')
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s =
        u.protocol === 'rediss:'
          ? tlsConnect({ host, port, ...pinnedTlsOptions(o.caPem, host) })
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
    this.parser.push(chunk)
    for (;;) {
      const w = this.waiters[0]
      if (!w) return
      const r = this.parser.next()
      if (r === undefined) return
      w.got.push(r)
      if (w.got.length === w.replies) {
        this.waiters.shift()
        w.resolve(w.got)
      }
    }
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
