// gridcore's additive access routes: who a token is, the cluster's Redis URL for tokens that push and collect, and
// the scoped tokens (create, list, revoke). Which role each needs is in roles.ts.
import type { Logger } from '../lib/logger.js'
import { readTokenRequest } from './body-control.js'
import { json, text } from './response.js'
import { plain, type Route, withBody } from './routes.js'
import type { HubState } from './state.js'
import type { TaskStore } from './store.js'

export function accessRoutes(deps: {
  state: HubState
  store: TaskStore
  logger: Logger
  redisUrl?: string | null
}): Route[] {
  const { state, store, logger } = deps
  const persist = () => store.save(state.snapshot())
  const route = (path: string, methods: [string, ReturnType<typeof plain>][]): Route => ({
    path,
    methods: new Map(methods),
  })
  return [
    route('/api/whoami', [['GET', plain(({ principal }) => json(principal))]]),
    route('/api/cluster', [['GET', plain(() => json({ redis_url: deps.redisUrl ?? null }))]]),
    route('/api/tokens', [
      [
        'POST',
        withBody((_ctx, body) => {
          const req = readTokenRequest(body)
          const made = state.tokens.create({
            role: req.role,
            name: req.name,
            expiresInMs: req.expires_in === undefined ? undefined : req.expires_in * 1000,
          })
          if (made === 'conflict') return text(409, `Token name '${req.name}' is already taken`)
          persist()
          logger.info(`token '${made.info.name}' created with role ${made.info.role}`, {
            token_name: made.info.name,
            role: made.info.role,
            expires: made.info.expires,
          })
          return json({ ...made.info, token: made.token }, 201)
        }),
      ],
      ['GET', plain(() => json(state.tokens.list()))],
    ]),
    route('/api/tokens/{name}/revoke', [
      [
        'POST',
        plain(({ params }) => {
          const name = params.get('name')!
          if (!state.tokens.revoke(name)) return text(404, `Token ${name} not found`)
          persist()
          logger.info(`token '${name}' revoked`, { token_name: name })
          return json({ revoked: name })
        }),
      ],
    ]),
  ]
}
