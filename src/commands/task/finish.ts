// gridcore task finish: POST /api/tasks/finish (complete the current task, start the next).
import { ClusterCommand } from '../../cli/cluster-command.js'
import { finishCurrentTask } from '../../cluster/tasks.js'
import type { FinishResponse } from '../../hub/protocol.js'

export default class TaskFinish extends ClusterCommand<typeof TaskFinish> {
  static override summary = 'Complete the current task and start the next one; nodes switch over.'
  static override description = 'With no task running it changes nothing and exits 6 ("nothing is running").'

  async run(): Promise<FinishResponse> {
    const r = await finishCurrentTask(this.hub(), this.cluster().name)
    this.say(r.message)
    return r
  }
}
