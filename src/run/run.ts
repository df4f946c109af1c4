// gridcore run: the one-shot map — check, claim a unique task name, push, watch, collect, finish — with a record
// of the run kept from registration to the end, and no way out that strands its task.
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import type { HubClient } from '../client/hub-client.js'
import { redisTrust } from '../cluster/connection.js'
import type { ClusterProfile } from '../cluster/profiles.js'
import { GridcoreError } from '../lib/errors.js'
import { queueKeys, runQueues } from '../queue/keys.js'
import { purge } from '../queue/ops.js'
import type { PushSource } from '../queue/push-run.js'
import type { ResultFormat } from '../queue/results.js'
import type { PushFormat } from '../queue/sources.js'
import { RedisUrl } from '../redis/url.js'
import { staleReports } from './cannot-start.js'
import { newLockToken } from './collector.js'
import { clusterRedis, runContext } from './context.js'
import { drive } from './drive.js'
import { endRun } from './endings.js'
import type { RunReporter } from './events.js'
import { heldError, registerRun } from './names.js'
import { checkCluster, checkInput, checkNameFree, checkOutputWritable, REDIS_RETRY_MS } from './preflight.js'
import { pushStep } from './push-step.js'
import { describeInput, newRecord } from './records/record.js'
import { writeRecord } from './records/store.js'
import { countsOf, type RunSummary, summarize } from './summary.js'
import { capabilityFor, type RunWhat, taskSpecFor } from './task-spec.js'

export type { RunSummary } from './summary.js'
export type { RunWhat } from './task-spec.js'

export interface RunOptions {
  what: RunWhat
  source: PushSource
  format: PushFormat
  output?: string
  outputFormat: ResultFormat
  name?: string
  stallTimeoutMs: number
  timeoutMs?: number
  /** How long a lost Redis is waited for before the run gives up (exit 7); default 30 s. */
  reconnectForMs?: number
  cwd: string
  report?: RunReporter
  signal?: AbortSignal
}

export const newRunId = () =>
  `run-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`

export async function runBatch(profile: ClusterProfile, hub: HubClient, o: RunOptions): Promise<RunSummary> {
  const startedAt = Date.now()
  const where = { where: `cluster "${profile.name}"'s Redis URL`, code: 'CONFIG' as const }
  const redisUrl = RedisUrl.parse(clusterRedis(profile), where)
  const id = o.name ?? newRunId()
  if (!id.trim()) throw new GridcoreError('USAGE', 'the task name is empty: pass --name NAME')
  const q = runQueues(id)
  const keys = queueKeys(q.input, q.output)
  const output = o.output === undefined ? undefined : resolve(o.cwd, o.output)
  // Everything that can be checked is checked before anything is registered.
  if (output) checkOutputWritable(output)
  checkInput(o.source)
  const reconnectForMs = o.reconnectForMs ?? REDIS_RETRY_MS
  const trust = redisTrust(profile)
  const { redis, nodes } = await checkCluster(hub, redisUrl, o.what, trust, reconnectForMs)
  const c = runContext({ profile, hub, redisUrl, redis, trust, startedAt, reconnectForMs }, o)
  try {
    const tasks = await hub.listTasks()
    if (tasks.current === id || tasks.pending.includes(id)) throw await heldError(id)
    await checkNameFree(redis, id, keys).catch(async (err) => {
      // Another run of this name may have registered and pushed since the list above: it holds the name.
      const now = await hub.listTasks()
      if (now.current === id || now.pending.includes(id)) throw await heldError(id)
      throw err
    })
    const running = await registerRun(c, taskSpecFor(o.what, id, redisUrl, q, o.cwd))
    const rec = newRecord({
      task: id,
      cluster: profile.name,
      hub: hub.url,
      redis: redisUrl.shown,
      queues: q,
      input: describeInput(o.source, o.format),
      output: output ?? null,
      outputFormat: o.outputFormat,
      what: o.what,
      cwd: o.cwd,
    })
    writeRecord(rec)
    c.report.phase?.({ event: 'registered', task: id, running })
    let pushed = 0
    try {
      c.report.phase?.({ event: 'pushing', queue: q.input })
      pushed = await pushStep(c, { keys, source: o.source, format: o.format }).catch((err) => {
        throw pushFailure(err, 'stdin' in o.source)
      })
      if (pushed === 0)
        throw new GridcoreError('USAGE', 'the input holds no items: nothing to run', { remove: true })
      const lockToken = newLockToken()
      Object.assign(rec, {
        pushed_all: true,
        counts: { ...rec.counts, items: pushed },
        collector_token: lockToken,
      })
      writeRecord(rec)
      c.report.phase?.({ event: 'pushed', items: pushed })
      await drive(c, {
        id,
        keys,
        needs: capabilityFor(o.what),
        output,
        outputFormat: o.outputFormat,
        fresh: true,
        items: pushed,
        lockToken,
        stale: staleReports(nodes, id),
      })
      const summary = await summarize(c, { id, keys, items: pushed, output })
      if (summary.failed + summary.dead === 0) await purge(redis, keys, false)
      const { items, done, failed, dead } = summary
      Object.assign(rec, {
        status: failed + dead ? 'partial' : 'done',
        counts: { items, done, failed, dead },
      })
      Object.assign(rec, { finished: new Date().toISOString(), exit_code: failed + dead ? 10 : 0 })
      writeRecord(rec)
      return summary
    } catch (err) {
      const n = pushed || Number((err as GridcoreError).details?.pushed ?? 0)
      rec.counts = (await countsOf(c, keys, n)) ?? { ...rec.counts, items: n }
      const ended = await endRun(c, id, keys, err, n)
      Object.assign(rec, { status: ended.status, message: ended.error.message })
      Object.assign(rec, { finished: new Date().toISOString(), exit_code: ended.error.exitCode })
      writeRecord(rec)
      throw ended.error
    }
  } finally {
    redis.disconnect()
  }
}

/** A push error, reworded for a run: bad input and unreadable input remove the run (marked `remove`). */
function pushFailure(err: unknown, stdin: boolean): unknown {
  if (!(err instanceof GridcoreError)) return err
  const pushed = Number(err.details?.pushed ?? 0)
  if (err.code === 'INPUT' || err.code === 'USAGE')
    return new GridcoreError(err.code, err.message, { ...err.details, remove: true })
  if (err.code === 'INTERRUPTED')
    return new GridcoreError(
      'INTERRUPTED',
      `interrupted while pushing${stdin ? ' from stdin' : ''}: ${pushed.toLocaleString('en-US')} items reached Redis`,
      err.details,
    )
  return err
}
