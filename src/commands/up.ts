// gridcore up: a local cluster from zero (Redis + hub + node), recorded for agents; or the dead parts of the
// recorded one restarted.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { localPortFlags } from '../cli/local-flags.js'
import { stepShower } from '../cli/steps.js'
import { bringUp } from '../deploy/local-cluster/bring-up.js'
import { type UpResult, upText } from '../deploy/local-cluster/result.js'
import { upSettings } from '../deploy/local-cluster/settings.js'

export default class Up extends GridcoreCommand<typeof Up> {
  static override summary =
    'Start a local cluster from zero: Redis, a hub and a node. Run again, it restarts what died, else changes nothing.'
  static override description =
    `Writes computehub.toml and gridnode.toml (random token) into the upstream config dir, starts
Redis with a random password (AOF on), the hub and the node as background processes with pid and log files, waits
for the hub's /health and the node's registration, then writes state/local_cluster.json and the "local" profile.
Each process is recorded the moment it starts, so an interrupted up leaves a cluster gridcore down can stop.
With a cluster recorded, up checks each process (pid, start time, port) and restarts the dead ones — Redis from its
config and AOF, then the hub, then the node — keeping token, password, data and tasks.
--engine auto uses the upstream binaries when installed (gridcore fetch) and Docker runs, else gridcore's embedded
hub and node. --runtime auto runs items as Docker containers when an engine answers, else as local processes.
The local node may run any command (allowed_commands = ["*"]): it is your own machine.`
  static override examples = [
    '<%= config.bin %> up',
    '<%= config.bin %> up --runtime process --hub-port 18080 --install-missing',
  ]
  static override flags = {
    engine: Flags.option({
      options: ['auto', 'embedded', 'native'] as const,
      default: 'auto' as const,
      description: 'hub and node implementation',
    })(),
    runtime: Flags.option({
      options: ['auto', 'docker', 'process'] as const,
      default: 'auto' as const,
      description: 'how the node runs items',
    })(),
    redis: Flags.string({ description: 'auto | local | docker | an existing redis:// URL', default: 'auto' }),
    ...localPortFlags(),
    parallelism: Flags.integer({ description: 'instances on the node (default: CPU count)', min: 1 }),
    'install-missing': Flags.boolean({
      description: 'install redis-server with apt-get or brew when it is missing',
      default: false,
    }),
  }

  async run(): Promise<UpResult> {
    const { flags } = this
    const settings = upSettings({
      engine: flags.engine,
      runtime: flags.runtime,
      redis: flags.redis,
      hubPort: flags['hub-port'],
      redisPort: flags['redis-port'],
      parallelism: flags.parallelism,
      installMissing: flags['install-missing'],
    })
    const r = await bringUp(settings, stepShower(this.jsonEnabled()))
    this.say(upText(r))
    return r
  }
}
