// Starts the embedded ComputeHub: loads persisted tasks, serves the protocol, sweeps silent nodes.
import { createLogger, type LogFormat, type Logger } from '../lib/logger.js'
import { createHubApp } from './app.js'
import { AutoFinisher, type AutoFinishOptions, type DrainWatcher } from './auto-finish.js'
import { type Listening, type ListenLimits, listen } from './listen.js'
import { HubState } from './state.js'
import { fileTaskStore } from './store.js'

export interface HubOptions {
  bind: string
  token: string
  stateFile: string
  logFormat?: LogFormat
  logger?: Logger
  /** A node silent this long is dropped (upstream: 60 s). */
  nodeTimeoutMs?: number
  /** How often silent nodes are swept (upstream: 30 s). */
  sweepIntervalMs?: number
  /** Header/body time, connection caps (defaults: DEFAULT_LIMITS in listen.ts). */
  limits?: Partial<ListenLimits>
  /** Makes the judge of auto_finish tasks' queues; without one such tasks wait for a finish like any other. */
  drainWatcher?: (logger: Logger) => DrainWatcher
  autoFinish?: AutoFinishOptions
}

export interface RunningHub extends Listening {
  state: HubState
  stop(): Promise<void>
}

export async function startHub(opts: HubOptions): Promise<RunningHub> {
  const logger =
    opts.logger ?? createLogger({ format: opts.logFormat ?? 'text', component: 'hub', secrets: [opts.token] })
  const store = fileTaskStore(opts.stateFile)
  const state = new HubState(store.load())
  const app = createHubApp({ state, store, token: opts.token, logger })
  const listening = await listen(app, opts.bind, logger, opts.limits)
  const autoFinisher = opts.drainWatcher
    ? new AutoFinisher(state, store, opts.drainWatcher(logger), logger, opts.autoFinish)
    : undefined
  autoFinisher?.start()
  const nodeTimeout = opts.nodeTimeoutMs ?? 60_000
  const sweep = setInterval(() => {
    const dropped = state.nodes.sweep(nodeTimeout)
    if (dropped.length) logger.info(`dropped ${dropped.length} silent node(s)`, { nodes: dropped })
  }, opts.sweepIntervalMs ?? 30_000)
  sweep.unref()
  const tasks = state.listTasks()
  logger.info(`listening on ${listening.url}`, {
    bind: opts.bind,
    state_file: opts.stateFile,
    current: tasks.current,
    pending: tasks.pending.length,
    completed: tasks.completed.length,
  })
  return {
    ...listening,
    state,
    async stop() {
      clearInterval(sweep)
      await autoFinisher?.stop()
      await listening.close()
      logger.info('stopped')
    },
  }
}
