// Human renderings shared by commands: counts, rates, durations, "3s ago", node tables, task lists.
import type { NodeInfo, TaskList } from '../hub/protocol.js'
import type { RunSummary } from '../run/run.js'
import { table } from './table.js'

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US')

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
    ['ID', 'HOST', 'ARCH', 'CPUS', 'STATUS', 'RUNTIME', 'ACTIVE', 'LAST SEEN'],
    nodes.map((n) => [
      n.id,
      n.hostname,
      n.architecture,
      n.cpu_count,
      n.status,
      n.runtime_status,
      n.active_containers,
      ago(n.last_seen),
    ]),
  )
}

export function taskTable(tasks: TaskList): string {
  const rows: string[][] = [
    ...tasks.completed.map((n) => [n, 'Completed']),
    ...(tasks.current ? [[tasks.current, 'Running']] : []),
    ...tasks.pending.map((n) => [n, 'Pending']),
  ]
  return rows.length ? table(['TASK', 'STATUS'], rows) : 'No tasks registered.'
}

/** "1,000 items in 2.1s (476/s); 998 results in r.txt (1 failed, 1 dead: gridcore queue dead --queue Q)" */
export function runSummaryText(s: RunSummary): string {
  const ran = `${fmtInt(s.items)} items in ${s.seconds}s (${fmtRate(s.rate)})`
  const results = s.output ? `; ${fmtInt(s.done)} results in ${s.output}` : ''
  const failures =
    s.failed || s.dead
      ? ` (${s.failed} failed, ${s.dead} dead: gridcore queue dead --queue ${s.input_queue})`
      : ''
  return `${ran}${results}${failures}`
}
