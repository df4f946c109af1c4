// Waiting for the run's turn: the hub runs one task at a time, so a task registered behind another waits; the run
// says which task it waits for, and its --timeout (counted from the start of the run) and Ctrl-C still hold.
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

/** Resolves once task `id` is the hub's current task. */
export async function waitTurn(hub: HubClient, id: string, o: TurnOptions = {}): Promise<void> {
  let told: string | null = null
  for (;;) {
    const { current, pending } = await hub.listTasks()
    if (current === id) return
    if (!pending.includes(id)) {
      throw new GridcoreError(
        'HUB_REJECTED',
        `task ${id} is no longer on the hub's list (someone finished or cancelled it): gridcore task list shows the tasks`,
        { task: id, vanished: true },
      )
    }
    if (current && current !== told) {
      told = current
      o.onWaiting?.(current)
    }
    if (o.signal?.aborted)
      throw new GridcoreError('INTERRUPTED', `interrupted while task ${id} waited behind ${current}`, {
        behind: current,
      })
    if (o.deadline !== undefined && Date.now() >= o.deadline)
      throw new GridcoreError(
        'TIMEOUT',
        `timed out after ${Math.round((o.timeoutMs ?? 0) / 100) / 10}s waiting behind task ${current} (the hub runs one task at a time; gridcore task list shows them)`,
        { behind: current },
      )
    const left = o.deadline === undefined ? Infinity : o.deadline - Date.now()
    await sleep(Math.max(0, Math.min(o.pollMs ?? 1_000, left)), undefined, { signal: o.signal }).catch(
      () => {},
    )
  }
}
