// Which Redis and queues a data-plane command works on: --redis/--queue, else the cluster's current task. URLs are
// parsed here, once, and passed down as RedisUrl values.

import { archOfThisMachine, platformForArch } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import { defaultOutputQueue } from '../queue/keys.js'
import type { OpenRedisOptions } from '../redis/client.js'
import { RedisUrl } from '../redis/url.js'
import { hubClient, openClusterRedis } from './connection.js'
import type { ClusterProfile } from './profiles.js'

export interface QueueTarget {
  /** Redis of the input queue (its href holds the password; it prints redacted). */
  redisUrl: RedisUrl
  /** Redis of the output queue (the input's unless the task says otherwise). */
  outputRedisUrl: RedisUrl
  input: string
  output: string
  /** Whether the output is only the default <queue>:output (no --output-queue, no task said otherwise). */
  outputGuessed: boolean
  /** The task the queues came from, when they came from the hub. */
  task: string | null
  /** What kind of node runs that task (it has a command, or an image only). */
  needs?: 'command' | 'image'
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
    const redisUrl = RedisUrl.parse(
      url,
      p ? { where: `cluster "${p.name}"'s Redis URL`, code: 'CONFIG' } : { where: '--redis' },
    )
    const output = flags['output-queue'] ?? defaultOutputQueue(flags.queue)
    return {
      redisUrl,
      outputRedisUrl: redisUrl,
      input: flags.queue,
      output,
      outputGuessed: !flags['output-queue'],
      task: null,
      profile: p,
    }
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
      `no task is running on cluster "${p.name}", so its queues are not known: pass --queue NAME and --output-queue NAME (gridcore runs lists the queues of earlier runs), or register a task first`,
    )
  }
  if (!task.input_queue) {
    throw new GridcoreError('USAGE', `task "${task.task_name}" names no input queue: pass --queue NAME`)
  }
  const raw = task.input_redis ?? p.redisUrl
  if (!raw) {
    throw new GridcoreError(
      'USAGE',
      `task "${task.task_name}" names no Redis URL and cluster "${p.name}" has none: pass --redis URL`,
    )
  }
  const from = (field: string) => ({ where: `task "${task.task_name}" ${field} (from the hub)` })
  const redisUrl = RedisUrl.parse(
    raw,
    task.input_redis ? from('input_redis') : { where: `cluster "${p.name}"'s Redis URL`, code: 'CONFIG' },
  )
  const outputRedisUrl = task.output_redis
    ? RedisUrl.parse(task.output_redis, from('output_redis'))
    : redisUrl
  return {
    redisUrl,
    outputRedisUrl,
    input: task.input_queue,
    output: flags['output-queue'] ?? task.output_queue ?? defaultOutputQueue(task.input_queue),
    outputGuessed: !flags['output-queue'] && !task.output_queue,
    task: task.task_name,
    // A task with both a command and an image runs on either kind of node: nothing to check.
    needs: task.command == null ? 'image' : task.image ? undefined : 'command',
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
export async function openTarget(t: QueueTarget, opts: OpenRedisOptions = {}): Promise<OpenTarget> {
  const { queueKeys } = await import('../queue/keys.js')
  const redis = await openClusterRedis(t.profile, t.redisUrl, opts)
  const output =
    t.outputRedisUrl.href === t.redisUrl.href
      ? redis
      : await openClusterRedis(t.profile, t.outputRedisUrl, opts)
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
