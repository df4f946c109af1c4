// gridcore task next: POST /api/tasks/next (legacy; prefer task finish).
import type { NextResponse } from '../../hub/protocol.js'
import { clusterFlags, GridcoreCommand } from '../../lib/base-command.js'

export default class TaskNext extends GridcoreCommand<NextResponse> {
  static override summary =
    'Legacy: complete the current task and switch to the next (fails when none is left).'
  static override flags = { ...clusterFlags }

  async run(): Promise<NextResponse> {
    const { flags } = await this.parse(TaskNext)
    const r = await this.hubClient(this.clusterFrom(flags)).nextTask()
    this.say(`Switched from ${r.previous} to ${r.current}`)
    return r
  }
}
