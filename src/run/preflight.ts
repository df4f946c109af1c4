// What a run checks before it registers anything: the output can be written, the input read, the hub answers,
// Redis PINGs (the connection the run then uses), some online node can run the task, and the name is free.
import { closeSync, openSync, rmSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Redis } from 'ioredis'
import type { HubClient } from '../client/hub-client.js'
import type { NodeInfo } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import type { QueueKeys } from '../queue/keys.js'
import { inputFile, type PushSource } from '../queue/push-run.js'
import { parseRange } from '../queue/sources.js'
import { openRedis } from '../redis/client.js'
import type { RedisUrl } from '../redis/url.js'
import { incapableNodesError } from './cannot-start.js'
import type { RunWhat } from './task-spec.js'

/** How long a run waits for a lost Redis to come back before it gives up (exit 7), by default. */
export const REDIS_RETRY_MS = 30_000

/** The output file can be created (and is removed again) or appended to; nothing in it changes. */
export function checkOutputWritable(path: string): void {
  let existed = false
  try {
    if (statSync(path).isDirectory())
      throw new GridcoreError('USAGE', `--output ${path} is a directory: pass a file path`)
    existed = true
  } catch (err) {
    if (err instanceof GridcoreError) throw err
  }
  let fd: number
  try {
    fd = openSync(path, existed ? 'a' : 'wx', 0o644)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `the directory ${dirname(path)} does not exist: create it or pass another --output`
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'permission denied: pass a path you can write'
          : 'pass another --output'
    throw new GridcoreError('USAGE', `cannot write --output ${path} (${code}): ${why}`)
  }
  closeSync(fd)
  if (!existed) rmSync(path, { force: true })
}

/** The input can be read: a file that exists, is not a directory, opens, and is not empty; a valid range. */
export function checkInput(source: PushSource): void {
  if ('range' in source) {
    parseRange(source.range)
    return
  }
  if (!('file' in source)) return
  const file = source.file
  const { size, regular } = inputFile(file)
  if (regular && size === 0) throw new GridcoreError('USAGE', `input file ${file} is empty: nothing to run`)
}

/**
 * The cluster answers: the hub's /health, Redis's PING (returns the connection, which retries a lost Redis for
 * `reconnectForMs`), and — when nodes are online — one of them can run this kind of task. Returns the nodes too.
 * Redis is opened while the hub is asked (loading its client is most of a run's wait here); the hub's verdict
 * comes first, and a connection it makes useless is closed.
 */
export async function checkCluster(
  hub: HubClient,
  redisUrl: RedisUrl,
  what: RunWhat,
  trust: { caPem?: string },
  reconnectForMs = REDIS_RETRY_MS,
): Promise<{ redis: Redis; nodes: NodeInfo[] }> {
  const opening = openRedis(redisUrl, { ...trust, reconnectForMs })
  opening.catch(() => {}) // a Redis error waits its turn, after the hub's
  try {
    await hub.health()
    const nodes = await hub.listNodes()
    const incapable = incapableNodesError(nodes, what)
    if (incapable) throw incapable
    return { redis: await opening, nodes }
  } catch (err) {
    opening.then((r) => r.disconnect()).catch(() => {})
    throw err
  }
}

/** A run's queues must be new: an earlier run of that name that left them is not mixed in. */
export async function checkNameFree(redis: Redis, id: string, keys: QueueKeys): Promise<void> {
  const found = await redis.exists(keys.input, keys.output, keys.stats, keys.failed, keys.dead)
  if (found > 0) {
    throw new GridcoreError(
      'USAGE',
      `queues of a run named "${id}" already exist (an earlier run left items or results there; gridcore runs lists runs): choose another --name, resume it (gridcore run --resume ${id}), or clear them (gridcore queue purge --queue ${keys.input} --output-queue ${keys.output} --results --yes)`,
      { task: id, input_queue: keys.input, output_queue: keys.output },
    )
  }
}
