// The part every run shares once its items are in Redis (a new run, --resume, --retry): wait for its turn, watch
// it drain while collecting results, finish its task, collect the rest.
import { GridcoreError } from '../lib/errors.js'
import type { QueueKeys } from '../queue/keys.js'
import type { ResultFormat } from '../queue/results.js'
import { type WatchSummary, watchQueue } from '../queue/watch.js'
import { cannotStartCheck } from './cannot-start.js'
import { Collector } from './collector.js'
import { deadlineOf, type RunContext } from './context.js'
import { goneRunAhead } from './records/listing.js'
import { waitTurn } from './turn.js'

export interface DriveTarget {
  id: string
  keys: QueueKeys
  needs: 'command' | 'image'
  output?: string
  outputFormat: ResultFormat
  /** Start the output afresh (a new run) instead of appending (resume, retry). */
  fresh: boolean
  /** Items in the task, for the 'running' event. */
  items: number
  /** The collector's drain-lock token (recorded, see Collector). */
  lockToken: string
  /** What follows the message when the task cannot start (default: nothing; the run's ending says it). */
  cannotStart?: string
  /** Failure reports of an earlier task of this name, taken before this one was registered (see staleReports). */
  stale: Map<string, string>
}

export interface Driven {
  watch: WatchSummary
  /** Results this run wrote to the output. */
  written: number
}

export async function drive(c: RunContext, t: DriveTarget): Promise<Driven> {
  await waitTurn(c.hub, t.id, {
    deadline: deadlineOf(c),
    timeoutMs: c.timeoutMs,
    signal: c.signal,
    onWaiting: (behind) => {
      c.report.phase?.({ event: 'waiting', behind })
      const gone = goneRunAhead(behind)
      if (gone) c.report.phase?.({ event: 'note', message: gone })
    },
  })
  c.report.phase?.({ event: 'running', task: t.id, items: t.items })
  const collector = new Collector(c.redis, t.keys, t.output, t.outputFormat, t.fresh, t.lockToken)
  collector.start()
  let watch: WatchSummary
  try {
    watch = await watchQueue({
      redis: c.redis,
      keys: t.keys,
      hub: c.hub,
      intervalMs: 250,
      rampFromMs: 20,
      stallTimeoutMs: c.stallTimeoutMs,
      timeoutMs: c.timeoutMs,
      startedAt: c.startedAt,
      signal: c.signal,
      onProgress: c.report.progress,
      onRedis: (state) => c.report.phase?.({ event: 'redis', state }),
      check: cannotStartCheck({ task: t.id, needs: t.needs, stale: t.stale, after: t.cannotStart }),
    })
  } catch (err) {
    await collector.stop().catch(() => {})
    if (err instanceof GridcoreError && err.code === 'INTERRUPTED') {
      const d = err.details ?? {}
      const left = Number(d.total ?? 0) - Number(d.done ?? 0) - Number(d.failed ?? 0) - Number(d.dead ?? 0)
      throw new GridcoreError(
        'INTERRUPTED',
        `interrupted with ${left.toLocaleString('en-US')} items left`,
        err.details,
      )
    }
    if (err instanceof GridcoreError && err.code === 'REDIS_UNREACHABLE' && err.details?.lost)
      throw new GridcoreError(
        err.code,
        `lost Redis at ${c.redisUrl.shown} and it did not come back within ${c.reconnectForMs / 1000}s`,
        err.details,
      )
    throw err
  }
  await collector.stop()
  c.report.phase?.({ event: 'collecting', output: t.output ?? null })
  if ((await c.hub.listTasks()).current === t.id) await c.hub.finishTask()
  await collector.once()
  return { watch, written: collector.written }
}
