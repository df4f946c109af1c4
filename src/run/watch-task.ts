// gridcore watch as a step: a queue watched until drained, the task's fail-fast check when the hub knows its task,
// a lost Redis told and waited for, and the hub's current task finished once drained when asked.
import type { HubClient } from '../client/hub-client.js'
import type { OpenTarget, QueueTarget } from '../cluster/target.js'
import { GridcoreError } from '../lib/errors.js'
import type { WatchProgress, WatchSummary } from '../queue/watch.js'
import { watchQueue } from '../queue/watch.js'
import { cannotStartCheck } from './cannot-start.js'
import { checkOutputKnown } from './records/output-check.js'

export type WatchResult = WatchSummary & { finished?: unknown }

export interface WatchTaskOptions {
  target: QueueTarget
  conn: OpenTarget
  hub?: HubClient
  intervalMs: number
  stallTimeoutMs: number
  timeoutMs?: number
  redisRetryMs: number
  maxAttempts: number
  finish: boolean
  signal: AbortSignal
  note: (line: string) => void
  onProgress: (p: WatchProgress) => void
}

export async function watchTask(o: WatchTaskOptions): Promise<WatchResult> {
  const { target, conn, hub } = o
  await checkOutputKnown(target, conn)
  const check =
    hub && target.task && target.needs
      ? cannotStartCheck({
          task: target.task,
          needs: target.needs,
          after: `task ${target.task} stays registered: fix it, then gridcore task finish and register it again`,
        })
      : undefined
  const summary: WatchResult = await watchQueue({
    redis: conn.redis,
    output: conn.output,
    keys: conn.keys,
    hub,
    intervalMs: o.intervalMs,
    stallTimeoutMs: o.stallTimeoutMs,
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
    signal: o.signal,
    check,
    onRedis: (state) =>
      o.note(
        `gridcore: ${state === 'lost' ? 'lost the connection to Redis; reconnecting' : 'Redis is back'}`,
      ),
    onProgress: o.onProgress,
  }).catch((err) => {
    if (err instanceof GridcoreError && err.code === 'REDIS_UNREACHABLE' && err.details?.lost)
      throw new GridcoreError(
        err.code,
        `lost Redis at ${target.redisUrl.shown} and it did not come back within ${o.redisRetryMs / 1000}s: the items stay in Redis; run gridcore watch again once it is back`,
        err.details,
      )
    throw err
  })
  if (o.finish && hub) summary.finished = await hub.finishTask()
  return summary
}
