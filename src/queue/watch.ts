// gridcore watch: poll a queue until drained, recovering expired leases as it goes; detect stalls. A Redis
// connection opened with a bounded reconnect (openRedis reconnectForMs) is waited for while it comes back.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import type { HubClient } from '../client/hub-client.js'
import type { NodeInfo } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import { connectionEnded, connectionLost } from '../redis/client.js'
import type { QueueKeys } from './keys.js'
import { type QueueSnapshot, recoverExpired, snapshot } from './ops.js'
import { DrainJudge, nodesIdle, type Progress, progressOf } from './progress.js'

export interface WatchProgress {
  type: 'progress'
  elapsed_s: number
  done: number
  total: number
  /** Items waiting: in the input list and, after a failed delivery, in the suspects list. */
  waiting: number
  processing: number
  failed: number
  dead: number
  /** Items/s over the last 10 s of this watch. */
  rate: number
  eta_s: number | null
  recovered: number
  nodes_online: number | null
  nodes_error: string[]
}

export interface WatchSummary {
  drained: boolean
  queue: string
  output_queue: string
  total: number
  done: number
  failed: number
  dead: number
  recovered: number
  seconds: number
  /** Items/s that reached an end while this watch ran. */
  rate: number
}

/** What one poll saw, for a caller's own verdict (e.g. "this task cannot start"). */
export interface PollView {
  snapshot: QueueSnapshot
  progress: Progress
  /** Online and offline nodes; null when the hub did not answer, undefined without a hub. */
  nodes: NodeInfo[] | null | undefined
  now: number
}

export interface WatchOptions {
  redis: Redis
  output?: Redis
  keys: QueueKeys
  intervalMs?: number
  /**
   * The first polls come sooner: after this, growing a quarter a poll up to intervalMs (a small batch ends once it
   * is done; doubling left a batch done at 150 ms unseen until 300 ms).
   */
  rampFromMs?: number
  stallTimeoutMs?: number
  timeoutMs?: number
  /** Where --timeout counts from (default: now); a run counts from its own start. */
  startedAt?: number
  maxAttempts?: number
  /** Without counters: how long the output must stay unchanged before the queue counts as drained (5 s). */
  settleMs?: number
  hub?: HubClient
  onProgress?: (p: WatchProgress) => void
  /** Told when the Redis connection is lost and when it is back. */
  onRedis?: (state: 'lost' | 'back') => void
  /** A verdict of the caller's on each poll: an error ends the watch with it. */
  check?: (view: PollView) => GridcoreError | undefined
  /** Stops the watch (Ctrl-C): it ends with an INTERRUPTED error carrying the summary so far. */
  signal?: AbortSignal
}

