// Human renderings shared by commands: counts, rates, durations, "3s ago", node tables, task lists.
import type { GroupStatus } from '../cluster/schedule.js'
import type { GroupTasks, NodeInfo, TaskDetails, TaskList } from '../hub/protocol.js'
import { showItem } from '../run/failures.js'
import type { RunSummary } from '../run/run.js'
import { table } from './table.js'

/** 1234567 as 1,234,567: en-US grouping without Intl, whose first use costs a command about 40 ms of start-up. */
export const fmtInt = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')

export function fmtRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M/s`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k/s`
  return `${perSecond.toFixed(0)}/s`
}

/** Seconds as 4.2s, 42s, 3m07s or 2h05m ("?" when unknown). */
export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`
  const m = Math.floor(seconds / 60)
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  return `${Math.floor(s / 3600)}h ago`
}

export function nodeTable(nodes: NodeInfo[]): string {
  if (!nodes.length) return 'No nodes registered.'
  return table(
    ['ID', 'HOST', 'ADDRESS', 'GROUP', 'ARCH', 'CPUS', 'STATUS', 'RUNTIME', 'ACTIVE', 'LAST SEEN'],
    nodes.map((n) => [
      n.id,
      n.hostname,
      n.address ?? '-',
      n.group ? `${n.group}${n.group_explicit === false ? ' (auto)' : ''}` : 'default',
      n.architecture,
      n.cpu_count,
      n.status,
      n.runtime_status,
      n.active_containers,
      ago(n.last_seen),
    ]),
  )
}

/** A node's runtime_error: what failed, how, how often, where its log is, then the error's lines, indented. */
export function runtimeErrorText(n: NodeInfo): string {
  const r = n.runtime_error!
  const how =
    r.exit_code !== null ? `exit code ${r.exit_code}` : r.signal ? `killed by ${r.signal}` : 'did not start'
  const head = `Node ${n.id} (${n.hostname}): instances of task ${r.task} fail (${how}, ${fmtInt(r.failed_instances)} failed, last ${ago(r.at)}; log on the node: ${r.log_path ?? 'none'}):`
  const lines = r.message.split('\n').filter((l) => l.trim())
  return [head, ...lines.map((l) => `  ${l}`)].join('\n')
}

export function taskTable(tasks: TaskList): string {
  const rows: string[][] = [
    ...tasks.completed.map((n) => [n, 'Completed']),
    ...(tasks.current ? [[tasks.current, 'Running']] : []),
    ...tasks.pending.map((n) => [n, 'Pending']),
  ]
  return rows.length ? table(['TASK', 'STATUS'], rows) : 'No tasks registered.'
}

/** Every group's tasks: one row per task, pending in the order they start. */
export function groupTaskTable(groups: Record<string, GroupTasks>): string {
  const rows = Object.entries(groups).flatMap(([group, g]) => [
    ...g.completed.map((n) => [n, group, 'Completed']),
    ...g.cancelled.map((n) => [n, group, 'Cancelled']),
    ...(g.current ? [[g.current, group, 'Running']] : []),
    ...g.pending.map((n, i) => [n, group, `Pending (${i + 1})`]),
  ])
  return rows.length ? table(['TASK', 'GROUP', 'STATUS'], rows) : 'No tasks registered.'
}

export function taskDetailsText(d: TaskDetails): string {
  const lines = [
    `Task ${d.name}: ${d.status}${d.position ? ` (starts ${ordinal(d.position)} in its group)` : ''}`,
    `  group ${d.group}, priority ${d.priority_name} (${d.priority})${d.auto_finish ? ', auto-finish' : ''}`,
  ]
  if (d.after.length) lines.push(`  after ${d.after.join(', ')}`)
  if (d.waiting_for.length) lines.push(`  waiting for ${d.waiting_for.join(', ')}`)
  if (d.preemptions) lines.push(`  preempted ${d.preemptions} time(s)`)
  const times = [
    ['registered', d.registered_at],
    ['started', d.started_at],
    [
      d.ended_by === 'cancel' ? 'cancelled' : `finished${d.ended_by === 'auto-finish' ? ' (auto)' : ''}`,
      d.finished_at,
    ],
  ].filter(([, t]) => t)
  if (times.length) lines.push(`  ${times.map(([w, t]) => `${w} ${t}`).join(', ')}`)
  return lines.join('\n')
}

/** "Groups: default running a (2 pending, 1 node); gpu running b (0 pending, 1 node)" */
export function groupsLine(groups: GroupStatus[]): string {
  const one = (g: GroupStatus) =>
    `${g.group} ${g.current ? `running ${g.current}` : 'idle'} (${g.pending} pending, ${g.nodes} node${g.nodes === 1 ? '' : 's'})`
  return `Groups: ${groups.map(one).join('; ')}`
}

const ordinal = (n: number) => (n === 1 ? 'next' : `${n}th`)

/**
 * "1,000 items in 2.1s (476/s); 998 results in r.txt" and, when items failed, their error groups (count, error,
 * sample items) and the commands to see them and to run them again — one line each.
 */
export function runSummaryText(s: RunSummary): string {
  const ran = `${fmtInt(s.items)} items in ${s.seconds}s (${fmtRate(s.rate)})`
  const results = `; ${fmtInt(s.done)} results${s.output ? ` in ${s.output}` : ''}`
  if (!s.failed && !s.dead) return `${ran}${results}`
  const lines = [`${ran}${results}; ${fmtInt(s.failed)} failed, ${fmtInt(s.dead)} dead:`]
  for (const g of s.failures)
    lines.push(`  ${fmtInt(g.count)} ${g.list}: ${g.error} (e.g. ${g.samples.map(showItem).join(', ')})`)
  if (s.next?.failed) lines.push(`See the failed items: ${s.next.failed}`)
  if (s.next?.dead) lines.push(`See the dead items: ${s.next.dead}`)
  if (s.next) lines.push(`Fix the cause, then run them again: ${s.next.retry}`)
  return lines.join('\n')
}
