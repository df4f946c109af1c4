// The role table through the app function: every route × every role (and HEAD on GET routes), 401 before 403,
// 403 naming the role a route needs. A route added without a decision here fails the coverage test.
import { describe, expect, it } from 'vitest'
import { accessRoutes } from '../../src/hub/access-routes.js'
import { HubMetrics } from '../../src/hub/metrics.js'
import { observeRoutes } from '../../src/hub/observe-routes.js'
import { QueueStats } from '../../src/hub/queue-stats.js'
import { type Need, ROLES, type Role, requiredRole } from '../../src/hub/roles.js'
import { hubRoutes } from '../../src/hub/routes.js'
import { schedRoutes } from '../../src/hub/sched-routes.js'
import { HubState } from '../../src/hub/state.js'
import { createLogger } from '../../src/lib/logger.js'
import { type AppFixture, appFixture } from './fixture.js'

const node = { hostname: 'w1', architecture: 'x86_64', cpu_count: 2 }
/** Every route the hub serves, with a request that passes the body checks, and the role it needs. */
const ROUTES: [method: string, path: string, target: string, need: Need, body?: unknown][] = [
  ['GET', '/health', '/health', 'public'],
  ['GET', '/api/whoami', '/api/whoami', 'any'],
  ['GET', '/api/tasks', '/api/tasks', 'read'],
  ['POST', '/api/tasks', '/api/tasks', 'submit', { name: 't', image: 'img' }],
  ['GET', '/api/tasks/current', '/api/tasks/current', 'read'],
  ['POST', '/api/tasks/next', '/api/tasks/next', 'submit'],
  ['POST', '/api/tasks/finish', '/api/tasks/finish', 'submit'],
  ['POST', '/api/tasks/cancel', '/api/tasks/cancel', 'submit', { name: 'nope' }],
  ['POST', '/api/tasks/priority', '/api/tasks/priority', 'submit', { name: 'nope', priority: 'high' }],
  ['GET', '/api/tasks/{name}', '/api/tasks/some-task', 'read'],
  ['GET', '/api/nodes', '/api/nodes', 'read'],
  ['POST', '/api/nodes/{node_id}/stop', '/api/nodes/n1/stop', 'admin'],
  ['GET', '/api/cluster', '/api/cluster', 'submit'],
  ['GET', '/api/tokens', '/api/tokens', 'admin'],
  ['POST', '/api/tokens', '/api/tokens', 'admin', { role: 'read' }],
  ['POST', '/api/tokens/{name}/revoke', '/api/tokens/nobody/revoke', 'admin'],
  ['POST', '/gridnode/register', '/gridnode/register', 'node', node],
  [
    'POST',
    '/gridnode/heartbeat',
    '/gridnode/heartbeat',
    'node',
    { node_id: 'n1', status: 'Idle', active_containers: 0 },
  ],
  ['GET', '/gridnode/task', '/gridnode/task?platform=linux/amd64', 'node'],
  ['GET', '/', '/', 'public'],
  ['GET', '/page/app.js', '/page/app.js', 'public'],
  ['GET', '/page/style.css', '/page/style.css', 'public'],
  ['GET', '/metrics', '/metrics', 'read'],
  ['GET', '/api/overview', '/api/overview', 'read'],
  ['GET', '/api/ledger', '/api/ledger?task=nope', 'read'],
  ['GET', '/api/logs', '/api/logs', 'read'],
]

/** Which roles may call a route of each need: admin everything, submit its routes and read's, node /gridnode/*. */
const MAY: Record<Need, Role[]> = {
  public: ['admin', 'submit', 'node', 'read'],
  any: ['admin', 'submit', 'node', 'read'],
  admin: ['admin'],
  submit: ['admin', 'submit'],
  read: ['admin', 'submit', 'read'],
  node: ['admin', 'node'],
}

