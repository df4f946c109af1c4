// gridcore task next: POST /api/tasks/next (legacy; prefer task finish).
import { ClusterCommand } from '../../cli/cluster-command.js'
import type { NextResponse } from '../../hub/protocol.js'

export default class TaskNext extends ClusterCommand<typeof TaskNext> {
  static override summary =
    'Legacy: complete the current task and switch to the next (fails when none is left).'

  async run(): Promise<NextResponse> {
    const r = await this.hub().nextTask()
    this.say(`Switched from ${r.previous} to ${r.current}`)
    return r
  }
}
