// How a run that fails after registering ends: resumable (its task and items stay; the message gives the exact
// resume command) or removed (a pending task cancelled, a current one finished, its queues purged) — never a task
// that silently blocks the next run.
import { setTimeout as sleep } from 'node:timers/promises'
import { GridcoreError, oneLine } from '../lib/errors.js'
import type { QueueKeys } from '../queue/keys.js'
import { purge } from '../queue/ops.js'
import type { RunContext } from './context.js'
import { type RunStatus, runCommandFor } from './records/record.js'

export interface Ended {
  error: GridcoreError
  status: RunStatus
}

/**
 * Whether the run's task and items go: bad input met while pushing or nothing to run (marked `remove` by the
 * push step), the task cannot start, the run gave up before its turn, or the task vanished from the hub.
 */
export function removable(e: GridcoreError): boolean {
  if (e.details?.remove === true || e.code === 'CANNOT_START') return true
  if (e.code === 'TIMEOUT' && e.details?.behind) return true
  return e.details?.vanished === true
}

/** Ends a run that failed after registering task `id`: removes it or leaves it resumable, and says which. */
export async function endRun(
  c: RunContext,
  id: string,
  keys: QueueKeys,
  err: unknown,
  pushed: number,
  /** Stop the task but keep its items (a --retry: they are an earlier run's failures, kept for the next try). */
  keepItems = false,
): Promise<Ended> {
  const e =
    err instanceof GridcoreError
      ? err
      : new GridcoreError('INTERNAL', `unexpected error: ${oneLine((err as Error)?.message ?? String(err))}`)
  const items = `${pushed.toLocaleString('en-US')} item${pushed === 1 ? '' : 's'}`
  if (removable(e)) {
    const retry = runCommandFor('--retry', { task: id, cluster: c.profile.name })
    let removed = keepItems
      ? `task ${id} was stopped; its ${items} stay in its queues for the next ${retry}`
      : `task ${id} and the ${items} it pushed were removed`
    try {
      await removeRun(c, id, keys, keepItems)
    } catch (failure) {
      removed = `removing task ${id} failed (${oneLine((failure as Error).message)}): drop it with gridcore task cancel ${id} (pending) or gridcore task finish (running), then gridcore queue purge --queue ${keys.input} --output-queue ${keys.output} --results --yes`
    }
    const status: RunStatus = e.code === 'TIMEOUT' ? 'cancelled' : 'failed'
    return { status, error: rewrap(e, `${e.message}; ${removed}`, { task: id, removed: true }) }
  }
  const resume = runCommandFor('--resume', { task: id, cluster: c.profile.name })
  const state = await c.hub.listTasks().catch(() => null)
  const drop = state?.pending.includes(id)
    ? ` (or drop it: gridcore task cancel ${id})`
    : state?.current === id
      ? ' (or stop it: gridcore task finish)'
      : ''
  return {
    status: 'interrupted',
    error: rewrap(e, `${e.message}; task ${id} keeps its ${items} in Redis. Resume with: ${resume}${drop}`, {
      task: id,
      input_queue: keys.input,
      output_queue: keys.output,
      pushed,
      resume,
    }),
  }
}

/** Takes the task off the hub (cancel when pending, finish when current) and deletes its queues. */
export async function removeRun(
  c: RunContext,
  id: string,
  keys: QueueKeys,
  keepItems = false,
): Promise<void> {
  c.report.phase?.({ event: 'removing', task: id })
  const { current, pending } = await c.hub.listTasks()
  if (pending.includes(id)) await c.hub.cancelTask(id)
  else if (current === id) await c.hub.finishTask()
  if (keepItems) return
  const held = (await c.redis.scard(keys.consumers)) > 0
  await purge(c.redis, keys, true)
  // Consumers stopping gracefully may still settle a batch (refused: the lease is gone): purge what they leave.
  if (held) {
    await sleep(1_500)
    await purge(c.redis, keys, true)
  }
}

function rewrap(e: GridcoreError, message: string, extra: Record<string, unknown>): GridcoreError {
  return new GridcoreError(e.code, message, { ...e.details, ...extra })
}
