// gridcore watch: poll a queue until drained, recovering expired leases as it goes; detect stalls.
import type { Redis } from 'ioredis'
import type { HubClient } from '../client/hub-client.js'
import type { NodeInfo } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import type { QueueKeys } from './keys.js'
import { finishedCount, isDrained, type QueueSnapshot, recoverExpired, snapshot } from './ops.js'

export interface WatchProgress {
  type: 'progress'
  elapsed_s: number
  done: number
  total: number
  waiting: number
  processing: number
  failed: number
  dead: number
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
  rate: number
}

export interface WatchOptions {
  redis: Redis
  output?: Redis
  keys: QueueKeys
  intervalMs?: number
  stallTimeoutMs?: number
  timeoutMs?: number
  maxAttempts?: number
  hub?: HubClient
  onProgress?: (p: WatchProgress) => void
  /** Resolves when the user interrupts (Ctrl-C); watch then stops cleanly. */
  interrupted?: Promise<unknown>
}

export async function watchQueue(opts: WatchOptions): Promise<WatchSummary> {
  const interval = opts.intervalMs ?? 1_000
  const started = Date.now()
  const samples: { t: number; done: number }[] = []
  let recovered = 0
  let lastChange = started
  let lastDone = -1
  let stop = false
  opts.interrupted?.then(() => {
    stop = true
  })
  for (;;) {
    const rec = await recoverExpired(opts.redis, opts.keys, { maxAttempts: opts.maxAttempts })
    recovered += rec.recovered
    const s = await snapshot(opts.redis, opts.keys, opts.output)
    const nodes = opts.hub ? await opts.hub.listNodes().catch(() => null) : null
    const now = Date.now()
    const done = finishedCount(s)
    if (done !== lastDone) {
      lastDone = done
      lastChange = now
    }
    samples.push({ t: now, done })
    while (samples.length > 2 && now - samples[0]!.t > 10_000) samples.shift()
    const first = samples[0]!
    const rate = now > first.t ? ((done - first.done) * 1000) / (now - first.t) : 0
    const total = s.has_stats && s.stats.pushed! > 0 ? s.stats.pushed! : done + s.input + s.processing
    const remaining = Math.max(0, total - done)
    const progress: WatchProgress = {
      type: 'progress',
      elapsed_s: Math.round((now - started) / 100) / 10,
      done,
      total,
      waiting: s.input,
      processing: s.processing,
      failed: s.stats.failed!,
      dead: s.stats.dead!,
      rate: Math.round(rate),
      eta_s: rate > 0 ? Math.round(remaining / rate) : null,
      recovered,
      nodes_online: nodes ? nodes.filter((n) => n.status === 'Online').length : null,
      nodes_error: nodes ? nodes.filter((n) => n.runtime_status === 'Error').map((n) => n.id) : [],
    }
    opts.onProgress?.(progress)
    const summary = (drained: boolean): WatchSummary => {
      const seconds = (Date.now() - started) / 1000
      return {
        drained,
        queue: opts.keys.input,
        output_queue: opts.keys.output,
        total,
        done: done - s.stats.failed! - s.stats.dead!,
        failed: s.stats.failed!,
        dead: s.stats.dead!,
        recovered,
        seconds: Math.round(seconds * 10) / 10,
        rate: Math.round(done / Math.max(seconds, 0.001)),
      }
    }
    if (isDrained(s)) return summary(true)
    if (stop)
      throw new GridcoreError(
        'INTERRUPTED',
        `interrupted with ${remaining} items left; run gridcore watch again to resume watching`,
        summary(false) as unknown as Record<string, unknown>,
      )
    if (opts.timeoutMs !== undefined && now - started >= opts.timeoutMs) {
      throw new GridcoreError(
        'TIMEOUT',
        `timed out after ${fmtS(opts.timeoutMs)} with ${remaining} of ${total} items left${hint(s, nodes)}`,
        summary(false) as unknown as Record<string, unknown>,
      )
    }
    if (opts.stallTimeoutMs !== undefined && now - lastChange >= opts.stallTimeoutMs) {
      throw new GridcoreError(
        'STALLED',
        `no progress for ${fmtS(opts.stallTimeoutMs)} with ${remaining} of ${total} items left${hint(s, nodes)}`,
        summary(false) as unknown as Record<string, unknown>,
      )
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, interval)
      opts.interrupted?.then(() => {
        clearTimeout(t)
        resolve()
      })
    })
  }
}

const fmtS = (ms: number) => `${Math.round(ms / 100) / 10}s`

/** What is most likely holding the queue up, with the fix. */
export function hint(s: QueueSnapshot, nodes: NodeInfo[] | null): string {
  const erroring = nodes?.filter((n) => n.runtime_status === 'Error') ?? []
  if (erroring.length) {
    return `: node(s) ${erroring.map((n) => n.id).join(', ')} report Error — fix the task's image or command, then run gridcore task finish (or restart the node)`
  }
  if (nodes && nodes.filter((n) => n.status === 'Online').length === 0)
    return ': no node is online — start one (gridcore node start)'
  if (s.processing > 0) return `: ${s.processing} items are held by consumers that stopped committing`
  if (s.input > 0) return ': items are waiting but nothing takes them — is a consumer running on this queue?'
  return ''
}
