// gridcore token revoke NAME: the hub refuses that token from its next request on.
import { Args } from '@oclif/core'
import { ClusterCommand } from '../../cli/cluster-command.js'
import { revokeToken } from '../../cluster/tokens.js'

export default class TokenRevoke extends ClusterCommand<typeof TokenRevoke> {
  static override summary = 'Revoke a scoped token by name: its next request gets 401 (admin only).'
  static override args = {
    name: Args.string({ description: 'the token’s name (gridcore token list)', required: true }),
  }
  static override examples = ['<%= config.bin %> token revoke lab-pc-3']

  async run(): Promise<{ revoked: string }> {
    const r = await revokeToken(this.hub(), this.args.name)
    this.say(`Revoked token "${r.revoked}".`)
    return r
  }
}
