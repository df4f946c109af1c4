// Read-only views of the task list: one group's lists, upstream's GET /api/tasks shape, which task a name means,
// and one task's details. The list itself (and every change to it) is TaskBook's.
import type { GroupTasks, TaskDetails, TaskList, TaskState } from './protocol.js'
import { DEFAULT_GROUP, DEFAULT_PRIORITY, pendingOrder, priorityName, type Schedulable } from './scheduler.js'
import type { TaskEntry } from './task-entry.js'

export const groupOf = (e: TaskEntry) => e.spec.group ?? DEFAULT_GROUP
export const priorityOf = (e: TaskEntry) => e.spec.priority ?? DEFAULT_PRIORITY

/** What the scheduling rules see of an entry (and the entry). */
export const view = (e: TaskEntry): Schedulable & { entry: TaskEntry } => ({
  id: e.id,
  status: e.status,
  priority: priorityOf(e),
  group: groupOf(e),
  queued: e.queued,
  afterIds: e.after_ids,
  entry: e,
})

/** Pending entries in the order they would start. */
const pendingSorted = (tasks: readonly TaskEntry[]) =>
  tasks
    .filter((t) => t.status === 'Pending')
    .map(view)
    .sort(pendingOrder)
    .map((v) => v.entry)

/** One group's lists: pending in the order they would start, the others in registration order. */
export function groupLists(tasks: readonly TaskEntry[], group: string): GroupTasks {
  const mine = tasks.filter((t) => groupOf(t) === group)
  const names = (s: TaskState) => mine.filter((t) => t.status === s).map((t) => t.spec.name)
  const pending = pendingSorted(mine).map((t) => t.spec.name)
  return {
    current: mine.find((t) => t.status === 'Running')?.spec.name ?? null,
    pending,
    completed: names('Completed'),
    cancelled: names('Cancelled'),
  }
}

/** GET /api/tasks: upstream's shape for the `default` group; `groups` only once a task is outside it. */
export function taskList(tasks: readonly TaskEntry[]): TaskList {
  const { current, pending, completed } = groupLists(tasks, DEFAULT_GROUP)
  const out: TaskList = { current, pending, completed }
  const groups = [...new Set(tasks.map(groupOf))].sort()
  if (groups.some((g) => g !== DEFAULT_GROUP))
    out.groups = Object.fromEntries(groups.map((g) => [g, groupLists(tasks, g)]))
  return out
}

/** The task a name means: the running one, else the next pending one, else the latest registered. */
export function findNamed(tasks: readonly TaskEntry[], name: string): TaskEntry | undefined {
  const named = tasks.filter((t) => t.spec.name === name)
  return named.find((t) => t.status === 'Running') ?? pendingSorted(named)[0] ?? named.at(-1)
}

export function taskDetails(tasks: readonly TaskEntry[], t: TaskEntry): TaskDetails {
  const level = priorityOf(t)
  const waiting = t.after_ids
    .map((id) => tasks.find((o) => o.id === id))
    .filter((d) => d && d.status !== 'Completed')
    .map((d) => (d!.status === 'Cancelled' ? `${d!.spec.name} (cancelled)` : d!.spec.name))
  const position =
    t.status === 'Pending'
      ? pendingSorted(tasks.filter((o) => groupOf(o) === groupOf(t))).indexOf(t) + 1
      : null
  return {
    name: t.spec.name,
    status: t.status,
    priority: level,
    priority_name: priorityName(level),
    group: groupOf(t),
    after: t.spec.after ?? [],
    waiting_for: waiting,
    auto_finish: t.spec.auto_finish === true,
    position,
    registered_at: t.registered_at,
    started_at: t.started_at,
    finished_at: t.finished_at,
    ended_by: t.ended_by,
    preemptions: t.preemptions,
    spec: t.spec,
  }
}
