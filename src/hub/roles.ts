// Token roles and the one table that says which role each route needs.
// admin: everything. submit: register, finish, next, cancel and reprioritize tasks, and what read reads.
// read: GET routes, with Redis passwords masked (a read token must not become a data-plane writer).
// node: the /gridnode/* routes only. The upstream `token` of computehub.toml is always admin.

import { redactText } from '../lib/redact.js'
import type { HubResponse } from './response.js'

export type Role = 'admin' | 'submit' | 'node' | 'read'
export const ROLES: readonly Role[] = ['admin', 'submit', 'node', 'read']

/** What a route needs: a role, any valid token (whoami), or nothing (health). */
export type Need = Role | 'any' | 'public'

/** Roles that include another's rights: admin holds every role, submit holds read. */
const HOLDS: Record<Role, readonly Role[]> = {
  admin: ['admin', 'submit', 'node', 'read'],
  submit: ['submit', 'read'],
  read: ['read'],
  node: ['node'],
}

/** Routes whose need differs from the rule below, by "METHOD path-pattern" (HEAD is looked up as GET). */
const TABLE: Record<string, Need> = {
  'GET /health': 'public',
  'GET /api/whoami': 'any',
  'POST /api/tasks': 'submit',
  'POST /api/tasks/finish': 'submit',
  'POST /api/tasks/next': 'submit',
  'POST /api/tasks/cancel': 'submit',
  'POST /api/tasks/priority': 'submit',
  // The cluster's Redis URL carries its password: only tokens that push and collect items get it.
  'GET /api/cluster': 'submit',
  'GET /api/tokens': 'admin',
  'POST /api/tokens': 'admin',
  'POST /api/tokens/{name}/revoke': 'admin',
  // The status page's files are public: the page shows nothing until a token answers /api/overview.
  'GET /': 'public',
  'GET /page/app.js': 'public',
  'GET /page/style.css': 'public',
  // Watching: Prometheus scrapes /metrics with a read token (bearer_token).
  'GET /metrics': 'read',
  'GET /api/overview': 'read',
  'GET /api/ledger': 'read',
  'GET /api/logs': 'read',
}

/**
 * The need of `method` on the route declared as `path`: the table, else /gridnode/* needs node, any other GET
 * needs read, and anything else (a route added later and not listed) needs admin.
 */
export function requiredRole(method: string, path: string): Need {
  const m = method === 'HEAD' ? 'GET' : method
  const listed = TABLE[`${m} ${path}`]
  if (listed) return listed
  if (path.startsWith('/gridnode/')) return 'node'
  if (m === 'GET') return 'read'
  return 'admin'
}

/** Whether a token of role `have` may call a route that needs `need`. */
export function allows(have: Role, need: Need): boolean {
  if (need === 'public' || need === 'any') return true
  return HOLDS[have].includes(need)
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s)
}

/**
 * What a read token is shown: the answer with every credential in a URL masked (a task's input_redis, an error
 * report quoting one), so reading a cluster never hands out its Redis password. JSON stays JSON.
 */
export function readView(res: HubResponse): HubResponse {
  if (!res.body || !/:\/\/[^/@\s]*@/.test(res.body)) return res
  if (!(res.headers['content-type'] ?? '').includes('json')) return { ...res, body: redactText(res.body) }
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v)
    if (Array.isArray(v)) return v.map(mask)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]))
    return v
  }
  return { ...res, body: JSON.stringify(mask(JSON.parse(res.body))) }
}
