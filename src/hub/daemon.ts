// Starts the embedded ComputeHub: loads persisted tasks and tokens, serves the protocol (HTTP, or HTTPS with the
// plain GET /ca.pem) on every bind address, sweeps silent nodes, saves tokens' last use now and then.
import { createLogger, type LogFormat, type Logger } from '../lib/logger.js'
import { createHubApp } from './app.js'
import { AutoFinisher, type AutoFinishOptions, type DrainWatcher } from './auto-finish.js'
import { type HubTls, type Listening, type ListenLimits, listen } from './listen.js'
import type { QueueReader } from './queue-stats.js'
import { HubState } from './state.js'
import { fileTaskStore } from './store.js'

export interface HubOptions {
  bind: string
  /** More addresses served exactly like `bind` (same protocol, same app). */
  alsoBind?: string[]
  token: string
  stateFile: string
  /** Serve HTTPS with these (and the CA on plain GET /ca.pem); absent: plain HTTP. */
  tls?: HubTls
  /** The cluster's Redis URL, for GET /api/cluster (submit and admin tokens). */
  redisUrl?: string | null
  logFormat?: LogFormat
  logger?: Logger
  /** A node silent this long is dropped (upstream: 60 s). */
  nodeTimeoutMs?: number
  /** How often silent nodes are swept (upstream: 30 s); tokens' last use is saved as often. */
  sweepIntervalMs?: number
  /** Header/body time, connection caps (defaults: DEFAULT_LIMITS in listen.ts). */
  limits?: Partial<ListenLimits>
  /** Makes the judge of auto_finish tasks' queues; without one such tasks wait for a finish like any other. */
  drainWatcher?: (logger: Logger) => DrainWatcher
  autoFinish?: AutoFinishOptions
  /** Makes the reader of tasks' queues behind /metrics, the status page and the ledger; without one they show none. */
  queueReader?: (logger: Logger) => QueueReader
}

export interface RunningHub extends Listening {
  state: HubState
  /** One per bind address, `bind` first (its url, port and server are the hub's own fields). */
  listeners: Listening[]
  stop(): Promise<void>
}

export async function startHub(opts: HubOptions): Promise<RunningHub> {
  const redisPassword = opts.redisUrl && URL.canParse(opts.redisUrl) ? new URL(opts.redisUrl).password : ''
  const logger =
    opts.logger ??
    createLogger({
      format: opts.logFormat ?? 'text',
      component: 'hub',
      secrets: [opts.token, ...(redisPassword ? [redisPassword, decodeURIComponent(redisPassword)] : [])],
    })
  const store = fileTaskStore(opts.stateFile)
  const state = new HubState(store.load())
  const app = createHubApp({
    state,
    store,
    token: opts.token,
    logger,
    redisUrl: opts.redisUrl ?? null,
    queueReader: opts.queueReader?.(logger),
  })
  app.metrics.withProcessMetrics()
  const listeners: Listening[] = []
  try {
    for (const bind of [opts.bind, ...(opts.alsoBind ?? [])]) {
      listeners.push(await listen(app, bind, logger, opts.limits, opts.tls))
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()))
    await app.stats.close()
    throw err
  }
  const autoFinisher = opts.drainWatcher
    ? new AutoFinisher(state, store, opts.drainWatcher(logger), logger, opts.autoFinish)
    : undefined
  autoFinisher?.start()
  const saveUse = () => {
    if (state.tokens.changed) store.save(state.snapshot())
  }
  const nodeTimeout = opts.nodeTimeoutMs ?? 60_000
  const sweep = setInterval(() => {
    const dropped = state.sweepNodes(nodeTimeout)
    if (dropped.length) logger.info(`dropped ${dropped.length} silent node(s)`, { nodes: dropped })
    try {
      saveUse()
    } catch (err) {
      logger.warn(`could not save tokens' last use: ${(err as Error).message}`)
    }
  }, opts.sweepIntervalMs ?? 30_000)
  sweep.unref()
  const tasks = state.listTasks()
  const primary = listeners[0]!
  logger.info(`listening on ${listeners.map((l) => l.url).join(', ')}`, {
    bind: [opts.bind, ...(opts.alsoBind ?? [])].join(','),
    tls: Boolean(opts.tls),
    state_file: opts.stateFile,
    current: tasks.current,
    pending: tasks.pending.length,
    completed: tasks.completed.length,
    tokens: state.tokens.list().length,
  })
  return {
    ...primary,
    state,
    listeners,
    async stop() {
      clearInterval(sweep)
      await autoFinisher?.stop()
      await Promise.all(listeners.map((l) => l.close()))
      await app.stats.close()
      try {
        saveUse()
      } catch {}
      logger.info('stopped')
    },
  }
}
