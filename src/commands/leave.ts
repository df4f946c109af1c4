// gridcore leave: stop the node gridcore join started on this machine and remove what join wrote.
import { GridcoreCommand } from '../cli/base-command.js'
import { type LeaveResult, leaveCluster, leaveText } from '../deploy/joined/leave.js'
import { paths } from '../lib/paths.js'

export default class Leave extends GridcoreCommand<typeof Leave> {
  static override summary =
    'Stop the node gridcore join started here, and remove its config, CA copy and state.'
  static override description =
    `Sends the joined node SIGTERM (it stops its instances gracefully: their batches go back to the queue), then
SIGKILL after 20 s; stops any instances a crashed node left; removes gridnode.toml, the CA copy, the node's state and
state/joined_node.json. Only the process join started is signalled (pid and start time). The node's log is kept.
The hub forgets the node after its heartbeats stop (60 s). Without a joined node it changes nothing (exit 0).`
  static override examples = ['<%= config.bin %> leave']

  async run(): Promise<LeaveResult> {
    const r = await leaveCluster(paths())
    this.say(leaveText(r))
    return r
  }
}
