// gridcore queue purge: delete every key of a queue (needs --yes; never prompts).
import { Flags } from '@oclif/core'
import { QueueCommand } from '../../cli/cluster-command.js'
import { GridcoreError } from '../../lib/errors.js'
import { purge } from '../../queue/ops.js'
import { checkOutputKnown } from '../../run/records/output-check.js'

export default class QueuePurge extends QueueCommand<typeof QueuePurge> {
  static override summary =
    'Delete a queue: waiting, processing, failed, dead, counters (and results and the ledger with --results).'
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'confirm: this deletes data', default: false }),
    results: Flags.boolean({
      description: 'delete the output list and the contribution ledger (who did the work) too',
      default: false,
    }),
  }

  async run(): Promise<{ purged: string; keys_deleted: number }> {
    if (!this.flags.yes)
      throw new GridcoreError(
        'USAGE',
        'purge deletes the queue’s items and counters for good: pass --yes to confirm',
      )
    const conn = await this.queues()
    if (this.flags.results) await checkOutputKnown(await this.target(), conn)
    const n = await purge(conn.redis, conn.keys, this.flags.results)
    this.say(`Purged ${conn.keys.input} (${n} keys deleted)`)
    return { purged: conn.keys.input, keys_deleted: n }
  }
}
