// gridcore's own worker for `gridcore run --command`: the reliable consumer loop around a line filter. When the
// filter exits mid-batch, the items it answered commit, the item in hand fails with the filter's stderr tail,
// and the rest goes to a new filter (spares are kept warm once one has died). A filter that writes more lines
// than items fails its batch; one that stops answering gives the batch back (attempt counted, then singly).
import type { Redis } from 'ioredis'
import { GridcoreError } from '../lib/errors.js'
import { type Outcome, ReliableQueue } from '../queue/consumer.js'
import { GiveBack, runConsumerLoop } from '../queue/consumer-loop.js'
import { LineFilter } from './line-filter.js'

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
  signal: AbortSignal
  log: (line: string) => void
}

export interface FilterWorkerStats {
  done: number
  failed: number
  /** Filters that exited (or were replaced) while the worker ran. */
  filter_restarts: number
  /** Batches given back whole (the filter stopped answering). */
  failed_batches: number
}

/** Filters that die this many times in a row without ever writing a line cannot run: the worker stops. */
const FRESH_DEATHS = 5
const MAX_SPARES = 3
const MULTILINE = 'the item holds a newline; line filters take one item per line'

/**
 * The running filter, and, once one has died, spares started ahead so a restart costs no start-up time: one
 * spare, and up to MAX_SPARES while filters die more often than once a second (start-ups then overlap).
 */
class Filters {
  active: LineFilter
  private spares: LineFilter[] = []
  private deaths: number[] = []
  private closing = false
  restarts = 0

  constructor(private readonly o: FilterWorkerOptions) {
    this.active = this.spawn()
  }

  replace(): void {
    this.active.kill()
    this.restarts++
    const now = Date.now()
    this.deaths = [...this.deaths.filter((t) => now - t < 1_000), now]
    this.active = this.spares.shift() ?? this.spawn()
    // Spawning blocks for a few ms: do it once the new filter has its items and works on them.
    setImmediate(() => this.refill())
  }

  private refill(): void {
    if (this.closing) return
    const want = Math.min(MAX_SPARES, this.deaths.length)
    while (this.spares.length > want) this.spares.pop()!.kill()
    while (this.spares.length < want) this.spares.push(this.spawn())
  }

  async close(): Promise<void> {
    this.closing = true
    for (const s of this.spares) s.kill()
    await this.active.close()
  }

  private spawn(): LineFilter {
    return new LineFilter(this.o.command, this.o.env, this.o.cwd)
  }
}

export async function runFilterWorker(o: FilterWorkerOptions): Promise<FilterWorkerStats> {
  const queue = new ReliableQueue({ ...o })
  const filters = new Filters(o)
  let freshDeaths = 0
  let givenBack = 0

  /** Feeds the batch's items to the filter, in order, through as many filters as it takes. */
  const work = async (items: Buffer[]): Promise<Outcome[]> => {
    const outcomes: Outcome[] = items.map(() => ({ error: MULTILINE }))
    let pending = items.flatMap((item, i) => (item.includes(10) ? [] : [i]))
    while (pending.length) {
      const filter = filters.active
      const a = await filter.map(
        pending.map((i) => items[i]!),
        o.itemTimeoutMs,
      )
      if (a.kind === 'answered') {
        a.lines.forEach((line, j) => {
          outcomes[pending[j]!] = { result: line }
        })
        break
      }
      filters.replace()
      if (a.kind === 'silent') throw new GiveBack(a.reason)
      if (a.kind === 'late') {
        o.log(`${a.reason}; the results of the batch before may be out of step; the filter is restarted`)
        continue
      }
      if (a.kind === 'misaligned') {
        o.log(`${a.reason}; the batch of ${pending.length} items fails and the filter is restarted`)
        for (const i of pending) outcomes[i] = { error: a.reason }
        break
      }
      // The filter exited: the lines before are answers, the next item was in hand.
      freshDeaths = filter.answered === 0 ? freshDeaths + 1 : 0
      if (freshDeaths >= FRESH_DEATHS)
        throw new GridcoreError(
          'CONFIG',
          `the filter cannot run (${FRESH_DEATHS} starts in a row wrote nothing): ${a.reason}`,
        )
      if (a.unfed) continue
      a.lines.forEach((line, j) => {
        outcomes[pending[j]!] = { result: line }
      })
      const inHand = pending[a.lines.length]!
      outcomes[inHand] = { error: a.reason }
      o.log(`${a.reason.split('\n')[0]} (on an item; it fails and the filter is restarted)`)
      pending = pending.slice(a.lines.length + 1)
    }
    return outcomes
  }

  try {
    const s = await runConsumerLoop({
      queue,
      signal: o.signal,
      work: (batch) => work(batch.items),
      onGiveBack: (n, reason) => {
        givenBack++
        o.log(`${reason}; the batch of ${n} goes back to the queue (attempt counted)`)
      },
    })
    return {
      done: s.processed,
      failed: s.failed,
      filter_restarts: filters.restarts,
      failed_batches: givenBack,
    }
  } finally {
    await filters.close()
  }
}
