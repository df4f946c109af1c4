// Paces the reads of a line filter's stdout while a batch runs. A reader waiting on a pipe is woken by every write,
// and a flushing filter (python3 -u) writes each line on its own: the reader then wakes every few lines, and each
// wake-up takes the core from the filter. From the batches before, the pacer knows about how long a line takes and
// how long it is; it leaves the pipe alone until it is about half full or most of the batch should be answered,
// reads what is there in one go, and reads lines as they come only for the last part, so a batch's end is seen at
// once. Before it has learned anything (the first batch, a filter that just started), lines are read as they come.
// It learns from batches whose end it saw as it came; a batch that ended, or a pipe that filled, while it looked away
// only says the filter got faster, and halves the waits until the ends are seen again.
import type { Socket } from 'node:net'

/** A pipe holds 64 KB: a read is due before half of it can have been written. */
const PIPE_HALF = 32 * 1024
/** A wait shorter than this is not worth a timer: lines are read as they come. */
const MIN_WAIT_MS = 1
/**
 * The share of the time a batch's remaining lines should take that passes before the next read: reads come at
 * a half, three quarters, … of the batch, so an end is missed only by a filter twice as fast as learned.
 */
const EARLY = 0.5
/** Within this of its expected end, one more read comes at LAST of the time left; the rest is read as it comes. */
const NEAR_END_MS = 4
const LAST = 0.9
/** Batches smaller than this teach nothing (their time is mostly the round trip). */
const MIN_LEARN = 100
/**
 * The longest wait: what it learned may be stale (a filter that got faster, a batch taken at an old size), and the
 * filter's silence is timed from the last read, so no wait may hide much of it.
 */
export const MAX_WAIT_MS = 20

export class Pacer {
  private usPerLine = 0
  private bytesPerLine = 0
  private timer?: NodeJS.Timeout
  private paused = false
  /** The latest read came when a wait ran out, not as the lines came: an end it brings was not seen in time. */
  private late = false
  /** The filter exited: what it wrote is read at once, to its end. */
  private ended = false

  /** `socket` must read into its own buffer (net.Socket's onread), so that pausing it stops the reads. */
  constructor(private readonly socket: Socket) {}

  /**
   * `left` lines of the running batch are still to come: wait before the next read, or read them as they come.
   * Returns the wait in ms (0: reading as they come).
   */
  read(left: number): number {
    clearTimeout(this.timer)
    this.late = false
    if (!this.usPerLine || this.ended) {
      this.flow()
      return 0
    }
    const untilEnd = (left * this.usPerLine) / 1000
    const untilHalf = ((PIPE_HALF / this.bytesPerLine) * this.usPerLine) / 1000
    const wait = Math.min(untilEnd * (untilEnd >= NEAR_END_MS ? EARLY : LAST), untilHalf, MAX_WAIT_MS)
    if (wait < MIN_WAIT_MS) {
      this.flow()
      return 0
    }
    if (!this.paused) {
      this.paused = true
      this.socket.pause()
    }
    this.timer = setTimeout(() => {
      this.late = true
      this.flow()
    }, wait)
    return wait
  }

  /** The filter exited: read the rest of what it wrote at once, and from now on always. */
  end(): void {
    this.ended = true
    this.flow()
  }

  /**
   * A read brought `bytes`: when that is well over the half pipe a read was due at, the filter ran faster than
   * learned (it may have been held up by a full pipe).
   */
  got(bytes: number): void {
    if (bytes > PIPE_HALF + PIPE_HALF / 2) this.faster()
  }

  /** Reads lines as they come (between batches, at a batch's end, once the filter exited). */
  flow(): void {
    clearTimeout(this.timer)
    if (!this.paused) return
    this.paused = false
    this.socket.resume()
  }

  /** A batch of `lines` was answered `ms` after it was fed, with `bytes` of answers. */
  learn(lines: number, ms: number, bytes: number): void {
    // Its end came while nobody looked: its time says only that the filter was faster than learned.
    if (this.late) {
      this.faster()
      return
    }
    if (lines < MIN_LEARN || ms <= 0) return
    const us = (ms * 1000) / lines
    const b = Math.max(1, bytes / lines)
    this.usPerLine = this.usPerLine ? (this.usPerLine + us) / 2 : us
    this.bytesPerLine = this.bytesPerLine ? (this.bytesPerLine + b) / 2 : b
  }

  /** The filter is faster than learned (by how much is unknown): wait half as long from now on. */
  private faster(): void {
    this.usPerLine /= 2
    this.late = false
  }
}
