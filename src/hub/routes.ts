// The ComputeHub's routes: upstream's paths, codes and bodies, plus gridcore's additive fields, queries and routes.
import type { Logger } from '../lib/logger.js'
import { readFinish, readTaskRequest } from './body-control.js'
import { readHeartbeat, readRegister } from './body-nodes.js'
import type { JsonObject } from './json.js'
import { longPoll, requestedWaitMs } from './long-poll.js'
import type { HubMetrics } from './metrics.js'
import { platformForArch } from './protocol.js'
import { empty, type Held, type HubResponse, json, text } from './response.js'
import { DEFAULT_GROUP } from './scheduler.js'
import type { Asker, HubState } from './state.js'
import type { TaskStore } from './store.js'
import { lastQueryValue } from './target.js'
import type { Principal } from './tokens.js'

export interface RouteContext {
  /** Decoded path parameters, e.g. node_id. */
  params: Map<string, string>
  query: URLSearchParams
  /** Who sent the request (null on public routes). */
  principal: Principal | null
  /** The client's address, when the request came over a socket. */
  remote?: string
}

export type Endpoint =
  | { body: false; run(ctx: RouteContext): HubResponse | Held }
  | { body: true; run(ctx: RouteContext, body: JsonObject): HubResponse }
  /** A body that may be absent: without a JSON content type it is ignored, as by a handler that takes none. */
  | { body: 'optional'; run(ctx: RouteContext, body: JsonObject | null): HubResponse }

export interface Route {
  /** Path with `{param}` segments, matched against the raw (undecoded) path. */
  path: string
  /** Methods in the order they were declared (axum lists them so in `Allow`). */
  methods: Map<string, Endpoint>
}

export const plain = (run: (ctx: RouteContext) => HubResponse | Held): Endpoint => ({ body: false, run })
export const withBody = (run: (ctx: RouteContext, body: JsonObject) => HubResponse): Endpoint => ({
  body: true,
  run,
})
const optionalBody = (run: (ctx: RouteContext, body: JsonObject | null) => HubResponse): Endpoint => ({
  body: 'optional',
  run,
})

/**
 * A node's group on a poll: the `group` query (else the registered one). Explicit as registered; for a node the hub
 * does not know (yet, or any more), unless the poll says `group_explicit=false`.
 */
function askerOf(state: HubState, query: URLSearchParams, nodeId: string | undefined): Asker {
  const registered = state.nodes.groupOf(nodeId)
  const group = lastQueryValue(query, 'group') || registered.group
  if (!group) return {}
  if (registered.group === group) return { group, explicit: registered.explicit }
  return { group, explicit: lastQueryValue(query, 'group_explicit') !== 'false' }
}

export function hubRoutes(deps: {
  state: HubState
  store: TaskStore
  logger: Logger
  metrics?: HubMetrics
}): Route[] {
  const { state, store, logger, metrics } = deps
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
          if ('refused' in r) return text(422, r.refused)
          persist()
          const group = spec.group ?? DEFAULT_GROUP
          if (r.preempted)
            logger.info(`task '${spec.name}' preempted '${r.preempted}' in group ${group}`, {
              task: spec.name,
              preempted: r.preempted,
              group,
            })
          logger.info(`task '${spec.name}' registered${r.started ? ' and started' : ''}`, {
            task: spec.name,
            group,
          })
          return empty(201)
        }),
      ],
      [
        'GET',
        plain(({ query }) => {
          // gridcore extension: ?group=NAME lists that group alone; without it, upstream's shape.
          const group = lastQueryValue(query, 'group')
          return json(group === undefined ? state.listTasks() : state.tasks.group(group))
        }),
      ],
    ]),
    // gridcore extension: a group's running task as registered (name, image(s), queues, command), or null.
    route('/api/tasks/current', [
      ['GET', plain(({ query }) => json(state.runningTask(lastQueryValue(query, 'group') ?? DEFAULT_GROUP)))],
    ]),
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
        // Upstream sends no body: the `default` group. gridcore's {group} or {name} finish another group's task.
        optionalBody((_ctx, body) => {
          const which = readFinish(body)
          let group = which.group ?? DEFAULT_GROUP
          if (which.name !== undefined) {
            const t = state.tasks.find(which.name)
            if (!t) return text(404, `Task '${which.name}' not found`)
            if (t.status !== 'Running')
              return text(409, `Task '${which.name}' is not running (it is ${t.status})`)
            group = t.spec.group ?? DEFAULT_GROUP
          }
          const r = state.finish(group)
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
    route('/api/nodes', [
      [
        'GET',
        plain(({ query }) => {
          // gridcore extension: ?group=NAME keeps that group's nodes (a node that named none is in `default`).
          const group = lastQueryValue(query, 'group')
          const nodes = state.nodes.list()
          return json(group === undefined ? nodes : nodes.filter((n) => (n.group ?? DEFAULT_GROUP) === group))
        }),
      ],
    ]),
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
        withBody((ctx, body) => {
          const r = readRegister(body)
          const nodeId = state.nodes.register(r, ctx.remote)
          metrics?.registrations.inc()
          logger.info(`node ${nodeId} registered`, {
            node: nodeId,
            hostname: r.hostname,
            ...(ctx.remote ? { address: ctx.remote } : {}),
            cpus: r.cpu_count,
            ...(r.capabilities ? { capabilities: r.capabilities } : {}),
            ...(r.group ? { group: r.group, group_explicit: r.group_explicit ?? true } : {}),
          })
          state.changed()
          const config = state.taskConfigFor(
            platformForArch(r.architecture),
            state.nodes.capabilitiesOf(nodeId),
            state.nodes.groupOf(nodeId),
          )
          return json({ node_id: nodeId, current_task: config })
        }),
      ],
    ]),
    route('/gridnode/heartbeat', [
      [
        'POST',
        withBody((ctx, body) => {
          const hb = readHeartbeat(body)
          const r = state.nodes.heartbeat(hb, ctx.remote)
          // Upstream nodes send no logs and see upstream's answer; a node that sends logs learns how many were kept.
          const accepted = (n: number) => (hb.logs ? { logs_accepted: n } : {})
          if (!r.known) return json({ stop_requested: false, reregister: true, ...accepted(0) })
          metrics?.heartbeats.inc()
          const kept = hb.logs
            ? state.logs.append(hb.node_id, state.nodes.hostnameOf(hb.node_id) ?? '', hb.logs, (task) =>
                Boolean(state.tasks.find(task)),
              )
            : 0
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
          return json({ stop_requested: r.stopRequested, ...accepted(kept) })
        }),
      ],
    ]),
    route('/gridnode/task', [
      [
        'GET',
        plain(({ query }) => {
          const platform = lastQueryValue(query, 'platform') ?? 'linux/amd64'
          const nodeId = lastQueryValue(query, 'node_id')
          // Capabilities and group are read again at each answer: the node may register again while it waits.
          const answer = () =>
            state.taskConfigFor(platform, state.nodes.capabilitiesOf(nodeId), askerOf(state, query, nodeId))
          return longPoll(state, answer, requestedWaitMs(query), lastQueryValue(query, 'known'))
        }),
      ],
    ]),
  ]
}
