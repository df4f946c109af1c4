// gridcore node stop <id>: POST /api/nodes/{id}/stop; the node shuts down at its next heartbeat.
import { Args } from '@oclif/core'
import { clusterFlags, GridcoreCommand } from '../../lib/base-command.js'

export default class NodeStop extends GridcoreCommand<{ stop_requested: string }> {
  static override summary = 'Ask a node to stop gracefully (it sees the request on its next heartbeat).'
  static override args = {
    id: Args.string({ description: 'node id (see gridcore node list)', required: true }),
  }
  static override flags = { ...clusterFlags }

  async run(): Promise<{ stop_requested: string }> {
    const { args, flags } = await this.parse(NodeStop)
    await this.hubClient(this.clusterFrom(flags)).stopNode(args.id)
    this.say(`Stop requested for node ${args.id}`)
    return { stop_requested: args.id }
  }
}
