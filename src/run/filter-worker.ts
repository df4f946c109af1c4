// gridcore's own worker for `gridcore run --command`: the reliable protocol around a line filter. A batch goes to
// the filter's stdin in one write while its answers are encoded into the commit as they arrive; the commit and the
// next take share a round trip, made while the filter runs the other lane's batch (lanes.ts), and batches adapt to
// about 100 ms of the filter's work. When the filter exits
// mid-batch, the items it answered commit, the item in hand fails with the filter's stderr tail, and the rest goes
// to a new filter (spares are kept warm once one has died). A filter that writes more lines than items fails the
// --batch-sized part that did; one that stops answering gives the batch back (attempt counted, then singly).
import { setTimeout as sleep } from 'node:timers/promises'
import { GridcoreError } from '../lib/errors.js'
import type { LineBatch } from '../queue/line-queue.js'
import { RespBulks } from '../redis/resp-bulks.js'
import { BatchSize } from './batch-size.js'
import { Filters } from './filters.js'
import { type CommitOutcome, Lanes } from './lanes.js'

export interface FilterWorkerOptions {
  command: string
  redisUrl: string
  outputRedisUrl?: string
  /** The cluster CA a rediss:// Redis is verified against. */
  caPem?: string
  inputQueue: string
  outputQueue: string
  consumer: string
  /** The first batch's size, and the part a misaligned filter's failure is narrowed down to. */
  batchSize: number
  itemTimeoutMs: number
  maxAttempts: number
  leaseMs?: number
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
const MULTILINE = 'the item holds a newline; line filters take one item per line'

/** Thrown to give the whole batch back with an attempt counted and this message as the error. */
class GiveBack extends Error {}

/** One batch's answers: one payload per item, in order, and which of them are errors. */
interface Settled {
  payloads: RespBulks
  failedAt: number[]
}

export async function runFilterWorker(o: FilterWorkerOptions): Promise<FilterWorkerStats> {
  // The filter starts while the worker connects.
  const filters = new Filters(o.command, o.env, o.cwd)
  const stats: FilterWorkerStats = { done: 0, failed: 0, filter_restarts: 0, failed_batches: 0 }
  const size = new BatchSize(o.batchSize)
  let freshDeaths = 0

  /** Feeds `count` lines (`input`) through as many filters as it takes; unit: the part a misalignment fails. */
  const runLines = async (input: Buffer, count: number, s: Settled, unit: number): Promise<void> => {
    let rest = input
    let left = count
    while (left > 0) {
      const filter = filters.active
      const a = await filter.map(rest, left, s.payloads, o.itemTimeoutMs)
      if (a.kind === 'answered') return
      filters.replace()
      if (a.kind === 'silent') throw new GiveBack(a.reason)
      if (a.kind === 'late') {
        o.log(`${a.reason}; the results of the batch before may be out of step; the filter is restarted`)
        continue
      }
      if (a.kind === 'misaligned') {
        if (left > unit) {
          // Narrow it down: the same items again, a unit at a time, so only the part that misaligns fails.
          o.log(`${a.reason}; the ${left} items run again ${unit} at a time, and the filter is restarted`)
          for (let i = 0; i < left; i += unit) {
            const n = Math.min(unit, left - i)
            const at = lineOffset(rest, i)
            await runLines(rest.subarray(at, lineOffset(rest, n, at)), n, s, unit)
          }
          return
        }
        o.log(`${a.reason}; the batch of ${left} items fails and the filter is restarted`)
        for (let i = 0; i < left; i++) fail(s, a.reason)
        return
      }
      // The filter exited: the lines before are answers, the next item was in hand.
      freshDeaths = filter.answered === 0 ? freshDeaths + 1 : 0
      if (freshDeaths >= FRESH_DEATHS)
        throw new GridcoreError(
          'CONFIG',
          `the filter cannot run (${FRESH_DEATHS} starts in a row wrote nothing): ${a.reason}`,
        )
      if (a.unfed) continue
      fail(s, a.reason)
      o.log(`${a.reason.split('\n')[0]} (on an item; it fails and the filter is restarted)`)
      rest = rest.subarray(lineOffset(rest, a.lines + 1))
      left -= a.lines + 1
    }
  }

  /** The batch's outcomes. Items that hold a newline fail; the runs of items between them go to the filter. */
  const work = async (batch: LineBatch): Promise<Settled> => {
    const s: Settled = { payloads: new RespBulks(batch.count * 24 + 64), failedAt: [] }
    if (batch.lines) {
      await runLines(batch.lines, batch.count, s, o.batchSize)
      return s
    }
    const items = batch.items!
    for (let i = 0; i < items.length; ) {
      if (items[i]!.includes(10)) {
        fail(s, MULTILINE)
        i++
        continue
      }
      let j = i
      while (j < items.length && !items[j]!.includes(10)) j++
      const run = Buffer.concat(items.slice(i, j).flatMap((item) => [item, NL]))
      await runLines(run, j - i, s, o.batchSize)
      i = j
    }
    return s
  }

  const onCommit = (c: CommitOutcome) => {
    if (!c.committed) {
      o.log(`the lease of a batch of ${c.count} was lost: its commit was refused`)
      return
    }
    stats.failed += c.failed
    stats.done += c.count - c.failed
  }
  let lanes: Lanes | undefined
  try {
    lanes = await Lanes.open(queueOptions(o), onCommit)
    let pause = 10
    while (!o.signal.aborted) {
      try {
        const got = await lanes.next(size.next)
        if (!got) {
          await sleep(pause, undefined, { signal: o.signal }).catch(() => {})
          pause = Math.min(pause * 2, 500)
          continue
        }
        pause = 10
        const { batch, lane } = got
        const began = performance.now()
        let s: Settled
        try {
          s = await work(batch)
        } catch (err) {
          if (!(err instanceof GiveBack)) throw err
          const n = await lanes.giveBack(lane, true, err.message)
          stats.failed_batches++
          o.log(`${err.message}; the batch of ${n} goes back to the queue (attempt counted)`)
          continue
        }
        size.record(batch.count, performance.now() - began)
        lanes.commit(lane, batch, s.payloads, s.failedAt, o.signal.aborted ? undefined : size.next)
      } catch (err) {
        if (!(err instanceof GridcoreError) || err.code !== 'REDIS_UNREACHABLE') {
          // Fatal: the other lane's commit lands (or fails) before the worker goes, and nothing stays held.
          await lanes.release()
          throw err
        }
        // The connection broke: whatever Redis settled stays settled; what this consumer still holds goes back
        // as it was taken once a new connection is up.
        o.log(`${err.message}; reconnecting`)
        await lanes.release()
        lanes.close()
        lanes = await reconnect(o, onCommit)
        if (!lanes) break
      }
    }
    // Stopping: the last commits land; a batch taken with one, or ahead, goes back untouched.
    const failure = await lanes?.release()
    if (failure)
      o.log(`stopping: ${failure.message}; what this worker still held goes back when its lease runs out`)
    stats.filter_restarts = filters.restarts
    return stats
  } finally {
    lanes?.close()
    await filters.close()
  }
}

function queueOptions(o: FilterWorkerOptions) {
  return {
    url: o.redisUrl,
    outputUrl: o.outputRedisUrl,
    caPem: o.caPem,
    inputQueue: o.inputQueue,
    outputQueue: o.outputQueue,
    consumer: o.consumer,
    leaseMs: o.leaseMs ?? 30_000,
    maxAttempts: o.maxAttempts,
  }
}

/** Opens both lanes again (backing off up to 2 s) and hands back what this consumer held; undefined when stopped. */
async function reconnect(
  o: FilterWorkerOptions,
  onCommit: (c: CommitOutcome) => void,
): Promise<Lanes | undefined> {
  for (let wait = 100; !o.signal.aborted; wait = Math.min(wait * 2, 2_000)) {
    await sleep(wait, undefined, { signal: o.signal }).catch(() => {})
    let lanes: Lanes | undefined
    try {
      lanes = await Lanes.open(queueOptions(o), onCommit)
      const failure = await lanes.release()
      if (failure) throw failure
      o.log('reconnected')
      return lanes
    } catch {
      lanes?.close()
    }
  }
  return undefined
}

function fail(s: Settled, reason: string): void {
  s.failedAt.push(s.payloads.count)
  s.payloads.addString(reason)
}

/** The byte offset after `n` lines of `b`, counting from byte `from`. */
function lineOffset(b: Buffer, n: number, from = 0): number {
  let at = from
  for (let i = 0; i < n; i++) at = b.indexOf(10, at) + 1
  return at
}

const NL = Buffer.from('\n')
