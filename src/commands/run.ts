// gridcore run: map a command, a consumer or an image over items in one step, with the results in a file.
import { Flags } from '@oclif/core'
import { readLocalCluster } from '../cluster/local.js'
import { planUp } from '../deploy/up.js'
import { clusterFlags, GridcoreCommand } from '../lib/base-command.js'
import { GridcoreError } from '../lib/errors.js'
import { secondsFlag } from '../lib/flags.js'
import { fmtDuration, fmtInt, fmtRate, interactive, progressLine } from '../lib/progress.js'
import { waitForShutdownSignal } from '../lib/signals.js'
import { runSteps } from '../lib/steps.js'
import type { PushSource } from '../queue/push-run.js'
import { type RunSummary, type RunWhat, runBatch } from '../run/run.js'

export default class Run extends GridcoreCommand<RunSummary> {
  static override summary =
    'Run every item through a command, consumer or image on the cluster; results to --output.'
  static override description = `What runs each item (one of):
  --command "…"   a line filter: gridcore's worker feeds it one item per stdin line and takes one stdout line per
                  item as the result, in order (python3 -u f.py, sed -u, jq -c --unbuffered, awk with fflush()).
                  A filter that exits or stops answering fails its batch: retried, then dead-lettered.
  --consumer "…"  a program that reads the queues itself from INPUT_REDIS_URL/INPUT_QUEUE/OUTPUT_QUEUE
                  (gridcore init makes one); runs as local processes on process-runtime nodes.
  --image IMG     a container image, for Docker-runtime nodes.
Input: --input FILE, --range A..B, or stdin (- or a pipe). Exit 0 when every item has a result, 10 when the run
finished with failed or dead items (the summary says how to see them). Registers a uniquely named task, pushes, watches,
collects, finishes; --local brings a local cluster up first when none runs. Ctrl-C stops and says how to resume.`
  static override examples = [
    '<%= config.bin %> run --command "python3 -u square.py" --range 1..100000 --output r.jsonl',
    'cat urls.txt | <%= config.bin %> run --consumer "python3 -u consumer.py" --output r.txt --local',
  ]
  static override flags = {
    ...clusterFlags,
    command: Flags.string({
      description: 'line filter run for each item (one line in, one line out)',
      exactlyOne: ['command', 'consumer', 'image'],
    }),
    consumer: Flags.string({
      description: 'program that consumes the queues itself (process runtime)',
      exactlyOne: ['command', 'consumer', 'image'],
    }),
    image: Flags.string({
      description: 'container image that consumes the queues (Docker runtime)',
      exactlyOne: ['command', 'consumer', 'image'],
    }),
    input: Flags.string({ char: 'i', description: 'file of items, or - for stdin' }),
    range: Flags.string({ description: 'the numbers A..B[:STEP] as items' }),
    format: Flags.option({
      options: ['lines', 'jsonl', 'csv', 'json'] as const,
      default: 'lines' as const,
      description: 'input format',
    })(),
    output: Flags.string({ char: 'o', description: 'file for the results (default: stdout)' }),
    'output-format': Flags.option({
      options: ['raw', 'jsonl', 'csv'] as const,
      default: 'raw' as const,
      description: 'results format',
    })(),
    name: Flags.string({ description: 'task name (default: run-<time>-<random>)' }),
    local: Flags.boolean({
      description: 'start a local cluster first when none runs (gridcore up)',
      default: false,
    }),
    'item-timeout': secondsFlag({
      description: '--command: fail a batch when the filter answers nothing this long',
      default: 30_000,
    }),
    'stall-timeout': secondsFlag({
      description: 'fail (exit 8) after this long without progress',
      default: 120_000,
    }),
    timeout: secondsFlag({ description: 'fail (exit 9) after this long in all' }),
  }

  async run(): Promise<RunSummary> {
    const { flags } = await this.parse(Run)
    if (this.jsonEnabled() && !flags.output)
      throw new GridcoreError('USAGE', '--json prints the summary on stdout, so results need --output FILE')
    const source = this.source(flags)
    const what: RunWhat = flags.command
      ? { command: flags.command, itemTimeoutMs: flags['item-timeout'] }
      : flags.consumer
        ? { consumer: flags.consumer }
        : { image: flags.image! }
    if (flags.local && !readLocalCluster()) {
      const plan = planUp({
        engine: 'auto',
        runtime: 'auto',
        redis: 'auto',
        hubPort: Number(process.env.GRIDCORE_HUB_PORT ?? 8080),
        redisPort: Number(process.env.GRIDCORE_REDIS_PORT ?? 6379),
        installMissing: false,
      })
      try {
        await runSteps(plan.steps, { json: this.jsonEnabled(), skipRest: () => plan.alreadyRunning() })
      } catch (err) {
        await plan.rollback()
        throw err
      }
    }
    const profile = this.clusterFrom(flags)
    const bar = progressLine(interactive(this.jsonEnabled()))
    const summary = await runBatch(profile, this.hubClient(profile), {
      what,
      source,
      format: flags.format,
      output: flags.output,
      outputFormat: flags['output-format'],
      name: flags.name,
      stallTimeoutMs: flags['stall-timeout'],
      timeoutMs: flags.timeout,
      cwd: process.cwd(),
      interrupted: waitForShutdownSignal(),
      onPhase: (phase) => {
        bar.done()
        if (!this.jsonEnabled() && interactive(false)) process.stderr.write(`${phase}\n`)
      },
      onProgress: (p) =>
        bar.update(
          `${fmtInt(p.done)}/${fmtInt(p.total)} · ${fmtRate(p.rate)} · ETA ${p.eta_s === null ? '?' : fmtDuration(p.eta_s)}`,
          p.total ? p.done / p.total : null,
        ),
    }).finally(() => bar.done())
    const tail =
      summary.failed || summary.dead
        ? ` (${summary.failed} failed, ${summary.dead} dead: gridcore queue dead --queue ${summary.input_queue})`
        : ''
    // CI-friendly: 10 when the run finished but some items failed or went to the dead list.
    if (summary.failed || summary.dead) process.exitCode = 10
    if (flags.output)
      this.say(
        `Ran ${fmtInt(summary.items)} items in ${summary.seconds}s (${fmtRate(summary.rate)}); ${fmtInt(summary.done)} results in ${summary.output}${tail}`,
      )
    else
      this.note(
        `gridcore: ran ${fmtInt(summary.items)} items in ${summary.seconds}s (${fmtRate(summary.rate)})${tail}`,
      )
    return summary
  }

  private source(flags: { input?: string; range?: string }): PushSource {
    if (flags.input && flags.range)
      throw new GridcoreError('USAGE', 'pass either --input or --range, not both')
    if (flags.range) return { range: flags.range }
    if (flags.input && flags.input !== '-') return { file: flags.input }
    if (flags.input === '-' || !process.stdin.isTTY) return { stdin: process.stdin }
    throw new GridcoreError('USAGE', 'no items: pass --input FILE, --range A..B, or pipe them on stdin')
  }
}
