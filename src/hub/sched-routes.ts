// gridcore's scheduling routes (additive): cancel or reprioritize a pending task, and one task's details.
// They come after every fixed /api/tasks/… route, so /api/tasks/{name} never shadows one.
import type { Logger } from '../lib/logger.js'
import { readName, readPriorityChange } from './body-control.js'
import { json, text } from './response.js'
import { plain, type Route, withBody } from './routes.js'
import { priorityName } from './scheduler.js'
import type { HubState } from './state.js'
import type { TaskStore } from './store.js'
import type { PendingChange } from './task-book.js'

/** 404 for an unknown name, 409 for a task that is no longer pending. */
function refusal(name: string, r: PendingChange, verb: string) {
  if ('missing' in r) return text(404, `Task '${name}' not found`)
  if ('notPending' in r) {
    const why =
      r.notPending === 'Running'
        ? `it is running: finish it instead (gridcore task finish ${name})`
        : `it is ${r.notPending.toLowerCase()}`
    return text(409, `Task '${name}' cannot be ${verb}: ${why}`)
  }
  return null
}

export function schedRoutes(deps: { state: HubState; store: TaskStore; logger: Logger }): Route[] {
  const { state, store, logger } = deps
  const persist = () => store.save(state.snapshot())
  return [
    {
      path: '/api/tasks/cancel',
      methods: new Map([
        [
          'POST',
          withBody((_ctx, body) => {
            const { name } = readName(body)
            const r = state.cancel(name)
            const refused = refusal(name, r, 'cancelled')
            if (refused || !('ok' in r)) return refused!
            persist()
            logger.info(`task '${name}' cancelled`, { task: name, blocked: r.blocked })
            return json({ cancelled: name, blocked: r.blocked ?? [] })
          }),
        ],
      ]),
    },
    {
      path: '/api/tasks/priority',
      methods: new Map([
        [
          'POST',
          withBody((_ctx, body) => {
            const { name, priority } = readPriorityChange(body)
            const r = state.setPriority(name, priority)
            const refused = refusal(name, r, 'given another priority')
            if (refused || !('ok' in r)) return refused!
            persist()
            logger.info(`task '${name}' is now ${priorityName(priority)}`, { task: name, priority })
            return json(state.tasks.details(r.ok))
          }),
        ],
      ]),
    },
    {
      path: '/api/tasks/{name}',
      methods: new Map([
        [
          'GET',
          plain(({ params }) => {
            const name = params.get('name')!
            const t = state.tasks.find(name)
            return t ? json(state.tasks.details(t)) : text(404, `Task '${name}' not found`)
          }),
        ],
      ]),
    },
  ]
}
