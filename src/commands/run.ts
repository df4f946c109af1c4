// gridcore run: map a command, a consumer or an image over items in one step, with the results in a file; carry
// on a run whose CLI died (--resume), or run its failed and dead items again (--retry).
import { Flags } from '@oclif/core'
import { ClusterCommand } from '../cli/cluster-command.js'
import { durationFlag, itemSource, sourceFlags } from '../cli/flags.js'
import { runSummaryText } from '../cli/format.js'
import { localPortFlags } from '../cli/local-flags.js'
import { runView } from '../cli/run-view.js'
import { stepShower } from '../cli/steps.js'
import { gpusArg } from '../cluster/tasks.js'
import { LocalRun } from '../deploy/local-cluster/for-run.js'
import { upSettings } from '../deploy/local-cluster/settings.js'
import { EXIT, GridcoreError } from '../lib/errors.js'
import { shutdownSignal } from '../lib/signals.js'
import { type ClusterPicker, recordedCluster } from '../run/reopen.js'
import { resumeRun } from '../run/resume.js'
import { retryRun } from '../run/retry.js'
import { type RunSummary, type RunWhat, runBatch } from '../run/run.js'

const fresh = ['input', 'range', 'name']

export default class Run extends ClusterCommand<typeof Run> {
  static override summary =
    'Run every item through a command, consumer or image on the cluster; results to --output.'
  static override description = `What runs each item (one of):
  --command "…"   a line filter: gridcore's worker feeds it one item per stdin line and takes one stdout line per
                  item as the result, in order (python3 -u f.py, sed -u, jq -c --unbuffered, awk with fflush()).
                  An item on which the filter raises or exits fails with its stderr tail; the rest go on.
  --consumer "…"  a program that reads the queues itself from INPUT_REDIS_URL/INPUT_QUEUE/OUTPUT_QUEUE
                  (gridcore init makes one); runs as local processes on process-runtime nodes.
  --image IMG     a container image, for Docker-runtime nodes.
Input: --input FILE, --range A..B, or stdin (- or a pipe). Checks the output, the input and the cluster before it
registers anything; claims the task name atomically (--name); writes state/runs/<task>.json (gridcore runs).
Exit 0 when every item has a result; 10 when some failed or are dead (the summary groups their errors and gives the
commands to see and retry them); 11 when the task cannot start (no node can run it, or its instances keep failing
at start: the node's error is in the message); 8 stalled, 9 --timeout (counted from the start, waiting included),
7 Redis gone longer than --redis-retry, 130 Ctrl-C: the task stays and the message gives the resume command.
--resume TASK carries on a run whose gridcore run died; --retry TASK runs its failed and dead items again (with
--command/--consumer/--image given now, else the recorded one), appending to its output. --local brings a local
cluster up first when none runs and stops it after (--keep-cluster keeps it; after a failed run it stays up).
Durations: 500ms, 30s, 2m, 1h (a bare number is seconds).`
  static override examples = [
    '<%= config.bin %> run --command "python3 -u square.py" --range 1..100000 --output r.jsonl',
    'cat urls.txt | <%= config.bin %> run --consumer "python3 -u consumer.py" --output r.txt --local',
    '<%= config.bin %> run --retry run-20260101120000-a1b2c3 --command "python3 -u square_fixed.py"',
    '<%= config.bin %> run --resume run-20260101120000-a1b2c3',
  ]
  static override flags = {
    command: Flags.string({
      description: 'line filter run for each item (one line in, one line out)',
      exclusive: ['consumer', 'image', 'resume'],
    }),
    consumer: Flags.string({
      description: 'program that consumes the queues itself (process runtime)',
      exclusive: ['image', 'resume'],
    }),
    image: Flags.string({
      description: 'container image that consumes the queues (Docker runtime)',
      exclusive: ['resume'],
    }),
    ...sourceFlags,
    output: Flags.string({ char: 'o', description: 'file for the results (default: stdout)' }),
    'output-format': Flags.option({
      options: ['raw', 'jsonl', 'csv'] as const,
      default: 'raw' as const,
      description: 'results format',
    })(),
    name: Flags.string({ description: 'task name (default: run-<time>-<random>); refused while one runs' }),
    resume: Flags.string({
      description: 'carry on run TASK whose gridcore run died: push the rest, watch, collect into its output',
      helpValue: '<task>',
      exclusive: ['retry', ...fresh],
    }),
    retry: Flags.string({
      description: 'run the failed and dead items of run TASK again, appending their results to its output',
      helpValue: '<task>',
      exclusive: fresh,
    }),
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
    lease: durationFlag({
      description:
        '--command: a batch a worker stops renewing (a dead or cut-off node) is taken back after this long (default: 30s; at least 1s)',
    }),
    'stall-timeout': durationFlag({
      description: 'fail (exit 8) after this long without progress once the task runs',
      default: '2m',
    }),
    timeout: durationFlag({ description: 'fail (exit 9) after this long in all, counted from the start' }),
    'redis-retry': durationFlag({
      description: 'keep reconnecting to a lost Redis this long before giving up (exit 7)',
      default: '30s',
    }),
    gpus: Flags.string({ description: '--image: GPUs per container, a count or all (NVIDIA GPU nodes)' }),
  }

