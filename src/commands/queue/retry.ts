// gridcore queue retry: move failed and/or dead items back to the input with their attempts reset.
import { Flags } from '@oclif/core'
import { QueueCommand } from '../../cli/cluster-command.js'
import { retry } from '../../queue/ops.js'

export default class QueueRetry extends QueueCommand<typeof QueueRetry> {
  static override summary = 'Put failed and dead items back at the head of the input queue (attempts reset).'
  static override flags = {
    from: Flags.option({
      options: ['failed', 'dead', 'both'] as const,
      default: 'both' as const,
      description: 'which list to retry',
    })(),
  }

  async run(): Promise<{ retried: Record<string, number> }> {
    const conn = await this.queues()
    const from = this.flags.from
    const retried = await retry(conn.redis, conn.keys, from === 'both' ? ['failed', 'dead'] : [from])
    this.say(`Retrying ${retried.failed} failed and ${retried.dead} dead items`)
    return { retried }
  }
}
