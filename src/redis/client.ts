// Opens ioredis connections from a URL with a bounded connect and one clear error line per failure; a rediss://
// URL is verified against the cluster CA when one is given (else the system's roots).
import type { Redis, RedisOptions } from 'ioredis'
import { redactUrl } from '../lib/redact.js'
import { redisTlsOptions } from '../net/tls-options.js'
import { redisError } from './errors.js'
import { parseRedisUrl } from './url.js'

export interface OpenRedisOptions {
  connectTimeoutMs?: number
  /** Keep reconnecting after the first connection (long-running consumers); default false. */
  reconnect?: boolean
  /** The cluster CA (PEM) a rediss:// server's certificate must chain to. */
  caPem?: string
  extra?: RedisOptions
}

/** Connects and authenticates; throws REDIS_UNREACHABLE / REDIS_AUTH with the redacted URL. */
export async function openRedis(url: string, opts: OpenRedisOptions = {}): Promise<Redis> {
  parseRedisUrl(url)
  const shown = redactUrl(url)
  let connected = false
  // Loaded on demand: ioredis costs ~60 ms of start-up that push and hub-only commands do not need.
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: opts.reconnect ? null : 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => (opts.reconnect && connected ? Math.min(times * 100, 2_000) : null),
    ...(url.startsWith('rediss:') ? redisTlsOptions(opts.caPem, url) : {}),
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
