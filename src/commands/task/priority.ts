// gridcore task priority NAME LEVEL: move a pending task to another priority level.
import { Args } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { changePriority } from '../../cluster/schedule.js'
import type { TaskDetails } from '../../hub/protocol.js'

export default class TaskPriority extends ClusterCommand<typeof TaskPriority> {
  static override summary = 'Give a pending task another priority (CRITICAL, HIGH, NORMAL, LOW, IDLE or 0-4).'
  static override description =
    `Within a level tasks start in the order they were registered. Only pending tasks can
change (exit 6 otherwise); a change never preempts the running task: registering one does.`
  static override args = {
    name: Args.string({ description: 'the pending task', required: true }),
    level: Args.string({ description: 'CRITICAL, HIGH, NORMAL, LOW, IDLE, or 0-4', required: true }),
  }
  static override examples = [
    '<%= config.bin %> task priority nightly LOW',
    '<%= config.bin %> task priority fix 0',
  ]

  async run(): Promise<TaskDetails> {
    const d = await changePriority(this.hub(), this.args.name, this.args.level)
    this.say(
      `Task "${d.name}" is now ${d.priority_name} (${d.priority}); place ${d.position} in group ${d.group}`,
    )
    return d
  }
}
