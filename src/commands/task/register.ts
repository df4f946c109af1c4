// gridcore task register: POST /api/tasks with every upstream field (+ gridcore's command).
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { buildTaskSpec } from '../../cluster/tasks.js'
import { redactUrl } from '../../lib/redact.js'

interface RegisterResult {
  registered: string
  running: boolean
  current: string | null
  task: Record<string, unknown>
}

export default class TaskRegister extends ClusterCommand<typeof TaskRegister> {
  static override summary = 'Register a task on the hub (it starts at once when nothing else runs).'
  static override description =
    `The input Redis URL defaults to the cluster profile's. Upstream nodes run --image (or the
--platform-image for their platform); gridcore process-runtime nodes run --command.`
  static override examples = [
    '<%= config.bin %> task register --name sqrt --image idm-task:sqrt --input-queue sqrt:input --output-queue sqrt:output',
    '<%= config.bin %> task register --name sqrt --image app:amd64 --platform-image linux/arm64=app:arm64 --input-queue q',
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
    cwd: Flags.string({
      description: 'working directory for --command on process nodes (default: this directory)',
    }),
  }

  async run(): Promise<RegisterResult> {
    const { flags } = this
    const profile = this.cluster()
    const spec = buildTaskSpec(
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
      },
      profile.redisUrl,
    )
    const client = this.hub()
    await client.registerTask(spec)
    const { current } = await client.listTasks()
    const running = current === spec.name
    this.say(
      `Registered task "${spec.name}"${running ? ' (running now)' : ` (pending; running: ${current})`}`,
    )
    const shown: Record<string, unknown> = { ...spec }
    for (const k of ['input_redis', 'output_redis'] as const) if (spec[k]) shown[k] = redactUrl(spec[k])
    return { registered: spec.name, running, current, task: shown }
  }
}
