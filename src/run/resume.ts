// gridcore run --resume TASK: carry on a run whose `gridcore run` died (a lost terminal, kill -9, a lost Redis):
// push what its input still owes (files and ranges), watch it, and collect its remaining results into the
// recorded output (appending, exactly once), then finish its task — as the run itself would have.
import { statSync } from 'node:fs'
import { GridcoreError } from '../lib/errors.js'
import type { QueueKeys } from '../queue/keys.js'
import { purge, snapshot } from '../queue/ops.js'
import type { PushSource } from '../queue/push-run.js'
import type { PushFormat } from '../queue/sources.js'
import { Collector, freeLock, newLockToken } from './collector.js'
import type { RunContext } from './context.js'
import { drive } from './drive.js'
import { endRun } from './endings.js'
import { registerRun } from './names.js'
import { pushStep } from './push-step.js'
import type { RunRecord } from './records/record.js'
import { recordedWhat } from './records/record.js'
import { writeRecord } from './records/store.js'
import { type ClusterPicker, type ReopenOptions, recordOf, reopen, takeOver } from './reopen.js'
import { countsOf, type RunSummary, summarize } from './summary.js'
import { capabilityFor, taskSpecFor } from './task-spec.js'

export async function resumeRun(
  task: string,
  pick: ClusterPicker,
  o: ReopenOptions & { output?: string; needsFile?: boolean },
): Promise<RunSummary> {
  const record = recordOf(task, '--resume')
  if (o.needsFile && !o.output && !record.output)
    throw new GridcoreError(
      'USAGE',
      `--json prints the summary on stdout, and run ${task} wrote its results there: pass --output FILE`,
    )
  if (record.status === 'failed' || record.status === 'cancelled')
    throw new GridcoreError(
      'USAGE',
      `run ${task} was removed (${record.status}): ${record.message ?? 'nothing of it is left'}; start it again with gridcore run`,
    )
  const { rec, c, keys } = await reopen(record, pick, o)
  const output = o.output ?? rec.output ?? undefined
  try {
    // The dead run's collector may have died holding the drain lock: free it, and collect under a new one.
    await freeLock(c.redis, keys, rec.collector_token)
    rec.collector_token = newLockToken()
    takeOver(rec)
    const { current, pending } = await c.hub.listTasks()
    const onHub = current === task || pending.includes(task)
    let items = (await snapshot(c.redis, keys)).stats.pushed!
    try {
      if (!rec.pushed_all) items = await pushRest(rec, c, keys)
      const s = await snapshot(c.redis, keys)
      const unfinished = s.input + s.suspects + s.processing > 0
      if (!onHub && unfinished) {
        // Its task is gone from the hub (a hub that lost its list): register it again to run what is left.
        await registerRun(c, taskSpecFor(recordedWhat(rec), task, c.redisUrl, queuesOf(rec), rec.cwd))
      }
      if (onHub || unfinished) {
        await drive(c, {
          id: task,
          keys,
          needs: capabilityFor(recordedWhat(rec)),
          output,
          outputFormat: rec.output_format,
          fresh: false,
          items,
          lockToken: rec.collector_token,
          // The same task: the failures its nodes report are this run's own.
          stale: new Map(),
        })
      } else {
        c.report.phase?.({ event: 'collecting', output: output ?? null })
        await new Collector(c.redis, keys, output, rec.output_format, false, rec.collector_token).once()
      }
    } catch (err) {
      rec.counts = (await countsOf(c, keys, items)) ?? rec.counts
      const ended = await endRun(c, task, keys, err, items)
      Object.assign(rec, { status: ended.status, message: ended.error.message })
      Object.assign(rec, { finished: new Date().toISOString(), exit_code: ended.error.exitCode })
      writeRecord(rec)
      throw ended.error
    }
    const summary = await summarize(c, { id: task, keys, items, output })
    if (summary.failed + summary.dead === 0) await purge(c.redis, keys, false)
    const { done, failed, dead } = summary
    Object.assign(rec, { status: failed + dead ? 'partial' : 'done', counts: { items, done, failed, dead } })
    Object.assign(rec, { finished: new Date().toISOString(), exit_code: failed + dead ? 10 : 0 })
    writeRecord(rec)
    return summary
  } finally {
    c.redis.disconnect()
  }
}

const queuesOf = (r: RunRecord) => ({ input: r.input_queue, output: r.output_queue })

/**
 * Pushes the rest of a file or range input: what reached Redis is a prefix of it (its `pushed` counter says how
 * long), so the push goes on after it. A file that changed since, or stdin, cannot be: then only what reached
 * Redis runs.
 */
async function pushRest(rec: RunRecord, c: RunContext, keys: QueueKeys): Promise<number> {
  const skip = (await snapshot(c.redis, keys)).stats.pushed!
  const input = rec.input
  let source: PushSource | undefined
  if (input.kind === 'range') source = { range: input.range }
  if (input.kind === 'file') {
    const st = statSync(input.path, { throwIfNoEntry: false })
    if (st && st.size === input.size && Math.round(st.mtimeMs) === input.mtime_ms)
      source = { file: input.path }
    else
      c.report.phase?.({
        event: 'note',
        message: `${input.path} changed or went away since run ${rec.task} pushed from it: only the ${skip} items that reached Redis run`,
      })
  }
  if (!source) {
    // stdin cannot be read again, nor a file that changed: what reached Redis is the run.
    Object.assign(rec, { pushed_all: true, counts: { ...rec.counts, items: skip } })
    writeRecord(rec)
    return skip
  }
  c.report.phase?.({ event: 'pushing', queue: keys.input })
  const format = (input.kind === 'file' ? input.format : 'lines') as PushFormat
  const pushed = await pushStep(c, { keys, source, format, skip })
  Object.assign(rec, { pushed_all: true, counts: { ...rec.counts, items: pushed } })
  writeRecord(rec)
  c.report.phase?.({ event: 'pushed', items: pushed })
  return pushed
}
