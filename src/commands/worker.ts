// gridcore worker (internal): the instance `gridcore run --command` registers; runs a line filter over the queue.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { durationFlag } from '../cli/flags.js'
import { GridcoreError } from '../lib/errors.js'
import { waitForShutdownSignal } from '../lib/signals.js'
import { consumerId, defaultOutputQueue } from '../queue/keys.js'
import { openRedis } from '../redis/client.js'
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
    batch: Flags.integer({ description: 'items per batch', default: 100, min: 1, max: 5000 }),
    'item-timeout': durationFlag({
      description: 'give the batch back (attempt counted) when the filter answers nothing for this long',
      default: '30s',
    }),
    'max-attempts': Flags.integer({ default: 3, min: 1 }),
  }

  async run(): Promise<FilterWorkerStats> {
    const { flags } = this
    const env = process.env
    if (!env.INPUT_REDIS_URL || !env.INPUT_QUEUE)
      throw new GridcoreError('CONFIG', 'INPUT_REDIS_URL and INPUT_QUEUE must be set (the node sets them)')
    const input = await openRedis(env.INPUT_REDIS_URL, { reconnect: true })
    const output =
      env.OUTPUT_REDIS_URL && env.OUTPUT_REDIS_URL !== env.INPUT_REDIS_URL
        ? await openRedis(env.OUTPUT_REDIS_URL, { reconnect: true })
        : undefined
    const stop = new AbortController()
    waitForShutdownSignal().then(() => stop.abort())
    try {
      return await runFilterWorker({
        command: flags.filter,
        input,
        output,
        inputQueue: env.INPUT_QUEUE,
        outputQueue: env.OUTPUT_QUEUE ?? defaultOutputQueue(env.INPUT_QUEUE),
        consumer: consumerId(env.NODE_ID ?? 'local', env.INSTANCE_ID ?? '0'),
        batchSize: flags.batch,
        itemTimeoutMs: flags['item-timeout'],
        maxAttempts: flags['max-attempts'],
        env,
        signal: stop.signal,
        log: (line) => process.stderr.write(`gridcore worker: ${line}\n`),
      })
    } finally {
      input.disconnect()
      output?.disconnect()
    }
  }
}
