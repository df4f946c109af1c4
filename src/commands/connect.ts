// gridcore connect: save an existing cluster (hub URL, token, Redis URL) as a named profile.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { spinner } from '../cli/spinner.js'
import { type ConnectResult, connectCluster } from '../cluster/connect.js'

export default class Connect extends GridcoreCommand<typeof Connect> {
  static override summary = 'Check an existing cluster and save it as a named profile.'
  static override description =
    `Checks the hub's /health, that the token is accepted (GET /api/nodes) and, with --redis, that Redis
answers PING; only then writes skill.toml (no secrets) and credentials.toml (token, Redis password; mode 0600).`
  static override examples = [
    '<%= config.bin %> connect --name production --hub http://10.0.0.5:8080 --token "$TOKEN" --redis "redis://:$PW@10.0.0.5:6379"',
  ]
  static override flags = {
    name: Flags.string({ char: 'n', description: 'profile name', default: 'default' }),
    hub: Flags.string({ description: 'ComputeHub URL, e.g. http://10.0.0.5:8080', required: true }),
    token: Flags.string({
      description: 'hub token (or GRIDCORE_TOKEN)',
      env: 'GRIDCORE_TOKEN',
      required: true,
    }),
    redis: Flags.string({ description: 'Redis URL with password, e.g. redis://:PW@host:6379' }),
  }

  async run(): Promise<ConnectResult> {
    const { flags } = this
    this.secrets.push(flags.token)
    const spin = await spinner('checking the cluster', { json: this.jsonEnabled() })
    const r = await connectCluster({
      name: flags.name,
      hub: flags.hub,
      token: flags.token,
      redis: flags.redis,
      onStep: (what) => spin.text(what),
    }).finally(() => spin.stop())
    this.say(
      `Saved cluster "${r.name}": hub ${r.computehub_url} (${r.nodes_online} node(s) online, current task: ${r.current_task ?? 'none'})` +
        (r.redis_url ? `, Redis ${r.redis_url}` : ''),
    )
    return r
  }
}
