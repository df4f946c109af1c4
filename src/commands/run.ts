// gridcore run: map a command, a consumer or an image over items in one step, with the results in a file.
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../cli/cluster-command.js'
import { durationFlag, itemSource, sourceFlags } from '../cli/flags.js'
import { runSummaryText } from '../cli/format.js'
import { localPortFlags } from '../cli/local-flags.js'
import { interactive, progressLine } from '../cli/progress.js'
import { progressText } from '../cli/progress-view.js'
import { stepShower } from '../cli/steps.js'
import { LocalRun } from '../deploy/local-cluster/for-run.js'
import { upSettings } from '../deploy/local-cluster/settings.js'
import { EXIT, GridcoreError } from '../lib/errors.js'
import { waitForShutdownSignal } from '../lib/signals.js'
import { type RunSummary, type RunWhat, runBatch } from '../run/run.js'

const what = ['command', 'consumer', 'image']

export default class Run extends ClusterCommand<typeof Run> {
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
collects, finishes; --local brings a local cluster up first when none runs. Ctrl-C stops and says how to resume.
Durations: 500ms, 30s, 2m, 1h (a bare number is seconds).`
  static override examples = [
    '<%= config.bin %> run --command "python3 -u square.py" --range 1..100000 --output r.jsonl',
    'cat urls.txt | <%= config.bin %> run --consumer "python3 -u consumer.py" --output r.txt --local',
  ]
  static override flags = {
    command: Flags.string({
      description: 'line filter run for each item (one line in, one line out)',
      exactlyOne: what,
    }),
    consumer: Flags.string({
      description: 'program that consumes the queues itself (process runtime)',
      exactlyOne: what,
    }),
    image: Flags.string({
      description: 'container image that consumes the queues (Docker runtime)',
      exactlyOne: what,
    }),
    ...sourceFlags,
    output: Flags.string({ char: 'o', description: 'file for the results (default: stdout)' }),
    'output-format': Flags.option({
      options: ['raw', 'jsonl', 'csv'] as const,
      default: 'raw' as const,
      description: 'results format',
    })(),
    name: Flags.string({ description: 'task name (default: run-<time>-<random>)' }),
    local: Flags.boolean({
      description: 'start a local cluster first when none runs (gridcore up), and stop it after',
      default: false,
    }),
    'keep-cluster': Flags.boolean({
      description: 'with --local: leave a cluster started for this run running',
      default: false,
    }),
    ...localPortFlags('with --local: '),
    'item-timeout': durationFlag({
      description: '--command: fail a batch when the filter answers nothing this long',
      default: '30s',
    }),
    'stall-timeout': durationFlag({
      description: 'fail (exit 8) after this long without progress',
      default: '2m',
    }),
    timeout: durationFlag({ description: 'fail (exit 9) after this long in all' }),
  }

  async run(): Promise<RunSummary> {
    const { flags } = this
    if (this.jsonEnabled() && !flags.output)
      throw new GridcoreError('USAGE', '--json prints the summary on stdout, so results need --output FILE')
    const source = itemSource(flags, {
      pipedStdin: true,
      nothing: 'no items: pass --input FILE, --range A..B, or pipe them on stdin',
    })
    const job: RunWhat = flags.command
      ? { command: flags.command, itemTimeoutMs: flags['item-timeout'] }
      : flags.consumer
        ? { consumer: flags.consumer }
        : { image: flags.image! }
    // --local: up's steps first; after the run, stop what they started unless --keep-cluster.
    const local = flags.local
      ? await LocalRun.start({
          settings: upSettings({ hubPort: flags['hub-port'], redisPort: flags['redis-port'] }),
          show: stepShower(this.jsonEnabled()),
          keep: flags['keep-cluster'],
          note: (line) => this.note(line),
        })
      : undefined
    const bar = progressLine(interactive(this.jsonEnabled()))
    const summary = await runBatch(this.cluster(), this.hub(), {
      what: job,
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
        if (interactive(this.jsonEnabled())) process.stderr.write(`${phase}\n`)
      },
      onProgress: (p) => bar.update(progressText(p), p.total ? p.done / p.total : null),
    })
      .catch((err) => (local ? local.failed(err) : Promise.reject(err)))
      .finally(() => bar.done())
    // CI-friendly: the run finished, but some items failed or went to the dead list.
    if (summary.failed > 0 || summary.dead > 0) process.exitCode = EXIT.PARTIAL
    if (flags.output) this.say(`Ran ${runSummaryText(summary)}`)
    else this.note(`gridcore: ran ${runSummaryText(summary)}`)
    return { ...summary, ...(await local?.finished()) }
  }
}
