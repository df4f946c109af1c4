// GET /api/overview: everything the status page shows in one answer — nodes (with where they connect from, the task
// they serve and what they committed to it), every group's tasks, each running task's progress, log counters.
import type { GroupTasks, NodeInfo } from './protocol.js'
import type { QueueStats, TaskProgress } from './queue-stats.js'
import { DEFAULT_GROUP } from './scheduler.js'
import type { HubState } from './state.js'
import { groupOf } from './task-views.js'

export interface OverviewNode extends Omit<NodeInfo, 'address'> {
  /** The address its latest register or heartbeat came from, when known. */
  address: string | null
  /** The task its group runs now (what it works on), or null. */
  serving: string | null
  /** What it committed to that task (the contribution ledger), or null when unknown. */
  ledger: { task: string; done: number; failed: number } | null
}

export interface OverviewGroup extends GroupTasks {
  group: string
  /** The current task's progress, or null when the group runs nothing. */
  progress: TaskProgress | null
}

export interface Overview {
  now: string
  nodes: OverviewNode[]
  groups: OverviewGroup[]
  logs: { received: number; dropped: number; rings: number }
}

export function overview(state: HubState, stats: QueueStats, now = Date.now()): Overview {
  /** Each group's running task's progress. */
  const progress = new Map(state.tasks.runningAll().map((t) => [groupOf(t), stats.progress(t)] as const))
  const nodes = state.nodes.list().map((n): OverviewNode => {
    const p = progress.get(state.groupServed(n.group ? { group: n.group, explicit: n.group_explicit } : {}))
    const mine = p && !p.error ? (p.ledger[n.id] ?? { done: 0, failed: 0 }) : null
    return {
      ...n,
      address: state.nodes.addressOf(n.id) ?? null,
      serving: p?.task ?? null,
      ledger: p && mine ? { task: p.task, ...mine } : null,
    }
  })
  const groupNames = [
    ...new Set([
      DEFAULT_GROUP,
      ...state.tasks.all().map(groupOf),
      // A node's own group when it was set (a detected one without tasks would only be noise).
      ...nodes.filter((n) => n.group && n.group_explicit !== false).map((n) => n.group!),
    ]),
  ].sort((a, b) => (a === DEFAULT_GROUP ? -1 : b === DEFAULT_GROUP ? 1 : a.localeCompare(b)))
  const groups = groupNames.map((group): OverviewGroup => {
    const lists = state.tasks.group(group)
    return { group, ...lists, progress: progress.get(group) ?? null }
  })
  const c = state.logs.counters
  return {
    now: new Date(now).toISOString(),
    nodes,
    groups,
    logs: { received: c.received, dropped: c.droppedByNodes + c.droppedByHub, rings: state.logs.ringCount },
  }
}
