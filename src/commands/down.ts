// gridcore down: stop the local cluster that gridcore up started; delete only what nothing runs in any more.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { type DownResult, downText, heldMessage } from '../deploy/local-cluster/down-report.js'
import { teardown } from '../deploy/local-cluster/teardown.js'
import { EXIT } from '../lib/errors.js'

export default class Down extends GridcoreCommand<typeof Down> {
  static override summary =
    'Stop the local cluster (node, hub, and Redis if gridcore started it); keep Redis data unless --purge-data.'
  static override description =
    `Asks the node to stop through the hub, then stops it, any instances a crashed node left, the hub and
Redis — only processes gridcore started (pid and start time as recorded). A part's files are deleted only once
nothing runs in its place: when another process holds its port or uses its files (a Redis restarted by hand), its
files are kept, that process is named, and down exits 3 (run it again once that process is stopped). Redis's data
dir and the hub's task list are kept (gridcore up on the same port uses them again) unless --purge-data.
A cluster made by up --listen: its server certificate and key are deleted (up issues new ones); its cluster CA and
the node token of its join string are data, kept in Redis's data dir (machines that joined stay joined: the next up
--listen prints the same join string) unless --purge-data, which deletes them (every machine must join again).`
  static override flags = {
    'purge-data': Flags.boolean({
      description:
        'also delete Redis’s data dir (its AOF), the hub’s task list and tokens, and a listening cluster’s CA',
      default: false,
      exclusive: ['keep-data'],
    }),
    'keep-data': Flags.boolean({
      description: 'keep Redis’s data dir (the default; kept for older scripts)',
      default: false,
    }),
  }

  async run(): Promise<DownResult> {
    const r = await teardown({ purge: this.flags['purge-data'] ? 'all' : 'none' })
    this.say(downText(r))
    const held = heldMessage(r)
    if (held) {
      this.note(`gridcore: ${held}`)
      process.exitCode = EXIT.CONFIG
    }
    return r
  }
}
