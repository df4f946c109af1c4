// gridcore's routes for watching a cluster (additive): the status page and its one JSON call, /metrics, a task's
// contribution ledger, and the instances' logs with a long poll. Which role each needs is in roles.ts.
import type { Logger } from '../lib/logger.js'
import { MAX_WAIT_MS } from './long-poll.js'
import type { HubMetrics } from './metrics.js'
import { overview } from './overview.js'
import { PAGE_FILES, pageFile } from './page.js'
import type { QueueStats } from './queue-stats.js'
import { type HubResponse, json, text } from './response.js'
import { plain, type Route } from './routes.js'
import { DEFAULT_GROUP } from './scheduler.js'
import type { HubState } from './state.js'
import { lastQueryValue } from './target.js'
import { groupOf } from './task-views.js'

export interface ObserveDeps {
  state: HubState
  stats: QueueStats
  metrics: HubMetrics
  logger: Logger
}

/** Lines one GET /api/logs answers at most (and by default). */
export const MAX_LOG_LIMIT = 10_000
export const DEFAULT_LOG_LIMIT = 1_000

/** A whole number in [min, max] from a query value, or a 400 naming the parameter. */
function intParam(
  query: URLSearchParams,
  key: string,
  min: number,
  max: number,
): number | undefined | HubResponse {
  const raw = lastQueryValue(query, key)
  if (raw === undefined) return undefined
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= min && n <= max))
    return text(400, `Invalid query: \`${key}\` must be a whole number from ${min} to ${max}, got "${raw}"`)
  return n
}
const isAnswer = (v: unknown): v is HubResponse => typeof v === 'object' && v !== null

export function observeRoutes(deps: ObserveDeps): Route[] {
  const { state, stats, metrics, logger } = deps
  const route = (path: string, run: Parameters<typeof plain>[0]): Route => ({
    path,
    methods: new Map([['GET', plain(run)]]),
  })
  /** Reads the running tasks' queues (the reader's cache decides whether Redis is asked). */
  const refresh = async (extra: ReturnType<typeof state.tasks.find>[] = []) => {
    const tasks = [...state.tasks.runningAll(), ...extra.filter((t) => t && t.status !== 'Running')]
    try {
      await stats.refresh(tasks.filter((t) => t !== undefined))
    } catch (err) {
      logger.warn(`cannot read the tasks' queues: ${(err as Error).message}`)
    }
  }

  return [
    ...Object.keys(PAGE_FILES).map((path) => route(path, () => pageFile(path))),
    route('/api/overview', () => ({
      now: json(overview(state, stats)),
      held: async () => {
        await refresh()
        return json(overview(state, stats))
      },
    })),
    route('/metrics', () => ({
      now: text(503, 'GET /metrics is gathered asynchronously: ask over HTTP'),
      held: async () => {
        await refresh()
        return {
          status: 200,
          headers: { 'content-type': metrics.contentType },
          body: await metrics.text(),
        }
      },
    })),
    route('/api/ledger', ({ query }) => {
      // ?task=NAME (the running one, else the next pending, else the latest of that name), else a group's current.
      const name = lastQueryValue(query, 'task')
      const group = lastQueryValue(query, 'group') ?? DEFAULT_GROUP
      const t = name !== undefined ? state.tasks.find(name) : state.tasks.running(group)
      if (!t)
        return text(
          404,
          name !== undefined ? `Task '${name}' not found` : `No task is running in group '${group}'`,
        )
      const answer = () => {
        const p = stats.progress(t)
        const nodes = Object.entries(p.ledger).map(([node, e]) => ({
          node,
          hostname: state.nodes.hostnameOf(node) ?? null,
          ...e,
        }))
        const totals = nodes.reduce((a, n) => ({ done: a.done + n.done, failed: a.failed + n.failed }), {
          done: 0,
          failed: 0,
        })
        return json({
          task: t.spec.name,
          group: groupOf(t),
          status: t.status,
          input_queue: p.input_queue,
          read_at: p.read_at,
          error: p.error,
          nodes,
          totals,
        })
      }
      return {
        now: answer(),
        held: async () => {
          await refresh([t])
          return answer()
        },
      }
    }),
    route('/api/logs', ({ query }) => {
      const nums = {
        instance: intParam(query, 'instance', 0, 0xffffffff),
        after: intParam(query, 'after', 0, Number.MAX_SAFE_INTEGER),
        limit: intParam(query, 'limit', 1, MAX_LOG_LIMIT),
        wait: intParam(query, 'wait', 0, MAX_WAIT_MS / 1000),
      }
      for (const v of Object.values(nums)) if (isAnswer(v)) return v
      const { instance, after, limit, wait } = nums as Record<keyof typeof nums, number | undefined>
      const q = {
        nodes: query.getAll('node').filter(Boolean),
        tasks: query.getAll('task').filter(Boolean),
        instance,
        after,
        limit: limit ?? DEFAULT_LOG_LIMIT,
      }
      const now = state.logs.query(q)
      if (after === undefined || !wait || now.lines.length) return json(now)
      return {
        now: json(now),
        held: async (signal) => {
          await state.logs.waitFor({ ...q, after }, wait * 1000, signal)
          return json(state.logs.query(q))
        },
      }
    }),
  ]
}
