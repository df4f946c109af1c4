// Opens ioredis connections from a URL with a bounded connect and one clear error line per failure.
import { Redis, type RedisOptions } from 'ioredis'
import { GridcoreError, oneLine } from '../lib/errors.js'
import { redactUrl } from '../lib/redact.js'
import { parseRedisUrl } from './url.js'

export interface OpenRedisOptions {
  connectTimeoutMs?: number
  /** Keep reconnecting after the first connection (long-running consumers); default false. */
  reconnect?: boolean
  extra?: RedisOptions
}

/** Connects and authenticates; throws REDIS_UNREACHABLE / REDIS_AUTH with the redacted URL. */
export async function openRedis(url: string, opts: OpenRedisOptions = {}): Promise<Redis> {
  parseRedisUrl(url)
  const shown = redactUrl(url)
  let connected = false
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: opts.reconnect ? null : 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => (opts.reconnect && connected ? Math.min(times * 100, 2_000) : null),
    ...opts.extra,
  })
  let lastError: Error | undefined
  redis.on('error', (err: Error) => {
    lastError = err
  })
  try {
    await redis.connect()
    await redis.ping()
    connected = true
  } catch (err) {
    redis.disconnect()
    throw redisError(err as Error, shown, lastError)
  }
  return redis
}

/** Maps an ioredis/Redis error to a GridcoreError naming the redacted URL and the fix. */
export function redisError(err: Error, shownUrl: string, cause?: Error): GridcoreError {
  const msg = oneLine(err.message)
  const text = `${msg} ${cause?.message ?? ''}`
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(text)) {
    const kind = /NOAUTH/.test(text) ? 'NOAUTH' : 'WRONGPASS'
    return new GridcoreError(
      'REDIS_AUTH',
      `Redis at ${shownUrl} refused the credentials (${kind}): put the right password in the URL, redis://:PASSWORD@host:port`,
    )
  }
  const code = (err as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code
  if (code || /connect|ETIMEDOUT|Connection is closed|ENOTFOUND|EAI_AGAIN/i.test(text)) {
    return new GridcoreError(
      'REDIS_UNREACHABLE',
      `cannot reach Redis at ${shownUrl} (${code ?? msg}): is it running and is the host:port right?`,
    )
  }
  if (/WRONGTYPE/.test(msg)) {
    return new GridcoreError('REDIS_ERROR', `Redis at ${shownUrl}: ${msg}`)
  }
  return new GridcoreError('REDIS_ERROR', `Redis at ${shownUrl} failed: ${msg}`)
}
