// gridcore queue dead: show dead-lettered (or --failed) items with their last error.
import { Flags } from '@oclif/core'
import { QueueCommand } from '../../cli/cluster-command.js'
import { table } from '../../cli/table.js'
import { type DeadRecord, listRecords } from '../../queue/ops.js'

export default class QueueDead extends QueueCommand<typeof QueueDead> {
  static override summary =
    'List dead-lettered items (or failed ones with --failed), oldest first, with their errors.'
  static override flags = {
    failed: Flags.boolean({ description: 'show the failed list instead of the dead list', default: false }),
    limit: Flags.integer({ description: 'how many to show', default: 20, min: 1 }),
  }

  async run(): Promise<{ list: string; total: number; items: DeadRecord[] }> {
    const conn = await this.queues()
    const list = this.flags.failed ? conn.keys.failed : conn.keys.dead
    const [items, total] = await Promise.all([
      listRecords(conn.redis, list, this.flags.limit),
      conn.redis.llen(list),
    ])
    this.say(
      items.length
        ? table(
            ['ITEM', 'ATTEMPTS', 'ERROR'],
            items.map((d) => [d.item, d.attempts, d.error]),
          )
        : `${list} is empty.`,
    )
    return { list, total, items }
  }
}
