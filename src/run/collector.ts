// Results collected while the items run, so Redis does not hold them all and the end comes sooner: drains into
// the run's output again and again (crash-safe, exactly-once into a file) under one drain-lock token. A lost
// Redis is waited out here; the watch decides when it has been gone too long.
import { randomBytes } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import type { QueueKeys } from '../queue/keys.js'
import { collectResults, type ResultFormat } from '../queue/results.js'
import { queueScripts } from '../queue/scripts.js'
import { connectionLost, rawPipeLike } from '../redis/client.js'
import type { RespPipe } from '../redis/resp.js'

export class Collector {
  /** Results this collector wrote (and Redis let go of). */
  written = 0
  private loop?: Promise<void>
  private stopping = false
  /** Wakes the loop from its pause when stop() is called (the run's end does not wait out a pause). */
  private readonly wake = new AbortController()
  private failure?: unknown
  /** The raw connection the results are read on, kept from one drain to the next (reopened after a loss). */
  private pipe?: RespPipe

  constructor(
    private readonly redis: Redis,
    private readonly keys: QueueKeys,
    private readonly out: string | undefined,
    private readonly format: ResultFormat,
    /** Start the file afresh (a new run) rather than append (resume, retry). */
    private readonly fresh: boolean,
    /** The drain lock's token, kept in the run's record so a later --resume can free a lock this run left. */
    readonly token: string = newLockToken(),
  ) {}

  start(everyMs = 200): void {
    if (this.out && this.fresh) closeSync(openSync(this.out, 'w', 0o644))
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.once()
        } catch (err) {
          if (!connectionLost(err)) {
            this.failure = err
            return
          }
        }
        if (!this.stopping) await sleep(everyMs, undefined, { signal: this.wake.signal }).catch(() => {})
      }
    })()
  }

  /** Stops the loop; throws what stopped it early, if anything did. */
  async stop(): Promise<void> {
    this.stopping = true
    this.wake.abort()
    await this.loop
    this.closePipe()
    if (this.failure) throw this.failure
  }

  /** One drain of everything there now. */
  async once(): Promise<void> {
    let n = 0
    try {
      this.pipe ??= await rawPipeLike(this.redis)
      await collectResults({
        pipe: this.pipe,
        redis: this.redis,
        keys: this.keys,
        format: this.format,
        out: this.out,
        lockToken: this.token,
        onProgress: (w) => {
          n = w
        },
      })
    } catch (err) {
      this.closePipe()
      throw err
    } finally {
      this.written += n
      // Kept only while the loop runs; a drain on its own (the last one, a resume's) lets the process end.
      if (!this.loop || this.stopping) this.closePipe()
    }
  }

  private closePipe(): void {
    this.pipe?.close()
    this.pipe = undefined
  }
}

export const newLockToken = () => randomBytes(8).toString('hex')

/** Frees the drain lock a dead run's collector left under `token` (a no-op when the lock is not that one). */
export async function freeLock(redis: Redis, keys: QueueKeys, token: string | null): Promise<void> {
  if (token) await queueScripts(redis).renew(keys.collector, token, 0)
}
