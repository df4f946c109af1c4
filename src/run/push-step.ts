// Pushing a run's items, riding out a lost Redis: a file or a range is pushed again from where Redis's `pushed`
// counter says the push got to (items go in order, so what reached Redis is always a prefix of the input); stdin
// cannot be read twice, so a push from it ends there (what reached Redis stays registered and resumable).
import { setTimeout as sleep } from 'node:timers/promises'
import { GridcoreError } from '../lib/errors.js'
import type { QueueKeys } from '../queue/keys.js'
import { type PushSource, pushItems } from '../queue/push-run.js'
import type { PushFormat } from '../queue/sources.js'
import { connectionEnded } from '../redis/client.js'
import { deadlineOf, type RunContext } from './context.js'

export interface PushPlan {
  keys: QueueKeys
  source: PushSource
  format: PushFormat
  /** Items of the source already in Redis (a resumed push). */
  skip?: number
}

/** Pushes the items (after `skip`); returns how many of the source are in Redis now, the skipped ones included. */
export async function pushStep(c: RunContext, plan: PushPlan): Promise<number> {
  let skip = plan.skip ?? 0
  const deadline = deadlineOf(c)
  const stops = [
    c.signal,
    deadline === undefined ? undefined : AbortSignal.timeout(Math.max(0, deadline - Date.now())),
  ]
  const signal = AbortSignal.any(stops.filter((s): s is AbortSignal => s !== undefined))
  for (;;) {
    try {
      const r = await pushItems({
        redisUrl: c.redisUrl,
        ...c.trust,
        queue: plan.keys.input,
        source: plan.source,
        format: plan.format,
        skip,
        signal,
      })
      return skip + r.pushed
    } catch (err) {
      const pushed = skip + Number((err as GridcoreError).details?.pushed ?? 0)
      if (err instanceof GridcoreError && err.code === 'INTERRUPTED' && !c.signal?.aborted)
        throw new GridcoreError(
          'TIMEOUT',
          `timed out after ${(c.timeoutMs ?? 0) / 1000}s while pushing: ${pushed.toLocaleString('en-US')} items reached Redis`,
          { ...err.details, pushed },
        )
      if (!(err instanceof GridcoreError) || err.code !== 'REDIS_UNREACHABLE' || 'stdin' in plan.source)
        throw withPushed(err, pushed)
      c.report.phase?.({ event: 'redis', state: 'lost' })
      await redisBack(c, pushed)
      c.report.phase?.({ event: 'redis', state: 'back' })
      skip = Number((await c.redis.hget(plan.keys.stats, 'pushed')) ?? 0)
    }
  }
}

/** Waits until the run's connection answers again; REDIS_UNREACHABLE once it stopped reconnecting. */
export async function redisBack(c: RunContext, pushed?: number): Promise<void> {
  for (;;) {
    try {
      await c.redis.ping()
      return
    } catch (err) {
      if (connectionEnded(c.redis))
        throw new GridcoreError(
          'REDIS_UNREACHABLE',
          `lost Redis at ${c.redisUrl.shown} and it did not come back within ${c.reconnectForMs / 1000}s`,
          pushed === undefined ? { lost: true } : { lost: true, pushed },
        )
      if (c.signal?.aborted) throw err
      await sleep(250)
    }
  }
}

/** The error with the count of items that are in Redis (details.pushed), for the message and the record. */
function withPushed(err: unknown, pushed: number): unknown {
  if (!(err instanceof GridcoreError)) return err
  return new GridcoreError(err.code, err.message, { ...err.details, pushed })
}
