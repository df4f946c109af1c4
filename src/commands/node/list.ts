// gridcore node list [--group G]: GET /api/nodes (optionally one worker group's).
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { nodeTable } from '../../cli/format.js'
import { groupArg } from '../../cluster/schedule.js'
import type { NodeInfo } from '../../hub/protocol.js'

export default class NodeList extends ClusterCommand<typeof NodeList> {
  static override summary = 'List the nodes the hub knows, with their group and runtime status.'
  static override flags = {
    group: Flags.string({
      description: 'only nodes of this worker group (a node that names none is in default)',
    }),
  }

  async run(): Promise<{ nodes: NodeInfo[] }> {
    const hub = this.hub()
    const nodes =
      this.flags.group === undefined
        ? await hub.listNodes()
        : await hub.groupNodes(groupArg(this.flags.group))
    this.say(nodeTable(nodes))
    return { nodes }
  }
}
