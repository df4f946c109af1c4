// What the hub knows of its tasks' queues, for /metrics, the status page and the ledger: a QueueReader plugged in
// by `hub start` reads Redis (the queue rules live above the hub, and it caches: Redis is read at most once per
// its interval); the hub keeps the readings' history to tell items/s and an ETA.
import type { TaskSpec } from './protocol.js'
import type { TaskEntry } from './task-entry.js'
import { groupOf } from './task-views.js'

/** A task whose queues are asked about. */
export interface QueueProbe {
  /** The hub's id of the task (names may repeat). */
  id: number
  spec: TaskSpec
  group: string
}

/** A queue's state as read from Redis at `at`. */
export interface QueueReading {
  /** When it was read (ms since the epoch). */
  at: number
  input_queue: string
  output_queue: string
  /** List lengths. */
  input: number
  suspects: number
  processing: number
  output: number
  failed: number
  dead: number
  /** <in>:stats counters (pushed, done, failed, dead, collected, …). */
  stats: Record<string, number>
  /** Items at an end (results, failed, dead) of how many, as `watch` counts them. */
  done: number
  total: number
  /** Whether the counters account for every item seen. */
  counted: boolean
  /** The contribution ledger: node id -> committed items. */
  ledger: Record<string, { done: number; failed: number }>
}

export type QueueResult = QueueReading | { error: string }

export interface QueueReader {
  /** Readings of the tasks' queues by task id; cached by the reader, so calls may come as often as they like. */
  read(tasks: QueueProbe[]): Promise<Map<number, QueueResult>>
  close(): Promise<void>
}

/** A task's progress as the hub shows it. */
export interface TaskProgress {
  task: string
  group: string
  input_queue: string | null
  done: number
  total: number
  waiting: number
  processing: number
  failed: number
  dead: number
  pushed: number
  counted: boolean
  /** Items at an end per second over the last readings (null until two readings are apart). */
  rate: number | null
  /** Seconds until done at that rate (null while unknown). */
  eta_s: number | null
  /** When Redis was read (RFC 3339), or null when it could not be. */
  read_at: string | null
  /** Why there is no reading (no plug-in, no queue named, Redis unreachable). */
  error: string | null
  ledger: Record<string, { done: number; failed: number }>
}

/** How far back items/s looks. */
const RATE_WINDOW_MS = 10_000

export const probeOf = (t: TaskEntry): QueueProbe => ({ id: t.id, spec: t.spec, group: groupOf(t) })

export class QueueStats {
  private readonly samples = new Map<number, { at: number; done: number }[]>()
  private readonly latest = new Map<number, QueueResult>()

  constructor(private readonly reader?: QueueReader) {}

  /** Whether a reader is plugged in. */
  get reading(): boolean {
    return this.reader !== undefined
  }

  /** Reads the given tasks (the reader's cache decides whether Redis is asked) and keeps the readings. */
  async refresh(tasks: TaskEntry[]): Promise<void> {
    if (!this.reader) return
    const probes = tasks.map(probeOf)
    const out = await this.reader.read(probes)
    for (const [id, r] of out) {
      this.latest.set(id, r)
      if ('error' in r) continue
      const list = this.samples.get(id) ?? []
      if (list.at(-1)?.at !== r.at) list.push({ at: r.at, done: r.done })
      while (list.length > 2 && r.at - list[0]!.at > RATE_WINDOW_MS) list.shift()
      this.samples.set(id, list)
    }
  }

  /** The latest reading of a task, if any. */
  readingOf(id: number): QueueResult | undefined {
    return this.latest.get(id)
  }

  /** A task's progress from its latest reading. */
  progress(t: TaskEntry): TaskProgress {
    const base = {
      task: t.spec.name,
      group: groupOf(t),
      input_queue: t.spec.input_queue ?? null,
      done: 0,
      total: 0,
      waiting: 0,
      processing: 0,
      failed: 0,
      dead: 0,
      pushed: 0,
      counted: false,
      rate: null,
      eta_s: null,
      read_at: null,
      ledger: {},
    }
    const r = this.latest.get(t.id)
    if (!this.reader) return { ...base, error: 'this hub reads no queues (started without its queue reader)' }
    if (!r) return { ...base, error: 'not read yet' }
    if ('error' in r) return { ...base, error: r.error }
    const rate = this.rateOf(t.id)
    const left = Math.max(0, r.total - r.done)
    return {
      ...base,
      input_queue: r.input_queue,
      done: r.done,
      total: r.total,
      waiting: r.input + r.suspects,
      processing: r.processing,
      failed: r.stats.failed ?? r.failed,
      dead: r.stats.dead ?? r.dead,
      pushed: r.stats.pushed ?? 0,
      counted: r.counted,
      rate,
      eta_s: left === 0 ? 0 : rate ? left / rate : null,
      read_at: new Date(r.at).toISOString(),
      error: null,
      ledger: r.ledger,
    }
  }

  private rateOf(id: number): number | null {
    const list = this.samples.get(id)
    if (!list || list.length < 2) return null
    const first = list[0]!
    const last = list.at(-1)!
    const secs = (last.at - first.at) / 1000
    return secs > 0 ? Math.max(0, (last.done - first.done) / secs) : null
  }

  async close(): Promise<void> {
    await this.reader?.close()
  }
}
