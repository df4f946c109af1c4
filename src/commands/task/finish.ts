// gridcore task finish [NAME] [--group G]: complete a group's current task (or a running task by name), start the next.
import { Args, Flags } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { finishTask, groupArg } from '../../cluster/schedule.js'
import type { FinishResponse } from '../../hub/protocol.js'
import { GridcoreError } from '../../lib/errors.js'

export default class TaskFinish extends ClusterCommand<typeof TaskFinish> {
  static override summary = 'Complete the current task and start the next one; nodes switch over.'
  static override description =
    `Without arguments: the default group's current task (upstream's finish). --group G: that
group's current task; NAME: that running task, whatever its group. With nothing running there it changes nothing and
exits 6 ("nothing is running").`
  static override args = { name: Args.string({ description: 'a running task to finish (any group)' }) }
  static override flags = {
    group: Flags.string({ description: 'finish this worker group’s current task' }),
  }
  static override examples = ['<%= config.bin %> task finish', '<%= config.bin %> task finish --group gpu']

  async run(): Promise<FinishResponse> {
    const { name } = this.args
    const group = this.flags.group === undefined ? undefined : groupArg(this.flags.group)
    if (name !== undefined && group !== undefined)
      throw new GridcoreError('USAGE', 'give NAME or --group, not both: a running task’s name says its group')
    const r = await finishTask(this.hub(), this.cluster().name, { name, group })
    this.say(r.message)
    return r
  }
}
