// gridcore node list [--group G] [--task NAME]: the hub's nodes, each credited with what it committed.
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { nodeLedgerTable } from '../../cli/node-table.js'
import { listNodesWithLedger, type NodeListing } from '../../cluster/ledger.js'
import { groupArg } from '../../cluster/schedule.js'

export default class NodeList extends ClusterCommand<typeof NodeList> {
  static override summary =
    'List the nodes the hub knows, with their group, runtime status and items committed.'
  static override description =
    `Each node is credited from the task's contribution ledger (items its consumers committed
through the reliable protocol: DONE, and ERRORS for items that failed there): for the task its group runs now, or for
--task NAME (any task the hub knows, finished ones too). Nodes that committed items but are no longer registered are
listed below. Upstream BRPOP consumers keep no ledger: their nodes show 0.`
  static override examples = ['<%= config.bin %> node list', '<%= config.bin %> node list --task sqrt --json']
  static override flags = {
    group: Flags.string({
      description: 'only nodes of this worker group (a node that names none is in default)',
    }),
    task: Flags.string({
      description: 'credit nodes for this task (default: the task each node serves now)',
    }),
  }

  async run(): Promise<NodeListing> {
    const listing = await listNodesWithLedger(this.hub(), {
      group: this.flags.group === undefined ? undefined : groupArg(this.flags.group),
      task: this.flags.task,
    })
    this.say(nodeLedgerTable(listing))
    return listing
  }
}