export async function watchQueue(opts: WatchOptions): Promise<WatchSummary> {
  const interval = opts.intervalMs ?? 1_000
  let pause = Math.min(opts.rampFromMs ?? interval, interval)
  const started = opts.startedAt ?? Date.now()
  const judge = new DrainJudge(opts.settleMs ?? 5_000)
  const window: { t: number; done: number }[] = []
  let first: { t: number; done: number } | undefined
  let recovered = 0
  let lastChange = Date.now()
  let lastDone = -1
  let lost = false
  for (;;) {
    let s: QueueSnapshot
    try {
      const rec = await recoverExpired(opts.redis, opts.keys, { maxAttempts: opts.maxAttempts })
      recovered += rec.recovered
      s = await snapshot(opts.redis, opts.keys, opts.output)
    } catch (err) {
      if (!connectionLost(err)) throw err
      if ([opts.redis, opts.output].some((r) => r && connectionEnded(r)))
        throw new GridcoreError(
          'REDIS_UNREACHABLE',
          'the connection to Redis was lost and did not come back in time: is Redis running?',
          { lost: true },
        )
      if (!lost) opts.onRedis?.('lost')
      lost = true
      if (opts.signal?.aborted) throw err
      await sleep(Math.min(interval, 500), undefined, { signal: opts.signal }).catch(() => {})
      continue
    }
    if (lost) opts.onRedis?.('back')
    lost = false
    const nodes = opts.hub ? await opts.hub.listNodes().catch(() => null) : undefined
    const now = Date.now()
    const p = progressOf(s)
    if (p.done !== lastDone) {
      lastDone = p.done
      lastChange = now
    }
    first ??= { t: now, done: p.done }
    window.push({ t: now, done: p.done })
    while (window.length > 2 && now - window[0]!.t > 10_000) window.shift()
    const rate = now > window[0]!.t ? ((p.done - window[0]!.done) * 1000) / (now - window[0]!.t) : 0
    const remaining = p.total - p.done
    opts.onProgress?.({
      type: 'progress',
      elapsed_s: Math.round((now - started) / 100) / 10,
      done: p.done,
      total: p.total,
      waiting: p.waiting,
      processing: p.processing,
      failed: s.stats.failed!,
      dead: s.stats.dead!,
      rate: Math.round(rate),
      eta_s: rate > 0 ? Math.round(remaining / rate) : null,
      recovered,
      nodes_online: nodes ? nodes.filter((n) => n.status === 'Online').length : null,
      nodes_error: nodes ? nodes.filter((n) => n.runtime_status === 'Error').map((n) => n.id) : [],
    })
    const summary = (drained: boolean): WatchSummary => {
      const seconds = (now - started) / 1000
      const watched = (now - first!.t) / 1000
      return {
        drained,
        queue: opts.keys.input,
        output_queue: opts.keys.output,
        total: p.total,
        done: p.done - s.stats.failed! - s.stats.dead!,
        failed: s.stats.failed!,
        dead: s.stats.dead!,
        recovered,
        seconds: Math.round(seconds * 10) / 10,
        rate: watched > 0 ? Math.round((p.done - first!.done) / watched) : 0,
      }
    }
    if (judge.drained(s, now, nodesIdle(nodes))) return summary(true)
    const fail = (code: 'INTERRUPTED' | 'TIMEOUT' | 'STALLED', message: string) =>
      new GridcoreError(code, message, summary(false) as unknown as Record<string, unknown>)
    if (opts.signal?.aborted)
      throw fail(
        'INTERRUPTED',
        `interrupted with ${remaining} items left; run gridcore watch again to resume watching`,
      )
    const verdict = opts.check?.({ snapshot: s, progress: p, nodes, now })
    if (verdict)
      throw new GridcoreError(verdict.code, verdict.message, { ...verdict.details, ...summary(false) })
    const left = `${remaining} of ${p.total} items left${hint(s, p, nodes ?? null)}`
    if (opts.timeoutMs !== undefined && now - started >= opts.timeoutMs)
      throw fail('TIMEOUT', `timed out after ${fmtS(opts.timeoutMs)} with ${left}`)
    if (opts.stallTimeoutMs !== undefined && now - lastChange >= opts.stallTimeoutMs)
      throw fail('STALLED', `no progress for ${fmtS(opts.stallTimeoutMs)} with ${left}`)
    await sleep(pollPause(pause, remaining, rate), undefined, { signal: opts.signal }).catch(() => {})
    pause = Math.min(pause * 1.25, interval)
  }
}

/** The shortest wait between polls: a run about to end is looked at again when it should have ended. */
export const MIN_POLL_MS = 10

/**
 * How long to wait before the next poll: `pause`, or sooner when the items left should be done before then at
 * the rate seen (the end of a run was seen up to a whole interval late: 250 ms on a 2 s run).
 */
export function pollPause(pause: number, remaining: number, rate: number): number {
  if (rate <= 0 || remaining <= 0) return pause
  const etaMs = (remaining / rate) * 1000
  return Math.max(MIN_POLL_MS, Math.min(pause, Math.ceil(etaMs) + MIN_POLL_MS))
}

const fmtS = (ms: number) => `${Math.round(ms / 100) / 10}s`

/** What is most likely holding the queue up, with the fix. */
export function hint(s: QueueSnapshot, p: Progress, nodes: NodeInfo[] | null): string {
  const erroring = nodes?.filter((n) => n.runtime_status === 'Error') ?? []
  if (erroring.length) {
    return `: node(s) ${erroring.map((n) => n.id).join(', ')} report Error — fix the task's image or command, then run gridcore task finish (or restart the node)`
  }
  if (nodes && nodes.filter((n) => n.status === 'Online').length === 0)
    return ': no node is online — start one (gridcore node start)'
  if (s.processing > 0) return `: ${s.processing} items are held by consumers that stopped committing`
  if (p.waiting > 0)
    return ': items are waiting but nothing takes them — is a consumer running on this queue?'
  if (!p.counted && p.done >= p.total)
    return ': the items were pushed without counters and node instances still run, so watch cannot tell whether they hold items — push with gridcore push, or finish the task once the results are complete'
  return ''
}
