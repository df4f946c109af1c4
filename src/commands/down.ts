// gridcore down: stop the local cluster that gridcore up started and remove its state.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { type DownResult, down } from '../deploy/down.js'

export default class Down extends GridcoreCommand<typeof Down> {
  static override summary =
    'Stop the local cluster (node, hub, and Redis if gridcore started it) and remove its state.'
  static override description =
    `Asks the node to stop through the hub, then stops the hub and Redis. A process whose command
line is no longer the one recorded at start is left alone ("not-ours"). --keep-data keeps Redis's data directory.`
  static override flags = {
    'keep-data': Flags.boolean({ description: 'keep Redis’s data directory (its AOF)', default: false }),
  }

  async run(): Promise<DownResult> {
    const { flags } = this
    const r = await down({ keepData: flags['keep-data'] })
    if (!r.was_running) this.say('No local cluster is recorded; nothing to stop.')
    else
      this.say(
        `Local cluster stopped (node: ${r.node}, hub: ${r.hub}, Redis: ${r.redis})${r.kept_data ? '; Redis data kept' : ''}.`,
      )
    return r
  }
}
