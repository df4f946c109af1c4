// The hub's QueueReader over Redis: each task's list lengths, counters, progress (watch's rule) and contribution
// ledger, read at most once per interval per task however often /metrics, the status page or the ledger ask (one
// read in flight is shared). Plugged into the hub by `gridcore hub start`.
import type { Redis } from 'ioredis'
import type { QueueProbe, QueueReader, QueueReading, QueueResult } from '../hub/queue-stats.js'
import type { Logger } from '../lib/logger.js'
import { redactText } from '../lib/redact.js'
import { defaultOutputQueue, queueKeys } from '../queue/keys.js'
import { readLedger } from '../queue/ledger.js'
import { snapshot } from '../queue/ops.js'
import { progressOf } from '../queue/progress.js'
import { openRedis } from '../redis/client.js'

export interface RedisQueueReaderOptions {
  logger: Logger
  /** Redis is read at most this often per task (default 2 s). */
  intervalMs?: number
  /** A read that takes longer fails (default 5 s). */
  timeoutMs?: number
  /** The Redis of tasks that name none (computehub.toml redis_url). */
  defaultRedisUrl?: string | null
  /** The cluster CA a rediss:// task Redis is verified against (the hub's tls_ca). */
  caPem?: string
  now?: () => number
}

/** Readings older than this many intervals are forgotten. */
const KEEP_INTERVALS = 30

export function redisQueueReader(o: RedisQueueReaderOptions): QueueReader {
  const now = o.now ?? Date.now
  const interval = o.intervalMs ?? 2_000
  const timeout = o.timeoutMs ?? 5_000
  const connections = new Map<string, Promise<Redis>>()
  const cache = new Map<number, { at: number; result: Promise<QueueResult> }>()
  const failing = new Set<string>()

  const connection = (url: string): Promise<Redis> => {
    let c = connections.get(url)
    if (!c) {
      c = openRedis(url, { caPem: o.caPem })
      connections.set(url, c)
      c.catch(() => connections.delete(url))
    }
    return c
  }
  /** Forgets a connection that failed, so the next read opens a new one. */
  const drop = async (url: string) => {
    const c = connections.get(url)
    connections.delete(url)
    ;(await c?.catch(() => null))?.disconnect()
  }

  const readOnce = async (p: QueueProbe): Promise<QueueResult> => {
    const { spec } = p
    const inputUrl = spec.input_redis ?? o.defaultRedisUrl ?? undefined
    if (!spec.input_queue)
      return { error: `task '${spec.name}' names no input queue: there is nothing to read` }
    if (!inputUrl)
      return {
        error: `task '${spec.name}' names no input Redis and the hub has no redis_url: its queues cannot be read`,
      }
    const outputUrl = spec.output_redis ?? inputUrl
    let timer: NodeJS.Timeout | undefined
    try {
      const read = async (): Promise<QueueReading> => {
        const input = await connection(inputUrl)
        const output = outputUrl === inputUrl ? input : await connection(outputUrl)
        const keys = queueKeys(spec.input_queue!, spec.output_queue ?? defaultOutputQueue(spec.input_queue!))
        const at = now()
        const [s, ledger] = await Promise.all([snapshot(input, keys, output), readLedger(input, keys)])
        const progress = progressOf(s)
        return {
          at,
          input_queue: s.input_queue,
          output_queue: s.output_queue,
          input: s.input,
          suspects: s.suspects,
          processing: s.processing,
          output: s.output,
          failed: s.failed,
          dead: s.dead,
          stats: s.stats,
          done: progress.done,
          total: progress.total,
          counted: progress.counted,
          ledger,
        }
      }
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis did not answer within ${timeout / 1000} s`)),
          timeout,
        )
      })
      const r = await Promise.race([read(), late])
      if (failing.delete(spec.name)) o.logger.info(`the queues of task '${spec.name}' can be read again`)
      return r
    } catch (err) {
      await Promise.all([drop(inputUrl), outputUrl !== inputUrl ? drop(outputUrl) : undefined])
      const error = `cannot read the queues of task '${spec.name}': ${redactText((err as Error).message)}`
      if (!failing.has(spec.name)) o.logger.warn(error, { task: spec.name })
      failing.add(spec.name)
      return { error }
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    async read(tasks) {
      const t = now()
      for (const [id, c] of cache) if (t - c.at > interval * KEEP_INTERVALS) cache.delete(id)
      const out = new Map<number, QueueResult>()
      await Promise.all(
        tasks.map(async (p) => {
          let c = cache.get(p.id)
          if (!c || t - c.at >= interval) {
            c = { at: t, result: readOnce(p) }
            cache.set(p.id, c)
          }
          out.set(p.id, await c.result)
        }),
      )
      return out
    },
    async close() {
      for (const c of connections.values()) (await c.catch(() => null))?.disconnect()
      connections.clear()
      cache.clear()
    },
  }
}
