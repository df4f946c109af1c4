// Two lanes for one line-filter worker, each a consumer id of its own (`<consumer>` and `<consumer>.2`) holding one
// batch at a time as the protocol wants: while the filter runs a batch of one lane, the other lane's batch is
// committed and its next one taken in the same round trip, so the filter never waits on Redis while items remain.
// Both ids keep the node's id before their last ':', so node recovery and the ledger see them as the node's.
import { type LineBatch, LineQueue, type LineQueueOptions } from '../queue/line-queue.js'
import type { RespBulks } from '../redis/resp-bulks.js'

export type Lane = 0 | 1

/** What a commit came to, reported when Redis answers it. */
export interface CommitOutcome {
  count: number
  failed: number
  committed: boolean
}

export class Lanes {
  /** What each lane holds next: a batch being taken, or the one taken with its last commit (null: nothing asked). */
  private readonly pending: [Promise<LineBatch | null> | null, Promise<LineBatch | null> | null] = [
    null,
    null,
  ]
  private turn: Lane = 0

  private constructor(
    private readonly queues: [LineQueue, LineQueue],
    private readonly onCommit: (c: CommitOutcome) => void,
  ) {}

  static async open(o: LineQueueOptions, onCommit: (c: CommitOutcome) => void): Promise<Lanes> {
    const first = await LineQueue.open(o)
    try {
      const second = await LineQueue.open({ ...o, consumer: `${o.consumer}.2` })
      return new Lanes([first, second], onCommit)
    } catch (err) {
      first.close()
      throw err
    }
  }

  /** The next batch to run, from the lane whose turn it is or else the other; null when neither has one. */
  async next(size: number): Promise<{ batch: LineBatch; lane: Lane } | null> {
    for (let tried = 0; tried < 2; tried++) {
      const lane = this.turn
      const taking = this.pending[lane] ?? this.queues[lane].take(size)
      this.pending[lane] = null
      this.turn = other(lane)
      const batch = await taking
      if (batch) {
        // The other lane gets its batch ready while this one runs.
        this.pending[other(lane)] ??= quiet(this.queues[other(lane)].take(size))
        return { batch, lane }
      }
    }
    return null
  }

  /** Commits a lane's batch in the background, taking its next (`next` items) in the same round trip. */
  commit(lane: Lane, batch: LineBatch, payloads: RespBulks, failedAt: number[], next?: number): void {
    this.pending[lane] = quiet(
      this.queues[lane].commit(batch, payloads, failedAt, next).then((r) => {
        this.onCommit({ count: batch.count, failed: failedAt.length, committed: r.committed })
        return r.next
      }),
    )
  }

  /** Gives a lane's batch back (see LineQueue.giveBack); how many items went back. */
  giveBack(lane: Lane, countAttempt: boolean, reason = ''): Promise<number> {
    return this.queues[lane].giveBack(countAttempt, reason)
  }

  /**
   * Waits for what is in flight, then gives back untouched what either lane holds and has not run (stopping, a
   * fatal error, a connection to replace). The first failure (a commit or a give-back that did not happen) is
   * returned, not thrown: the other lane is released all the same, and a batch left behind goes back when its
   * lease runs out.
   */
  async release(): Promise<Error | undefined> {
    let failure: Error | undefined
    for (const lane of [0, 1] as const) {
      const p = this.pending[lane]
      this.pending[lane] = null
      try {
        await p
      } catch (err) {
        failure ??= err as Error
      }
      try {
        await this.queues[lane].giveBack(false)
      } catch (err) {
        failure ??= err as Error
      }
    }
    return failure
  }

  close(): void {
    for (const q of this.queues) q.close()
  }
}

const other = (lane: Lane): Lane => (lane === 0 ? 1 : 0)

/** The promise itself (awaiting it still throws), marked handled so a failure nobody awaits is not fatal. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {})
  return p
}
