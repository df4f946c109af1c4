// Paces the remote logs on the heartbeat channel: a heartbeat carries at most one batch (1,000 lines / 256 KB), log
// batches go at most once a second, and extra heartbeats for waiting lines are made only for a hub that has shown it
// takes logs (it answered `logs_accepted`); any other hub gets them with its normal heartbeats, never faster.
import type { HeartbeatRequest, HeartbeatResponse } from '../hub/protocol.js'
import { BATCH_LIMITS, type LogBuffer, type LogLimits } from './log-buffer.js'

export const MIN_LOG_GAP_MS = 1_000

export interface LogShipperOptions {
  buffer: LogBuffer
  /** Sends a heartbeat (the node's own, with status and count): called when waiting lines are due. */
  beat: () => void
  minGapMs?: number
  limits?: LogLimits
}

/** What a heartbeat that carried logs reports back: the hub's answer, or null when it failed. */
export type Settle = (answer: HeartbeatResponse | null) => void

export class LogShipper {
  /** The hub answered `logs_accepted` once: it keeps logs, so waiting lines get heartbeats of their own. */
  hubTakesLogs = false
  private lastSent = Number.NEGATIVE_INFINITY
  private timer?: NodeJS.Timeout
  private closed = false
  private probed = false

  constructor(private readonly o: LogShipperOptions) {}

  /**
   * Adds the due lines to a heartbeat body (none within a second of the last batch; `force` for the final beat).
   * The first heartbeat carries `logs: []` so a hub that keeps logs says so (`logs_accepted: 0`) before any line.
   */
  attach(body: HeartbeatRequest, force = false): Settle {
    const due = force || Date.now() - this.lastSent >= (this.o.minGapMs ?? MIN_LOG_GAP_MS)
    if (!due || !this.o.buffer.pending) {
      const probe = !this.probed
      if (probe) {
        this.probed = true
        body.logs = []
      } else this.schedule()
      return (answer) => {
        // A probe that was not delivered is asked again with the next heartbeat.
        if (probe && !answer) this.probed = false
        this.learn(answer)
      }
    }
    this.probed = true
    const taken = this.o.buffer.take(this.o.limits ?? BATCH_LIMITS)
    body.logs = taken.batches
    this.lastSent = Date.now()
    return (answer) => {
      if (!answer || answer.reregister) {
        // Not delivered (or the hub did not know this node): the lines wait for the next heartbeat.
        taken.restore()
        this.lastSent = Number.NEGATIVE_INFINITY
      }
      this.learn(answer)
      this.schedule()
    }
  }

  /** New lines arrived: a hub that takes logs gets a heartbeat for them once the gap since the last batch passed. */
  schedule(): void {
    if (!this.hubTakesLogs || this.closed || this.timer || !this.o.buffer.pending) return
    const wait = Math.max(0, this.lastSent + (this.o.minGapMs ?? MIN_LOG_GAP_MS) - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (!this.closed && this.o.buffer.pending) this.o.beat()
    }, wait)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private learn(answer: HeartbeatResponse | null): void {
    if (answer && typeof answer.logs_accepted === 'number' && !this.hubTakesLogs) {
      this.hubTakesLogs = true
      this.schedule()
    }
  }
}
