// The ComputeHub as a function from request to response, in axum's order: target, route, method, token (401),
// then gridcore's role check (403), then the body. `decide` answers from the request line and headers alone when
// it can, so no body is read before the token.
import type { Logger } from '../lib/logger.js'
import { accessRoutes } from './access-routes.js'
import { authenticator } from './auth.js'
import { BodyRejection, contentTypeRejection, MAX_BODY_BYTES, parseJsonBody, tooLarge } from './body.js'
import { HubMetrics } from './metrics.js'
import { observeRoutes } from './observe-routes.js'
import { type QueueReader, QueueStats } from './queue-stats.js'
import { empty, type Held, type HubResponse, isHeld, text } from './response.js'
import { allows, type Need, readView, requiredRole } from './roles.js'
import { type Endpoint, hubRoutes, type RouteContext } from './routes.js'
import { schedRoutes } from './sched-routes.js'
import type { HubState } from './state.js'
import type { TaskStore } from './store.js'
import { decodeSegment, parseTarget } from './target.js'

export type { HubResponse } from './response.js'

export interface RequestHead {
  method: string
  /** The request target as sent: /path?query, an absolute URL, or anything else a client wrote. */
  target: string
  /** A header's value by lower-case name; the first one when it was repeated (as axum's HeaderMap::get). */
  header(name: string): string | undefined
  /** The client's address, when the request came over a socket. */
  remote?: string
}

/** The route pattern a request matched (e.g. /api/tasks/{name}), or `(unmatched)` / `(invalid)`: metrics' label. */
export type RouteLabel = string

export type Decision = {
  route: RouteLabel
} /** The answer is known from the head. `authorized`: the request carried a valid token (any role). */ & (
  | { kind: 'respond'; response: HubResponse; authorized: boolean }
  /** An authorized request whose body is needed: read at most `limit` bytes, then call `handle`. */
  | { kind: 'read-body'; limit: number; handle(body: Uint8Array): HubResponse }
  /** An authorized long poll: the answer comes when `wait` resolves (at once when `signal` aborts). */
  | { kind: 'hold'; now: HubResponse; wait(signal: AbortSignal): Promise<HubResponse> }
)

export interface HubRequestInit {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
}

export interface HubApp {
  decide(head: RequestHead): Decision
  /** The whole exchange in-process, without a socket (tests, tools): like Hono's app.request. A long poll is
   * answered at once. */
  request(target: string, init?: HubRequestInit): HubResponse
  /** As `request`, but a long poll waits as over a socket (until its answer changes, its wait ends or `signal`). */
  requestAsync(target: string, init?: HubRequestInit & { signal?: AbortSignal }): Promise<HubResponse>
  /** The hub's metrics (GET /metrics); the socket adapter records each answered request here. */
  metrics: HubMetrics
  /** What the hub knows of its tasks' queues (through the plugged-in reader). */
  stats: QueueStats
}

export interface HubAppOptions {
  state: HubState
  store: TaskStore
  /** The hub's own token (computehub.toml `token`): admin. */
  token: string
  logger: Logger
  /** What `GET /api/cluster` tells submit and admin tokens: the cluster's Redis URL (computehub.toml redis_url). */
  redisUrl?: string | null
  /** Reads the tasks' queues for /metrics, the status page and the ledger; without one they show no queues. */
  queueReader?: QueueReader
}

interface CompiledRoute {
  path: string
  pattern: RegExp
  keys: string[]
  methods: Map<string, Endpoint>
  allow: string
}

