// gridcore status: hub health, nodes, tasks and the current task's queue depths.

import { nodeTable } from '../cluster/format.js'
import { clusterStatus, type StatusReport } from '../cluster/status.js'
import { clusterFlags, GridcoreCommand } from '../lib/base-command.js'

export default class Status extends GridcoreCommand<StatusReport> {
  static override summary = 'Show hub health, nodes, tasks and the current queue depths.'
  static override flags = { ...clusterFlags }

  async run(): Promise<StatusReport> {
    const { flags } = await this.parse(Status)
    const profile = this.clusterFrom(flags)
    const r = await clusterStatus(profile, this.hubClient(profile))
    this.say(`Cluster ${r.cluster}: hub ${r.hub.url} healthy`)
    this.say(
      `Tasks: current ${r.tasks.current ?? 'none'}; ${r.tasks.pending.length} pending; ${r.tasks.completed.length} completed`,
    )
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
    return r
  }
}
