// The hub's task list: registration (dependencies, preemption), each group's current task, finish, cancel,
// priority changes, and the upstream and per-group views of it. Persisted whole as PersistedTasks.
import type { GroupTasks, TaskDetails, TaskList, TaskSpec, TaskState } from './protocol.js'
import { DEFAULT_GROUP, nextOf, pendingOrder, preempts, ready } from './scheduler.js'
import type { EndedBy, TaskEntry } from './task-entry.js'
import { findNamed, groupLists, groupOf, priorityOf, taskDetails, taskList, view } from './task-views.js'

/** The part of the hub's state that survives a restart. */
export interface PersistedTasks {
  tasks: TaskEntry[]
  /** Per group, the id of the task started last: what a bare finish completes (again) when nothing runs. */
  last_started: Record<string, number>
  next_id: number
  /** The next front-of-level position (negative, decreasing): where a preempted task is queued again. */
  front: number
}

export type AddResult = { started: boolean; preempted?: string } | { conflict: true } | { refused: string }

export type PendingChange = { ok: TaskEntry } | { missing: true } | { notPending: TaskState }

export class TaskBook {
  private readonly tasks: TaskEntry[]
  private readonly lastStarted: Map<string, number>
  private nextId: number
  private front: number

  constructor(
    initial: PersistedTasks | undefined,
    private readonly now: () => number,
  ) {
    this.tasks = initial?.tasks ?? []
    this.lastStarted = new Map(Object.entries(initial?.last_started ?? {}))
    this.nextId = initial?.next_id ?? this.tasks.length + 1
    this.front = initial?.front ?? -1
    this.schedule()
  }

  snapshot(): PersistedTasks {
    return {
      tasks: this.tasks.map((t) => ({ ...t, after_ids: [...t.after_ids] })),
      last_started: Object.fromEntries(this.lastStarted),
      next_id: this.nextId,
      front: this.front,
    }
  }

  private byId = (id: number): TaskEntry | undefined => this.tasks.find((t) => t.id === id)
  private view = view
  private schedView = (id: number) => {
    const e = this.byId(id)
    return e && this.view(e)
  }
  private stamp = () => new Date(this.now()).toISOString()

  running(group = DEFAULT_GROUP): TaskEntry | undefined {
    return this.tasks.find((t) => t.status === 'Running' && groupOf(t) === group)
  }

  runningAll(): TaskEntry[] {
    return this.tasks.filter((t) => t.status === 'Running')
  }

  /** Every task, in registration order (read-only: changes go through the methods). */
  all(): readonly TaskEntry[] {
    return this.tasks
  }

  /**
   * Appends a task. It starts at once when its group runs nothing and every task it waits for is completed, or
   * when it is PREEMPT_GAP levels above its group's running task (which goes back to the front of its level).
   */
  add(spec: TaskSpec, opts: { unique?: boolean } = {}): AddResult {
    if (opts.unique && this.tasks.some((t) => isOpen(t) && t.spec.name === spec.name))
      return { conflict: true }
    const afterIds: number[] = []
    for (const name of spec.after ?? []) {
      const dep = [...this.tasks].reverse().find((t) => t.spec.name === name && t.status !== 'Cancelled')
      if (!dep) {
        const cancelled = this.tasks.some((t) => t.spec.name === name)
        return {
          refused: cancelled
            ? `Task '${spec.name}' waits for '${name}', which was cancelled: drop it from after`
            : `Task '${spec.name}' waits for '${name}', which is not registered: register '${name}' first (only earlier tasks can be named in after)`,
        }
      }
      if (!afterIds.includes(dep.id)) afterIds.push(dep.id)
    }
    const id = this.nextId++
    const entry: TaskEntry = {
      id,
      spec,
      status: 'Pending',
      after_ids: afterIds,
      queued: id,
      registered_at: this.stamp(),
      started_at: null,
      finished_at: null,
      ended_by: null,
      preemptions: 0,
    }
    this.tasks.push(entry)
    const current = this.running(groupOf(entry))
    let preempted: string | null = null
    if (
      current &&
      ready(this.view(entry), this.schedView) &&
      preempts(priorityOf(entry), priorityOf(current))
    ) {
      current.status = 'Pending'
      current.queued = this.front--
      current.preemptions++
      this.start(entry)
      preempted = current.spec.name
    }
    this.schedule()
    return { started: entry.status === 'Running', ...(preempted ? { preempted } : {}) }
  }

