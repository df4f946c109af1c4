// gridcore status: hub health, nodes, tasks and the current task's queue depths in one report.
import type { HubClient } from '../client/hub-client.js'
import { archOfThisMachine, type NodeInfo, platformForArch, type TaskList } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import { redactUrl } from '../lib/redact.js'
import { defaultOutputQueue, queueKeys } from '../queue/keys.js'
import { redisError } from '../redis/errors.js'
import { openClusterRedis } from './connection.js'
import { explainUnreachable, type LocalBlock, localBlock } from './local-processes.js'
import type { ClusterProfile } from './profiles.js'
import { LOCAL } from './resolve.js'
import { type GroupStatus, groupStatus } from './schedule.js'

export interface QueueDepths {
  redis: string
  input_queue: string
  output_queue: string | null
  input_length: number
  output_length: number | null
  stats: Record<string, number> | null
}

export interface StatusReport {
  cluster: string
  hub: { url: string; healthy: true }
  nodes: NodeInfo[]
  tasks: TaskList
  /** Each worker group's current task (the default group's is tasks.current). */
  groups: GroupStatus[]
  queues: QueueDepths | null
  /** Why queue depths are missing, when they are. */
  queues_note: string | null
  /** The local cluster's recorded processes (alive or gone), when this is the local cluster. */
  local: LocalBlock | null
}

export async function clusterStatus(profile: ClusterProfile, client: HubClient): Promise<StatusReport> {
  const local = profile.name === LOCAL ? localBlock() : null
  await client.health().catch((err) => Promise.reject(explainUnreachable(err, local)))
  const [nodes, tasks] = await Promise.all([client.listNodes(), client.listTasks()])
  const report: StatusReport = {
    cluster: profile.name,
    hub: { url: client.url, healthy: true },
    nodes,
    tasks,
    groups: groupStatus(tasks, nodes),
    queues: null,
    queues_note: null,
    local,
  }
  if (!tasks.current) return { ...report, queues_note: 'no task is running' }
  const task = await client.runningTask(platformForArch(archOfThisMachine()))
  const redisUrl = task?.input_redis ?? profile.redisUrl
  if (!task?.input_queue || !redisUrl) {
    return {
      ...report,
      queues_note: 'the current task names no input queue or Redis URL, and the profile has no Redis URL',
    }
  }
  try {
    report.queues = await queueDepths(profile, redisUrl, task.input_queue, task.output_queue)
  } catch (err) {
    if (!(err instanceof GridcoreError)) throw err
    report.queues_note = err.message
  }
  return report
}

async function queueDepths(
  profile: ClusterProfile,
  url: string,
  input: string,
  output: string | null,
): Promise<QueueDepths> {
  const keys = queueKeys(input, output ?? defaultOutputQueue(input))
  const redis = await openClusterRedis(profile, url)
  try {
    const [inLen, outLen, stats] = await Promise.all([
      redis.llen(keys.input),
      output ? redis.llen(keys.output) : Promise.resolve(null),
      redis.hgetall(keys.stats),
    ])
    const numeric = Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, Number(v)]))
    return {
      redis: redactUrl(url),
      input_queue: input,
      output_queue: output,
      input_length: inLen,
      output_length: outLen,
      stats: Object.keys(numeric).length ? numeric : null,
    }
  } catch (err) {
    throw err instanceof GridcoreError ? err : redisError(err as Error, redactUrl(url))
  } finally {
    redis.disconnect()
  }
}
