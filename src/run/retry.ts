// gridcore run --retry TASK: run an earlier run's failed and dead items again — with the command, consumer or image
// given now (after the fix), else the recorded one — on its own queues, appending their results to the recorded
// output, so that output ends with every item exactly once. Items the run left waiting when its task stopped
// (e.g. a retry that could not start) run with them.
import { GridcoreError } from '../lib/errors.js'
import { purge, retry, snapshot } from '../queue/ops.js'
import { staleReports } from './cannot-start.js'
import { freeLock, newLockToken } from './collector.js'
import { drive } from './drive.js'
import { endRun } from './endings.js'
import { heldError, registerRun } from './names.js'
import { recordedWhat } from './records/record.js'
import { writeRecord } from './records/store.js'
import { type ClusterPicker, type ReopenOptions, recordOf, reopen, takeOver } from './reopen.js'
import { countsOf, type RunSummary, resultsOf, summarize } from './summary.js'
import { capabilityFor, type RunWhat, taskSpecFor } from './task-spec.js'

export interface RetryOptions extends ReopenOptions {
  /** What runs the items now; the recorded command, consumer or image when absent. */
  what?: RunWhat
  /** Where the new `what` runs from (its cwd). */
  cwd: string
  /** Another output to append to (default: the recorded one). */
  output?: string
  /** The summary goes to stdout (--json): results then need a file. */
  needsFile?: boolean
}

export async function retryRun(task: string, pick: ClusterPicker, o: RetryOptions): Promise<RunSummary> {
  const record = recordOf(task, '--retry')
  if (record.status === 'running' || record.status === 'interrupted')
    throw new GridcoreError(
      'USAGE',
      `run ${task} has not finished (${record.status}): resume it first with gridcore run --resume ${task}`,
    )
  if (record.status === 'failed' || record.status === 'cancelled')
    throw new GridcoreError(
      'USAGE',
      `run ${task} was removed (${record.status}): nothing of it is left to retry`,
    )
  const output = o.output ?? record.output ?? undefined
  if (o.needsFile && !output)
    throw new GridcoreError(
      'USAGE',
      `--json prints the summary on stdout, and run ${task} wrote its results there: pass --output FILE`,
    )
  const { rec, c, keys } = await reopen(record, pick, o)
  try {
    const tasks = await c.hub.listTasks()
    if (tasks.current === task || tasks.pending.includes(task)) throw await heldError(task)
    const before = await snapshot(c.redis, keys)
    const waiting = before.input + before.suspects + before.processing
    if (before.failed + before.dead + waiting === 0) {
      c.report.phase?.({
        event: 'note',
        message: `run ${task} has no failed or dead items: nothing to retry`,
      })
      return summarize(c, { id: task, keys, items: 0, output, base: { done: await resultsOf(c, keys) } })
    }
    const base = await resultsOf(c, keys)
    const moved = await retry(c.redis, keys, ['failed', 'dead'])
    const items = moved.failed! + moved.dead! + waiting
    const what = o.what ?? recordedWhat(rec)
    await freeLock(c.redis, keys, rec.collector_token)
    rec.collector_token = newLockToken()
    takeOver(rec)
    Object.assign(rec, {
      command: 'command' in what ? what.command : null,
      consumer: 'consumer' in what ? what.consumer : null,
      image: 'image' in what ? what.image : null,
      gpus: 'image' in what ? (what.gpus ?? null) : null,
      cwd: o.what ? o.cwd : rec.cwd,
      output: output ?? null,
      retries: rec.retries + 1,
    })
    writeRecord(rec)
    const q = { input: keys.input, output: keys.output }
    // What nodes still report for the earlier task of this name is not this retry's.
    const stale = staleReports(await c.hub.listNodes(), task)
    try {
      await registerRun(c, taskSpecFor(what, task, c.redisUrl, q, rec.cwd))
      c.report.phase?.({ event: 'registered', task, running: true })
      await drive(c, {
        id: task,
        keys,
        needs: capabilityFor(what),
        output,
        outputFormat: rec.output_format,
        fresh: false,
        items,
        lockToken: rec.collector_token,
        stale,
      })
    } catch (err) {
      rec.counts = (await countsOf(c, keys, rec.counts.items)) ?? rec.counts
      const ended = await endRun(c, task, keys, err, items, true)
      const status = ended.status === 'interrupted' ? 'interrupted' : 'partial'
      Object.assign(rec, { status, message: ended.error.message })
      Object.assign(rec, { finished: new Date().toISOString(), exit_code: ended.error.exitCode })
      writeRecord(rec)
      throw ended.error
    }
    const summary = await summarize(c, { id: task, keys, items, output, base: { done: base } })
    const pushed = (await snapshot(c.redis, keys)).stats.pushed || rec.counts.items
    if (summary.failed + summary.dead === 0) await purge(c.redis, keys, false)
    const counts = { items: pushed, done: base + summary.done }
    Object.assign(rec, { counts: { ...counts, failed: summary.failed, dead: summary.dead } })
    Object.assign(rec, { status: summary.failed + summary.dead ? 'partial' : 'done' })
    Object.assign(rec, {
      finished: new Date().toISOString(),
      exit_code: summary.failed + summary.dead ? 10 : 0,
    })
    writeRecord(rec)
    return summary
  } finally {
    c.redis.disconnect()
  }
}