  async run(): Promise<RunSummary> {
    const { flags } = this
    const json = this.jsonEnabled()
    const gpus = flags.gpus === undefined ? undefined : gpusArg(flags.gpus)
    if (gpus !== undefined && !flags.image)
      throw new GridcoreError('USAGE', '--gpus needs --image: GPUs are given to containers, not to a command')
    if (flags.lease !== undefined && flags.lease < 1_000)
      throw new GridcoreError(
        'USAGE',
        `--lease must be at least 1s (a worker renews it every third of it), got ${flags.lease} ms`,
      )
    const job: RunWhat | undefined = flags.command
      ? {
          command: flags.command,
          itemTimeoutMs: flags['item-timeout'],
          ...(flags.lease !== undefined ? { leaseMs: flags.lease } : {}),
        }
      : flags.consumer
        ? { consumer: flags.consumer }
        : flags.image
          ? { image: flags.image, ...(gpus !== undefined && { gpus }) }
          : undefined
    const again = flags.resume ?? flags.retry
    if (!job && !again)
      throw new GridcoreError(
        'USAGE',
        'pass what runs each item: --command, --consumer or --image (see --help)',
      )
    if (json && !flags.output && !again)
      throw new GridcoreError('USAGE', '--json prints the summary on stdout, so results need --output FILE')
    // --local: up's steps first; after the run, stop what they started unless --keep-cluster.
    const local = flags.local
      ? await LocalRun.start({
          settings: upSettings({ hubPort: flags['hub-port'], redisPort: flags['redis-port'] }),
          show: stepShower(json),
          keep: flags['keep-cluster'],
          note: (line) => this.note(line),
        })
      : undefined
    const view = runView(json)
    const common = {
      stallTimeoutMs: flags['stall-timeout'],
      timeoutMs: flags.timeout,
      reconnectForMs: flags['redis-retry'],
      report: view.report,
      signal: shutdownSignal(),
    }
    const pick: ClusterPicker = (recorded) =>
      this.clusterNamed() ? { profile: this.cluster(), hub: this.hub() } : recordedCluster(recorded)
    const cwd = process.cwd()
    const output = flags.output
    const summary = await (flags.resume
      ? resumeRun(flags.resume, pick, { ...common, output, needsFile: json })
      : flags.retry
        ? retryRun(flags.retry, pick, { ...common, what: job, cwd, output, needsFile: json })
        : runBatch(this.cluster(), this.hub(), {
            ...common,
            what: job!,
            source: itemSource(flags, {
              pipedStdin: true,
              nothing: 'no items: pass --input FILE, --range A..B, or pipe them on stdin',
            }),
            format: flags.format,
            output,
            outputFormat: flags['output-format'],
            name: flags.name,
            cwd,
          })
    )
      .catch((err) => (local ? local.failed(err) : Promise.reject(err)))
      .finally(() => view.done())
    // CI-friendly: the run finished, but some items failed or went to the dead list.
    if (summary.failed > 0 || summary.dead > 0) process.exitCode = EXIT.PARTIAL
    const text = `Ran ${runSummaryText(summary)}`
    if (summary.output) this.say(text)
    else
      process.stderr.write(
        `${text
          .split('\n')
          .map((l) => `gridcore: ${this.redact(l)}`)
          .join('\n')}\n`,
      )
    return { ...summary, ...(await local?.finished()) }
  }
}
