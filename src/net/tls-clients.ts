// Client-side TLS that trusts the pinned cluster CA and nothing else: an undici Agent for the hub's HTTPS and
// ioredis options for rediss://. Verification stays on; the CA replaces the system roots.
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { Agent } from 'undici'

/** TLS options for a connection to `host`: the CA, and SNI only for names (RFC 6066 forbids IP addresses). */
export function pinnedTlsOptions(caPem: string, host: string): ConnectionOptions {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  return isIP(bare) ? { ca: caPem } : { ca: caPem, servername: bare }
}

/** An undici dispatcher for https:// requests to the cluster's hub, verified against the cluster CA. */
export function pinnedAgent(caPem: string, opts: { connectTimeoutMs?: number } = {}): Agent {
  return new Agent({ connect: { ca: caPem, timeout: opts.connectTimeoutMs ?? 10_000 } })
}

/** ioredis options for a rediss:// URL: `new Redis(url, redisTlsOptions(ca, url))` or openRedis's `extra`. */
export function redisTlsOptions(caPem: string, url: string): { tls: ConnectionOptions } {
  return { tls: pinnedTlsOptions(caPem, new URL(url).hostname) }
}
