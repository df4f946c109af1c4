// gridcore connect: save an existing cluster (hub URL, token, Redis URL, pinned CA) as a named profile.
import { Args, Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { spinner } from '../cli/spinner.js'
import { type ConnectResult, connectCluster } from '../cluster/connect.js'
import { parseJoinString } from '../net/join-string.js'

export default class Connect extends GridcoreCommand<typeof Connect> {
  static override summary = 'Check an existing cluster and save it as a named profile.'
  static override description =
    `From a join string (gridcore://HOST:PORT/?ca=sha256:…&token=…, printed by gridcore token create): fetches
the cluster CA from the hub's port and refuses it unless its SHA-256 fingerprint is the pinned one, then talks HTTPS
verified by that CA. Or --hub with --token (and --ca-fingerprint or --ca-file for an https hub with its own CA).
Checks /health, the token and its role (GET /api/whoami; node tokens are for gridcore join), and Redis PING: from
--redis, or for submit and admin tokens the cluster's Redis URL the hub hands out. Only then writes skill.toml (no
secrets; the CA's ca_file and ca_fingerprint), credentials.toml (token, Redis password; mode 0600) and the CA's PEM
beside it.`
  static override examples = [
    `<%= config.bin %> connect 'gridcore://10.0.0.5:8443/?ca=sha256:…&token=…' --name lab`,
    '<%= config.bin %> connect --name lab --hub https://10.0.0.5:8443 --token "$TOKEN" --ca-fingerprint sha256:…',
    '<%= config.bin %> connect --name production --hub http://10.0.0.5:8080 --token "$TOKEN" --redis "redis://:$PW@10.0.0.5:6379"',
  ]
  static override args = {
    join: Args.string({ description: 'the join string (in quotes), instead of --hub and --token' }),
  }
  static override flags = {
    name: Flags.string({ char: 'n', description: 'profile name', default: 'default' }),
    hub: Flags.string({ description: 'ComputeHub URL, e.g. https://10.0.0.5:8443' }),
    token: Flags.string({ description: 'hub token, with --hub (or GRIDCORE_TOKEN)' }),
    'ca-fingerprint': Flags.string({
      description: "the cluster CA's sha256:… fingerprint: fetch the CA from the https hub and pin it",
    }),
    'ca-file': Flags.string({
      description: 'the cluster CA (PEM file) to verify an https hub and rediss:// with',
    }),
    redis: Flags.string({ description: 'Redis URL with password, e.g. rediss://:PW@host:6379' }),
  }

  async run(): Promise<ConnectResult> {
    const { args, flags } = this
    const token =
      flags.token ?? (args.join === undefined ? process.env.GRIDCORE_TOKEN || undefined : undefined)
    if (token) this.secrets.push(token)
    if (args.join) {
      try {
        this.secrets.push(parseJoinString(args.join).token)
      } catch {} // a broken join string is reported (redacted) by connectCluster
    }
    const spin = await spinner('checking the cluster', { json: this.jsonEnabled() })
    const r = await connectCluster({
      name: flags.name,
      join: args.join,
      hub: flags.hub,
      token,
      caFingerprint: flags['ca-fingerprint'],
      caFile: flags['ca-file'],
      redis: flags.redis,
      onStep: (what) => spin.text(what),
    }).finally(() => spin.stop())
    if (r.plaintext_warning) this.note(`gridcore: ${r.plaintext_warning}`)
    this.say(
      `Saved cluster "${r.name}": hub ${r.computehub_url} as ${r.role}${r.token_name ? ` ("${r.token_name}")` : ''} (${r.nodes_online} node(s) online, current task: ${r.current_task ?? 'none'})` +
        (r.redis_url ? `, Redis ${r.redis_url}` : '') +
        (r.ca_fingerprint ? `, CA ${r.ca_fingerprint}` : ''),
    )
    return r
  }
}
