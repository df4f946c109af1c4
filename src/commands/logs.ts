// gridcore logs: instances' output (containers and processes) as their nodes sent it to the hub.
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../cli/cluster-command.js'
import { logLineText, showLogs } from '../cluster/logs.js'
import { GridcoreError } from '../lib/errors.js'
import { shutdownSignal } from '../lib/signals.js'

/** A whole-number flag whose refusal names the flag and what it takes. */
const whole = (name: string, what: string, max: number) =>
  Flags.custom<number>({
    parse: async (input) => {
      const n = /^\d{1,9}$/.test(input) ? Number(input) : Number.NaN
      if (!(n <= max)) throw new GridcoreError('USAGE', `--${name} "${input}" is not ${what}`)
      return n
    },
  })

export default class Logs extends ClusterCommand<typeof Logs> {
  static override summary = 'Show what task instances printed, on any node, as the hub keeps it.'
  static override description =
    `Nodes send each instance's output lines (stdout and stderr, containers and processes) to the hub with their
heartbeats; the hub keeps the last 5,000 lines (1 MB) per node and task, dropping the oldest and counting them.
Without --task: the running task (every group's), or every task's logs when none runs. --node takes a node id or a
hostname. --follow keeps printing new lines until Ctrl-C (exit 130); with --json each line is one JSON object
{seq, at, node, hostname, task, instance, stream, text} (NDJSON). Dropped lines are said on stderr.`
  static override examples = [
    '<%= config.bin %> logs',
    '<%= config.bin %> logs --task sqrt --node worker-3 --instance 0 --tail 50',
    '<%= config.bin %> logs --follow --json',
  ]
  static override flags = {
    task: Flags.string({
      description: 'a task’s logs (repeatable; default: the running task)',
      multiple: true,
    }),
    node: Flags.string({ description: 'a node id or hostname (repeatable)', multiple: true }),
    instance: whole(
      'instance',
      'an instance index: expected 0, 1, 2, …',
      999_999_999,
    )({
      description: 'one instance index (0, 1, …)',
      helpValue: '<index>',
    }),
    tail: whole(
      'tail',
      'a line count: expected 0 to 10000',
      10_000,
    )({
      description: 'lines shown first: the last ones kept (0: only new ones, with --follow)',
      default: 200,
      helpValue: '<lines>',
    }),
    follow: Flags.boolean({ char: 'f', description: 'keep printing new lines until Ctrl-C', default: false }),
  }

  async run(): Promise<void> {
    const { flags } = this
    const json = this.jsonEnabled()
    const color = !json && process.stdout.isTTY === true && !process.env.NO_COLOR
    const signal = shutdownSignal()
    await showLogs({
      client: this.hub(),
      tasks: flags.task,
      nodes: flags.node,
      instance: flags.instance,
      tail: flags.tail,
      follow: flags.follow,
      signal,
      onLine: (l) => process.stdout.write(`${json ? JSON.stringify(l) : logLineText(l, { color })}\n`),
      onDropped: (n) =>
        this.note(`${n} line(s) were dropped before they could be shown (node and hub bounds)`),
      onNote: (t) => this.note(t),
    })
    if (signal.aborted) this.exit(130)
  }

  /** Under --json the output is NDJSON: an error is one line too. */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`)
  }
}
