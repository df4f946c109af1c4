// The hub's DrainWatcher over Redis: judges each auto_finish task's queues with `watch`'s drained rule (DrainJudge:
// nothing waiting or held and every counted item at an end; without counters, the output settled and the group's
// nodes idle), giving back expired leases as `watch` does. Plugged into the hub by `gridcore hub start`.
import type { Redis } from 'ioredis'
import type { DrainProbe, DrainWatcher } from '../hub/auto-finish.js'
import type { Logger } from '../lib/logger.js'
import { redactText } from '../lib/redact.js'
import { defaultOutputQueue, queueKeys } from '../queue/keys.js'
import { recoverExpired, snapshot } from '../queue/ops.js'
import { DrainJudge, nodesIdle } from '../queue/progress.js'
import { openRedis } from '../redis/client.js'

export interface RedisDrainWatcherOptions {
  logger: Logger
  /** Without counters: how long the output must stay unchanged (watch's default: 5 s). */
  outputSettleMs?: number
  /** The cluster CA a rediss:// task Redis is verified against (the hub's tls_ca). */
  caPem?: string
  now?: () => number
}

export function redisDrainWatcher(o: RedisDrainWatcherOptions): DrainWatcher {
  const now = o.now ?? Date.now
  const judges = new Map<number, DrainJudge>()
  const connections = new Map<string, Promise<Redis>>()
  /** Tasks already told about (a task that cannot be judged is said once). */
  const said = new Set<string>()
  const once = (key: string, msg: string, fields: Record<string, unknown>) => {
    if (said.has(key)) return
    said.add(key)
    o.logger.warn(msg, fields)
  }

  const connection = (url: string): Promise<Redis> => {
    let c = connections.get(url)
    if (!c) {
      c = openRedis(url, { reconnect: true, caPem: o.caPem })
      connections.set(url, c)
      c.catch(() => connections.delete(url))
    }
    return c
  }

  const judge = async (p: DrainProbe): Promise<boolean> => {
    const { spec } = p
    if (!spec.input_redis || !spec.input_queue) {
      once(
        `noqueue:${p.id}`,
        `task '${spec.name}' has auto_finish but names no input Redis and queue: finish it by hand`,
        {
          task: spec.name,
        },
      )
      return false
    }
    const input = await connection(spec.input_redis)
    const output =
      spec.output_redis && spec.output_redis !== spec.input_redis
        ? await connection(spec.output_redis)
        : input
    const keys = queueKeys(spec.input_queue, spec.output_queue ?? defaultOutputQueue(spec.input_queue))
    await recoverExpired(input, keys)
    const s = await snapshot(input, keys, output)
    let j = judges.get(p.id)
    if (!j) {
      j = new DrainJudge(o.outputSettleMs ?? 5_000)
      judges.set(p.id, j)
    }
    const drained = j.drained(s, now(), nodesIdle(p.nodes))
    // A queue that never saw an item has not drained: its items are still to come.
    const seen =
      s.stats.pushed! + s.stats.done! + s.stats.failed! + s.stats.dead! + s.stats.collected! + s.output
    return drained && seen > 0
  }

  return {
    async drained(tasks) {
      const ids = new Set(tasks.map((t) => t.id))
      for (const id of judges.keys()) if (!ids.has(id)) judges.delete(id)
      const out = new Set<number>()
      for (const p of tasks) {
        try {
          if (await judge(p)) out.add(p.id)
          said.delete(`redis:${p.id}`)
        } catch (err) {
          once(
            `redis:${p.id}`,
            `auto-finish: cannot read the queues of task '${p.spec.name}' (${redactText((err as Error).message)})`,
            { task: p.spec.name },
          )
        }
      }
      return out
    },
    async close() {
      for (const c of connections.values()) (await c.catch(() => null))?.disconnect()
      connections.clear()
    },
  }
}
