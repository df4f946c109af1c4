// gridcore task show NAME: one task's details (status, priority, group, dependencies, times).
import { Args } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { taskDetailsText } from '../../cli/format.js'
import { taskDetails } from '../../cluster/schedule.js'
import type { TaskDetails } from '../../hub/protocol.js'

export default class TaskShow extends ClusterCommand<typeof TaskShow> {
  static override summary = 'Show a task: status, priority, group, what it waits for, auto-finish, times.'
  static override args = { name: Args.string({ description: 'task name', required: true }) }

  async run(): Promise<TaskDetails> {
    const d = await taskDetails(this.hub(), this.args.name)
    this.say(taskDetailsText(d))
    return d
  }
}
