// gridcore task list [--group G]: GET /api/tasks (every group's tasks), or one group's.
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { groupTaskTable, taskTable } from '../../cli/format.js'
import { groupArg } from '../../cluster/schedule.js'
import type { GroupTasks, TaskList } from '../../hub/protocol.js'

export default class TaskList_ extends ClusterCommand<typeof TaskList_> {
  static override summary = 'List the hub’s tasks: current, pending (in the order they start) and completed.'
  static override flags = {
    group: Flags.string({ description: 'only this worker group’s tasks' }),
  }

  async run(): Promise<TaskList | GroupTasks> {
    const hub = this.hub()
    if (this.flags.group !== undefined) {
      const g = await hub.groupTasks(groupArg(this.flags.group))
      this.say(groupTaskTable({ [this.flags.group]: g }))
      return g
    }
    const tasks = await hub.listTasks()
    this.say(tasks.groups ? groupTaskTable(tasks.groups) : taskTable(tasks))
    return tasks
  }
}
