// gridcore up: a local cluster from zero (Redis + hub + node), recorded for agents.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { bringUp } from '../cli/steps.js'
import type { UpResult } from '../deploy/up.js'
import { parseRedisUrl } from '../redis/url.js'

export default class Up extends GridcoreCommand<typeof Up> {
  static override summary =
    'Start a local cluster from zero: Redis, a hub and a node. Running it again changes nothing.'
  static override description =
    `Writes computehub.toml and gridnode.toml (random token) into the upstream config dir, starts
Redis with a random password (AOF on), the hub and the node as background processes with pid and log files, waits
for the hub's /health and the node's registration, then writes state/local_cluster.json and the "local" profile.
--engine auto uses the upstream binaries when installed (gridcore fetch) and Docker runs, else gridcore's embedded
hub and node. --runtime auto runs items as Docker containers when an engine answers, else as local processes.`
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
    'hub-port': Flags.integer({
      description: 'hub port on 127.0.0.1',
      default: 8080,
      min: 1,
      max: 65535,
      env: 'GRIDCORE_HUB_PORT',
    }),
    'redis-port': Flags.integer({
      description: 'Redis port on 127.0.0.1',
      default: 6379,
      min: 1,
      max: 65535,
      env: 'GRIDCORE_REDIS_PORT',
    }),
    parallelism: Flags.integer({ description: 'instances on the node (default: CPU count)', min: 1 }),
    'install-missing': Flags.boolean({
      description: 'install redis-server with apt-get or brew when it is missing',
      default: false,
    }),
  }

  async run(): Promise<UpResult> {
    const { flags } = this
    if (/^rediss?:/.test(flags.redis)) parseRedisUrl(flags.redis, { where: '--redis' })
    const r = await bringUp(
      {
        engine: flags.engine,
        runtime: flags.runtime,
        redis: flags.redis,
        hubPort: flags['hub-port'],
        redisPort: flags['redis-port'],
        parallelism: flags.parallelism,
        installMissing: flags['install-missing'],
      },
      this.jsonEnabled(),
    )
    if (r.already_running) this.say(`A local cluster already runs at ${r.hub_url}; nothing changed.`)
    else
      this.say(
        `Local cluster up in ${r.seconds}s: hub ${r.hub_url}, Redis ${r.redis_url}, node ${r.node_id} (${r.parallelism} × ${r.runtime}). Stop it with: gridcore down`,
      )
    return r
  }
}
