// gridcore push: bulk-push items (lines, JSONL, CSV, JSON array, a range or stdin) onto a queue.
import { Args, Flags } from '@oclif/core'
import { QueueCommand } from '../cli/cluster-command.js'
import { itemSource, sourceFlags } from '../cli/flags.js'
import { fmtInt, fmtRate } from '../cli/format.js'
import { interactive, progressLine } from '../cli/progress.js'
import { redisTrust } from '../cluster/connection.js'
import { GridcoreError } from '../lib/errors.js'
import { type PushResult, pushItems } from '../queue/push-run.js'

export default class Push extends QueueCommand<typeof Push> {
  static override summary = 'Bulk-push items onto a queue: a file, stdin (-) or --range.'
  static override description =
    `One item per line by default (CRLF or LF; empty lines are skipped). --format jsonl checks each
line is JSON; csv turns each row into a JSON object keyed by the header; json reads a top-level array. JSON strings
are pushed as plain strings, other values as compact JSON. Items go out in large pipelined LPUSH batches with the
queue's "pushed" counter in the same transaction. Consumers pop in input order. FILE is short for --input FILE.`
  static override examples = [
    '<%= config.bin %> push items.txt --redis redis://:PW@127.0.0.1:6379 --queue sqrt:input',
    '<%= config.bin %> push --range 1..100000',
    'cat rows.csv | <%= config.bin %> push - --format csv --queue rows',
  ]
  static override args = { file: Args.string({ description: 'file to push, or - for stdin' }) }
  static override flags = {
    ...sourceFlags,
    'skip-invalid': Flags.boolean({
      description: 'skip (and count) invalid records instead of stopping',
      default: false,
    }),
  }

  async run(): Promise<PushResult> {
    const { args, flags } = this
    if (args.file !== undefined && (flags.input !== undefined || flags.range !== undefined))
      throw new GridcoreError('USAGE', 'pass the items once: FILE, --input FILE or --range A..B')
    const source = itemSource(
      { input: args.file ?? flags.input, range: flags.range },
      { pipedStdin: false, nothing: 'nothing to push: pass a file, - for stdin, or --range A..B' },
    )
    const target = await this.target()
    const bar = progressLine(interactive(this.jsonEnabled()))
    const r = await pushItems({
      redisUrl: target.redisUrl,
      ...redisTrust(target.profile),
      queue: target.input,
      source,
      format: flags.format,
      skipInvalid: flags['skip-invalid'],
      onProgress: (p) => {
        const fraction = p.totalItems ? p.items / p.totalItems : p.totalBytes ? p.bytes / p.totalBytes : null
        bar.update(`${fmtInt(p.items)} items`, fraction)
      },
    }).finally(() => bar.done())
    this.say(
      `Pushed ${fmtInt(r.pushed)} items to ${r.queue} in ${r.seconds}s (${fmtRate(r.rate)})` +
        (r.skipped ? `; skipped ${fmtInt(r.skipped)} invalid records` : ''),
    )
    return r
  }
}
