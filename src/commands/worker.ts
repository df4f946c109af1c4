// gridcore worker (internal): the instance `gridcore run --command` registers; runs a line filter over the queue.
// bin/run.js runs the plain form nodes start without oclif (src/cli/worker-main.ts); this handles the rest.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { durationFlag } from '../cli/flags.js'
import { WORKER_DEFAULTS, workerOptions } from '../cli/worker-main.js'
import { GridcoreError } from '../lib/errors.js'
import { waitForShutdownSignal } from '../lib/signals.js'
import { type FilterWorkerStats, runFilterWorker } from '../run/filter-worker.js'

export default class Worker extends GridcoreCommand<typeof Worker> {
  static override hidden = true
  static override summary =
    'Internal: feed a queue through a line filter (started by nodes for gridcore run --command).'
  static override flags = {
    filter: Flags.string({
      description: 'shell command: one item per stdin line in, one result per stdout line out',
      required: true,
    }),
    batch: Flags.integer({
      description:
        'items in the first batch (batches then adapt to about 100 ms of work), and the part a filter that writes too many lines fails',
      default: WORKER_DEFAULTS.batch,
      min: 1,
      max: 5000,
    }),
    'item-timeout': durationFlag({
      description: 'give the batch back (attempt counted) when the filter answers nothing for this long',
      default: '30s',
    }),
    'max-attempts': Flags.integer({ default: WORKER_DEFAULTS.maxAttempts, min: 1 }),
    lease: durationFlag({
      description:
        'a batch stays this worker’s while it renews it; unrenewed this long, it is given back (at least 1s)',
      default: '30s',
    }),
  }

  async run(): Promise<FilterWorkerStats> {
    const { flags } = this
    if (flags.lease < 1_000)
      throw new GridcoreError('USAGE', `--lease must be at least 1s, got ${flags.lease} ms`)
    const stop = new AbortController()
    waitForShutdownSignal().then(() => stop.abort())
    const f = {
      filter: flags.filter,
      batch: flags.batch,
      itemTimeoutMs: flags['item-timeout'],
      maxAttempts: flags['max-attempts'],
      leaseMs: flags.lease,
    }
    const w = workerOptions(f, process.env, stop.signal)
    this.secrets.push(...w.secrets)
    return runFilterWorker(w.options)
  }
}
