// gridcore node start: the embedded GridNode in the foreground (Docker containers or local processes).
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../../cli/base-command.js'
import { durationFlag, logFormatFlag } from '../../cli/flags.js'
import { parallelismFlag } from '../../cli/node-flags.js'
import { createLogger } from '../../lib/logger.js'
import { shutdownSignal } from '../../lib/signals.js'
import { type NodeExit, runNode } from '../../node/daemon.js'
import { parseNodeOptions } from '../../node/options.js'

export default class NodeStart extends GridcoreCommand<typeof NodeStart> {
  static override summary = 'Run the embedded GridNode: keep N instances of the hub’s current task running.'
  static override description =
    `Reads an upstream gridnode.toml (server_url, token, node_id, parallelism, heartbeat_interval,
stop_timeout, container_memory; parallelism = "auto" adapts the count to the CPU load) plus gridcore's keys: runtime = "auto" | "docker" | "process", network_mode,
allowed_commands (process runtime: programs by name, looked up on PATH at start, or by absolute path,
compared by real path; [] refuses all, ["*"] allows any program and the shell), allow_shell (accept shell
tasks), group, task_poll_interval, long_poll, ca_file (the cluster CA for an https hub and rediss:// Redis,
which instances reach through a loopback proxy), volunteer (images only unless commands are allowed). Flags
override (WORKER_GROUP sits between --group and the file).
A node whose group is set runs only that group's tasks; one whose group is detected (gpu when nvidia-smi lists
a GPU, docker in a container, k8s in Kubernetes, else linux/darwin/windows) runs its group's task when there is
one, else the default group's. Instances' output lines go to the hub with the heartbeats (bounded, passwords
masked).
A new node's id is saved back into the file. Stops gracefully on a hub stop request or SIGINT/SIGTERM (exit 0).`
  static override examples = [
    '<%= config.bin %> node start --config ~/.config/idm-gridcore/gridnode.toml',
    '<%= config.bin %> node start --server-url http://127.0.0.1:8080 --token "$TOKEN" --runtime process --allow-command node',
  ]
  static override flags = {
    config: Flags.string({ char: 'c', description: 'path to gridnode.toml' }),
    'server-url': Flags.string({ description: 'hub URL (default: the config’s server_url)' }),
    token: Flags.string({ description: 'hub token (default: the config’s)' }),
    'node-id': Flags.string({ description: 'node id (default: the config’s, else the hub assigns one)' }),
    parallelism: parallelismFlag('the config’s, else CPU count'),
    runtime: Flags.option({
      options: ['auto', 'docker', 'process'] as const,
      description: 'how instances run (default: auto)',
    })(),
    'network-mode': Flags.string({ description: 'Docker network mode, e.g. host (reach loopback Redis)' }),
    'allow-command': Flags.string({
      description: 'program the process runtime may run: a name on PATH or a path (repeatable; * for any)',
      multiple: true,
    }),
    'allow-shell': Flags.boolean({
      description: 'accept tasks that run a shell command (default: the config’s allow_shell, else no)',
      allowNo: true,
    }),
    'container-memory': Flags.integer({ description: 'MB of memory per container', min: 6 }),
    group: Flags.string({
      description:
        'worker group: the node runs only this group’s tasks (default: WORKER_GROUP, the config’s group, else detected: gpu when nvidia-smi lists a GPU, docker, k8s or the OS, which also runs default tasks)',
    }),
    'long-poll': Flags.boolean({
      description:
        'hold task polls at the hub until the task changes (default: the config’s long_poll, else yes)',
      allowNo: true,
    }),
    'heartbeat-interval': durationFlag({
      description: 'time between heartbeats (default: the config’s heartbeat_interval, else 30s)',
    }),
    'task-poll-interval': durationFlag({
      description: 'time between task polls (default: the config’s task_poll_interval, else 10s)',
    }),
    'stop-timeout': durationFlag({
      description:
        'time an instance gets between SIGTERM and SIGKILL (default: the config’s stop_timeout, else 30s)',
    }),
    'state-dir': Flags.string({ description: 'where process logs and pid records go' }),
    'ca-file': Flags.string({
      description: 'the cluster CA (PEM) an https hub and rediss:// Redis are verified against',
    }),
    volunteer: Flags.boolean({
      description:
        'a volunteer’s node: container images only unless --runtime process or --allow-command allows commands',
      allowNo: true,
    }),
    'log-format': logFormatFlag(),
  }

  async run(): Promise<NodeExit> {
    const { flags } = this
    const options = parseNodeOptions(flags)
    this.secrets.push(options.token)
    const logger = createLogger({ format: flags['log-format'], component: 'node', secrets: [options.token] })
    return runNode(options, { signal: shutdownSignal(), logger })
  }
}
