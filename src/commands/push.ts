// gridcore push: bulk-push items (lines, JSONL, CSV, JSON array, a range or stdin) onto a queue.
import { Args, Flags } from '@oclif/core'
import { resolveQueueTarget } from '../cluster/target.js'
import { GridcoreCommand, queueFlags } from '../lib/base-command.js'
import { GridcoreError } from '../lib/errors.js'
import { fmtInt, fmtRate, interactive, progressLine } from '../lib/progress.js'
import { type PushResult, type PushSource, pushItems } from '../queue/push-run.js'

export default class Push extends GridcoreCommand<PushResult> {
  static override summary = 'Bulk-push items onto a queue: a file, stdin (-) or --range.'
  static override description =
    `One item per line by default (CRLF or LF; empty lines are skipped). --format jsonl checks each
line is JSON; csv turns each row into a JSON object keyed by the header; json reads a top-level array. JSON strings
are pushed as plain strings, other values as compact JSON. Items go out in large pipelined LPUSH batches with the
queue's "pushed" counter in the same transaction. Consumers pop in input order.`
  static override examples = [
    '<%= config.bin %> push items.txt --redis redis://:PW@127.0.0.1:6379 --queue sqrt:input',
    '<%= config.bin %> push --range 1..100000',
    'cat rows.csv | <%= config.bin %> push - --format csv --queue rows',
  ]
  static override args = { input: Args.string({ description: 'file to push, or - for stdin' }) }
  static override flags = {
    ...queueFlags,
    range: Flags.string({ description: 'push the numbers A..B[:STEP] instead of a file' }),
    format: Flags.option({
      options: ['lines', 'jsonl', 'csv', 'json'] as const,
      default: 'lines' as const,
      description: 'input format',
    })(),
    'skip-invalid': Flags.boolean({
      description: 'skip (and count) invalid records instead of stopping',
      default: false,
    }),
  }

  async run(): Promise<PushResult> {
    const { args, flags } = await this.parse(Push)
    let source: PushSource
    if (flags.range && args.input)
      throw new GridcoreError('USAGE', 'pass either an input file or --range, not both')
    if (flags.range) source = { range: flags.range }
    else if (args.input === '-') source = { stdin: process.stdin }
    else if (args.input) source = { file: args.input }
    else throw new GridcoreError('USAGE', 'nothing to push: pass a file, - for stdin, or --range A..B')
    const target = await resolveQueueTarget(flags, () => this.clusterFrom(flags))
    const bar = progressLine(interactive(this.jsonEnabled()))
    const r = await pushItems({
      redisUrl: target.redisUrl,
      queue: target.input,
      source,
      format: flags.format,
      skipInvalid: flags['skip-invalid'],
      onProgress: (p) => {
        const fraction = p.totalItems ? p.items / p.totalItems : p.totalBytes ? p.bytes / p.totalBytes : null
        bar.update(`${fmtInt(p.items)} items`, fraction)
      },
    })
    bar.done()
    this.say(
      `Pushed ${fmtInt(r.pushed)} items to ${r.queue} in ${r.seconds}s (${fmtRate(r.rate)})` +
        (r.skipped ? `; skipped ${fmtInt(r.skipped)} invalid records` : ''),
    )
    return r
  }
}
