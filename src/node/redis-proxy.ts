// A loopback Redis endpoint for a node's instances: each local connection becomes a TLS connection to the
// cluster's Redis, verified against the pinned CA and authenticated by the proxy, so consumers need no TLS.
import { createServer, type Socket } from 'node:net'
import { type TLSSocket, connect as tlsConnect } from 'node:tls'
import { GridcoreError, oneLine } from '../lib/errors.js'
import type { Logger } from '../lib/logger.js'
import { redactUrl } from '../lib/redact.js'
import { pinnedTlsOptions } from '../net/tls-options.js'
import { encodeCommand } from '../redis/resp.js'
import { RequestCounter } from '../redis/resp-requests.js'
import { parseRedisUrl } from '../redis/url.js'

export interface RedisProxyOptions {
  /** The cluster's Redis: rediss://[user]:password@host:port[/db]. */
  url: string
  /** The pinned cluster CA, PEM; absent: the system's roots (a Redis with a public certificate). */
  caPem?: string
  /** Budget for TCP + TLS + AUTH to the cluster Redis per connection (default 10 s). */
  connectTimeoutMs?: number
  logger?: Logger
}

export interface RedisProxyStats {
  /** Connections open now. */
  active: number
  /** Connections accepted since start. */
  total: number
  /** Connections refused because the cluster Redis could not be reached or refused the password. */
  failed: number
}

export interface RedisProxy {
  /** What instances get: redis://127.0.0.1:<port>, no password. */
  url: string
  port: number
  stats(): RedisProxyStats
  close(): Promise<void>
}

export async function startRedisProxy(o: RedisProxyOptions): Promise<RedisProxy> {
  const target = parseTarget(o.url)
  const stats: RedisProxyStats = { active: 0, total: 0, failed: 0 }
  const open = new Set<Socket>()
  const warn = throttledWarn(o.logger)

  const server = createServer({ pauseOnConnect: true, noDelay: true }, (client) => {
    stats.total++
    stats.active++
    open.add(client)
    client.on('error', () => {})
    client.once('close', () => {
      stats.active--
      open.delete(client)
    })
    connectUpstream(target, o.caPem, o.connectTimeoutMs ?? 10_000).then(
      ({ upstream, rest }) => {
        if (client.destroyed) return void upstream.destroy()
        open.add(upstream)
        upstream.once('close', () => {
          open.delete(upstream)
          client.destroy()
        })
        client.once('close', () => upstream.destroy())
        if (rest.length) client.write(rest)
        upstream.pipe(client)
        client.pipe(upstream)
        client.resume()
      },
      (err: Error) => {
        stats.failed++
        warn(err.message)
        if (!client.destroyed) refuse(client, `-ERR gridcore proxy: ${oneLine(err.message)}\r\n`)
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as { port: number }).port
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of open) s.destroy()
      }),
  }
}

/**
 * Answers each request the client sends with `line` (a reply before any request confuses clients, and ioredis
 * ignores the error to its first command), then closes after 5 s of quiet or 100 answers.
 */
function refuse(client: Socket, line: string): void {
  const counter = new RequestCounter()
  let answered = 0
  client.on('data', (chunk: Buffer) => {
    let n: number
    try {
      n = counter.push(chunk)
    } catch {
      return void client.end(line) // not RESP: one answer, then goodbye
    }
    for (; n > 0 && answered < 100; n--, answered++) client.write(line)
    if (answered >= 100) client.end()
  })
  client.setTimeout(5_000, () => client.destroy())
  client.once('end', () => client.end())
  client.resume()
}

interface Target {
  host: string
  port: number
  shown: string
  /** AUTH and SELECT, pre-encoded. */
  hello: Buffer
  /** What each of them asks for, in order, for the error when Redis refuses one. */
  steps: string[]
}

function parseTarget(url: string): Target {
  const u = parseRedisUrl(url)
  const shown = redactUrl(url)
  if (u.protocol !== 'rediss:') {
    throw new GridcoreError('USAGE', `the Redis proxy carries rediss:// only; ${shown} needs no proxy`)
  }
  const cmds: string[][] = []
  const steps: string[] = []
  if (u.password) {
    const pw = decodeURIComponent(u.password)
    cmds.push(u.username ? ['AUTH', decodeURIComponent(u.username), pw] : ['AUTH', pw])
    steps.push('the password')
  }
  const db = u.pathname.replace(/^\//, '')
  if (db && db !== '0') {
    cmds.push(['SELECT', db])
    steps.push(`database ${db}`)
  }
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(u.port || 6379),
    shown: `${u.hostname}:${u.port || 6379}`,
    hello: Buffer.concat(cmds.map(encodeCommand)),
    steps,
  }
}

/** Opens a verified TLS connection, sends AUTH/SELECT and checks their replies; returns any bytes past them. */
function connectUpstream(
  t: Target,
  caPem: string | undefined,
  timeoutMs: number,
): Promise<{ upstream: TLSSocket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = tlsConnect({ host: t.host, port: t.port, ...pinnedTlsOptions(caPem, t.host) })
    let buf = Buffer.alloc(0)
    let step = 0
    const onError = (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message
      settle(
        /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)
          ? `Redis at ${t.shown} failed TLS verification against the cluster CA (${code})`
          : `cannot reach Redis at ${t.shown} (${code})`,
      )
    }
    const onClose = () => settle(`Redis at ${t.shown} closed the connection before it was ready`)
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      while (step < t.steps.length) {
        const end = buf.indexOf('\r\n')
        if (end === -1) return // wait for the rest of the reply
        const line = buf.toString('utf8', 0, end)
        buf = buf.subarray(end + 2)
        if (!line.startsWith('+')) {
          return settle(
            `Redis at ${t.shown} refused ${t.steps[step]} (${line.replace(/^-/, '').slice(0, 200)})`,
          )
        }
        step++
      }
      settle()
    }
    const settle = (msg?: string) => {
      clearTimeout(timer)
      upstream.off('data', onData).off('close', onClose).off('error', onError)
      upstream.on('error', () => {}) // from here on, 'close' (watched by the caller) tells the story
      if (msg) {
        upstream.destroy()
        reject(new Error(msg))
      } else {
        upstream.pause()
        resolve({ upstream, rest: buf })
      }
    }
    const timer = setTimeout(
      () => settle(`no answer from Redis at ${t.shown} within ${timeoutMs} ms`),
      timeoutMs,
    )
    upstream.on('error', onError)
    upstream.on('close', onClose)
    upstream.once('secureConnect', () => {
      upstream.setNoDelay(true)
      upstream.setKeepAlive(true, 15_000)
      if (t.steps.length === 0) return settle()
      upstream.on('data', onData)
      upstream.write(t.hello)
    })
  })
}

/** One warning per 10 s at most, with the number of failures it stands for (a consumer may retry in a loop). */
function throttledWarn(logger?: Logger): (msg: string) => void {
  let last = 0
  let suppressed = 0
  return (msg) => {
    const now = Date.now()
    if (now - last < 10_000) return void suppressed++
    logger?.warn(`redis proxy: ${msg}`, suppressed ? { suppressed } : undefined)
    last = now
    suppressed = 0
  }
}
