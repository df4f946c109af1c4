// What every step of a run shares: the cluster (hub and one Redis connection, its URL parsed once), the clock it
// counts its timeouts from, how it reports, and the signal that stops it.
import type { Redis } from 'ioredis'
import type { HubClient } from '../client/hub-client.js'
import type { ClusterProfile } from '../cluster/profiles.js'
import { GridcoreError } from '../lib/errors.js'
import type { RedisUrl } from '../redis/url.js'
import type { RunReporter } from './events.js'

export interface RunContext {
  profile: ClusterProfile
  hub: HubClient
  redisUrl: RedisUrl
  /** The run's connection: reconnects after a loss for reconnectForMs, then ends. */
  redis: Redis
  /** The cluster CA a rediss:// Redis is verified against (for the push's own connections). */
  trust: { caPem?: string }
  report: RunReporter
  signal?: AbortSignal
  /** When `gridcore run` started: --timeout counts from here, whatever the run waits on. */
  startedAt: number
  timeoutMs?: number
  stallTimeoutMs: number
  reconnectForMs: number
}

/** What a caller of run or --resume says of how the run behaves (the rest of the context is the cluster's). */
export interface RunBehaviour {
  report?: RunReporter
  signal?: AbortSignal
  timeoutMs?: number
  stallTimeoutMs: number
}

/** The context of a run from its cluster connections and what the caller asked for. */
export function runContext(
  cluster: Pick<
    RunContext,
    'profile' | 'hub' | 'redisUrl' | 'redis' | 'trust' | 'startedAt' | 'reconnectForMs'
  >,
  o: RunBehaviour,
): RunContext {
  return {
    ...cluster,
    report: o.report ?? {},
    signal: o.signal,
    timeoutMs: o.timeoutMs,
    stallTimeoutMs: o.stallTimeoutMs,
  }
}

/** The epoch ms at which --timeout ends the run, if one was given. */
export const deadlineOf = (c: RunContext) =>
  c.timeoutMs === undefined ? undefined : c.startedAt + c.timeoutMs

/** The cluster's Redis URL, which a run needs (its tasks name it for the nodes). */
export function clusterRedis(profile: ClusterProfile): string {
  if (!profile.redisUrl)
    throw new GridcoreError(
      'USAGE',
      `cluster "${profile.name}" has no Redis URL: connect it again with --redis, or use gridcore up`,
    )
  return profile.redisUrl
}
