// A node's registration (what it declares to the hub, retried while the hub is unreachable) and the recovery of
// the items its earlier instances left in their processing lists.
import { hostname } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import type { RegisterRequest, RegisterResponse, TaskConfig } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import type { Logger } from '../lib/logger.js'
import { consumerId, defaultOutputQueue, queueKeys } from '../queue/keys.js'
import { recoverExpired } from '../queue/ops.js'
import { openRedis } from '../redis/client.js'
import type { NodeOptions } from './options.js'
import type { Runtime } from './runtime.js'

/** The body of POST /gridnode/register: upstream's fields plus group, capabilities and the GPUs it found. */
export function registration(
  o: NodeOptions,
  runtime: Runtime,
  arch: string,
  id: string | undefined,
): RegisterRequest {
  return {
    node_id: id ?? null,
    hostname: hostname(),
    architecture: arch,
    cpu_count: o.parallelism,
    group: o.group,
    group_explicit: o.groupExplicit,
    capabilities: runtime.capabilities(),
    ...(o.gpus !== undefined ? { gpus: o.gpus } : {}),
  }
}

/** Registers, retrying with backoff while the hub is unreachable; a rejected token is final. */
export async function registerWithRetry(
  register: () => Promise<RegisterResponse>,
  stop: AbortSignal,
  log: Logger,
): Promise<RegisterResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await register()
    } catch (err) {
      const e = err as GridcoreError
      if (e.code !== 'HUB_UNREACHABLE' || stop.aborted) throw err
      const wait = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6))
      log.warn(`${e.message}; retrying in ${Math.round(wait / 100) / 10}s (attempt ${attempt})`)
      await delay(wait, undefined, { signal: stop }).catch(() => {
        throw new GridcoreError('INTERRUPTED', 'stopped before the node could register')
      })
    }
  }
}

/** Moves items this node's earlier instances left in their processing lists back to the input queue. */
export async function recoverOwn(
  task: TaskConfig,
  nodeId: string,
  log: Logger,
  caPem?: string,
): Promise<void> {
  if (!task.input_redis || !task.input_queue) return
  // A rediss:// task (a cluster across machines) is verified against the cluster CA.
  const redis = await openRedis(task.input_redis, { caPem })
  try {
    const keys = queueKeys(task.input_queue, task.output_queue ?? defaultOutputQueue(task.input_queue))
    const r = await recoverExpired(redis, keys, {
      force: true,
      only: (c) => c.startsWith(consumerId(nodeId, '')),
    })
    if (r.recovered + r.dead) {
      log.info(
        `recovered ${r.recovered} unfinished item(s) of this node's earlier instances (${r.dead} to the dead list)`,
        { task: task.task_name },
      )
    }
  } finally {
    redis.disconnect()
  }
}
