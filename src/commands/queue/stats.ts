// gridcore queue stats: lengths, counters and consumers (with their lease time left) of a queue.
import { QueueCommand } from '../../cli/cluster-command.js'
import { table } from '../../cli/table.js'
import { type QueueSnapshot, snapshot } from '../../queue/ops.js'
import { checkOutputKnown } from '../../run/records/output-check.js'

export default class QueueStats extends QueueCommand<typeof QueueStats> {
  static override summary =
    'Show a queue: waiting, suspects, processing, results, failed, dead, counters and consumers.'

  async run(): Promise<QueueSnapshot> {
    const conn = await this.queues()
    await checkOutputKnown(await this.target(), conn)
    const s = await snapshot(conn.redis, conn.keys, conn.output)
    this.say(
      table(
        ['QUEUE', 'WAITING', 'SUSPECTS', 'PROCESSING', 'RESULTS', 'FAILED', 'DEAD'],
        [[s.input_queue, s.input, s.suspects, s.processing, s.output, s.failed, s.dead]],
      ),
    )
    this.say(
      `Counters: ${Object.entries(s.stats)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    )
    if (s.consumers.length) {
      this.say(
        table(
          ['CONSUMER', 'ITEMS', 'LEASE'],
          s.consumers.map((c) => [c.id, c.items, c.lease_ms >= 0 ? `${c.lease_ms} ms` : 'expired']),
        ),
      )
    }
    return s
  }
}
