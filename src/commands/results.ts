// gridcore results: write the output list to stdout or a file; drains crash-safely unless --peek.
import { Flags } from '@oclif/core'
import { QueueCommand } from '../cli/cluster-command.js'
import { fmtInt } from '../cli/format.js'
import { spinner } from '../cli/spinner.js'
import { GridcoreError } from '../lib/errors.js'
import { type CollectResult, collectResults } from '../queue/results.js'
import { checkDrainable, checkOutputKnown } from '../run/records/output-check.js'

export default class Results extends QueueCommand<typeof Results> {
  static override summary =
    'Write a task’s results to stdout or --out FILE (drains the output list unless --peek).'
  static override description =
    `Draining removes results from Redis only after they were written and flushed (fsync for
files), so an interrupted run loses nothing: run it again and it goes on (--out appends; --overwrite starts afresh).
Into a file it is exactly once even after a kill: a journal beside the file (.<name>.gridcore-drain) lets the next
run cut back a batch Redis did not let go of. Without --output-queue the output is the current task's, else
<queue>:output; a run's queue whose results went elsewhere is refused, naming --output-queue. The output of a
run on this machine is not drained behind its back: not while that run collects it into its own file (--peek still
reads), nor after it died mid-drain (the refusal gives the gridcore run --resume that finishes it).
--format raw writes each result as it is; jsonl writes JSON results as they are and quotes the rest; csv takes its
columns from the first JSON-object result.`
  static override examples = [
    '<%= config.bin %> results --out results.jsonl',
    '<%= config.bin %> results --peek 10',
  ]
  static override flags = {
    out: Flags.string({ char: 'o', description: 'file to append results to (default: stdout)' }),
    overwrite: Flags.boolean({ description: 'truncate --out first instead of appending', default: false }),
    format: Flags.option({
      options: ['raw', 'jsonl', 'csv'] as const,
      default: 'raw' as const,
      description: 'output format',
    })(),
    peek: Flags.integer({ description: 'copy the N oldest results and leave the list alone', min: 1 }),
  }

  async run(): Promise<CollectResult> {
    const { flags } = this
    if (this.jsonEnabled() && !flags.out) {
      throw new GridcoreError('USAGE', '--json prints a summary on stdout, so results need --out FILE')
    }
    const conn = await this.queues()
    await checkOutputKnown(await this.target(), conn)
    if (!flags.peek) await checkDrainable(conn.keys, conn)
    const verb = flags.peek ? 'copying' : 'draining'
    // A spinner only where it cannot mix with the results themselves on the same terminal.
    const spin = await spinner(`${verb} ${conn.keys.output}`, {
      json: this.jsonEnabled(),
      when: Boolean(flags.out) || !process.stdout.isTTY,
    })
    const r = await collectResults({
      redis: conn.output,
      keys: conn.keys,
      format: flags.format,
      out: flags.out,
      overwrite: flags.overwrite,
      peek: flags.peek,
      onProgress: (n) => spin.text(`${verb} ${conn.keys.output}: ${fmtInt(n)} written`),
    }).finally(() => spin.stop())
    if (flags.out)
      this.say(
        `Wrote ${fmtInt(r.written)} results to ${flags.out}${r.drained ? ` (${fmtInt(r.remaining)} left in ${r.queue})` : ''}`,
      )
    else this.note(`gridcore: wrote ${fmtInt(r.written)} results`)
    return r
  }
}
