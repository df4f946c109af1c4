// gridcore task list: GET /api/tasks.
import { taskTable } from '../../cluster/format.js'
import type { TaskList } from '../../hub/protocol.js'
import { clusterFlags, GridcoreCommand } from '../../lib/base-command.js'

export default class TaskList_ extends GridcoreCommand<TaskList> {
  static override summary = 'List the hub’s tasks: current, pending and completed.'
  static override flags = { ...clusterFlags }

  async run(): Promise<TaskList> {
    const { flags } = await this.parse(TaskList_)
    const tasks = await this.hubClient(this.clusterFrom(flags)).listTasks()
    this.say(taskTable(tasks))
    return tasks
  }
}