export function createHubApp(opts: HubAppOptions): HubApp {
  const { logger } = opts
  const authenticate = authenticator(opts.token, opts.state.tokens)
  const health: Endpoint = { body: false, run: () => text(200, 'OK') }
  const stats = new QueueStats(opts.queueReader)
  const metrics = new HubMetrics(opts.state, stats)
  const routes = [
    { path: '/health', methods: new Map([['GET', health]]) },
    ...hubRoutes({ ...opts, metrics }),
    ...schedRoutes(opts),
    ...accessRoutes(opts),
    ...observeRoutes({ state: opts.state, stats, metrics, logger }),
  ].map((r): CompiledRoute => {
    const keys: string[] = []
    const source = r.path.replace(/\{(\w+)\}/g, (_m, k: string) => {
      keys.push(k)
      return '([^/]+)'
    })
    const allow = [...r.methods.keys()].flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(',')
    return { path: r.path, pattern: new RegExp(`^${source}$`), keys, methods: r.methods, allow }
  })

  /** Runs a handler: body rejections become their status, anything else a logged 500. */
  const run = (method: string, target: string, fn: () => HubResponse | Held): HubResponse | Held => {
    let res: HubResponse | Held
    try {
      res = fn()
    } catch (err) {
      if (err instanceof BodyRejection) res = text(err.status, err.message)
      else {
        logger.error(`request failed: ${(err as Error).message}`, { method, path: target.split('?')[0] })
        res = text(500, 'Internal Server Error')
      }
    }
    if (isHeld(res)) {
      const held = res
      return {
        now: headOf(method, held.now),
        held: async (signal) => headOf(method, await held.held(signal)),
      }
    }
    return headOf(method, res)
  }
  const headOf = (method: string, res: HubResponse): HubResponse => {
    if (method !== 'HEAD') return res
    // HEAD: GET's status and headers, its length included, and no body.
    return {
      ...res,
      headers: { ...res.headers, 'content-length': String(Buffer.byteLength(res.body)) },
      body: '',
    }
  }
  let routeLabel: RouteLabel = '(invalid)'
  const respond = (response: HubResponse, ok = false): Decision => ({
    route: routeLabel,
    kind: 'respond',
    response,
    authorized: ok,
  })

  const decide = (head: RequestHead): Decision => {
    routeLabel = '(invalid)'
    const target = parseTarget(head.target)
    if (!target) return respond(empty(400))
    routeLabel = '(unmatched)'
    let route: CompiledRoute | undefined
    let match: RegExpExecArray | null = null
    for (const r of routes) {
      match = r.pattern.exec(target.path)
      if (match) {
        route = r
        break
      }
    }
    if (!route || !match) return respond(empty(404))
    routeLabel = route.path
    const endpoint = route.methods.get(head.method === 'HEAD' ? 'GET' : head.method)
    if (!endpoint) return respond(empty(405, { allow: route.allow }))
    const need: Need = requiredRole(head.method, route.path)
    const principal = authenticate(head.header('authorization'))
    const ok = principal !== null
    if (need !== 'public' && !principal) return respond(empty(401))
    if (principal && !allows(principal.role, need)) return respond(forbidden(principal.role, need), ok)
    const ctx: RouteContext = {
      params: new Map(),
      query: target.query,
      principal,
      ...(head.remote ? { remote: head.remote } : {}),
    }
    for (const [i, key] of route.keys.entries()) {
      const value = decodeSegment(match[i + 1]!)
      if (value === null) return respond(text(400, `Invalid URL: Invalid UTF-8 in \`${key}\``), ok)
      ctx.params.set(key, value)
    }
    if (endpoint.body === false) {
      // A read token sees answers with Redis passwords masked (HEAD gets the masked length).
      const view = principal?.role === 'read'
      const res = run(head.method, head.target, () => {
        const out = endpoint.run(ctx)
        if (!view) return out
        if (!isHeld(out)) return readView(out)
        return { now: readView(out.now), held: async (signal) => readView(await out.held(signal)) }
      })
      return isHeld(res)
        ? { route: routeLabel, kind: 'hold', now: res.now, wait: res.held }
        : respond(res, ok)
    }
    const badType = contentTypeRejection(head.header('content-type'))
    if (endpoint.body === 'optional') {
      // Without a JSON content type the body is not read, as by upstream's handlers that take none.
      if (badType)
        return respond(run(head.method, head.target, () => endpoint.run(ctx, null)) as HubResponse, ok)
      return {
        route: routeLabel,
        kind: 'read-body',
        limit: MAX_BODY_BYTES,
        handle: (body) =>
          run(head.method, head.target, () =>
            endpoint.run(ctx, body.length === 0 ? null : parseJsonBody(body)),
          ) as HubResponse,
      }
    }
    if (badType) return respond(text(badType.status, badType.message), ok)
    return {
      route: routeLabel,
      kind: 'read-body',
      limit: MAX_BODY_BYTES,
      handle: (body) =>
        run(head.method, head.target, () => endpoint.run(ctx, parseJsonBody(body))) as HubResponse,
    }
  }

  const exchange = (target: string, init: HubRequestInit): Decision => {
    const headers = new Map(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
    return decide({ method: init.method ?? 'GET', target, header: (n) => headers.get(n) })
  }
  const withBody = (decision: Decision & { kind: 'read-body' }, init: HubRequestInit): HubResponse => {
    const body = typeof init.body === 'string' ? Buffer.from(init.body) : (init.body ?? new Uint8Array())
    if (body.length > decision.limit) return text(413, tooLarge().message)
    return decision.handle(body)
  }

  return {
    decide,
    metrics,
    stats,
    request(target, init = {}) {
      const decision = exchange(target, init)
      if (decision.kind === 'respond') return decision.response
      if (decision.kind === 'hold') return decision.now
      return withBody(decision, init)
    },
    async requestAsync(target, init = {}) {
      const decision = exchange(target, init)
      if (decision.kind === 'respond') return decision.response
      if (decision.kind === 'hold') return decision.wait(init.signal ?? new AbortController().signal)
      return withBody(decision, init)
    },
  }
}

/** 403 naming the role the route needs (the token is valid, its role is not enough). */
function forbidden(have: string, need: Need): HubResponse {
  const who = need === 'admin' ? 'an admin token' : `a ${need} or admin token`
  return text(403, `This token has the role '${have}'; this route needs the role '${need}' (${who})`)
}
