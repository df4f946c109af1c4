// Instances' output lines as nodes send them on heartbeats: one ring per node and task (oldest lines dropped past
// its bound, counted), a bounded number of rings in all, hub-wide sequence numbers, and waiters for new lines.
import type { LogBatch, LogsResponse, StoredLogLine } from './protocol.js'

export interface LogLimits {
  /** Lines kept per node and task. */
  ringLines: number
  /** Bytes of text kept per node and task. */
  ringBytes: number
  /** Rings kept in all; past it the ring written longest ago goes first. */
  maxRings: number
}

export const DEFAULT_LOG_LIMITS: LogLimits = { ringLines: 5_000, ringBytes: 1024 * 1024, maxRings: 50 }

/** What a query asks for: any of `nodes` and of `tasks` (empty: all), one instance, lines after `after`. */
export interface LogQuery {
  nodes?: string[]
  tasks?: string[]
  instance?: number
  /** Lines with a larger seq; absent: the last `limit` lines. */
  after?: number
  limit: number
}

/** Bytes a line costs against its ring's bound: its text plus what the hub keeps beside it. */
const lineCost = (l: StoredLogLine) => Buffer.byteLength(l.text) + 64

interface Ring {
  node: string
  task: string
  lines: StoredLogLine[]
  bytes: number
  /** Lines the node dropped plus lines this ring dropped. */
  dropped: number
  /** Order of the last write, for eviction. */
  touched: number
}

export interface LogCounters {
  /** Lines received from nodes. */
  received: number
  /** Lines nodes said they dropped (their own bound). */
  droppedByNodes: number
  /** Lines the hub dropped: out of a ring past its bound, with an evicted ring, or for a task it does not know. */
  droppedByHub: number
}

export class LogStore {
  private readonly rings = new Map<string, Ring>()
  private readonly limits: LogLimits
  /** Long polls waiting for lines: each is shown the lines just kept. */
  private readonly waiters = new Set<(kept: StoredLogLine[]) => void>()
  /** Starts from the clock (µs) so sequence numbers keep rising across a hub restart for followers. */
  private seq: number
  private touches = 0
  readonly counters: LogCounters = { received: 0, droppedByNodes: 0, droppedByHub: 0 }

