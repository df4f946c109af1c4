import { ClusterCommand } from '../cli/cluster-command.js'
import { itemSource } from '../cli/flags.js'
import { runSummaryText } from '../cli/format.js'
import { runFlags } from '../cli/run-flags.js'
import { runView } from '../cli/run-view.js'
import { stepShower } from '../cli/steps.js'
import { LocalRun } from '../deploy/local-cluster/for-run.js'
import { upSettings } from '../deploy/local-cluster/settings.js'
import { EXIT, GridcoreError } from '../lib/errors.js'
import { shutdownSignal } from '../lib/signals.js'
import { type ClusterPicker, recordedCluster } from '../run/reopen.js'
import { resumeRun } from '../run/resume.js'
import { retryRun } from '../run/retry.js'
import { type RunSummary, runBatch } from '../run/run.js'
import { runWhat } from '../run/what.js'

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
  static override flags = runFlags

  async run(): Promise<RunSummary> {
    const { flags } = this
    const json = this.jsonEnabled()
    const job = runWhat({
      command: flags.command,
      consumer: flags.consumer,
      image: flags.image,
      itemTimeoutMs: flags['item-timeout'],
      leaseMs: flags.lease,
      gpus: flags.gpus,
    })
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
