// gridcore node list: GET /api/nodes.
import { nodeTable } from '../../cluster/format.js'
import type { NodeInfo } from '../../hub/protocol.js'
import { clusterFlags, GridcoreCommand } from '../../lib/base-command.js'

export default class NodeList extends GridcoreCommand<{ nodes: NodeInfo[] }> {
  static override summary = 'List the nodes the hub knows, with their runtime status.'
  static override flags = { ...clusterFlags }

  async run(): Promise<{ nodes: NodeInfo[] }> {
    const { flags } = await this.parse(NodeList)
    const nodes = await this.hubClient(this.clusterFrom(flags)).listNodes()
    this.say(nodeTable(nodes))
    return { nodes }
  }
}
