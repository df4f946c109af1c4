// gridcore join: add this machine to a cluster as a volunteer node, from the join string its owner printed.
import { Args, Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { logFormatFlag } from '../cli/flags.js'
import { joinText } from '../cli/join-format.js'
import { parallelismFlag } from '../cli/node-flags.js'
import { spinner } from '../cli/spinner.js'
import { joinForeground } from '../deploy/joined/foreground.js'
import { type JoinRequest, type JoinResult, joinCluster } from '../deploy/joined/join.js'
import { paths } from '../lib/paths.js'
import { shutdownSignal } from '../lib/signals.js'
import { parseJoinString } from '../net/join-string.js'
import type { NodeExit } from '../node/daemon.js'

export default class Join extends GridcoreCommand<typeof Join> {
  static override summary =
    'Join this machine to a cluster as a node, from the join string its owner printed.'
  static override description =
    `Fetches the cluster CA from the hub's port and refuses it unless its SHA-256 fingerprint is the one the join
string pins (one line naming both, exit 5); checks the token (GET /api/whoami: a node token, or an admin's; submit
and read tokens are for gridcore connect). Then writes gridnode.toml (mode 0600: the token) and the CA beside it in
the upstream config dir's joined/, and starts a node in the background (pid, log, state/joined_node.json) — or, with
--foreground, runs it in this process (systemd, containers: the exit code is the node's).
The node is a volunteer's: it runs container images only, unless you allow commands: --runtime process (any program)
or --allow-command PROGRAM (repeatable; gridcore run --command tasks need --allow-command gridcore --allow-shell).
Joined again with the same cluster's string, a running node is left as it is; gridcore leave stops it.`
  static override examples = [
    `<%= config.bin %> join 'gridcore://10.0.0.5:8080/?ca=sha256:…&token=…'`,
    `<%= config.bin %> join 'gridcore://10.0.0.5:8080/?ca=sha256:…&token=…' --runtime process --parallelism 4`,
    `<%= config.bin %> join "$JOIN" --foreground --allow-command gridcore --allow-shell`,
  ]
  static override args = {
    join: Args.string({ description: 'the join string, in quotes', required: true }),
  }
  static override flags = {
    runtime: Flags.option({
      options: ['auto', 'docker', 'process'] as const,
      description: 'how instances run; process without --allow-command allows any program (default: auto)',
    })(),
    parallelism: parallelismFlag('CPU count'),
    group: Flags.string({ description: 'worker group: the node runs only this group’s tasks' }),
    'allow-command': Flags.string({
      description:
        'program the node may run: a name on PATH or a path (repeatable; * for any; gridcore for run --command)',
      multiple: true,
    }),
    'allow-shell': Flags.boolean({ description: 'accept tasks that run a shell command', default: false }),
    foreground: Flags.boolean({
      description: 'run the node in this process until it stops (systemd, containers)',
      default: false,
    }),
    'log-format': logFormatFlag(),
  }

  async run(): Promise<JoinResult & { exit?: NodeExit }> {
    const { args, flags } = this
    try {
      this.secrets.push(parseJoinString(args.join).token)
    } catch {} // a broken join string is reported (redacted) below
    const req: JoinRequest = {
      join: args.join,
      runtime: flags.runtime,
      parallelism: flags.parallelism,
      group: flags.group,
      allowCommand: flags['allow-command'],
      allowShell: flags['allow-shell'],
    }
    if (flags.foreground)
      return joinForeground(req, { logFormat: flags['log-format'], signal: shutdownSignal() })
    const spin = await spinner('checking the cluster', { json: this.jsonEnabled() })
    const r = await joinCluster({ ...req, onStep: (what) => spin.text(what) }, paths()).finally(() =>
      spin.stop(),
    )
    this.say(joinText(r))
    return r
  }
}
