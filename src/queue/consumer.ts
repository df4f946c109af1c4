// The reliable consumer side of the queue protocol: batched take under a lease, renew, fenced commit, release.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { type QueueKeys, queueKeys } from './keys.js'
import { type ScriptedRedis, withScripts } from './scripts.js'

export const DEFAULTS = { batchSize: 100, leaseMs: 30_000, maxAttempts: 3 } as const

export interface ReliableQueueOptions {
  input: Redis
  /** Output connection when results go to another Redis (commit is then two steps, see commit()). */
  output?: Redis
  inputQueue: string
  outputQueue: string
  /** <node_id>:<instance>; unique among live consumers. */
  consumer: string
  batchSize?: number
  leaseMs?: number
  maxAttempts?: number
}

export type Outcome = { result: string } | { error: string }

export interface Batch {
  items: string[]
  token: string
}

export class ReliableQueue {
  readonly keys: QueueKeys
  readonly consumer: string
  private readonly redis: ScriptedRedis
  private readonly output?: Redis
  private readonly batchSize: number
  private readonly leaseMs: number
  private readonly maxAttempts: number
  private renewTimer?: NodeJS.Timeout
  private current?: Batch
  /** Set when a renew found the lease gone: the batch will be refused at commit. */
  leaseLost = false

  constructor(opts: ReliableQueueOptions) {
    this.redis = withScripts(opts.input)
    this.output = opts.output && opts.output !== opts.input ? opts.output : undefined
    this.keys = queueKeys(opts.inputQueue, opts.outputQueue)
    this.consumer = opts.consumer
    this.batchSize = opts.batchSize ?? DEFAULTS.batchSize
    this.leaseMs = opts.leaseMs ?? DEFAULTS.leaseMs
    this.maxAttempts = opts.maxAttempts ?? DEFAULTS.maxAttempts
  }

  /** Takes up to batchSize items (or this consumer's unfinished ones); null when the queue is empty. */
  async take(max = this.batchSize): Promise<Batch | null> {
    const k = this.keys
    const token = randomBytes(12).toString('hex')
    const items = await this.redis.gcTake(
      k.input,
      k.processing(this.consumer),
      k.lease(this.consumer),
      k.consumers,
      k.attempts,
      k.dead,
      k.stats,
      Math.max(1, Math.min(5000, max)),
      this.leaseMs,
      token,
      this.consumer,
      this.maxAttempts,
      Date.now(),
    )
    if (!items.length) return null
    this.current = { items, token }
    this.leaseLost = false
    this.startRenewing(token)
    return this.current
  }

  /** Settles the first outcomes.length items of the batch; 'refused' when the lease was lost. */
  async commit(batch: Batch, outcomes: Outcome[]): Promise<'ok' | 'refused'> {
    const k = this.keys
    if (this.output) {
      // Results live on another server: check the lease, push them there, then settle without pushing.
      // (A lease lost between the two steps can leave a duplicate result; one Redis avoids that.)
      const alive = await this.redis.gcRenew(k.lease(this.consumer), batch.token, this.leaseMs)
      if (!alive) return this.refused(batch)
      const results = outcomes.flatMap((o) => ('result' in o ? [o.result] : []))
      if (results.length) await this.output.lpush(k.output, ...results)
    }
    const failedAt = outcomes.flatMap((o, i) => ('error' in o ? [i + 1] : [])).join(',')
    const payloads = outcomes.map((o) => ('result' in o ? o.result : o.error))
    const r = await this.redis.gcCommit(
      k.processing(this.consumer),
      k.lease(this.consumer),
      k.output,
      k.stats,
      k.failed,
      k.attempts,
      batch.token,
      this.consumer,
      Date.now(),
      this.output ? 0 : 1,
      failedAt,
      ...payloads,
    )
    return r === -1 ? this.refused(batch) : this.settled(batch, outcomes.length)
  }

  /** Hands the unsettled rest of the batch back to the head of the input, without counting an attempt. */
  release(): Promise<number> {
    return this.giveBack(false)
  }

  /**
   * Gives the batch back to the head of the input. With countAttempt (the batch failed as a whole, e.g. its
   * process died) each item's attempts go up, so repeats are delivered singly and a poison item ends dead.
   */
  async giveBack(countAttempt: boolean): Promise<number> {
    this.stopRenewing()
    this.current = undefined
    const k = this.keys
    const [back] = await this.redis.gcRecover(
      k.processing(this.consumer),
      k.lease(this.consumer),
      k.input,
      k.dead,
      k.attempts,
      k.stats,
      k.consumers,
      this.consumer,
      this.maxAttempts,
      1,
      Date.now(),
      countAttempt ? 1 : 0,
    )
    return back
  }

  stop(): void {
    this.stopRenewing()
  }

  private settled(batch: Batch, n: number): 'ok' {
    batch.items = batch.items.slice(n)
    if (!batch.items.length) {
      this.stopRenewing()
      this.current = undefined
    }
    return 'ok'
  }

  private refused(batch: Batch): 'refused' {
    batch.items = []
    this.stopRenewing()
    this.current = undefined
    return 'refused'
  }

  private startRenewing(token: string): void {
    this.stopRenewing()
    const every = Math.max(50, Math.floor(this.leaseMs / 3))
    this.renewTimer = setInterval(() => {
      this.redis
        .gcRenew(this.keys.lease(this.consumer), token, this.leaseMs)
        .then((ok) => {
          if (!ok) this.leaseLost = true
        })
        .catch(() => {})
    }, every)
    this.renewTimer.unref()
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer)
    this.renewTimer = undefined
  }
}
