// Opens ioredis connections from a URL with a bounded connect and one clear error line per failure; a rediss://
// URL is verified against the cluster CA when one is given (else the system's roots).
import type { Redis, RedisOptions } from 'ioredis'
import { GridcoreError } from '../lib/errors.js'
import { redisTlsOptions } from '../net/tls-options.js'
import { redisError } from './errors.js'
import { RespPipe } from './resp.js'
import { RedisUrl } from './url.js'

export interface OpenRedisOptions {
  connectTimeoutMs?: number
  /** Keep reconnecting after the first connection, for ever (long-running consumers); default false. */
  reconnect?: boolean
  /**
   * Reconnect after a lost connection for at most this long, with backoff; a command issued meanwhile fails at
   * once (see connectionLost) and the caller tries again. Past the limit the connection ends ('end' status).
   * Commands in flight when the connection drops are never resent: they fail, so a caller can tell what ran.
   */
  reconnectForMs?: number
  /** The cluster CA (PEM) a rediss:// server's certificate must chain to. */
  caPem?: string
  extra?: RedisOptions
}

/** Connects and authenticates; throws REDIS_UNREACHABLE / REDIS_AUTH with the redacted URL. */
export async function openRedis(url: string | RedisUrl, opts: OpenRedisOptions = {}): Promise<Redis> {
  const u = RedisUrl.of(url)
  let connected = false
  let lostAt: number | undefined
  const bounded = opts.reconnectForMs !== undefined
  // Loaded on demand: ioredis costs ~60 ms of start-up that push and hub-only commands do not need.
  const { Redis } = await import('ioredis')
  const redis = new Redis(u.href, {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: opts.reconnect ? null : bounded ? 0 : 1,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: !bounded,
    retryStrategy: (times) => {
      if (!connected) return null
      if (opts.reconnect) return Math.min(times * 100, 2_000)
      if (!bounded) return null
      lostAt ??= Date.now()
      if (Date.now() - lostAt >= opts.reconnectForMs!) return null
      return Math.min(100 * 2 ** Math.min(times, 5), 2_000)
    },
    ...(u.parts.protocol === 'rediss:' ? redisTlsOptions(opts.caPem, u.href) : {}),
    ...opts.extra,
  })
  let lastError: Error | undefined
  redis.on('error', (err: Error) => {
    lastError = err
  })
  redis.on('ready', () => {
    lostAt = undefined
  })
  try {
    await redis.connect()
    await redis.ping()
    connected = true
  } catch (err) {
    redis.disconnect()
    throw redisError(err as Error, u.shown, lastError)
  }
  return redis
}

/**
 * Whether an error of a command means the connection was lost (rather than Redis refusing the command), or that
 * Redis, just restarted, is still loading its data: either way, try again.
 */
export function connectionLost(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined
  if (!e || typeof e.message !== 'string') return false
  // A raw pipe's (RespPipe's) lost or refused connection.
  if (e instanceof GridcoreError && e.code === 'REDIS_UNREACHABLE') return true
  if (e.name === 'MaxRetriesPerRequestError') return true
  return (
    /Connection is closed|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|Stream isn't writeable/i.test(
      `${e.code ?? ''} ${e.message}`,
    ) || /\bLOADING\b/.test(e.message)
  )
}

/** Whether a connection opened with reconnectForMs gave up reconnecting (or was closed). */
export const connectionEnded = (redis: Redis) => redis.status === 'end'

/**
 * A raw RESP pipe to the server of an ioredis connection, as the same user on the same database and with the same
 * TLS trust: for replies too large to parse into an object per item (a drain's LRANGE).
 */
export function rawPipeLike(redis: Redis): Promise<RespPipe> {
  const o = redis.options
  const host = o.host ?? '127.0.0.1'
  const u = new URL(
    `${o.tls ? 'rediss' : 'redis'}://${host.includes(':') ? `[${host}]` : host}:${o.port ?? 6379}`,
  )
  u.pathname = `/${o.db ?? 0}`
  if (o.username) u.username = encodeURIComponent(o.username)
  if (o.password) u.password = encodeURIComponent(o.password)
  return RespPipe.open(u.href, { tls: o.tls })
}
