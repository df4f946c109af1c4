// gridcore up: a local cluster from zero (Redis + hub + node), recorded for agents; or the dead parts of the
// recorded one restarted.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { localPortFlags } from '../cli/local-flags.js'
import { stepShower } from '../cli/steps.js'
import { bringUp } from '../deploy/local-cluster/bring-up.js'
import { plaintextNote, type UpResult, upText } from '../deploy/local-cluster/result.js'
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
The local node may run any command (allowed_commands = ["*"]): it is your own machine.
--listen ADDR also serves other machines on that address of this machine (0.0.0.0 only when asked): the hub over
HTTPS and Redis over TLS only, with a cluster CA made here (kept with the data by down); tasks carry Redis URLs with
the advertised host (--advertise), and up prints a join string (--json: join) for gridcore join on those machines.
Run again, up prints the same join string (its node token "up-join" is kept; token revoke up-join makes the next up
mint another). --insecure-plaintext turns TLS off, for trusted networks and upstream gridnodes.`
  static override examples = [
    '<%= config.bin %> up',
    '<%= config.bin %> up --runtime process --hub-port 18080 --install-missing',
    '<%= config.bin %> up --listen 10.0.0.5 --json',
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
    listen: Flags.string({
      description:
        'also serve other machines on this address of this machine (0.0.0.0: every interface); TLS unless --insecure-plaintext',
    }),
    advertise: Flags.string({
      description:
        'with --listen: the host name or address other machines use (default: the --listen address, or the first non-loopback address for 0.0.0.0)',
    }),
    'insecure-plaintext': Flags.boolean({
      description:
        'with --listen: no TLS (trusted networks, upstream gridnodes): tokens, the Redis password and items cross the network unencrypted',
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
      listen: flags.listen,
      advertise: flags.advertise,
      insecurePlaintext: flags['insecure-plaintext'],
    })
    const r = await bringUp(settings, stepShower(this.jsonEnabled()))
    const plain = plaintextNote(r)
    if (plain) this.note(plain)
    this.say(upText(r))
    return r
  }
}
