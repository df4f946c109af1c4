// gridcore task cancel NAME: take a pending task off the hub's queue (a running one is finished, not cancelled).
import { Args } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { cancelTask } from '../../cluster/schedule.js'

export default class TaskCancel extends ClusterCommand<typeof TaskCancel> {
  static override summary =
    'Cancel a pending task: it never starts. Running or completed tasks are refused (exit 6).'
  static override description =
    `Tasks that wait for it (--after) stay pending and blocked: the answer names them, and
task show says "waiting for NAME (cancelled)"; cancel them too, or register them again without it.`
  static override args = { name: Args.string({ description: 'the pending task', required: true }) }

  async run(): Promise<{ cancelled: string; blocked: string[] }> {
    const r = await cancelTask(this.hub(), this.args.name)
    this.say(`Cancelled task "${r.cancelled}"`)
    if (r.blocked.length)
      this.note(
        `${r.blocked.join(', ')} wait${r.blocked.length === 1 ? 's' : ''} for it and will not start: cancel ${r.blocked.length === 1 ? 'it' : 'them'} too (gridcore task cancel NAME)`,
      )
    return { cancelled: r.cancelled, blocked: r.blocked }
  }
}
