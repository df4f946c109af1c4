// The `local` block of gridcore status as text: each recorded process alive or gone, and what the node may run.
import type { LocalBlock } from '../cluster/local-processes.js'

export function localLines(b: LocalBlock): string[] {
  const procs = b.processes
    .filter((p) => p.state !== 'not-managed')
    .map(
      (p) =>
        `${p.name} ${p.state === 'alive' ? 'alive' : p.state.toUpperCase()}${p.pid ? ` (pid ${p.pid})` : ''}`,
    )
  const lines = [`Local processes: ${procs.join(', ')}${b.fix ? ` — fix: ${b.fix}` : ''}`]
  if (b.status !== 'running') lines.push(`Local cluster is ${b.status} (${b.state_file})`)
  if (b.note) lines.push(`Note: ${b.note}`)
  return lines
}
