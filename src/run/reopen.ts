// Opening an earlier run again (--resume, --retry): its record, its cluster (the recorded one unless the flags
// name another), a context whose clock starts now, and the record taken over by this process.
import { hostname } from 'node:os'
import type { HubClient } from '../client/hub-client.js'
import { hubClient, redisTrust } from '../cluster/connection.js'
import type { ClusterProfile } from '../cluster/profiles.js'
import { resolveCluster } from '../cluster/resolve.js'
import { GridcoreError } from '../lib/errors.js'
import { type QueueKeys, queueKeys } from '../queue/keys.js'
import { openRedis } from '../redis/client.js'
import { RedisUrl } from '../redis/url.js'
import { clusterRedis, type RunContext, runContext } from './context.js'
import type { RunReporter } from './events.js'
import { REDIS_RETRY_MS } from './preflight.js'
import { type RunRecord, writerAlive } from './records/record.js'
import { readRecord, runsDir, writeRecord } from './records/store.js'

/** The cluster to use for a recorded run: its recorded cluster's name in, the profile and hub out. */
export type ClusterPicker = (recorded: string) => { profile: ClusterProfile; hub: HubClient }

export interface ReopenOptions {
  stallTimeoutMs: number
  timeoutMs?: number
  reconnectForMs?: number
  report?: RunReporter
  signal?: AbortSignal
}

export interface Reopened {
  rec: RunRecord
  c: RunContext
  keys: QueueKeys
}

/** The cluster a run recorded, as saved now (the local cluster, a profile); --hub runs must say it again. */
export function recordedCluster(name: string): { profile: ClusterProfile; hub: HubClient } {
  if (name === 'flags')
    throw new GridcoreError(
      'USAGE',
      'that run was started with --hub: pass --hub URL (and --token or GRIDCORE_TOKEN) again, or --cluster NAME',
    )
  const profile = resolveCluster(name)
  return { profile, hub: hubClient(profile) }
}

/** The record of `task`, refused while the `gridcore run` that writes it still runs. */
export function recordOf(task: string, flag: '--resume' | '--retry'): RunRecord {
  const rec = readRecord(task)
  if (!rec)
    throw new GridcoreError(
      'USAGE',
      `no run record for task "${task}" in ${runsDir()}: gridcore runs lists the runs this machine started`,
    )
  if (rec.status === 'running' && writerAlive(rec) === true)
    throw new GridcoreError(
      'USAGE',
      `run ${task} is still running (pid ${rec.pid}): let it finish, or stop it (Ctrl-C) before ${flag}`,
      { task, pid: rec.pid },
    )
  return rec
}

export async function reopen(rec: RunRecord, pick: ClusterPicker, o: ReopenOptions): Promise<Reopened> {
  const { profile, hub } = pick(rec.cluster)
  const redisUrl = RedisUrl.parse(clusterRedis(profile), {
    where: `cluster "${profile.name}"'s Redis URL`,
    code: 'CONFIG',
  })
  await hub.health()
  const reconnectForMs = o.reconnectForMs ?? REDIS_RETRY_MS
  const trust = redisTrust(profile)
  const redis = await openRedis(redisUrl, { ...trust, reconnectForMs })
  const c = runContext({ profile, hub, redisUrl, redis, trust, startedAt: Date.now(), reconnectForMs }, o)
  return { rec, c, keys: queueKeys(rec.input_queue, rec.output_queue) }
}

/** This process now writes the record (its pid), and the run counts as running again. */
export function takeOver(rec: RunRecord): void {
  Object.assign(rec, { pid: process.pid, host: hostname(), status: 'running', finished: null })
  Object.assign(rec, { exit_code: null, message: null })
  writeRecord(rec)
}
