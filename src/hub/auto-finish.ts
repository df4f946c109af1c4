// Auto-finish: every interval the hub asks a DrainWatcher (plugged in by `hub start`; the queue rules live above
// the hub) which running `auto_finish` tasks have drained queues, and finishes each one that stayed drained for its
// settle time. The hub owns the clock and the finishing; the watcher owns Redis and the drained rule.
import type { Logger } from '../lib/logger.js'
import type { NodeInfo, TaskSpec } from './protocol.js'
import { DEFAULT_GROUP } from './scheduler.js'
import type { HubState } from './state.js'
import type { TaskStore } from './store.js'

/** A running auto-finish task, as the watcher is asked about it. */
export interface DrainProbe {
  /** The hub's id of the task: the same on every call while it runs (names may repeat). */
  id: number
  spec: TaskSpec
  group: string
  /** The online nodes that run this group's task now (their instances' activity counts for consumers without counters). */
  nodes: NodeInfo[]
}

export interface DrainWatcher {
  /** The ids of `tasks` whose queues are drained now. Tasks not asked about any more may be forgotten. */
  drained(tasks: DrainProbe[]): Promise<Set<number>>
  close(): Promise<void>
}

export interface AutoFinishOptions {
  /** How often queues are checked (default 1 s). */
  intervalMs?: number
  /** How long a task must stay drained before it is finished, unless it says (auto_finish_settle); default 10 s. */
  settleMs?: number
}

export const DEFAULT_AUTO_FINISH_SETTLE_MS = 10_000

export class AutoFinisher {
  private readonly since = new Map<number, number>()
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> = Promise.resolve()
  private failing = false

  constructor(
    private readonly state: HubState,
    private readonly store: TaskStore,
    private readonly watcher: DrainWatcher,
    private readonly logger: Logger,
    private readonly opts: AutoFinishOptions = {},
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const interval = this.opts.intervalMs ?? 1_000
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.tick())
    }, interval)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.ticking
    await this.watcher.close()
  }

  /** One check: asks the watcher, keeps when each task was first seen drained, finishes those settled. */
  async tick(): Promise<void> {
    const running = this.state.autoFinishing()
    const probes: DrainProbe[] = running.map((t) => {
      const group = t.spec.group ?? DEFAULT_GROUP
      return { id: t.id, spec: t.spec, group, nodes: this.state.nodesServing(group) }
    })
    let drained: Set<number>
    try {
      drained = await this.watcher.drained(probes)
    } catch (err) {
      if (!this.failing) this.logger.warn(`auto-finish: cannot check queues: ${(err as Error).message}`)
      this.failing = true
      return
    }
    this.failing = false
    const now = this.now()
    const ids = new Set(probes.map((p) => p.id))
    for (const id of this.since.keys()) if (!ids.has(id)) this.since.delete(id)
    for (const t of running) {
      if (!drained.has(t.id)) {
        this.since.delete(t.id)
        continue
      }
      const since = this.since.get(t.id) ?? now
      this.since.set(t.id, since)
      const settle =
        t.spec.auto_finish_settle != null
          ? t.spec.auto_finish_settle * 1000
          : (this.opts.settleMs ?? DEFAULT_AUTO_FINISH_SETTLE_MS)
      if (now - since < settle) continue
      const r = this.state.finishId(t.id, 'auto-finish')
      this.since.delete(t.id)
      if (!r) continue
      this.store.save(this.state.snapshot())
      this.logger.info(
        `auto-finished '${r.completed}' (queues drained)${r.started ? `, started '${r.started}'` : ''}`,
        { task: r.completed, started: r.started, group: t.spec.group ?? DEFAULT_GROUP },
      )
    }
  }
}
