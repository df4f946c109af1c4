// Scheduling from the command line: priority/group/after/auto-finish flags -> a task's fields, finishing a group's
// task or a task by name, cancelling and reprioritizing pending tasks, and each group's current task for status.
import type { HubClient } from '../client/hub-client.js'
import type { FinishResponse, NodeInfo, TaskList, TaskSpec } from '../hub/protocol.js'
import { DEFAULT_GROUP, GROUP_NAME, PRIORITY_NAMES, parsePriority } from '../hub/scheduler.js'
import { GridcoreError } from '../lib/errors.js'

export interface SchedulingInput {
  priority?: string
  group?: string
  after?: string[]
  autoFinish?: boolean
  /** Milliseconds. */
  autoFinishSettleMs?: number
}

/** A level from `--priority` or an argument: 0-4 or a name in any case; a clear USAGE error otherwise. */
export function priorityArg(value: string, where = '--priority'): number {
  const level = parsePriority(value)
  if (level === null)
    throw new GridcoreError(
      'USAGE',
      `${where} "${value}" is not a priority: use 0-4 or ${PRIORITY_NAMES.join(', ')} (0 CRITICAL is the most urgent, 2 NORMAL the default)`,
    )
  return level
}

export function groupArg(value: string, where = '--group'): string {
  if (!GROUP_NAME.test(value))
    throw new GridcoreError(
      'USAGE',
      `${where} "${value}" is not a group name: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`,
    )
  return value
}

/** The scheduling fields of a task spec (only those given). */
export function schedulingFields(i: SchedulingInput): Partial<TaskSpec> {
  const out: Partial<TaskSpec> = {}
  if (i.priority !== undefined) out.priority = priorityArg(i.priority)
  if (i.group !== undefined) out.group = groupArg(i.group)
  const after = (i.after ?? []).flatMap((a) => a.split(',')).map((a) => a.trim())
  if (after.some((a) => a === ''))
    throw new GridcoreError(
      'USAGE',
      '--after has an empty task name: pass --after NAME (repeatable, or NAME,NAME)',
    )
  if (after.length) out.after = after
  if (i.autoFinish) out.auto_finish = true
  if (i.autoFinishSettleMs !== undefined) {
    if (!i.autoFinish)
      throw new GridcoreError('USAGE', '--auto-finish-settle needs --auto-finish (the settle time is for it)')
    out.auto_finish_settle = i.autoFinishSettleMs / 1000
  }
  return out
}

/** A group's lists from GET /api/tasks (an upstream hub, or no task outside `default`: the top-level lists). */
export function groupOf(tasks: TaskList, group: string) {
  const g = tasks.groups?.[group]
  if (g) return g
  if (group === DEFAULT_GROUP) return { ...tasks, cancelled: [] as string[] }
  return { current: null, pending: [] as string[], completed: [] as string[], cancelled: [] as string[] }
}

/**
 * Completes a group's current task (default: `default`) or a running task by name, and starts the next. With
 * nothing running there it refuses (exit 6) and leaves the hub alone.
 */
export async function finishTask(
  hub: HubClient,
  cluster: string,
  which: { group?: string; name?: string } = {},
): Promise<FinishResponse> {
  if (which.name !== undefined) {
    try {
      return await hub.finishIn({ name: which.name })
    } catch (err) {
      throw refusal(err, which.name, 'finished')
    }
  }
  const group = which.group ?? DEFAULT_GROUP
  if (!groupOf(await hub.listTasks(), group).current) {
    const where = group === DEFAULT_GROUP ? '' : ` in group ${group}`
    throw new GridcoreError(
      'NOTHING_RUNNING',
      `nothing is running${where} on cluster "${cluster}", so there is no task to finish: see gridcore task list`,
    )
  }
  return group === DEFAULT_GROUP ? hub.finishTask() : hub.finishIn({ group })
}

export async function cancelTask(hub: HubClient, name: string) {
  try {
    return await hub.cancelTask(name)
  } catch (err) {
    throw refusal(err, name, 'cancelled')
  }
}

export async function changePriority(hub: HubClient, name: string, level: string) {
  const priority = priorityArg(level, 'the level')
  try {
    return await hub.setPriority(name, priority)
  } catch (err) {
    throw refusal(err, name, 'given another priority')
  }
}

export async function taskDetails(hub: HubClient, name: string) {
  try {
    return await hub.taskDetails(name)
  } catch (err) {
    throw refusal(err, name, 'shown')
  }
}

/** The hub's 404/409 as one line that says what to do; a hub without the route (upstream) says so. */
function refusal(err: unknown, name: string, verb: string): unknown {
  if (!(err instanceof GridcoreError) || err.code !== 'HUB_REJECTED') return err
  const status = err.details?.status
  const body = String(err.details?.body ?? '')
  if (status === 404 && body.startsWith('Task '))
    return new GridcoreError('HUB_REJECTED', `no task named '${name}' on the hub: see gridcore task list`, {
      status,
    })
  if (status === 404 || status === 405)
    return new GridcoreError(
      'HUB_REJECTED',
      `the hub does not schedule (no such route: an upstream ComputeHub?), so '${name}' cannot be ${verb}`,
      { status },
    )
  if (status === 409 || status === 422) return new GridcoreError('HUB_REJECTED', body, { status })
  return err
}

export interface GroupStatus {
  group: string
  current: string | null
  pending: number
  completed: number
  /** Nodes that registered in this group (an upstream node: `default`). */
  nodes: number
}

/** Each group's current task, from the task lists and the nodes (a group with nodes and no task is shown too). */
export function groupStatus(tasks: TaskList, nodes: NodeInfo[]): GroupStatus[] {
  const names = new Set([DEFAULT_GROUP, ...Object.keys(tasks.groups ?? {})])
  for (const n of nodes) names.add(n.group ?? DEFAULT_GROUP)
  return [...names].sort().map((group) => {
    const g = groupOf(tasks, group)
    return {
      group,
      current: g.current,
      pending: g.pending.length,
      completed: g.completed.length,
      nodes: nodes.filter((n) => (n.group ?? DEFAULT_GROUP) === group).length,
    }
  })
}
