// An in-process hub app for unit tests: no socket, no port; requests go through app.request like Hono's.
import { createHubApp, type HubApp } from '../../src/hub/app.js'
import type { QueueReader } from '../../src/hub/queue-stats.js'
import { HubState, type PersistedTasks } from '../../src/hub/state.js'
import type { TaskStore } from '../../src/hub/store.js'
import { createLogger } from '../../src/lib/logger.js'

export const TOKEN = 'unit-token-0123456789'

export interface Call {
  status: number
  text: string
  json: any
  headers: Record<string, string>
}

export interface AppFixture {
  app: HubApp
  state: HubState
  logs: string[]
  saved(): PersistedTasks | undefined
  /** Moves the fixture's clock (node last-seen times, sweeps). */
  advance(ms: number): void
  /** A request with the token unless `auth` says otherwise; a JSON body when `body` is not a string. */
  call(
    method: string,
    target: string,
    opts?: { body?: unknown; auth?: string | false; contentType?: string | null },
  ): Call
}

export function appFixture(
  initial?: PersistedTasks,
  store?: TaskStore,
  opts: { redisUrl?: string; queueReader?: QueueReader } = {},
): AppFixture {
  let saved: PersistedTasks | undefined
  let now = Date.parse('2026-01-01T00:00:00Z')
  const memory: TaskStore = {
    load: () => saved,
    save: (s) => {
      saved = structuredClone(s)
    },
  }
  const logs: string[] = []
  const logger = createLogger({
    format: 'json',
    component: 'hub',
    secrets: [TOKEN],
    write: (l) => logs.push(l),
  })
  const state = new HubState(initial ?? store?.load(), () => now)
  const app = createHubApp({
    state,
    store: store ?? memory,
    token: TOKEN,
    logger,
    redisUrl: opts.redisUrl,
    queueReader: opts.queueReader,
  })
  return {
    app,
    state,
    logs,
    saved: () => saved,
    advance: (ms) => {
      now += ms
    },
    call(method, target, o = {}) {
      const headers: Record<string, string> = {}
      const auth = o.auth === undefined ? `Bearer ${TOKEN}` : o.auth
      if (auth !== false) headers.authorization = auth
      let body: string | undefined
      if (o.body !== undefined) {
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body)
        if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json'
      }
      const res = app.request(target, { method, headers, body })
      let json: any
      try {
        json = JSON.parse(res.body)
      } catch {
        json = undefined
      }
      return { status: res.status, text: res.body, json, headers: res.headers }
    },
  }
}
