// gridcore task register: POST /api/tasks with every upstream field (+ gridcore's command).
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { durationFlag } from '../../cli/flags.js'
import { type RegisterResult, registerTask, taskRegistration } from '../../cluster/register.js'

export default class TaskRegister extends ClusterCommand<typeof TaskRegister> {
  static override summary = 'Register a task on the hub (it starts at once when nothing else runs).'
  static override description =
    `The input Redis URL defaults to the cluster profile's. Upstream nodes run --image (or the
--platform-image for their platform); gridcore process-runtime nodes run --command. A name that is already pending
or running is refused (exit 6), and an empty one (exit 2).
Scheduling (gridcore hubs): --priority (0 CRITICAL … 4 IDLE; a task 3 levels above its group's running task
preempts it), --group (only that group's nodes run it), --after (starts once those tasks completed),
--auto-finish (the hub finishes it once its queues are drained).`
  static override examples = [
    '<%= config.bin %> task register --name sqrt --image idm-task:sqrt --input-queue sqrt:input --output-queue sqrt:output',
    '<%= config.bin %> task register --name sqrt --image app:amd64 --platform-image linux/arm64=app:arm64 --input-queue q',
    '<%= config.bin %> task register --name train --command "python3 -u t.py" --group gpu --priority HIGH --after prep --auto-finish',
  ]
  static override flags = {
    name: Flags.string({ description: 'task name', required: true }),
    image: Flags.string({ description: 'container image for every platform' }),
    'platform-image': Flags.string({
      description: 'PLATFORM=IMAGE, repeatable (e.g. linux/arm64=app:arm64)',
      multiple: true,
    }),
    'input-redis': Flags.string({ description: 'Redis URL of the input queue (default: the profile’s)' }),
    'output-redis': Flags.string({ description: 'Redis URL of the output queue (default: the input’s)' }),
    'input-queue': Flags.string({ description: 'input list name' }),
    'output-queue': Flags.string({ description: 'output list name' }),
    command: Flags.string({
      description: 'program for process-runtime nodes (argv, split like a shell would)',
    }),
    shell: Flags.boolean({ description: 'run --command through /bin/sh', default: false }),
    gpus: Flags.string({
      description: 'GPUs per container: a count or all (Docker nodes with NVIDIA GPUs; detected group: gpu)',
    }),
    cwd: Flags.string({
      description: 'working directory for --command on process nodes (default: this directory)',
    }),
    priority: Flags.string({
      description:
        'CRITICAL, HIGH, NORMAL (default), LOW, IDLE, or 0-4; 3 levels above the running task preempts it',
    }),
    group: Flags.string({ description: 'worker group whose nodes run it (default: default)' }),
    after: Flags.string({
      description: 'an earlier task that must complete first (repeatable, or NAME,NAME)',
      multiple: true,
    }),
    'auto-finish': Flags.boolean({ description: 'the hub finishes the task once its queues are drained' }),
    'auto-finish-settle': durationFlag({
      description: 'how long the queues must stay drained first (default: the hub’s, 10s)',
    }),
  }

  async run(): Promise<RegisterResult> {
    const { flags } = this
    const profile = this.cluster()
    const spec = taskRegistration(
      {
        name: flags.name,
        image: flags.image,
        platformImages: flags['platform-image'],
        inputRedis: flags['input-redis'],
        outputRedis: flags['output-redis'],
        inputQueue: flags['input-queue'],
        outputQueue: flags['output-queue'],
        command: flags.command,
        shell: flags.shell,
        cwd: flags.command ? (flags.cwd ?? process.cwd()) : undefined,
        gpus: flags.gpus,
        priority: flags.priority,
        group: flags.group,
        after: flags.after,
        autoFinish: flags['auto-finish'],
        autoFinishSettleMs: flags['auto-finish-settle'],
      },
      profile.redisUrl,
    )
    const r = await registerTask(this.hub(), spec)
    const where = r.group === 'default' ? '' : ` in group ${r.group}`
    this.say(
      `Registered task "${r.registered}"${where}${r.running ? ' (running now)' : ` (pending; running: ${r.current ?? 'none'})`}`,
    )
    return r
  }
}
