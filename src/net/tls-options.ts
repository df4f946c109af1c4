// Client-side TLS options that trust the pinned cluster CA (it replaces the system roots) or, without one, the
// system's roots; verification always stays on. No undici here: Redis clients load this without the HTTP stack.
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'

/** TLS options for a connection to `host`: the CA when given, and SNI only for names (RFC 6066 forbids IPs). */
export function pinnedTlsOptions(caPem: string | undefined, host: string): ConnectionOptions {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  return {
    ...(caPem === undefined ? {} : { ca: caPem }),
    ...(isIP(bare) ? {} : { servername: bare }),
  }
}

/** ioredis options for a rediss:// URL: `new Redis(url, redisTlsOptions(ca, url))` or openRedis's `caPem`. */
export function redisTlsOptions(caPem: string | undefined, url: string): { tls: ConnectionOptions } {
  return { tls: pinnedTlsOptions(caPem, new URL(url).hostname) }
}
