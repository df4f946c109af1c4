// The node's remote-log buffer: one bounded ring of output lines per task and instance (oldest dropped first, drops
// counted), taken in heartbeat-sized batches (at most 1,000 lines / 256 KB) and put back when a heartbeat fails.
import type { LogBatch, LogLine } from '../hub/protocol.js'
import { redactText } from '../lib/redact.js'
import { LineSplitter } from './log-lines.js'
import type { OutputSink } from './runtime.js'

export interface LogLimits {
  lines: number
  bytes: number
}

/** What one heartbeat carries at most (bytes: the JSON of its `logs` array). */
export const BATCH_LIMITS: LogLimits = { lines: 1_000, bytes: 256 * 1024 }
/** What one task+instance ring keeps (two heartbeats' worth: a burst between two beats is not lost). */
export const RING_LIMITS: LogLimits = { lines: 2_000, bytes: 512 * 1024 }
/** What all rings of the node keep together: past it, the fullest ring drops its oldest lines. */
export const NODE_LIMITS: LogLimits = { lines: 20_000, bytes: 8 * 1024 * 1024 }
/** Rings kept at most; past it the ring written to longest ago goes (its lines and drops with it). */
export const MAX_RINGS = 256

interface Entry {
  line: LogLine
  /** Bytes of the line's JSON, plus its comma in the array. */
  size: number
}

class Ring {
  lines: Entry[] = []
  head = 0
  bytes = 0
  dropped = 0
  touched = 0

  constructor(
    readonly task: string,
    readonly instance: number,
  ) {}

  get length(): number {
    return this.lines.length - this.head
  }

  push(e: Entry): void {
    this.lines.push(e)
    this.bytes += e.size
  }

  shift(): Entry {
    const e = this.lines[this.head++]!
    this.bytes -= e.size
    // Compact now and then, so a ring that is written and read forever stays small.
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head)
      this.head = 0
    }
    return e
  }

  dropOldest(): void {
    this.shift()
    this.dropped++
  }
}

/** A taken batch set: `restore()` puts it back (the heartbeat failed), oldest lines first again. */
export interface TakenLogs {
  batches: LogBatch[]
  lines: number
  restore(): void
}

export class LogBuffer {
  private readonly rings = new Map<string, Ring>()
  private total = { lines: 0, bytes: 0 }
  private clock = 0

  constructor(
    private readonly o: {
      /** Called when lines arrive (the node then schedules a heartbeat). */
      onLines?: () => void
      ring?: LogLimits
      node?: LogLimits
      maxRings?: number
      /** Never sent: masked as *** in every line (the node's token). */
      secrets?: readonly string[]
    } = {},
  ) {}

  /** Lines waiting, plus rings that have only drops to report. */
  get pending(): boolean {
    for (const r of this.rings.values()) if (r.length || r.dropped) return true
    return false
  }

  get pendingLines(): number {
    return this.total.lines
  }

  /**
   * Where one instance's output goes: each stream split into lines, partial lines flushed at the end; URL passwords,
   * `secrets` (the task's Redis passwords) and the buffer's own secrets are masked as *** before a line is kept.
   */
  sink(task: string, instance: number, secrets: readonly string[] = []): OutputSink {
    const masked = [...(this.o.secrets ?? []), ...secrets]
    const splitter = (stream: LogLine['stream']) => {
      let at = ''
      const s = new LineSplitter((text) =>
        this.add(task, instance, { at, stream, text: redactText(text, masked) }),
      )
      return {
        write: (chunk: Buffer) => {
          at = new Date().toISOString()
          s.write(chunk)
        },
        end: () => {
          at = new Date().toISOString()
          s.end()
        },
      }
    }
    const out = splitter('stdout')
    const err = splitter('stderr')
    let before = 0
    const notify = () => {
      if (this.total.lines !== before) this.o.onLines?.()
    }
    return {
      write: (stream, chunk) => {
        before = this.total.lines
        ;(stream === 'stderr' ? err : out).write(chunk)
        notify()
      },
      end: () => {
        before = this.total.lines
        out.end()
        err.end()
        notify()
      },
    }
  }

