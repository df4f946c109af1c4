// The one place a profile becomes connection options: its hub client (URL, token, the CA an https hub is verified
// against) and its Redis connections (the same CA for rediss://). Every client opened for a profile comes from here.
import { HubClient } from '../client/hub-client.js'
import type { OpenRedisOptions } from '../redis/client.js'
import type { RedisUrl } from '../redis/url.js'
import type { ClusterProfile } from './profiles.js'

/** The profile's hub. */
export function hubClient(p: ClusterProfile, o: { timeoutMs?: number } = {}): HubClient {
  return new HubClient({ url: p.hubUrl, token: p.token, timeoutMs: o.timeoutMs, caPem: p.ca?.pem })
}

/** What a Redis connection for the profile needs beyond its URL: the cluster CA (for rediss://). */
export function redisTrust(p: ClusterProfile | undefined): { caPem?: string } {
  return p?.ca ? { caPem: p.ca.pem } : {}
}

/** openRedis for a URL of the profile's cluster (its own Redis, or a task's). */
export async function openClusterRedis(
  p: ClusterProfile | undefined,
  url: string | RedisUrl,
  o: OpenRedisOptions = {},
): Promise<import('ioredis').Redis> {
  const { openRedis } = await import('../redis/client.js')
  return openRedis(url, { ...o, ...redisTrust(p) })
}
