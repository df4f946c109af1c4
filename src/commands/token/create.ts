// gridcore token create: a scoped token (admin, submit, node, read) from the hub, shown once, with its join string.
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { type CreatedToken, createToken } from '../../cluster/tokens.js'
import { parseDuration } from '../../lib/duration.js'

const TEN_YEARS = { maxMs: 3650 * 86_400_000, maxText: '3650d (about 10 years)' }

export default class TokenCreate extends ClusterCommand<typeof TokenCreate> {
  static override summary = 'Make a scoped token on the hub (admin only); it is shown this once.'
  static override description =
    `Roles: admin (everything), submit (register, finish, next, cancel tasks, and read), node (the /gridnode/*
routes a node uses, nothing else), read (GET routes). The hub keeps only the token's SHA-256 digest. For node and
submit tokens the join string is printed too: gridcore://HOST:PORT/?ca=sha256:…&token=… from the profile's hub
address (its advertise host when set) and pinned CA, for gridcore join on a compute machine or gridcore connect on a
laptop.`
  static override examples = [
    '<%= config.bin %> token create --role node --name lab-pc-3',
    '<%= config.bin %> token create --role submit --name ci --expires 30d --json',
  ]
  static override flags = {
    role: Flags.option({
      options: ['admin', 'submit', 'node', 'read'] as const,
      description: 'what the token may do',
      required: true,
    })(),
    name: Flags.string({
      description: 'a name to list and revoke it by (default: ROLE-<random>)',
    }),
    expires: Flags.string({
      description: 'refuse the token after this long, e.g. 12h, 30d (default: never)',
      helpValue: '<duration>',
    }),
  }

  async run(): Promise<CreatedToken> {
    const { flags } = this
    const expiresMs =
      flags.expires === undefined ? undefined : parseDuration(flags.expires, '--expires', TEN_YEARS)
    const r = await createToken(this.cluster(), this.hub(), { role: flags.role, name: flags.name, expiresMs })
    if (r.join_note) this.note(`gridcore: ${r.join_note}`)
    this.say(`Token "${r.name}" (role ${r.role}, ${r.expires ? `expires ${r.expires}` : 'never expires'}):`)
    this.say(r.token)
    if (r.join) this.say(`Join string:\n${r.join}`)
    this.say('It is shown only now: the hub keeps its digest, not the token.')
    return r
  }
}
