// Adaptive parallelism (parallelism = "auto"): start min(CPUs, free memory / container_memory) instances, one fewer
// when the machine's CPU load stays over 85 % (3 samples in a row, 5 s apart), one more when it stays under 50 %,
// never above the start count or below 1. The load comes from an injectable source; each change is one log line.
import { readFileSync } from 'node:fs'
import { availableParallelism, freemem, loadavg } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import type { Logger } from '../lib/logger.js'

/** The machine's CPU load: the busy fraction of all its CPUs since the previous sample (0..1; more when overloaded). */
export interface LoadSource {
  sample(): number | Promise<number>
  /** What it measures, for the log (e.g. "/proc/stat"). */
  readonly name: string
}

export const ADAPTIVE = { high: 0.85, low: 0.5, samples: 3, intervalMs: 5_000 } as const

/** The start count of parallelism = "auto": min(CPUs, free memory / container_memory), at least 1. */
export function autoParallelism(cpus: number, freeBytes: number, containerMemoryMb: number): number {
  const byMemory = Math.floor(freeBytes / (containerMemoryMb * 1024 * 1024))
  return Math.max(1, Math.min(cpus, byMemory))
}

/** autoParallelism for this machine now. */
export const autoParallelismHere = (containerMemoryMb: number) =>
  autoParallelism(availableParallelism(), freemem(), containerMemoryMb)

export interface Change {
  from: number
  to: number
  /** The samples that decided it, oldest first. */
  samples: number[]
}

/** Decides the count from load samples: a full window all over `high` lowers it by one, all under `low` raises it. */
export class ParallelismController {
  current: number
  private window: number[] = []

  constructor(
    readonly max: number,
    private readonly o: { high?: number; low?: number; samples?: number } = {},
  ) {
    this.current = max
  }

  /** Feeds one sample; the change it makes, or null. A change starts a new window. */
  observe(load: number): Change | null {
    const size = this.o.samples ?? ADAPTIVE.samples
    this.window = [...this.window, load].slice(-size)
    if (this.window.length < size) return null
    const samples = this.window
    let to = this.current
    if (samples.every((l) => l > (this.o.high ?? ADAPTIVE.high)) && this.current > 1) to = this.current - 1
    else if (samples.every((l) => l < (this.o.low ?? ADAPTIVE.low)) && this.current < this.max)
      to = this.current + 1
    if (to === this.current) return null
    const change = { from: this.current, to, samples }
    this.current = to
    this.window = []
    return change
  }
}

/** The busy fraction of all CPUs from /proc/stat's `cpu` line, between successive samples. */
export class ProcStatLoad implements LoadSource {
  readonly name = '/proc/stat'
  private last: { busy: number; total: number }

  constructor(private readonly read = () => readFileSync('/proc/stat', 'utf8')) {
    this.last = this.counters()
  }

  sample(): number {
    const now = this.counters()
    const total = now.total - this.last.total
    const busy = now.busy - this.last.busy
    this.last = now
    return total > 0 ? Math.max(0, Math.min(1, busy / total)) : 0
  }

  private counters() {
    const line = this.read().split('\n', 1)[0]!
    const f = line.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal (guest time is already in user and nice).
    const total = f.slice(0, 8).reduce((a, b) => a + (b || 0), 0)
    const idle = (f[3] ?? 0) + (f[4] ?? 0)
    return { busy: total - idle, total }
  }
}

/** The 1-minute load average over the CPU count, where there is no /proc/stat. */
export class LoadAverage implements LoadSource {
  readonly name = 'load average'
  sample(): number {
    return loadavg()[0]! / availableParallelism()
  }
}

export function systemLoad(): LoadSource {
  try {
    return new ProcStatLoad()
  } catch {
    return new LoadAverage()
  }
}

const pct = (l: number) => `${Math.round(l * 100)}%`

/** Samples the load every interval until the signal aborts, applying each change the controller makes. */
export async function runAdaptive(o: {
  max: number
  source?: LoadSource
  intervalMs?: number
  signal: AbortSignal
  logger: Logger
  apply: (n: number) => Promise<void>
}): Promise<void> {
  const source = o.source ?? systemLoad()
  const interval = o.intervalMs ?? ADAPTIVE.intervalMs
  const c = new ParallelismController(o.max)
  while (!o.signal.aborted) {
    await delay(interval, undefined, { signal: o.signal }).catch(() => {})
    if (o.signal.aborted) break
    let load: number
    try {
      load = await source.sample()
    } catch (err) {
      o.logger.warn(`could not read the CPU load (${source.name}): ${(err as Error).message}`)
      continue
    }
    const change = c.observe(load)
    if (!change) continue
    const [limit, side] = change.to < change.from ? [ADAPTIVE.high, 'over'] : [ADAPTIVE.low, 'under']
    o.logger.info(
      `parallelism ${change.from} -> ${change.to}: CPU load ${change.samples.map(pct).join(', ')} (${side} ${pct(limit)} for ${change.samples.length} samples ${interval / 1000} s apart, ${source.name})`,
      { parallelism: change.to, previous: change.from, load: change.samples, max: o.max },
    )
    await o.apply(change.to)
  }
}
