// gridcore node list: GET /api/nodes.
import { ClusterCommand } from '../../cli/cluster-command.js'
import { nodeTable } from '../../cli/format.js'
import type { NodeInfo } from '../../hub/protocol.js'

export default class NodeList extends ClusterCommand<typeof NodeList> {
  static override summary = 'List the nodes the hub knows, with their runtime status.'

  async run(): Promise<{ nodes: NodeInfo[] }> {
    const nodes = await this.hub().listNodes()
    this.say(nodeTable(nodes))
    return { nodes }
  }
}
