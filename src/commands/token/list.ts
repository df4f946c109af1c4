// gridcore token list: the hub's scoped tokens (names, roles, times; never the tokens or their digests).
import { ClusterCommand } from '../../cli/cluster-command.js'
import { table } from '../../cli/table.js'
import type { TokenInfo } from '../../client/hub-client.js'
import { listTokens } from '../../cluster/tokens.js'

export default class TokenList extends ClusterCommand<typeof TokenList> {
  static override summary =
    'List the hub’s scoped tokens: name, role, created, expires, last used (admin only).'

  async run(): Promise<{ tokens: TokenInfo[] }> {
    const tokens = await listTokens(this.hub())
    this.say(
      tokens.length
        ? table(
            ['NAME', 'ROLE', 'CREATED', 'EXPIRES', 'LAST USED'],
            tokens.map((t) => [
              t.name,
              t.role,
              t.created,
              t.expires ? `${t.expires}${t.expired ? ' (expired)' : ''}` : 'never',
              t.last_used ?? 'never',
            ]),
          )
        : 'No scoped tokens (the hub token in computehub.toml is the admin one).',
    )
    return { tokens }
  }
}