  /** Adds one line to its task+instance ring, dropping the oldest lines past the bounds. */
  add(task: string, instance: number, line: LogLine): void {
    const ring = this.ring(task, instance)
    const size = Buffer.byteLength(JSON.stringify(line)) + 1
    ring.push({ line, size })
    ring.touched = ++this.clock
    this.total.lines++
    this.total.bytes += size
    const limits = this.o.ring ?? RING_LIMITS
    while (ring.length > limits.lines || (ring.bytes > limits.bytes && ring.length > 1)) this.drop(ring)
    const node = this.o.node ?? NODE_LIMITS
    while (this.total.lines > node.lines || this.total.bytes > node.bytes) {
      let fullest: Ring | undefined
      for (const r of this.rings.values()) if (r.length && (!fullest || r.bytes > fullest.bytes)) fullest = r
      if (!fullest) break
      this.drop(fullest)
    }
  }

  /**
   * Takes up to `limits` of the waiting lines, oldest first within each ring, in rounds over the rings so one chatty
   * instance does not starve the others; each ring's drop count goes with its batch.
   */
  take(limits: LogLimits = BATCH_LIMITS): TakenLogs {
    const rings = [...this.rings.values()].filter((r) => r.length || r.dropped)
    const batches = new Map<Ring, LogBatch>()
    // 2 for the array's brackets; each batch's own JSON (without lines) and its comma.
    let bytes = 2
    let lines = 0
    const open = (r: Ring): LogBatch | undefined => {
      let b = batches.get(r)
      if (b) return b
      b = { task: r.task, instance: r.instance, lines: [], dropped: r.dropped }
      const size = Buffer.byteLength(JSON.stringify(b)) + 1
      if (bytes + size > limits.bytes) return undefined
      bytes += size
      r.dropped = 0
      batches.set(r, b)
      return b
    }
    for (const r of rings) if (!r.length && r.dropped) open(r)
    let more = true
    while (more && lines < limits.lines) {
      more = false
      const share = Math.max(1, Math.ceil((limits.lines - lines) / Math.max(1, rings.length)))
      for (const r of rings) {
        let n = 0
        while (r.length && n < share && lines < limits.lines) {
          const next = r.lines[r.head]!
          const b = open(r)
          if (!b || bytes + next.size > limits.bytes) break
          r.shift()
          this.total.lines--
          this.total.bytes -= next.size
          b.lines.push(next.line)
          bytes += next.size
          lines++
          n++
        }
        if (r.length && n === share) more = true
      }
    }
    for (const r of rings) if (!r.length && !r.dropped) this.forget(r)
    const taken = [...batches.values()].filter((b) => b.lines.length || b.dropped)
    return { batches: taken, lines, restore: () => this.restore(taken) }
  }

  /** Puts batches back in front of what arrived since (their drops too), within the bounds. */
  private restore(batches: LogBatch[]): void {
    for (const b of batches) {
      const ring = this.ring(b.task, b.instance)
      const back = b.lines.map((line) => ({ line, size: Buffer.byteLength(JSON.stringify(line)) + 1 }))
      const rest = ring.lines.slice(ring.head)
      ring.lines = []
      ring.head = 0
      ring.bytes = 0
      for (const e of [...back, ...rest]) ring.push(e)
      ring.dropped += b.dropped
      for (const e of back) {
        this.total.lines++
        this.total.bytes += e.size
      }
      const limits = this.o.ring ?? RING_LIMITS
      while (ring.length > limits.lines || (ring.bytes > limits.bytes && ring.length > 1)) this.drop(ring)
    }
  }

  private drop(ring: Ring): void {
    const e = ring.lines[ring.head]!
    ring.dropOldest()
    this.total.lines--
    this.total.bytes -= e.size
  }

  private ring(task: string, instance: number): Ring {
    const key = `${instance}\u0000${task}`
    let ring = this.rings.get(key)
    if (!ring) {
      ring = new Ring(task, instance)
      this.rings.set(key, ring)
      if (this.rings.size > (this.o.maxRings ?? MAX_RINGS)) {
        let stale: Ring | undefined
        for (const r of this.rings.values())
          if (r !== ring && (!stale || r.touched < stale.touched)) stale = r
        if (stale) {
          while (stale.length) this.drop(stale)
          this.forget(stale)
        }
      }
    }
    return ring
  }

  private forget(ring: Ring): void {
    this.rings.delete(`${ring.instance}\u0000${ring.task}`)
  }
}
