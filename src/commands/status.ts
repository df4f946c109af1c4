// gridcore status: hub health, nodes, tasks and the current task's queue depths.
import { ClusterCommand } from '../cli/cluster-command.js'
import { groupsLine, nodeTable, runtimeErrorText } from '../cli/format.js'
import { localLines } from '../cli/local-format.js'
import { clusterStatus, type StatusReport } from '../cluster/status.js'

export default class Status extends ClusterCommand<typeof Status> {
  static override summary = 'Show hub health, nodes, tasks and the current queue depths.'
  static override description =
    `For each node whose instances failed, its runtime_error: the task, the last lines the
failing instance wrote (or why it could not start), its exit code or signal, how many instances failed, and the log
file on that node (also in --json, on each node).`

  async run(): Promise<StatusReport> {
    const r = await clusterStatus(this.cluster(), this.hub())
    this.say(`Cluster ${r.cluster}: hub ${r.hub.url} healthy`)
    this.say(
      `Tasks: current ${r.tasks.current ?? 'none'}; ${r.tasks.pending.length} pending; ${r.tasks.completed.length} completed`,
    )
    if (r.groups.length > 1) this.say(groupsLine(r.groups))
    if (r.queues) {
      const q = r.queues
      this.say(
        `Queues (${q.redis}): ${q.input_queue} ${q.input_length} waiting` +
          (q.output_queue ? `; ${q.output_queue} ${q.output_length} results` : '') +
          (q.stats
            ? `; ${Object.entries(q.stats)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')}`
            : ''),
      )
    } else if (r.queues_note) this.say(`Queues: ${r.queues_note}`)
    this.say(`Nodes: ${r.nodes.length}`)
    if (r.nodes.length) this.say(nodeTable(r.nodes))
    for (const n of r.nodes) if (n.runtime_error) this.say(runtimeErrorText(n))
    for (const line of r.local ? localLines(r.local) : []) this.say(line)
    return r
  }
}
