// A complete reliable consumer loop: take a batch, process each item, commit; stop cleanly on request.
import type { Redis } from 'ioredis'
import { type Outcome, ReliableQueue, type ReliableQueueOptions } from './consumer.js'

export interface RunConsumerOptions extends Omit<ReliableQueueOptions, 'input' | 'output'> {
  input: Redis
  output?: Redis
  /** Turns one item into its result; a throw fails the item (it goes to the failed list with the error). */
  process: (item: string) => string | Promise<string>
  /** Exit once the queue stayed empty this long (undefined: keep polling until stopped). */
  idleExitMs?: number
  /** When this resolves, finish the item in hand, commit, hand the rest back, and return. */
  stop?: Promise<unknown>
  onRefused?: (count: number) => void
}

export interface ConsumerStats {
  processed: number
  failed: number
  refused_batches: number
  released: number
}

export async function runConsumer(opts: RunConsumerOptions): Promise<ConsumerStats> {
  const q = new ReliableQueue(opts)
  const stats: ConsumerStats = { processed: 0, failed: 0, refused_batches: 0, released: 0 }
  let stopping = false
  opts.stop?.then(() => {
    stopping = true
  })
  let idleSince = Date.now()
  let backoff = 10
  try {
    while (!stopping) {
      const batch = await q.take()
      if (!batch) {
        if (opts.idleExitMs !== undefined && Date.now() - idleSince >= opts.idleExitMs) break
        await sleep(backoff, opts.stop)
        backoff = Math.min(backoff * 2, 500)
        continue
      }
      idleSince = Date.now()
      backoff = 10
      const outcomes: Outcome[] = []
      for (const item of batch.items) {
        if (stopping || q.leaseLost) break
        try {
          outcomes.push({ result: await opts.process(item) })
        } catch (err) {
          outcomes.push({ error: err instanceof Error ? err.message : String(err) })
        }
      }
      if (outcomes.length && (await q.commit(batch, outcomes)) === 'refused') {
        stats.refused_batches++
        opts.onRefused?.(outcomes.length)
        continue
      }
      for (const o of outcomes) 'result' in o ? stats.processed++ : stats.failed++
      if (batch.items.length) stats.released += await q.release()
    }
  } finally {
    q.stop()
  }
  return stats
}

function sleep(ms: number, abort?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    abort?.then(() => {
      clearTimeout(t)
      resolve()
    })
  })
}