  constructor(limits: Partial<LogLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_LOG_LIMITS, ...limits }
    this.seq = now() * 1000
  }

  /** The last sequence number given out. */
  get lastSeq(): number {
    return this.seq
  }

  /**
   * Keeps a node's batches (lines of tasks `known` refuses are counted as dropped); returns how many lines were
   * kept. Waiting queries are woken.
   */
  append(node: string, hostname: string, batches: LogBatch[], known: (task: string) => boolean): number {
    const kept: StoredLogLine[] = []
    for (const b of batches) {
      this.counters.received += b.lines.length
      this.counters.droppedByNodes += b.dropped
      if (!known(b.task)) {
        this.counters.droppedByHub += b.lines.length
        continue
      }
      const ring = this.ring(node, b.task)
      ring.dropped += b.dropped
      ring.touched = ++this.touches
      for (const l of b.lines) {
        const line: StoredLogLine = {
          seq: ++this.seq,
          at: l.at,
          node,
          hostname,
          task: b.task,
          instance: b.instance,
          stream: l.stream,
          text: l.text,
        }
        ring.lines.push(line)
        ring.bytes += lineCost(line)
        kept.push(line)
      }
      this.trim(ring)
    }
    if (kept.length) for (const wake of [...this.waiters]) wake(kept)
    return kept.length
  }

  /** Lines matching `q`, oldest first, at most `q.limit` of them. */
  query(q: LogQuery): LogsResponse {
    const rings = [...this.rings.values()].filter((r) => this.matchesRing(r, q))
    const dropped = rings.reduce((a, r) => a + r.dropped, 0)
    const want = (l: StoredLogLine) => matches(q, l)
    let lines: StoredLogLine[] = []
    if (q.after === undefined) {
      // The last `limit` lines: each ring's tail, merged.
      for (const r of rings) lines.push(...lastMatching(r.lines, q.limit, want))
      lines.sort((a, b) => a.seq - b.seq)
      lines = lines.slice(-q.limit)
      return { lines, dropped, next: this.seq }
    }
    const after = q.after
    for (const r of rings) {
      let taken = 0
      for (let i = firstAfter(r.lines, after); i < r.lines.length && taken < q.limit; i++) {
        const l = r.lines[i]!
        if (!want(l)) continue
        lines.push(l)
        taken++
      }
    }
    lines.sort((a, b) => a.seq - b.seq)
    if (lines.length > q.limit) {
      lines = lines.slice(0, q.limit)
      return { lines, dropped, next: lines.at(-1)!.seq }
    }
    return { lines, dropped, next: Math.max(after, this.seq) }
  }

  /**
   * Resolves once a line matching `q` with a seq above `after` is kept, `ms` passed, or `signal` aborted.
   */
  waitFor(q: LogQuery & { after: number }, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const check = (kept: StoredLogLine[]) => {
        if (kept.some((l) => l.seq > q.after && matches(q, l))) done()
      }
      const timer = setTimeout(done, ms)
      this.waiters.add(check)
      if (signal.aborted) done()
      else signal.addEventListener('abort', done, { once: true })
    })
  }

  /** Forgets a node's rings (the node was dropped). */
  dropNode(node: string): void {
    for (const [key, r] of this.rings) if (r.node === node) this.rings.delete(key)
  }

  /** Rings kept now (for metrics and tests). */
  get ringCount(): number {
    return this.rings.size
  }

  /** Lines dropped so far for a node's rings (node and hub drops), by task. */
  droppedFor(node: string): Record<string, number> {
    const out: Record<string, number> = {}
    for (const r of this.rings.values()) if (r.node === node) out[r.task] = r.dropped
    return out
  }

  private matchesRing(r: Ring, q: LogQuery): boolean {
    if (q.nodes?.length && !q.nodes.includes(r.node)) return false
    if (q.tasks?.length && !q.tasks.includes(r.task)) return false
    return true
  }

  private ring(node: string, task: string): Ring {
    const key = JSON.stringify([node, task])
    let r = this.rings.get(key)
    if (!r) {
      r = { node, task, lines: [], bytes: 0, dropped: 0, touched: 0 }
      this.rings.set(key, r)
      while (this.rings.size > this.limits.maxRings) this.evictOldest(key)
    }
    return r
  }

  private evictOldest(keep: string): void {
    let oldest: [string, Ring] | undefined
    for (const e of this.rings) if (e[0] !== keep && (!oldest || e[1].touched < oldest[1].touched)) oldest = e
    if (!oldest) return
    this.counters.droppedByHub += oldest[1].lines.length
    this.rings.delete(oldest[0])
  }

  /** Drops a ring's oldest lines until it is within both bounds. */
  private trim(r: Ring): void {
    let cut = Math.max(0, r.lines.length - this.limits.ringLines)
    let bytes = r.bytes
    for (let i = 0; i < cut; i++) bytes -= lineCost(r.lines[i]!)
    while (bytes > this.limits.ringBytes && cut < r.lines.length) bytes -= lineCost(r.lines[cut++]!)
    if (!cut) return
    r.lines.splice(0, cut)
    r.bytes = bytes
    r.dropped += cut
    this.counters.droppedByHub += cut
  }
}

/** Whether a line is one `q` asks for. */
function matches(q: LogQuery, l: StoredLogLine): boolean {
  if (q.nodes?.length && !q.nodes.includes(l.node)) return false
  if (q.tasks?.length && !q.tasks.includes(l.task)) return false
  return q.instance === undefined || l.instance === q.instance
}

/** Index of the first line with seq > after (lines are in seq order). */
function firstAfter(lines: StoredLogLine[], after: number): number {
  let lo = 0
  let hi = lines.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (lines[mid]!.seq > after) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** The last `n` lines `want` accepts, oldest first. */
function lastMatching(
  lines: StoredLogLine[],
  n: number,
  want: (l: StoredLogLine) => boolean,
): StoredLogLine[] {
  const out: StoredLogLine[] = []
  for (let i = lines.length - 1; i >= 0 && out.length < n; i--) if (want(lines[i]!)) out.push(lines[i]!)
  return out.reverse()
}
