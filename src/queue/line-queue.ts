// The reliable protocol for the line-filter worker, over one raw RESP connection: takes come back framed as the
// filter's stdin ('lines'), commits carry the filter's answers as encoded, and a commit and the next take go out
// together (Redis runs them in this order), so a batch boundary costs one round trip.
import { createHash, randomBytes } from 'node:crypto'
import { GridcoreError } from '../lib/errors.js'
import type { Reply } from '../redis/reply-parser.js'
import { encodeCommand, RespPipe } from '../redis/resp.js'
import { commandHead, type RespBulks } from '../redis/resp-bulks.js'
import { countedCommit } from './counted-commit.js'
import { type QueueKeys, queueKeys } from './keys.js'
import { SCRIPT_KEYS, type ScriptName, scriptSources } from './scripts.js'

export interface LineQueueOptions {
  url: string
  /** Output Redis when results go to another server (commit is then two steps, as in consumer.ts). */
  outputUrl?: string
  /** The cluster CA a rediss:// server is verified against. */
  caPem?: string
  inputQueue: string
  outputQueue: string
  consumer: string
  leaseMs: number
  maxAttempts: number
}

/** A taken batch: `count` items, as the filter's stdin when none holds a newline, else one by one. */
export interface LineBatch {
  count: number
  lines: Buffer | null
  items: Buffer[] | null
  token: string
}

const USED: ScriptName[] = ['take', 'commit', 'renew', 'recover']
/** The scripts whose KEYS are built once here (renew's one key is the lease). */
type Keyed = 'take' | 'commit' | 'recover'

export class LineQueue {
  readonly keys: QueueKeys
  private sha = {} as Record<ScriptName, string>
  private renewTimer?: NodeJS.Timeout
  private readonly takeKeys: string[]
  private readonly commitKeys: string[]
  private readonly recoverKeys: string[]

  private constructor(
    private readonly pipe: RespPipe,
    private readonly out: RespPipe | undefined,
    private readonly o: LineQueueOptions,
  ) {
    const k = queueKeys(o.inputQueue, o.outputQueue)
    this.keys = k
    const c = o.consumer
    // Every key the scripts it uses name (a key missing here is a type error, not an "undefined" key in Redis).
    const all: Record<(typeof SCRIPT_KEYS)[Keyed][number], string> = {
      input: k.input,
      suspects: k.suspects,
      processing: k.processing(c),
      lease: k.lease(c),
      consumers: k.consumers,
      attempts: k.attempts,
      dead: k.dead,
      stats: k.stats,
      output: k.output,
      failed: k.failed,
      ledger: k.ledger,
    }
    const keysOf = (name: Keyed) => SCRIPT_KEYS[name].map((role) => all[role])
    this.takeKeys = keysOf('take')
    this.commitKeys = keysOf('commit')
    this.recoverKeys = keysOf('recover')
  }

  /** Connects (and the output Redis when it is another) and loads the scripts. */
  static async open(o: LineQueueOptions): Promise<LineQueue> {
    const pipe = await RespPipe.open(o.url, { caPem: o.caPem })
    let out: RespPipe | undefined
    try {
      if (o.outputUrl && o.outputUrl !== o.url) out = await RespPipe.open(o.outputUrl, { caPem: o.caPem })
      const q = new LineQueue(pipe, out, o)
      await q.loadScripts()
      return q
    } catch (err) {
      pipe.close()
      out?.close()
      throw err
    }
  }

  /** Takes a suspect alone, or up to max items (after giving back any this id left); null when idle. */
  async take(max: number): Promise<LineBatch | null> {
    const token = newToken()
    const [reply] = await this.reloading(() => this.pipe.send(this.takeCommand(max, token), 1))
    return this.taken(reply, token)
  }

  /**
   * Settles the batch with `payloads` (one per item, failures at the 0-based positions `failedAt`) and, when
   * `next` is given, takes the next batch in the same round trip.
   */
  async commit(
    batch: LineBatch,
    payloads: RespBulks,
    failedAt: number[],
    next?: number,
  ): Promise<{ committed: boolean; next: LineBatch | null }> {
    this.stopRenewing()
    if (!this.out && !failedAt.length && payloads.count) {
      const fast = await this.commitCounted(batch, payloads, next)
      if (fast) return fast
    }
    let push = '1'
    if (this.out) {
      // Results live on another server: check the lease, push them there, then settle without pushing.
      if (!(await this.renew(batch.token)))
        return { committed: false, next: next ? await this.take(next) : null }
      const results = payloads.values().filter((_, i) => !failedAt.includes(i))
      if (results.length) await this.out.send(encodeCommand(['LPUSH', this.keys.output, ...results]), 1)
      push = '0'
    }
    const head = commandHead(
      [
        'EVALSHA',
        this.sha.commit,
        String(this.commitKeys.length),
        ...this.commitKeys,
        batch.token,
        this.o.consumer,
        String(Date.now()),
        push,
        failedAt.map((i) => i + 1).join(','),
      ],
      payloads.count,
    )
    const token = newToken()
    // A NOSCRIPT commit ran nothing, nor did a NOSCRIPT take after it: both are sent again once the scripts are
    // loaded. A take that did run (another client loaded the scripts in between) gave the batch back: refused.
    const replies = await this.reloading(() => {
      const parts = [head, payloads.bytes()]
      if (next) parts.push(this.takeCommand(next, token))
      return this.pipe.send(parts, next ? 2 : 1)
    })
    const r = replies[0]
    if (noScript(r) && next && !noScript(replies[1]))
      return { committed: false, next: this.taken(replies[1], token) }
    if (r instanceof Error) throw new GridcoreError('REDIS_ERROR', `commit failed: ${r.message}`)
    return { committed: r !== -1, next: next ? await this.following(replies[1], token, next) : null }
  }

