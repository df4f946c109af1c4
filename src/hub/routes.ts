// The ComputeHub's routes: upstream's paths, codes and bodies, plus gridcore's additive fields and one extra route.
import type { Logger } from '../lib/logger.js'
import { readHeartbeat, readRegister, readTaskRequest } from './body.js'
import type { JsonObject } from './json.js'
import { platformForArch } from './protocol.js'
import { empty, type HubResponse, json, text } from './response.js'
import type { HubState } from './state.js'
import type { TaskStore } from './store.js'
import { lastQueryValue } from './target.js'

export interface RouteContext {
  /** Decoded path parameters, e.g. node_id. */
  params: Map<string, string>
  query: URLSearchParams
}

export type Endpoint =
  | { body: false; run(ctx: RouteContext): HubResponse }
  | { body: true; run(ctx: RouteContext, body: JsonObject): HubResponse }

export interface Route {
  /** Path with `{param}` segments, matched against the raw (undecoded) path. */
  path: string
  /** Methods in the order they were declared (axum lists them so in `Allow`). */
  methods: Map<string, Endpoint>
}

const plain = (run: (ctx: RouteContext) => HubResponse): Endpoint => ({ body: false, run })
const withBody = (run: (ctx: RouteContext, body: JsonObject) => HubResponse): Endpoint => ({
  body: true,
  run,
})

export function hubRoutes(deps: { state: HubState; store: TaskStore; logger: Logger }): Route[] {
  const { state, store, logger } = deps
  const persist = () => store.save(state.snapshot())
  const route = (path: string, methods: [string, Endpoint][]): Route => ({ path, methods: new Map(methods) })

  return [
    route('/api/tasks', [
      [
        'POST',
        withBody((_ctx, body) => {
          const { unique, ...spec } = readTaskRequest(body)
          const r = state.addTask(spec, { unique })
          if ('conflict' in r) {
            logger.warn(`task '${spec.name}' refused: a task of that name is pending or running`, {
              task: spec.name,
            })
            return text(409, `Task '${spec.name}' is already pending or running`)
          }
          persist()
          logger.info(`task '${spec.name}' registered${r.started ? ' and started' : ''}`, { task: spec.name })
          return empty(201)
        }),
      ],
      ['GET', plain(() => json(state.listTasks()))],
    ]),
    // gridcore extension: the running task as registered (name, image(s), queues, command), or null.
    route('/api/tasks/current', [['GET', plain(() => json(state.runningTask()))]]),
    route('/api/tasks/next', [
      [
        'POST',
        plain(() => {
          const r = state.next()
          persist()
          if (!r) return text(400, 'No more tasks available')
          logger.info(`switched from '${r.previous}' to '${r.current}'`, r)
          return json(r)
        }),
      ],
    ]),
    route('/api/tasks/finish', [
      [
        'POST',
        plain(() => {
          const r = state.finish()
          if (!r) return text(400, 'No current task running')
          persist()
          logger.info(
            `finished '${r.completed}'${r.started ? `, started '${r.started}'` : ', no more tasks'}`,
            r,
          )
          const message = r.started
            ? `Task '${r.completed}' completed, '${r.started}' started`
            : `Task '${r.completed}' completed, no more tasks`
          return json({ completed: r.completed, started: r.started, message })
        }),
      ],
    ]),
    route('/api/nodes', [['GET', plain(() => json(state.nodes.list()))]]),
    route('/api/nodes/{node_id}/stop', [
      [
        'POST',
        plain(({ params }) => {
          const id = params.get('node_id')!
          if (!state.nodes.requestStop(id)) return text(404, `Node ${id} not found`)
          logger.info(`stop requested for node ${id}`, { node: id })
          return empty(200)
        }),
      ],
    ]),
    route('/gridnode/register', [
      [
        'POST',
        withBody((_ctx, body) => {
          const r = readRegister(body)
          const nodeId = state.nodes.register(r)
          logger.info(`node ${nodeId} registered`, {
            node: nodeId,
            hostname: r.hostname,
            cpus: r.cpu_count,
            ...(r.capabilities ? { capabilities: r.capabilities } : {}),
          })
          const config = state.taskConfigFor(
            platformForArch(r.architecture),
            state.nodes.capabilitiesOf(nodeId),
          )
          return json({ node_id: nodeId, current_task: config })
        }),
      ],
    ]),
    route('/gridnode/heartbeat', [
      [
        'POST',
        withBody((_ctx, body) => {
          const hb = readHeartbeat(body)
          const r = state.nodes.heartbeat(hb)
          if (!r.known) return json({ stop_requested: false, reregister: true })
          if (r.becameError) logger.warn(`node ${hb.node_id} reports Error`, { node: hb.node_id })
          if (r.newReport) {
            // The message may quote a task's URLs or data: it goes to GET /api/nodes, not to the log.
            const { task, exit_code, signal, failed_instances } = r.newReport
            logger.warn(`node ${hb.node_id}: instances of task '${task}' fail`, {
              node: hb.node_id,
              task,
              exit_code,
              signal,
              failed_instances,
            })
          }
          return json({ stop_requested: r.stopRequested })
        }),
      ],
    ]),
    route('/gridnode/task', [
      [
        'GET',
        plain(({ query }) => {
          const platform = lastQueryValue(query, 'platform') ?? 'linux/amd64'
          const nodeId = lastQueryValue(query, 'node_id')
          return json(state.taskConfigFor(platform, state.nodes.capabilitiesOf(nodeId)))
        }),
      ],
    ]),
  ]
}
