// The reliable consumer side of the queue protocol: take under a lease, renew, fenced commit, give back.
// Items and results are bytes (Buffers) end to end.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { type QueueKeys, queueKeys } from './keys.js'
import { type QueueScripts, queueScripts } from './scripts.js'

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

/** How one item ended: a result for the output list, or an error for the failed list. */
export type Outcome = { result: Buffer | string } | { error: string }

export interface Batch {
  /** The items not settled yet, in commit order. */
  items: Buffer[]
  token: string
}

export class ReliableQueue {
  readonly keys: QueueKeys
  readonly consumer: string
  private readonly scripts: QueueScripts
  private readonly output?: Redis
  private readonly batchSize: number
  private readonly leaseMs: number
  private readonly maxAttempts: number
  private renewTimer?: NodeJS.Timeout
  /** Set when a renew found the lease gone: the batch will be refused at commit. */
  leaseLost = false

  constructor(opts: ReliableQueueOptions) {
    this.scripts = queueScripts(opts.input)
    this.output = opts.output && opts.output !== opts.input ? opts.output : undefined
    this.keys = queueKeys(opts.inputQueue, opts.outputQueue)
    this.consumer = opts.consumer
    this.batchSize = opts.batchSize ?? DEFAULTS.batchSize
    this.leaseMs = opts.leaseMs ?? DEFAULTS.leaseMs
    this.maxAttempts = opts.maxAttempts ?? DEFAULTS.maxAttempts
  }

  /** Takes a suspect alone, or up to batchSize items (after giving back any this id left); null when idle. */
  async take(max = this.batchSize): Promise<Batch | null> {
    const token = randomBytes(12).toString('hex')
    const items = await this.scripts.take(this.keys, this.consumer, {
      max: Math.max(1, Math.min(5000, max)),
      leaseMs: this.leaseMs,
      token,
      maxAttempts: this.maxAttempts,
    })
    if (!items.length) return null
    this.leaseLost = false
    this.startRenewing(token)
    return { items, token }
  }

  /** Settles the first outcomes.length items of the batch; 'refused' when the lease was lost. */
  async commit(batch: Batch, outcomes: Outcome[]): Promise<'ok' | 'refused'> {
    const k = this.keys
    if (this.output) {
      // Results live on another server: check the lease, push them there, then settle without pushing.
      // (A lease lost between the two steps can leave a duplicate result; one Redis avoids that.)
      if (!(await this.scripts.renew(k.lease(this.consumer), batch.token, this.leaseMs)))
        return this.refused(batch)
      const results = outcomes.flatMap((o) => ('result' in o ? [o.result] : []))
      if (results.length) await this.output.lpush(k.output, ...results)
    }
    const r = await this.scripts.commit(k, this.consumer, {
      token: batch.token,
      push: !this.output,
      failedAt: outcomes.flatMap((o, i) => ('error' in o ? [i] : [])),
      payloads: outcomes.map((o) => ('result' in o ? o.result : o.error)),
    })
    if (r === 'refused') return this.refused(batch)
    batch.items = batch.items.slice(outcomes.length)
    if (!batch.items.length) this.stopRenewing()
    return 'ok'
  }

  /** Hands the unsettled rest of the batch back as it was taken, without counting an attempt. */
  async release(): Promise<number> {
    return this.giveBack(false)
  }

  /**
   * Gives the batch back. With countAttempt (the batch failed as a whole, e.g. its process died or hung) each
   * item gets an attempt and `reason` as its last error, and waits as a suspect to be delivered alone; at max
   * attempts it goes to the dead list.
   */
  async giveBack(countAttempt: boolean, reason?: string): Promise<number> {
    this.stopRenewing()
    const r = await this.scripts.recover(this.keys, this.consumer, {
      maxAttempts: this.maxAttempts,
      force: true,
      countAttempt,
      reason,
    })
    return r === 'alive' ? 0 : r.back + r.dead
  }

  stop(): void {
    this.stopRenewing()
  }

  private refused(batch: Batch): 'refused' {
    batch.items = []
    this.stopRenewing()
    return 'refused'
  }

  private startRenewing(token: string): void {
    this.stopRenewing()
    const every = Math.max(50, Math.floor(this.leaseMs / 3))
    this.renewTimer = setInterval(() => {
      this.scripts
        .renew(this.keys.lease(this.consumer), token, this.leaseMs)
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
