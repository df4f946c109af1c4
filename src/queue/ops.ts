// Queue maintenance over the protocol: snapshot (stats), recover expired leases, retry, dead list, purge.
import type { Redis } from 'ioredis'
import { DEFAULTS } from './consumer.js'
import type { QueueKeys } from './keys.js'
import { withScripts } from './scripts.js'

export interface ConsumerState {
  id: string
  items: number
  /** Milliseconds left on its lease; -2 when the lease is gone (recoverable). */
  lease_ms: number
}

export interface QueueSnapshot {
  input_queue: string
  output_queue: string
  input: number
  processing: number
  output: number
  failed: number
  dead: number
  consumers: ConsumerState[]
  /** Counters from <in>:stats (0 when absent): pushed, done, failed, dead, collected, refused, recovered, retried. */
  stats: Record<string, number>
  /** Whether anything ever wrote stats (gridcore push or reliable consumers). */
  has_stats: boolean
}

const COUNTERS = ['pushed', 'done', 'failed', 'dead', 'collected', 'refused', 'recovered', 'retried'] as const

export async function snapshot(redis: Redis, keys: QueueKeys, output: Redis = redis): Promise<QueueSnapshot> {
  const [[, input], [, failed], [, dead], [, raw], [, members]] = (await redis
    .multi()
    .llen(keys.input)
    .llen(keys.failed)
    .llen(keys.dead)
    .hgetall(keys.stats)
    .smembers(keys.consumers)
    .exec()) as [unknown, unknown][] as [
    [null, number],
    [null, number],
    [null, number],
    [null, Record<string, string>],
    [null, string[]],
  ]
  const outLen = await output.llen(keys.output)
  const consumers: ConsumerState[] = []
  if (members.length) {
    const p = redis.pipeline()
    for (const id of members) p.llen(keys.processing(id)).pttl(keys.lease(id))
    const res = (await p.exec()) ?? []
    members.forEach((id, i) => {
      consumers.push({ id, items: Number(res[2 * i]?.[1] ?? 0), lease_ms: Number(res[2 * i + 1]?.[1] ?? -2) })
    })
  }
  const stats: Record<string, number> = {}
  for (const c of COUNTERS) stats[c] = Number(raw[c] ?? 0)
  return {
    input_queue: keys.input,
    output_queue: keys.output,
    input,
    processing: consumers.reduce((a, c) => a + c.items, 0),
    output: outLen,
    failed,
    dead,
    consumers,
    stats,
    has_stats: Object.keys(raw).length > 0,
  }
}

/** Items that reached an end: results (counted or, for upstream consumers, in the output list), failed, dead. */
export function finishedCount(s: QueueSnapshot): number {
  const done = Math.max(s.stats.done!, s.output + s.stats.collected!)
  return done + s.stats.failed! + s.stats.dead!
}

/** Drained: nothing waiting, nothing held, and (where stats exist) every pushed item accounted for. */
export function isDrained(s: QueueSnapshot): boolean {
  if (s.input > 0 || s.processing > 0) return false
  if (s.has_stats && s.stats.pushed! > 0) return finishedCount(s) >= s.stats.pushed!
  return true
}

export interface RecoverResult {
  recovered: number
  dead: number
  consumers: string[]
}

/**
 * Gives back the items of consumers whose lease expired (all of `only`'s, leases ignored, with force).
 * Safe to run from anywhere at any time: the script re-checks the lease atomically.
 */
export async function recoverExpired(
  redis: Redis,
  keys: QueueKeys,
  opts: { maxAttempts?: number; force?: boolean; only?: (consumer: string) => boolean } = {},
): Promise<RecoverResult> {
  const r = withScripts(redis)
  const out: RecoverResult = { recovered: 0, dead: 0, consumers: [] }
  for (const id of await redis.smembers(keys.consumers)) {
    if (opts.only && !opts.only(id)) continue
    const [back, dead] = await r.gcRecover(
      keys.processing(id),
      keys.lease(id),
      keys.input,
      keys.dead,
      keys.attempts,
      keys.stats,
      keys.consumers,
      id,
      opts.maxAttempts ?? DEFAULTS.maxAttempts,
      opts.force ? 1 : 0,
      Date.now(),
      1,
    )
    if (back === -1) continue
    out.recovered += back
    out.dead += dead
    if (back + dead > 0) out.consumers.push(id)
  }
  return out
}

/** Moves failed and/or dead items back to the head of the input with attempts reset. */
export async function retry(
  redis: Redis,
  keys: QueueKeys,
  from: ('failed' | 'dead')[],
): Promise<Record<string, number>> {
  const r = withScripts(redis)
  const out: Record<string, number> = { failed: 0, dead: 0 }
  for (const which of from) {
    const list = which === 'failed' ? keys.failed : keys.dead
    for (;;) {
      const n = await r.gcRetry(list, keys.input, keys.attempts, keys.stats, which, 1000)
      out[which]! += n
      if (n < 1000) break
    }
  }
  return out
}

export interface DeadRecord {
  item: string
  error?: string
  attempts?: number
  consumer?: string
  at?: number
}

/** Reads (without removing) up to `limit` records of the dead or failed list, oldest first. */
export async function listRecords(redis: Redis, list: string, limit: number): Promise<DeadRecord[]> {
  const raw = await redis.lrange(list, -limit, -1)
  return raw.reverse().map((r) => {
    try {
      const v = JSON.parse(r)
      return typeof v === 'object' && v && 'item' in v ? (v as DeadRecord) : { item: r }
    } catch {
      return { item: r }
    }
  })
}

/** Deletes every key of the queue (input, processing lists, leases, stats, failed, dead, attempts; output too if asked). */
export async function purge(redis: Redis, keys: QueueKeys, withOutput: boolean): Promise<number> {
  const members = await redis.smembers(keys.consumers)
  const targets = [keys.input, keys.stats, keys.failed, keys.dead, keys.attempts, keys.consumers]
  for (const id of members) targets.push(keys.processing(id), keys.lease(id))
  if (withOutput) targets.push(keys.output)
  return redis.del(...targets)
}
