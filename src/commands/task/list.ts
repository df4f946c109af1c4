// gridcore task list: GET /api/tasks.
import { ClusterCommand } from '../../cli/cluster-command.js'
import { taskTable } from '../../cli/format.js'
import type { TaskList } from '../../hub/protocol.js'

export default class TaskList_ extends ClusterCommand<typeof TaskList_> {
  static override summary = 'List the hub’s tasks: current, pending and completed.'

  async run(): Promise<TaskList> {
    const tasks = await this.hub().listTasks()
    this.say(taskTable(tasks))
    return tasks
  }
}
