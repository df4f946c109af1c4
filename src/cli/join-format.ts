// What join says on a terminal: where this machine joined, what its node may run, and how to leave.
import type { JoinResult } from '../deploy/joined/join.js'

export function joinText(r: JoinResult): string {
  if (r.already_joined)
    return `This machine's node ${r.node_id} already runs in the cluster at ${r.hub_url} (pid ${r.pid}); nothing changed. Stop it with: gridcore leave`
  const commands = r.allowed_commands.includes('*')
    ? 'any command'
    : r.allowed_commands.length
      ? r.allowed_commands.join(', ')
      : undefined
  const images = r.runtime === 'process' ? undefined : 'container images'
  const runs = commands
    ? [commands, images].filter(Boolean).join(' and ')
    : 'container images only (allow commands with --runtime process or --allow-command)'
  return `Joined the cluster at ${r.hub_url} as node ${r.node_id} (pid ${r.pid}; runs ${runs}). Log: ${r.log}. Leave with: gridcore leave`
}
