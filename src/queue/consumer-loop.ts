// The one reliable consumer loop: take a batch, work on it, commit; on stop, commit what is done and hand the
// rest back. What "work" is (a function per item, a line filter per batch) is the caller's.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Batch, Outcome, ReliableQueue } from './consumer.js'

/** Thrown by work() to give the whole batch back with an attempt counted and this message as the error. */
export class GiveBack extends Error {}

export interface LoopControl {
  /** Stop was requested: settle what is done and return early (the rest is handed back). */
  readonly stopping: boolean
  /** The lease is gone: whatever is committed now will be refused. */
  readonly leaseLost: boolean
}

export interface ConsumerLoopOptions {
  queue: ReliableQueue
  /**
   * Works on a batch: one outcome per item, in order, or fewer when it returns early (stopping, lease lost);
   * items without an outcome go back as they were taken.
   */
  work: (batch: Batch, control: LoopControl) => Promise<Outcome[]>
  signal: AbortSignal
  /** Return once the queue stayed empty this long (undefined: poll until stopped). */
  idleExitMs?: number
  onRefused?: (count: number) => void
  onGiveBack?: (count: number, reason: string) => void
}

export interface ConsumerStats {
  processed: number
  failed: number
  refused_batches: number
  released: number
  given_back: number
}

export async function runConsumerLoop(o: ConsumerLoopOptions): Promise<ConsumerStats> {
  const q = o.queue
  const stats: ConsumerStats = { processed: 0, failed: 0, refused_batches: 0, released: 0, given_back: 0 }
  const control: LoopControl = {
    get stopping() {
      return o.signal.aborted
    },
    get leaseLost() {
      return q.leaseLost
    },
  }
  let idleSince = Date.now()
  let pause = 10
  try {
    while (!o.signal.aborted) {
      const batch = await q.take()
      if (!batch) {
        if (o.idleExitMs !== undefined && Date.now() - idleSince >= o.idleExitMs) break
        await sleep(pause, undefined, { signal: o.signal }).catch(() => {})
        pause = Math.min(pause * 2, 500)
        continue
      }
      idleSince = Date.now()
      pause = 10
      let outcomes: Outcome[]
      try {
        outcomes = await o.work(batch, control)
      } catch (err) {
        if (!(err instanceof GiveBack)) {
          await q.release().catch(() => {})
          throw err
        }
        const n = await q.giveBack(true, err.message)
        stats.given_back += n
        o.onGiveBack?.(n, err.message)
        continue
      }
      if (outcomes.length && (await q.commit(batch, outcomes)) === 'refused') {
        stats.refused_batches++
        o.onRefused?.(outcomes.length)
        continue
      }
      for (const x of outcomes) 'result' in x ? stats.processed++ : stats.failed++
      if (batch.items.length) stats.released += await q.release()
    }
  } finally {
    q.stop()
  }
  return stats
}
