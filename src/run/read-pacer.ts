// Reads a line filter's stdout (a real pipe: fifo.ts) in gulps. A filter writes (and flushes) each answer on its
// own; read as it comes, every line wakes the worker and the filter loses its core to it. While many answers are
// still to come, reading stops and resumes on a timer sized so the pipe fills part way (the filter's writes then
// wake nobody: a few hundred reads a second instead of one per line); near a batch's end, and between batches, it
// reads at once.

/** The part of a pipe's 64 KB the filter may fill while reading waits. */
const FILL_BYTES = 24 * 1024
const MIN_GAP_MS = 1
const MAX_GAP_MS = 20

interface PipeHandle {
  reading: boolean
  readStart(): number
  readStop(): number
}

/** Answers slower than this (1,000 a second) cost few wake-ups anyway: they are read as they come. */
const PACE_BELOW_MS = 1

/** How long reading may wait: `left` answers to come at `perLineMs` each, lines of `lineBytes`; 0: read now. */
export function readGap(left: number, perLineMs: number, lineBytes: number): number {
  if (!(perLineMs > 0) || perLineMs > PACE_BELOW_MS || !(lineBytes > 0)) return 0
  const fill = (FILL_BYTES / lineBytes) * perLineMs
  // Never past half of what is left, so the batch's last answers are read as they come and its end seen at once.
  const gap = Math.min(fill, (left * perLineMs) / 2, MAX_GAP_MS)
  return gap >= MIN_GAP_MS ? gap : 0
}

export class ReadPacer {
  private timer?: NodeJS.Timeout
  private paused = false
  private readonly handle?: PipeHandle

  /** Paces `stream` (a real pipe's reader; a socket pair would stall its writer instead) when `enabled`. */
  constructor(stream: NodeJS.ReadableStream, enabled: boolean) {
    // The stream's libuv handle (internal, but stable across Node versions); without it reading is never paced.
    const h = (stream as unknown as { _handle?: Partial<PipeHandle> })._handle
    if (enabled && h && typeof h.readStart === 'function' && typeof h.readStop === 'function')
      this.handle = h as PipeHandle
  }

  /** After a chunk: pause reading for readGap(…) ms, or read on. */
  pace(left: number, perLineMs: number, lineBytes: number): void {
    const gap = readGap(left, perLineMs, lineBytes)
    if (!gap || !this.handle || this.paused) {
      this.flow()
      return
    }
    // Stopped under the stream's feet: its `reading` flag stays set, so it does not start reading again itself.
    this.paused = true
    this.handle.readStop()
    this.timer = setTimeout(() => this.flow(), gap)
  }

  /** Reads at once from now on. */
  flow(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (!this.paused) return
    this.paused = false
    this.handle?.readStart()
  }
}
