// Human renderings shared by commands (node tables, task lists).
import type { NodeInfo, TaskList } from '../hub/protocol.js'
import { table } from '../lib/table.js'
import { ago } from '../lib/time.js'

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
