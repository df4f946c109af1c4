// gridcore task cancel NAME: take a pending task off the hub's queue (a running one is finished, not cancelled).
import { Args } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { cancelTask } from '../../cluster/schedule.js'
import { GridcoreError } from '../../lib/errors.js'
import { markCancelled } from '../../run/records/store.js'

export default class TaskCancel extends ClusterCommand<typeof TaskCancel> {
  static override summary =
    'Cancel a pending task: it never starts. Running or completed tasks are refused (exit 6).'
  static override description =
    `Tasks that wait for it (--after) stay pending and blocked: the answer names them, and
task show says "waiting for NAME (cancelled)"; cancel them too, or register them again without it. Its queues are
left as they are: when it was a gridcore run's task, its record (gridcore runs) is marked cancelled and the answer
says how to clear them.`
  static override examples = ['<%= config.bin %> task cancel run-20260101120000-a1b2c3']
  static override args = { name: Args.string({ description: 'the pending task', required: true }) }

  async run(): Promise<{ cancelled: string; blocked: string[]; queues_left: string | null }> {
    const name = this.args.name
    if (!name.trim())
      throw new GridcoreError('USAGE', 'the task name is empty: pass the name of a pending task')
    const r = await cancelTask(this.hub(), name)
    const rec = markCancelled(name)
    const purge = rec
      ? `gridcore queue purge --queue ${rec.input_queue} --output-queue ${rec.output_queue} --results --yes`
      : null
    this.say(`Cancelled task "${r.cancelled}"${purge ? `; its items stay in Redis until: ${purge}` : ''}`)
    if (r.blocked.length)
      this.note(
        `${r.blocked.join(', ')} wait${r.blocked.length === 1 ? 's' : ''} for it and will not start: cancel ${r.blocked.length === 1 ? 'it' : 'them'} too (gridcore task cancel NAME)`,
      )
    return { cancelled: r.cancelled, blocked: r.blocked, queues_left: purge }
  }
}
