// A run's summary (text and JSON): counts, speed, where the results are, and for failures the grouped errors and
// the commands to see and retry them.
import type { QueueKeys } from '../queue/keys.js'
import { snapshot } from '../queue/ops.js'
import type { RunContext } from './context.js'
import { type FailureGroup, failureGroups, type NextSteps, nextSteps } from './failures.js'
import { type RunCounts, runCommandFor } from './records/record.js'

export interface RunSummary {
  task: string
  /** Items this run ran (pushed, or for --retry the failed and dead items it ran again). */
  items: number
  /** Of those, items with a result in the output. */
  done: number
  failed: number
  dead: number
  seconds: number
  rate: number
  output: string | null
  input_queue: string
  output_queue: string
  /** The failed and dead items grouped by their error, biggest groups first (empty when none failed). */
  failures: FailureGroup[]
  /** When items failed: the commands to see them and to run them again. */
  next?: NextSteps
}

/** The results a queue's items have (see summarize), for a --retry's base. */
export async function resultsOf(c: RunContext, keys: QueueKeys): Promise<number> {
  const s = await snapshot(c.redis, keys)
  return Math.max(s.stats.done!, s.output + s.stats.collected!)
}

/** The summary of task `id` as its queues stand now; `base` counts what was there before this run (--retry). */
export async function summarize(
  c: RunContext,
  t: { id: string; keys: QueueKeys; items: number; output?: string; base?: { done: number } },
): Promise<RunSummary> {
  const s = await snapshot(c.redis, t.keys)
  // Results: counted by reliable consumers (done), or for upstream ones the output plus what was collected.
  const results = Math.max(s.stats.done!, s.output + s.stats.collected!)
  const failed = s.stats.failed!
  const dead = s.stats.dead!
  const seconds = (Date.now() - c.startedAt) / 1000
  const failures = failed + dead ? await failureGroups(c.redis, t.keys) : []
  const summary: RunSummary = {
    task: t.id,
    items: t.items,
    done: Math.max(0, Math.min(t.items, results - (t.base?.done ?? 0))),
    failed,
    dead,
    seconds: Math.round(seconds * 100) / 100,
    rate: Math.round(t.items / Math.max(seconds, 0.001)),
    output: t.output ?? null,
    input_queue: t.keys.input,
    output_queue: t.keys.output,
    failures,
  }
  if (failed + dead) {
    const cluster =
      c.profile.name === 'local' || c.profile.name === 'flags' ? '' : ` --cluster ${c.profile.name}`
    summary.next = nextSteps(
      { task: t.id, input_queue: t.keys.input, failed, dead },
      runCommandFor('--retry', { task: t.id, cluster: c.profile.name }),
      cluster,
    )
  }
  return summary
}

/** A run's counts as its queues stand now (best effort: the record keeps its last ones when Redis is gone). */
export async function countsOf(
  c: RunContext,
  keys: QueueKeys,
  items: number,
): Promise<RunCounts | undefined> {
  try {
    const s = await snapshot(c.redis, keys)
    const done = Math.max(s.stats.done!, s.output + s.stats.collected!)
    return { items: Math.max(items, s.stats.pushed!), done, failed: s.stats.failed!, dead: s.stats.dead! }
  } catch {
    return undefined
  }
}
