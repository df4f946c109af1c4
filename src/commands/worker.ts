// gridcore worker (internal): the instance `gridcore run --command` registers; runs a line filter over the queue.
import { readFileSync } from 'node:fs'
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { durationFlag } from '../cli/flags.js'
import { GridcoreError } from '../lib/errors.js'
import { redactUrl } from '../lib/redact.js'
import { waitForShutdownSignal } from '../lib/signals.js'
import { DIRECT_REDIS_ENV } from '../node/runtime.js'
import { consumerId, defaultOutputQueue } from '../queue/keys.js'
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
      default: 100,
      min: 1,
      max: 5000,
    }),
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
    const urls = redisUrls(env, (line) => process.stderr.write(`gridcore worker: ${line}\n`))
    this.secrets.push(...[urls.input, urls.output].flatMap((u) => (u ? passwordsOf(u) : [])))
    // The filter is the task's code: it gets the upstream variables, not the cluster's password.
    const filterEnv = { ...env }
    for (const name of Object.values(DIRECT_REDIS_ENV)) delete filterEnv[name]
    const stop = new AbortController()
    waitForShutdownSignal().then(() => stop.abort())
    return runFilterWorker({
      command: flags.filter,
      redisUrl: urls.input,
      outputRedisUrl: urls.output || undefined,
      caPem: urls.caPem,
      inputQueue: env.INPUT_QUEUE,
      outputQueue: env.OUTPUT_QUEUE || defaultOutputQueue(env.INPUT_QUEUE),
      consumer: consumerId(env.NODE_ID ?? 'local', env.INSTANCE_ID ?? '0'),
      batchSize: flags.batch,
      itemTimeoutMs: flags['item-timeout'],
      maxAttempts: flags['max-attempts'],
      env: filterEnv,
      signal: stop.signal,
      log: (line) => process.stderr.write(`gridcore worker: ${line}\n`),
    })
  }
}

/**
 * The Redis URLs to use: the cluster's rediss:// ones with its CA when the node passed them (no proxy hop, the
 * faster way), else the upstream variables (the node's loopback proxy, or a plain Redis).
 */
function redisUrls(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): { input: string; output?: string; caPem?: string } {
  const upstream = { input: env.INPUT_REDIS_URL!, output: env.OUTPUT_REDIS_URL }
  const direct = env[DIRECT_REDIS_ENV.input]
  if (!direct) return upstream
  const caFile = env[DIRECT_REDIS_ENV.caFile]
  let caPem: string | undefined
  if (caFile) {
    try {
      caPem = readFileSync(caFile, 'utf8')
    } catch (err) {
      log(
        `cannot read the cluster CA ${caFile} (${(err as NodeJS.ErrnoException).code}); using the node's loopback proxy`,
      )
      return upstream
    }
  }
  log(`Redis over TLS directly: ${redactUrl(direct)}`)
  return { input: direct, output: env[DIRECT_REDIS_ENV.output] ?? upstream.output, caPem }
}

function passwordsOf(url: string): string[] {
  if (!URL.canParse(url)) return []
  const pw = new URL(url).password
  return pw ? [pw, decodeURIComponent(pw)] : []
}