  /** The common commit with no Lua per result (counted-commit.ts); undefined: commit the usual way. */
  private async commitCounted(
    batch: LineBatch,
    payloads: RespBulks,
    next?: number,
  ): Promise<{ committed: boolean; next: LineBatch | null } | undefined> {
    const token = newToken()
    const r = await countedCommit(this.pipe, {
      lease: this.keys.lease(this.o.consumer),
      output: this.keys.output,
      commitKeys: this.commitKeys,
      consumer: this.o.consumer,
      token: batch.token,
      results: payloads,
      take: next ? this.takeCommand(next, token) : undefined,
    })
    if (!r) return undefined
    return { committed: r.commit !== -1, next: next ? await this.following(r.take, token, next) : null }
  }

  /**
   * Gives this consumer's unsettled items back. With countAttempt (the batch failed as a whole: its filter hung)
   * each gets an attempt and `reason` as its last error; without, they go back as they were taken.
   */
  async giveBack(countAttempt: boolean, reason = ''): Promise<number> {
    this.stopRenewing()
    const args = [
      this.o.consumer,
      String(this.o.maxAttempts),
      '1',
      String(Date.now()),
      countAttempt ? '1' : '0',
    ]
    const [r] = await this.reloading(() =>
      this.pipe.send(this.script('recover', this.recoverKeys, [...args, reason]), 1),
    )
    if (!Array.isArray(r)) throw new GridcoreError('REDIS_ERROR', `recover failed: ${String(r)}`)
    return Number(r[0]) + Number(r[1])
  }

  close(): void {
    this.stopRenewing()
    this.pipe.close()
    this.out?.close()
  }

  /** Called once when a connection fails. */
  onFailure(listener: (err: Error) => void): void {
    this.pipe.onFailure(listener)
    this.out?.onFailure(listener)
  }

  private async loadScripts(): Promise<void> {
    const src = scriptSources()
    for (const name of USED) this.sha[name] = createHash('sha1').update(src[name]).digest('hex')
    const replies = await this.pipe.send(
      Buffer.concat(USED.map((name) => encodeCommand(['SCRIPT', 'LOAD', src[name]]))),
      USED.length,
    )
    const err = replies.find((r) => r instanceof Error)
    if (err)
      throw new GridcoreError('REDIS_ERROR', `loading the queue scripts failed: ${(err as Error).message}`)
  }

  private takeCommand(max: number, token: string): Buffer {
    const o = this.o
    const n = String(Math.max(1, Math.min(5000, max)))
    const args = [n, String(o.leaseMs), token, o.consumer, String(o.maxAttempts), String(Date.now()), 'lines']
    return this.script('take', this.takeKeys, args)
  }

  /**
   * Sends `f`'s commands; when every reply is NOSCRIPT (the script cache was flushed: none of them ran), loads the
   * scripts and sends them once more.
   */
  private async reloading(f: () => Promise<Reply[]>): Promise<Reply[]> {
    const replies = await f()
    if (!replies.every(noScript)) return replies
    await this.loadScripts()
    return f()
  }

  /**
   * The take sent after a commit that landed: one refused as NOSCRIPT (it ran nothing) is made again on its own.
   * Its failure does not unsay the commit: no next batch, and the worker's next take meets the error again.
   */
  private async following(reply: Reply | undefined, token: string, max: number): Promise<LineBatch | null> {
    try {
      if (!noScript(reply)) return this.taken(reply, token)
      await this.loadScripts()
      return await this.take(max)
    } catch {
      return null
    }
  }

  private taken(reply: Reply | undefined, token: string): LineBatch | null {
    if (reply instanceof Error) throw new GridcoreError('REDIS_ERROR', `take failed: ${reply.message}`)
    if (!Array.isArray(reply) || !reply.length) return null
    this.startRenewing(token)
    if (typeof reply[0] === 'number')
      return { count: reply[0], lines: reply[1] as Buffer, items: null, token }
    return { count: reply.length, lines: null, items: reply as Buffer[], token }
  }

  private async renew(token: string): Promise<boolean> {
    const [r] = await this.reloading(() =>
      this.pipe.send(
        this.script('renew', [this.keys.lease(this.o.consumer)], [token, String(this.o.leaseMs)]),
        1,
      ),
    )
    // An error is Redis's (busy, out of memory), not a lost lease: said as such, not answered with a give-back.
    if (r instanceof Error) throw new GridcoreError('REDIS_ERROR', `renewing the lease failed: ${r.message}`)
    return r === 1
  }

  private startRenewing(token: string): void {
    this.stopRenewing()
    const every = Math.max(50, Math.floor(this.o.leaseMs / 3))
    this.renewTimer = setInterval(() => void this.renew(token).catch(() => {}), every)
    this.renewTimer.unref()
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer)
    this.renewTimer = undefined
  }

  private script(name: ScriptName, keys: string[], args: string[]): Buffer {
    return encodeCommand(['EVALSHA', this.sha[name], String(keys.length), ...keys, ...args])
  }
}

const newToken = () => randomBytes(12).toString('hex')
const noScript = (r: Reply | undefined) => r instanceof Error && r.message.startsWith('NOSCRIPT')
