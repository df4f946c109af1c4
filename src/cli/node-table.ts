// node list's table with the contribution ledger: each node's task, items done and errors, then departed nodes.
import type { NodeListing } from '../cluster/ledger.js'
import { ago, fmtInt } from './format.js'
import { table } from './table.js'

export function nodeLedgerTable(l: NodeListing): string {
  const lines: string[] = []
  if (!l.nodes.length) lines.push('No nodes registered.')
  else
    lines.push(
      table(
        ['ID', 'HOST', 'GROUP', 'ARCH', 'STATUS', 'RUNTIME', 'ACTIVE', 'LAST SEEN', 'TASK', 'DONE', 'ERRORS'],
        l.nodes.map((n) => [
          n.id,
          n.hostname,
          n.group ? `${n.group}${n.group_explicit === false ? ' (auto)' : ''}` : 'default',
          n.architecture,
          n.status,
          n.runtime_status,
          n.active_containers,
          ago(n.last_seen),
          n.ledger?.task ?? n.serving ?? null,
          n.ledger ? fmtInt(n.ledger.done) : null,
          n.ledger ? fmtInt(n.ledger.failed) : null,
        ]),
      ),
    )
  if (l.departed.length) {
    lines.push('', 'Nodes no longer registered that committed items:')
    lines.push(
      table(
        ['ID', 'TASK', 'DONE', 'ERRORS'],
        l.departed.map((d) => [d.node, d.task, fmtInt(d.done), fmtInt(d.failed)]),
      ),
    )
  }
  if (l.note) lines.push('', `Ledger: ${l.note}`)
  return lines.join('\n')
}
