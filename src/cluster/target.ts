// Which Redis and queues a data-plane command works on: --redis/--queue, else the cluster's current task.

import { archOfThisMachine, platformForArch } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import { defaultOutputQueue } from '../queue/keys.js'
import { parseRedisUrl } from '../redis/url.js'
import { hubClient, openClusterRedis } from './connection.js'
import type { ClusterProfile } from './profiles.js'

export interface QueueTarget {
  /** Redis of the input queue (password included; redact before printing). */
  redisUrl: string
  /** Redis of the output queue (the input's unless the task says otherwise). */
  outputRedisUrl: string
  input: string
  output: string
  /** The task the queues came from, when they came from the hub. */
  task: string | null
  profile?: ClusterProfile
}

export interface TargetFlags {
  redis?: string
  queue?: string
  'output-queue'?: string
}

export async function resolveQueueTarget(
  flags: TargetFlags,
  profile: () => ClusterProfile,
): Promise<QueueTarget> {
  if (flags.queue) {
    let p: ClusterProfile | undefined
    let url = flags.redis
    if (!url) {
      p = profile()
      url = p.redisUrl
      if (!url) {
        throw new GridcoreError(
          'USAGE',
          `cluster "${p.name}" has no Redis URL: pass --redis redis://:PASSWORD@host:port`,
        )
      }
    }
    parseRedisUrl(
      url,
      p ? { where: `cluster "${p.name}"'s Redis URL`, code: 'CONFIG' } : { where: '--redis' },
    )
    const output = flags['output-queue'] ?? defaultOutputQueue(flags.queue)
    return { redisUrl: url, outputRedisUrl: url, input: flags.queue, output, task: null, profile: p }
  }
  if (flags.redis) {
    throw new GridcoreError(
      'USAGE',
      '--redis needs --queue NAME (or drop both to use the cluster’s current task)',
    )
  }
  const p = profile()
  const client = hubClient(p)
  const task = await client.runningTask(platformForArch(archOfThisMachine()))
  if (!task) {
    throw new GridcoreError(
      'USAGE',
      `no task is running on cluster "${p.name}": pass --redis URL --queue NAME, or register a task first`,
    )
  }
  if (!task.input_queue) {
    throw new GridcoreError('USAGE', `task "${task.task_name}" names no input queue: pass --queue NAME`)
  }
  const redisUrl = task.input_redis ?? p.redisUrl
  if (!redisUrl) {
    throw new GridcoreError(
      'USAGE',
      `task "${task.task_name}" names no Redis URL and cluster "${p.name}" has none: pass --redis URL`,
    )
  }
  const from = (field: string) => ({ where: `task "${task.task_name}" ${field} (from the hub)` })
  parseRedisUrl(
    redisUrl,
    task.input_redis ? from('input_redis') : { where: `cluster "${p.name}"'s Redis URL`, code: 'CONFIG' },
  )
  if (task.output_redis) parseRedisUrl(task.output_redis, from('output_redis'))
  return {
    redisUrl,
    outputRedisUrl: task.output_redis ?? redisUrl,
    input: task.input_queue,
    output: flags['output-queue'] ?? task.output_queue ?? defaultOutputQueue(task.input_queue),
    task: task.task_name,
    profile: p,
  }
}

export interface OpenTarget {
  redis: import('ioredis').Redis
  output: import('ioredis').Redis
  keys: import('../queue/keys.js').QueueKeys
  close(): void
}

/** Connects to the target's Redis (and the output's, when it is another server). */
export async function openTarget(t: QueueTarget): Promise<OpenTarget> {
  const { queueKeys } = await import('../queue/keys.js')
  const redis = await openClusterRedis(t.profile, t.redisUrl)
  const output = t.outputRedisUrl === t.redisUrl ? redis : await openClusterRedis(t.profile, t.outputRedisUrl)
  return {
    redis,
    output,
    keys: queueKeys(t.input, t.output),
    close() {
      redis.disconnect()
      if (output !== redis) output.disconnect()
    },
  }
}