  /**
   * Completes `group`'s running task and starts the next. When the group runs nothing, the task it started last is
   * completed again (upstream's answer); null when the group never started one.
   */
  finish(group: string, by: EndedBy = 'finish'): { completed: string; started: string | null } | null {
    const current = this.running(group)
    const last = current ?? this.byId(this.lastStarted.get(group) ?? -1)
    if (!last) return null
    if (current) this.complete(current, by)
    return { completed: last.spec.name, started: this.schedule().get(group)?.spec.name ?? null }
  }

  /** Completes one running task by id (auto-finish); returns what started in its group. */
  finishId(id: number, by: EndedBy): { completed: string; started: string | null } | null {
    const t = this.tasks.find((e) => e.id === id && e.status === 'Running')
    if (!t) return null
    this.complete(t, by)
    return { completed: t.spec.name, started: this.schedule().get(groupOf(t))?.spec.name ?? null }
  }

  /** Legacy /api/tasks/next on `group`: completes its running task (if any) and starts the next, or null. */
  next(group: string): { previous: string; current: string } | null {
    const current = this.running(group)
    const previous = (current ?? this.byId(this.lastStarted.get(group) ?? -1))?.spec.name ?? 'none'
    if (current) this.complete(current, 'finish')
    const started = this.schedule().get(group)
    return started ? { previous, current: started.spec.name } : null
  }

  /** Cancels a pending task of that name (the one that would start first); its dependants stay blocked. */
  cancel(name: string): PendingChange & { blocked?: string[] } {
    const r = this.pendingNamed(name)
    if (!('ok' in r)) return r
    const t = r.ok
    t.status = 'Cancelled'
    t.finished_at = this.stamp()
    t.ended_by = 'cancel'
    const blocked = this.tasks
      .filter((d) => d.status === 'Pending' && d.after_ids.includes(t.id))
      .map((d) => d.spec.name)
    return { ok: t, blocked }
  }

  /** Moves a pending task to another level; FIFO among that level's tasks by registration. */
  setPriority(name: string, level: number): PendingChange {
    const r = this.pendingNamed(name)
    if ('ok' in r) r.ok.spec = { ...r.ok.spec, priority: level }
    return r
  }

  private pendingNamed(name: string): PendingChange {
    const named = this.tasks.filter((t) => t.spec.name === name)
    if (!named.length) return { missing: true }
    const pending = named
      .filter((t) => t.status === 'Pending')
      .sort((a, b) => pendingOrder(this.view(a), this.view(b)))
    if (pending[0]) return { ok: pending[0] }
    const running = named.find((t) => t.status === 'Running')
    return { notPending: running ? 'Running' : named.at(-1)!.status }
  }

  private complete(t: TaskEntry, by: EndedBy) {
    t.status = 'Completed'
    t.finished_at = this.stamp()
    t.ended_by = by
  }

  private start(t: TaskEntry) {
    t.status = 'Running'
    t.started_at = this.stamp()
    this.lastStarted.set(groupOf(t), t.id)
  }

  /** Starts the next task of every group that runs nothing; returns what started, by group. */
  private schedule(): Map<string, TaskEntry> {
    const started = new Map<string, TaskEntry>()
    const views = this.tasks.map(this.view)
    for (const group of new Set(views.filter((v) => v.status === 'Pending').map((v) => v.group))) {
      if (this.running(group)) continue
      const next = nextOf(views, group, this.schedView)
      if (!next) continue
      this.start(next.entry)
      next.status = 'Running'
      started.set(group, next.entry)
    }
    return started
  }

  /** One group's lists: pending in the order they would start, the others in registration order. */
  group(group: string): GroupTasks {
    return groupLists(this.tasks, group)
  }

  /** GET /api/tasks: upstream's shape for the `default` group; `groups` only once a task is outside it. */
  list(): TaskList {
    return taskList(this.tasks)
  }

  /** The task a name means: the running one, else the next pending one, else the latest registered. */
  find(name: string): TaskEntry | undefined {
    return findNamed(this.tasks, name)
  }

  details(t: TaskEntry): TaskDetails {
    return taskDetails(this.tasks, t)
  }
}

const isOpen = (t: TaskEntry) => t.status === 'Pending' || t.status === 'Running'
