// Queue maintenance over the protocol: snapshot (lengths, counters), recover expired leases, retry, records, purge.
import type { Redis } from 'ioredis'
import { bytesToText } from './bytes.js'
import { DEFAULTS } from './consumer.js'
import type { QueueKeys } from './keys.js'
import { queueScripts } from './scripts.js'

export interface ConsumerState {
  id: string
  items: number
  /** Milliseconds left on its lease; -2 when the lease is gone (recoverable). */
  lease_ms: number
}

export interface QueueSnapshot {
  input_queue: string
  output_queue: string
  /** Items waiting in the input list. */
  input: number
  /** Items that failed a delivery and wait to be delivered again, alone (they count as waiting too). */
  suspects: number
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
  // One MULTI for every count (the consumers' lists too, and the output when it lives here): read one by one, a
  // batch taken or committed in between is counted in two places, and progress overshoots what was pushed.
  const members = await redis.smembers(keys.consumers)
  const m = redis
    .multi()
    .llen(keys.input)
    .llen(keys.suspects)
    .llen(keys.failed)
    .llen(keys.dead)
    .hgetall(keys.stats)
  for (const id of members) m.llen(keys.processing(id)).pttl(keys.lease(id))
  const here = output === redis
  if (here) m.llen(keys.output)
  const res = ((await m.exec()) ?? []).map(([err, v]) => {
    if (err) throw err
    return v
  })
  const [input = 0, suspects = 0, failed = 0, dead = 0] = res.slice(0, 4) as number[]
  const raw = res[4] as Record<string, string>
  const consumers: ConsumerState[] = members.map((id, i) => ({
    id,
    items: Number(res[5 + 2 * i] ?? 0),
    lease_ms: Number(res[6 + 2 * i] ?? -2),
  }))
  const outLen = here ? (res[5 + 2 * members.length] as number) : await output.llen(keys.output)
  const stats: Record<string, number> = {}
  for (const c of COUNTERS) stats[c] = Number(raw[c] ?? 0)
  return {
    input_queue: keys.input,
    output_queue: keys.output,
    input,
    suspects,
    processing: consumers.reduce((a, c) => a + c.items, 0),
    output: outLen,
    failed,
    dead,
    consumers,
    stats,
    has_stats: Object.keys(raw).length > 0,
  }
}

export interface RecoverResult {
  recovered: number
  dead: number
  consumers: string[]
}

/**
 * Gives back the items of consumers whose lease expired (all of `only`'s, leases ignored, with force), each with
 * an attempt counted. Safe to run from anywhere at any time: the script re-checks the lease atomically.
 */
export async function recoverExpired(
  redis: Redis,
  keys: QueueKeys,
  opts: { maxAttempts?: number; force?: boolean; only?: (consumer: string) => boolean } = {},
): Promise<RecoverResult> {
  const scripts = queueScripts(redis)
  const out: RecoverResult = { recovered: 0, dead: 0, consumers: [] }
  for (const id of await redis.smembers(keys.consumers)) {
    if (opts.only && !opts.only(id)) continue
    const r = await scripts.recover(keys, id, {
      maxAttempts: opts.maxAttempts ?? DEFAULTS.maxAttempts,
      force: opts.force ?? false,
      countAttempt: true,
    })
    if (r === 'alive') continue
    out.recovered += r.back
    out.dead += r.dead
    if (r.back + r.dead > 0) out.consumers.push(id)
  }
  return out
}

/** Moves failed and/or dead items back to the head of the input as plain items (attempts start again). */
export async function retry(
  redis: Redis,
  keys: QueueKeys,
  from: ('failed' | 'dead')[],
): Promise<Record<string, number>> {
  const scripts = queueScripts(redis)
  const out: Record<string, number> = { failed: 0, dead: 0 }
  for (const which of from) {
    for (;;) {
      const n = await scripts.retry(keys, which, 1000)
      out[which]! += n
      if (n < 1000) break
    }
  }
  return out
}

export interface DeadRecord {
  /** The item as text; bytes that are not UTF-8 appear as U+DC80..U+DCFF (see bytes.ts). */
  item: string
  error?: string
  attempts?: number
  consumer?: string
  at?: number
}

/** Reads (without removing) up to `limit` records of the dead or failed list, oldest first. */
export async function listRecords(redis: Redis, list: string, limit: number): Promise<DeadRecord[]> {
  const raw = await redis.lrangeBuffer(list, -limit, -1)
  return raw.reverse().map((bytes) => {
    const r = bytesToText(bytes)
    try {
      const v = JSON.parse(r)
      return typeof v === 'object' && v && 'item' in v ? (v as DeadRecord) : { item: r }
    } catch {
      return { item: r }
    }
  })
}

/**
 * Deletes every key of the queue (input, suspects, processing lists, leases, stats, failed, dead); with
 * `withOutput` also the results and the contribution ledger, which accounts for them (so `run` keeps it).
 */
export async function purge(redis: Redis, keys: QueueKeys, withOutput: boolean): Promise<number> {
  const members = await redis.smembers(keys.consumers)
  const targets = [
    keys.input,
    keys.suspects,
    keys.stats,
    keys.failed,
    keys.dead,
    keys.attempts,
    keys.consumers,
  ]
  for (const id of members) targets.push(keys.processing(id), keys.lease(id))
  if (withOutput) targets.push(keys.output, keys.ledger, keys.drains)
  return redis.del(...targets)
}
