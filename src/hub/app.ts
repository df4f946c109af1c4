// The ComputeHub as a function from request to response: routes, auth, upstream codes and bodies.
import type { Logger } from '../lib/logger.js'
import { tokenChecker } from './auth.js'
import { BodyRejection, parseJsonBody, readHeartbeat, readRegister, readTaskSpec } from './body.js'
import { platformForArch } from './protocol.js'
import type { HubState } from './state.js'
import type { TaskStore } from './store.js'

export interface HubRequest {
  method: string
  /** Path without the query string, e.g. /api/tasks. */
  path: string
  query: URLSearchParams
  headers: Record<string, string | undefined>
  body: string
}

export interface HubResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface HubAppOptions {
  state: HubState
  store: TaskStore
  token: string
  logger: Logger
}

const json = (value: unknown, status = 200): HubResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
})
const text = (status: number, body: string): HubResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
})
const empty = (status: number): HubResponse => ({ status, headers: {}, body: '' })

type Handler = (req: HubRequest, params: Record<string, string>) => HubResponse

export function createHubApp(opts: HubAppOptions): (req: HubRequest) => HubResponse {
  const { state, store, logger } = opts
  const authorized = tokenChecker(opts.token)
  const persist = () => store.save(state.snapshot())

  const routes: { pattern: RegExp; keys: string[]; methods: Record<string, Handler> }[] = []
  const route = (path: string, methods: Record<string, Handler>) => {
    const keys: string[] = []
    const pattern = new RegExp(
      `^${path.replace(/\{(\w+)\}/g, (_m, k: string) => {
        keys.push(k)
        return '([^/]+)'
      })}$`,
    )
    routes.push({ pattern, keys, methods })
  }

  route('/api/tasks', {
    POST: (req) => {
      const spec = readTaskSpec(parseJsonBody(req.headers['content-type'], req.body))
      const { started } = state.addTask(spec)
      persist()
      logger.info(`task '${spec.name}' registered${started ? ' and started' : ''}`, { task: spec.name })
      return empty(201)
    },
    GET: () => json(state.listTasks()),
  })
  route('/api/tasks/next', {
    POST: () => {
      const r = state.next()
      persist()
      if (!r) return text(400, 'No more tasks available')
      logger.info(`switched from '${r.previous}' to '${r.current}'`, {
        previous: r.previous,
        current: r.current,
      })
      return json(r)
    },
  })
  route('/api/tasks/finish', {
    POST: () => {
      const r = state.finish()
      if (!r) return text(400, 'No current task running')
      persist()
      logger.info(`finished '${r.completed}'${r.started ? `, started '${r.started}'` : ', no more tasks'}`, r)
      const message = r.started
        ? `Task '${r.completed}' completed, '${r.started}' started`
        : `Task '${r.completed}' completed, no more tasks`
      return json({ completed: r.completed, started: r.started, message })
    },
  })
  route('/api/nodes', { GET: () => json(state.listNodes()) })
  route('/api/nodes/{id}/stop', {
    POST: (_req, p) => {
      const id = p.id!
      if (!state.requestStop(id)) return text(404, `Node ${id} not found`)
      logger.info(`stop requested for node ${id}`, { node: id })
      return empty(200)
    },
  })
  route('/gridnode/register', {
    POST: (req) => {
      const r = readRegister(parseJsonBody(req.headers['content-type'], req.body))
      const nodeId = state.registerNode(r)
      logger.info(`node ${nodeId} registered`, { node: nodeId, hostname: r.hostname, cpus: r.cpu_count })
      return json({ node_id: nodeId, current_task: state.taskConfigFor(platformForArch(r.architecture)) })
    },
  })
  route('/gridnode/heartbeat', {
    POST: (req) => {
      const hb = readHeartbeat(parseJsonBody(req.headers['content-type'], req.body))
      const r = state.heartbeat(hb)
      if (!r.known) return json({ stop_requested: false, reregister: true })
      if (r.becameError) logger.warn(`node ${hb.node_id} reports Error`, { node: hb.node_id })
      return json({ stop_requested: r.stopRequested })
    },
  })
  route('/gridnode/task', {
    GET: (req) => json(state.taskConfigFor(req.query.get('platform') ?? 'linux/amd64')),
  })

  return (req) => {
    if (req.path === '/health')
      return req.method === 'GET' || req.method === 'HEAD' ? text(200, 'OK') : empty(405)
    for (const r of routes) {
      const m = r.pattern.exec(req.path)
      if (!m) continue
      if (!authorized(req.headers.authorization)) return empty(401)
      const handler = r.methods[req.method]
      if (!handler) return { status: 405, headers: { allow: Object.keys(r.methods).join(',') }, body: '' }
      const params: Record<string, string> = {}
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1]!)
      })
      try {
        return handler(req, params)
      } catch (err) {
        if (err instanceof BodyRejection) return text(err.status, err.message)
        throw err
      }
    }
    return empty(404)
  }
}
