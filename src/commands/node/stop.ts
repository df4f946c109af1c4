// gridcore node stop <id>: POST /api/nodes/{id}/stop; the node shuts down at its next heartbeat.
import { Args } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'

export default class NodeStop extends ClusterCommand<typeof NodeStop> {
  static override summary = 'Ask a node to stop gracefully (it sees the request on its next heartbeat).'
  static override args = {
    id: Args.string({ description: 'node id (see gridcore node list)', required: true }),
  }

  async run(): Promise<{ stop_requested: string }> {
    await this.hub().stopNode(this.args.id)
    this.say(`Stop requested for node ${this.args.id}`)
    return { stop_requested: this.args.id }
  }
}
