// Claiming a run's name: the hub refuses, atomically, a name that is pending or running (unique: true), so of two
// runs of one name exactly one registers; the other stops before pushing anything, naming the run that holds it.
import { setTimeout as sleep } from 'node:timers/promises'
import type { TaskSpec } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import type { RunContext } from './context.js'
import { readRecord } from './records/store.js'

/** Registers the task with `unique: true`; whether it runs at once (else it waits behind another). */
export async function registerRun(c: RunContext, spec: TaskSpec): Promise<boolean> {
  try {
    await c.hub.registerTask({ ...spec, unique: true })
  } catch (err) {
    if (!(err instanceof GridcoreError) || err.details?.status !== 409) throw err
    throw await heldError(spec.name)
  }
  return (await c.hub.listTasks()).current === spec.name
}

/**
 * The name is taken by a pending or running task: exit 2, naming the run that holds it when it is known. A run
 * writes its record right after it registered, so one seen on the hub a moment ago is given up to 1 s to name it.
 */
export async function heldError(name: string): Promise<GridcoreError> {
  for (let i = 0; i < 10 && !holderOf(name); i++) await sleep(100)
  const holder = holderOf(name)
  const by = holder
    ? `the gridcore run started ${holder.started} on ${holder.host} (pid ${holder.pid}, in ${holder.cwd})`
    : 'another client'
  return new GridcoreError(
    'USAGE',
    `task "${name}" is already pending or running, held by ${by}: pick another --name, or let that run finish (gridcore runs, gridcore task list)`,
    { task: name, holder: holder ?? null },
  )
}

function holderOf(name: string): { pid: number; host: string; started: string; cwd: string } | undefined {
  try {
    const r = readRecord(name)
    if (r && (r.status === 'running' || r.status === 'interrupted'))
      return { pid: r.pid, host: r.host, started: r.started, cwd: r.cwd }
  } catch {}
  return undefined
}
