// gridcore queue recover: give back the items of consumers whose lease expired.
import { Flags } from '@oclif/core'
import { QueueCommand } from '../../cli/cluster-command.js'
import { type RecoverResult, recoverExpired } from '../../queue/ops.js'

export default class QueueRecover extends QueueCommand<typeof QueueRecover> {
  static override summary = 'Move items held by dead consumers (expired leases) back to the input queue.'
  static override flags = {
    'max-attempts': Flags.integer({
      description: 'deliveries before an item goes to the dead list',
      default: 3,
      min: 1,
    }),
  }

  async run(): Promise<RecoverResult> {
    const conn = await this.queues()
    const r = await recoverExpired(conn.redis, conn.keys, { maxAttempts: this.flags['max-attempts'] })
    this.say(
      `Recovered ${r.recovered} items (${r.dead} to the dead list) from ${r.consumers.length} consumer(s)`,
    )
    return r
  }
}
