// gridcore run: the one-shot map — register a uniquely named task, push, watch, collect, finish.
import { randomBytes } from 'node:crypto'
import type { HubClient } from '../client/hub-client.js'
import { openClusterRedis, redisTrust } from '../cluster/connection.js'
import type { ClusterProfile } from '../cluster/profiles.js'
import { GRIDCORE_BIN } from '../deploy/engine.js'
import type { TaskSpec } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import { queueKeys, runQueues } from '../queue/keys.js'
import { purge } from '../queue/ops.js'
import { checkReadable, type PushResult, type PushSource, pushItems } from '../queue/push-run.js'
import { collectResults, type ResultFormat } from '../queue/results.js'
import { type PushFormat, parseRange } from '../queue/sources.js'
import { type WatchProgress, watchQueue } from '../queue/watch.js'

export type RunWhat = { command: string; itemTimeoutMs: number } | { consumer: string } | { image: string }

export interface RunOptions {
  what: RunWhat
  source: PushSource
  format: PushFormat
  output?: string
  outputFormat: ResultFormat
  name?: string
  stallTimeoutMs: number
  timeoutMs?: number
  cwd: string
  onPhase?: (phase: string) => void
  onProgress?: (p: WatchProgress) => void
  interrupted?: Promise<unknown>
}

export interface RunSummary {
  task: string
  items: number
  done: number
  failed: number
  dead: number
  seconds: number
  rate: number
  output: string | null
  input_queue: string
  output_queue: string
}

export function taskSpecFor(
  what: RunWhat,
  name: string,
  redisUrl: string,
  q: { input: string; output: string },
  cwd: string,
): TaskSpec {
  const base: TaskSpec = {
    name,
    input_redis: redisUrl,
    output_redis: redisUrl,
    input_queue: q.input,
    output_queue: q.output,
    // The hub finishes it once drained, so a batch never waits for a person, even when this CLI died.
    auto_finish: true,
  }
  if ('image' in what) return { ...base, image: what.image }
  if ('consumer' in what) return { ...base, command: what.consumer, shell: true, cwd }
  return {
    ...base,
    command: [
      process.execPath,
      GRIDCORE_BIN,
      'worker',
      '--filter',
      what.command,
      '--item-timeout',
      String(what.itemTimeoutMs / 1000),
    ],
    cwd,
  }
}

export async function runBatch(profile: ClusterProfile, hub: HubClient, o: RunOptions): Promise<RunSummary> {
  const started = Date.now()
  const redisUrl = profile.redisUrl
  if (!redisUrl)
    throw new GridcoreError(
      'USAGE',
      `cluster "${profile.name}" has no Redis URL: connect it again with --redis, or use gridcore up`,
    )
  const id =
    o.name ??
    `run-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`
  const q = runQueues(id)
  const keys = queueKeys(q.input, q.output)
  // Bad input fails before anything is registered.
  if ('file' in o.source) checkReadable(o.source.file)
  if ('range' in o.source) parseRange(o.source.range)
  const redis = await openClusterRedis(profile, redisUrl)
  try {
    if (await redis.exists(q.input, q.output)) {
      throw new GridcoreError('USAGE', `queues of a run named "${id}" already exist: choose another --name`)
    }
    // The task goes first, so its instances start while the items are still being pushed.
    o.onPhase?.(`registering task ${id}`)
    await hub.registerTask(taskSpecFor(o.what, id, redisUrl, q, o.cwd))
    o.onPhase?.(`pushing items to ${q.input}`)
    let pushed: PushResult
    try {
      pushed = await pushItems({
        redisUrl,
        ...redisTrust(profile),
        queue: q.input,
        source: o.source,
        format: o.format,
      })
      if (pushed.pushed === 0) throw new GridcoreError('USAGE', 'the input holds no items: nothing to run')
    } catch (err) {
      if ((await hub.listTasks().catch(() => null))?.current === id) await hub.finishTask().catch(() => {})
      throw err
    }
    const { current } = await hub.listTasks()
    if (current !== id) {
      o.onPhase?.(`waiting for task "${current}" to finish first (gridcore task finish ends it)`)
      while ((await hub.listTasks()).current !== id) {
        const stop = await Promise.race([
          new Promise((r) => setTimeout(() => r(false), 1_000)),
          o.interrupted?.then(() => true),
        ])
        if (stop) throw interrupted(id, q)
      }
    }
    o.onPhase?.(`running ${pushed.pushed} items`)
    // Results are collected while the items run, so Redis does not hold them all and the end comes sooner.
    let collecting = true
    let written = 0
    let first = true
    const collect = async () => {
      const r = await collectResults({ redis, keys, format: o.outputFormat, out: o.output, overwrite: first })
      first = false
      written += r.written
    }
    const collector = (async () => {
      while (collecting) {
        await collect()
        if (collecting) await new Promise((r) => setTimeout(r, 200))
      }
    })()
    let summary: Awaited<ReturnType<typeof watchQueue>>
    try {
      summary = await watchQueue({
        redis,
        keys,
        hub,
        intervalMs: 250,
        stallTimeoutMs: o.stallTimeoutMs,
        timeoutMs: o.timeoutMs,
        onProgress: o.onProgress,
        interrupted: o.interrupted,
      })
    } catch (err) {
      collecting = false
      await collector.catch(() => {})
      if (err instanceof GridcoreError && err.code === 'INTERRUPTED') throw interrupted(id, q)
      throw err
    }
    collecting = false
    await collector
    if ((await hub.listTasks()).current === id) await hub.finishTask()
    o.onPhase?.('collecting results')
    await collect()
    if (summary.failed === 0 && summary.dead === 0) await purge(redis, keys, false)
    const seconds = (Date.now() - started) / 1000
    return {
      task: id,
      items: pushed.pushed,
      done: written,
      failed: summary.failed,
      dead: summary.dead,
      seconds: Math.round(seconds * 100) / 100,
      rate: Math.round(pushed.pushed / seconds),
      output: o.output ?? null,
      input_queue: q.input,
      output_queue: q.output,
    }
  } finally {
    redis.disconnect()
  }
}

function interrupted(id: string, q: { input: string; output: string }): GridcoreError {
  return new GridcoreError(
    'INTERRUPTED',
    `interrupted; task ${id} is still registered and its items are safe in Redis. Resume with: gridcore watch --queue ${q.input} --output-queue ${q.output} && gridcore results --queue ${q.input} --output-queue ${q.output} --out FILE && gridcore task finish`,
    { task: id, input_queue: q.input, output_queue: q.output },
  )
}
