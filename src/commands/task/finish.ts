// gridcore task finish: POST /api/tasks/finish (complete the current task, start the next).
import type { FinishResponse } from '../../hub/protocol.js'
import { clusterFlags, GridcoreCommand } from '../../lib/base-command.js'

export default class TaskFinish extends GridcoreCommand<FinishResponse> {
  static override summary = 'Complete the current task and start the next one; nodes switch over.'
  static override flags = { ...clusterFlags }

  async run(): Promise<FinishResponse> {
    const { flags } = await this.parse(TaskFinish)
    const r = await this.hubClient(this.clusterFrom(flags)).finishTask()
    this.say(r.message)
    return r
  }
}
