// gridcore queue retry: move failed and/or dead items back to the input with their attempts reset.
import { Flags } from '@oclif/core'
import { openTarget, resolveQueueTarget } from '../../cluster/target.js'
import { GridcoreCommand, queueFlags } from '../../lib/base-command.js'
import { retry } from '../../queue/ops.js'

export default class QueueRetry extends GridcoreCommand<{ retried: Record<string, number> }> {
  static override summary = 'Put failed and dead items back at the head of the input queue (attempts reset).'
  static override flags = {
    ...queueFlags,
    from: Flags.option({
      options: ['failed', 'dead', 'both'] as const,
      default: 'both' as const,
      description: 'which list to retry',
    })(),
  }

  async run(): Promise<{ retried: Record<string, number> }> {
    const { flags } = await this.parse(QueueRetry)
    const conn = await openTarget(await resolveQueueTarget(flags, () => this.clusterFrom(flags)))
    try {
      const from = flags.from === 'both' ? (['failed', 'dead'] as const) : ([flags.from] as const)
      const retried = await retry(conn.redis, conn.keys, [...from])
      this.say(`Retrying ${retried.failed} failed and ${retried.dead} dead items`)
      return { retried }
    } finally {
      conn.close()
    }
  }
}
