// The scheduling rules: priority levels, worker groups, which pending task of a group starts next, and when a
// newly registered task preempts the running one.

/** AntCode's five levels, most urgent first; a task without a priority is NORMAL. */
export const PRIORITY_NAMES = ['CRITICAL', 'HIGH', 'NORMAL', 'LOW', 'IDLE'] as const
export const DEFAULT_PRIORITY = 2
export const DEFAULT_GROUP = 'default'
/** A new task this many levels (or more) above its group's running task takes its place at once. */
export const PREEMPT_GAP = 3
/** Group names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 64 characters. */
export const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** A level from its number (0-4) or its name (any case); null when it is neither. */
export function parsePriority(value: string | number): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 4 ? value : null
  const v = value.trim()
  if (/^[0-4]$/.test(v)) return Number(v)
  const i = PRIORITY_NAMES.indexOf(v.toUpperCase() as (typeof PRIORITY_NAMES)[number])
  return i < 0 ? null : i
}

export const priorityName = (level: number): string => PRIORITY_NAMES[level] ?? String(level)

/** What the rules need to know about a task. */
export interface Schedulable {
  id: number
  status: 'Pending' | 'Running' | 'Completed' | 'Cancelled'
  priority: number
  group: string
  /** Order within a level: registration order, or below every other for a preempted task (front of its level). */
  queued: number
  afterIds: number[]
}

/** Whether every task it waits for is completed (a cancelled one never will be). */
export function ready(t: Schedulable, byId: (id: number) => Schedulable | undefined): boolean {
  return t.afterIds.every((id) => byId(id)?.status === 'Completed')
}

/** Pending order: the most urgent level first, then FIFO within a level (a preempted task at its front). */
export const pendingOrder = (a: Schedulable, b: Schedulable): number =>
  a.priority - b.priority || a.queued - b.queued

/** The pending task of `group` that starts next: ready, most urgent, first queued. */
export function nextOf<T extends Schedulable>(
  tasks: readonly T[],
  group: string,
  byId: (id: number) => Schedulable | undefined,
): T | undefined {
  let best: T | undefined
  for (const t of tasks) {
    if (t.status !== 'Pending' || t.group !== group || !ready(t, byId)) continue
    if (!best || pendingOrder(t, best) < 0) best = t
  }
  return best
}

/** Whether a new task of `newPriority` takes the place of a running task of `runningPriority`. */
export const preempts = (newPriority: number, runningPriority: number): boolean =>
  runningPriority - newPriority >= PREEMPT_GAP

/**
 * The group whose current task a node runs. A node that named no group (an upstream gridnode) is in `default`; one
 * whose group was set (config, flag, WORKER_GROUP) runs only that group's task; one whose group was auto-detected
 * runs its group's task while that group has one running, else the `default` group's.
 */
export function servedGroup(
  group: string | undefined,
  explicit: boolean,
  hasRunning: (group: string) => boolean,
): string {
  if (!group) return DEFAULT_GROUP
  if (explicit || hasRunning(group)) return group
  return DEFAULT_GROUP
}
