// Waiting for the run's turn: the hub runs one task at a time (per worker group), so a task registered behind
// another waits; the run says which task it waits for, and its --timeout (counted from the start of the run) and
// Ctrl-C still hold. A task that already ran to its end (the hub auto-finishes a drained run task) is its turn too.
import { setTimeout as sleep } from 'node:timers/promises'
import type { HubClient } from '../client/hub-client.js'
import { GridcoreError } from '../lib/errors.js'

export interface TurnOptions {
  /** Epoch ms past which the run gives up (exit 9). */
  deadline?: number
  timeoutMs?: number
  signal?: AbortSignal
  /** Told each time the task it waits behind changes. */
  onWaiting?: (behind: string) => void
  pollMs?: number
}

type Where = 'ran' | 'pending' | 'gone'

/** Where task `id` stands: running or ended (its turn came), pending, or gone (cancelled, or never known). */
async function standing(hub: HubClient, id: string): Promise<{ where: Where; behind: string | null }> {
  const tasks = await hub.listTasks()
  let status: string | undefined
  try {
    status = (await hub.taskDetails(id)).status
  } catch (err) {
    // An upstream hub has no task details: its list says it (it keeps no cancelled tasks).
    if (!(err instanceof GridcoreError && err.details?.status === 404)) throw err
  }
  const where: Where =
    status === 'Running' || status === 'Completed'
      ? 'ran'
      : status === 'Pending'
        ? 'pending'
        : status === 'Cancelled'
          ? 'gone'
          : tasks.current === id || tasks.completed.includes(id)
            ? 'ran'
            : tasks.pending.includes(id)
              ? 'pending'
              : 'gone'
  return { where, behind: tasks.current }
}

/** Resolves once task `id` runs (or already ran). */
export async function waitTurn(hub: HubClient, id: string, o: TurnOptions = {}): Promise<void> {
  let told: string | null = null
  for (;;) {
    const { where, behind } = await standing(hub, id)
    if (where === 'ran') return
    if (where === 'gone') {
      throw new GridcoreError(
        'HUB_REJECTED',
        `task ${id} is no longer on the hub's list (someone cancelled it): gridcore task list shows the tasks`,
        { task: id, vanished: true },
      )
    }
    if (behind && behind !== told) {
      told = behind
      o.onWaiting?.(behind)
    }
    if (o.signal?.aborted)
      throw new GridcoreError('INTERRUPTED', `interrupted while task ${id} waited behind ${behind}`, {
        behind,
      })
    if (o.deadline !== undefined && Date.now() >= o.deadline)
      throw new GridcoreError(
        'TIMEOUT',
        `timed out after ${Math.round((o.timeoutMs ?? 0) / 100) / 10}s waiting behind task ${behind} (the hub runs one task at a time; gridcore task list shows them)`,
        { behind: behind ?? 'another task' },
      )
    const left = o.deadline === undefined ? Infinity : o.deadline - Date.now()
    await sleep(Math.max(0, Math.min(o.pollMs ?? 1_000, left)), undefined, { signal: o.signal }).catch(
      () => {},
    )
  }
}