/** A fixture with one token of each role (the admin one is the hub's own token). */
function withTokens(): { f: AppFixture; tokens: Record<Role, string> } {
  const f = appFixture(undefined, undefined, { redisUrl: 'rediss://:pw@10.0.0.5:6379' })
  const tokens = { admin: undefined } as unknown as Record<Role, string>
  for (const role of ROLES) {
    if (role === 'admin') continue
    const r = f.call('POST', '/api/tokens', { body: { role, name: `t-${role}` } })
    expect(r.status).toBe(201)
    tokens[role] = r.json.token
  }
  const admin = f.call('POST', '/api/tokens', { body: { role: 'admin', name: 'second-admin' } })
  tokens.admin = admin.json.token
  return { f, tokens }
}

describe('the role table', () => {
  it('covers every route the hub serves, and nothing else', () => {
    const state = new HubState()
    const deps = {
      state,
      store: { load: () => undefined, save() {} },
      logger: createLogger({ format: 'json', component: 'hub', write() {} }),
    }
    const stats = new QueueStats()
    const observe = observeRoutes({ ...deps, stats, metrics: new HubMetrics(state, stats) })
    const served = [...hubRoutes(deps), ...schedRoutes(deps), ...accessRoutes(deps), ...observe].flatMap(
      (r) => [...r.methods.keys()].map((m) => `${m} ${r.path}`),
    )
    expect(new Set(['GET /health', ...served])).toEqual(new Set(ROUTES.map(([m, p]) => `${m} ${p}`)))
    for (const [m, path, , need] of ROUTES) expect(requiredRole(m, path), `${m} ${path}`).toBe(need)
  })

  it('gives cancel and priority to submit, unknown POST routes to admin, unknown GET routes to read, /gridnode/* to node', () => {
    expect(requiredRole('POST', '/api/tasks/cancel')).toBe('submit')
    expect(requiredRole('POST', '/api/tasks/priority')).toBe('submit')
    expect(requiredRole('POST', '/api/something/new')).toBe('admin')
    expect(requiredRole('DELETE', '/api/tasks')).toBe('admin')
    expect(requiredRole('GET', '/api/something/new')).toBe('read')
    expect(requiredRole('HEAD', '/api/tokens')).toBe('admin')
    expect(requiredRole('POST', '/gridnode/anything')).toBe('node')
  })

  for (const role of ROLES) {
    it.each(ROUTES)(`a ${role} token on %s %s`, (method, _path, target, need, body) => {
      const { f, tokens } = withTokens()
      for (const m of method === 'GET' ? ['GET', 'HEAD'] : [method]) {
        const r = f.call(m, target, { body, auth: `Bearer ${tokens[role]}` })
        if (MAY[need].includes(role)) {
          expect([401, 403], `${role} ${m} ${target}: ${r.status} ${r.text}`).not.toContain(r.status)
        } else {
          expect(r.status, `${role} ${m} ${target}`).toBe(403)
          if (m === 'GET' || m === 'POST') {
            expect(r.text).toBe(
              `This token has the role '${role}'; this route needs the role '${need}' (${need === 'admin' ? 'an admin token' : `a ${need} or admin token`})`,
            )
          }
        }
      }
    })
  }

  it.each(ROUTES.filter(([, , , need]) => need !== 'public'))(
    '%s %s is 401 for an unknown token before any role check',
    (method, _path, target, _need, body) => {
      const { f } = withTokens()
      expect(f.call(method, target, { body, auth: 'Bearer gct_unknown' })).toMatchObject({
        status: 401,
        text: '',
      })
    },
  )

  it('checks the role before the body: a node token posting a broken task body gets 403, not 400', () => {
    const { f, tokens } = withTokens()
    const r = f.call('POST', '/api/tasks', { body: '{"name":', auth: `Bearer ${tokens.node}` })
    expect(r.status).toBe(403)
    expect(f.call('GET', '/api/tasks').json.current).toBeNull()
  })
})
