// gridcore queue recover: give back the items of consumers whose lease expired.
import { Flags } from '@oclif/core'
import { openTarget, resolveQueueTarget } from '../../cluster/target.js'
import { GridcoreCommand, queueFlags } from '../../lib/base-command.js'
import { type RecoverResult, recoverExpired } from '../../queue/ops.js'

export default class QueueRecover extends GridcoreCommand<RecoverResult> {
  static override summary = 'Move items held by dead consumers (expired leases) back to the input queue.'
  static override flags = {
    ...queueFlags,
    'max-attempts': Flags.integer({
      description: 'deliveries before an item goes to the dead list',
      default: 3,
      min: 1,
    }),
  }

  async run(): Promise<RecoverResult> {
    const { flags } = await this.parse(QueueRecover)
    const conn = await openTarget(await resolveQueueTarget(flags, () => this.clusterFrom(flags)))
    try {
      const r = await recoverExpired(conn.redis, conn.keys, { maxAttempts: flags['max-attempts'] })
      this.say(
        `Recovered ${r.recovered} items (${r.dead} to the dead list) from ${r.consumers.length} consumer(s)`,
      )
      return r
    } finally {
      conn.close()
    }
  }
}
