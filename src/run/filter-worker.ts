// gridcore's own worker for `gridcore run --command`: the reliable protocol around a line filter. A batch
// whose filter dies or stalls is not committed; it goes back with an attempt counted (then singly, then dead).
import type { Redis } from 'ioredis'
import { ReliableQueue } from '../queue/consumer.js'
import { FilterFailed, LineFilter } from './line-filter.js'

export interface FilterWorkerOptions {
  command: string
  input: Redis
  output?: Redis
  inputQueue: string
  outputQueue: string
  consumer: string
  batchSize: number
  itemTimeoutMs: number
  maxAttempts: number
  env: NodeJS.ProcessEnv
  cwd?: string
  stop: Promise<unknown>
  log: (line: string) => void
}

export async function runFilterWorker(
  o: FilterWorkerOptions,
): Promise<{ done: number; failed_batches: number }> {
  const q = new ReliableQueue({ ...o, maxAttempts: o.maxAttempts })
  let stopping = false
  o.stop.then(() => {
    stopping = true
  })
  let filter = new LineFilter(o.command, o.env, o.cwd)
  let done = 0
  let failedBatches = 0
  let pause = 10
  while (!stopping) {
    const batch = await q.take()
    if (!batch) {
      await new Promise((r) => setTimeout(r, pause))
      pause = Math.min(pause * 2, 250)
      continue
    }
    pause = 10
    const multiline = batch.items.map((i) => i.includes('\n'))
    const sendable = batch.items.filter((_, i) => !multiline[i])
    let answers: string[]
    try {
      answers = sendable.length ? await filter.map(sendable, o.itemTimeoutMs) : []
    } catch (err) {
      if (!(err instanceof FilterFailed)) throw err
      failedBatches++
      o.log(`${err.message}; the batch of ${batch.items.length} goes back to the queue (attempt counted)`)
      filter.kill()
      await q.giveBack(true)
      filter = new LineFilter(o.command, o.env, o.cwd)
      continue
    }
    let next = 0
    const outcomes = batch.items.map((_, i) =>
      multiline[i]
        ? { error: 'the item holds a newline; line filters take one item per line' }
        : { result: answers[next++]! },
    )
    if ((await q.commit(batch, outcomes)) === 'ok') done += outcomes.length
  }
  await filter.close()
  return { done, failed_batches: failedBatches }
}
