// What gridcore up does, decided from the record and each recorded process's health (pure): start a cluster,
// restart the parts that died (Redis, then the hub, then the node), finish an interrupted up, or nothing.
import type { LocalClusterState } from '../../cluster/local.js'
import type { PartName } from '../../cluster/local-processes.js'
import { GridcoreError } from '../../lib/errors.js'
import { type ClusterHealth, describeHolder, PARTS } from './health.js'

export type UpPlan =
  /** No cluster recorded: start one. */
  | { kind: 'fresh' }
  /** Every recorded process runs and answers. */
  | { kind: 'nothing' }
  /** Restart these (in this order), stopping the `hung` ones first; keep token, password, data and state. */
  | { kind: 'repair'; restart: PartName[]; stopFirst: PartName[] }
  /** An up was interrupted: stop what it started (data kept), then start afresh. */
  | { kind: 'redo' }

/** `upRuns`: the gridcore up that wrote a `starting` record still runs. */
export function planUp(
  state: LocalClusterState | undefined,
  health: ClusterHealth | undefined,
  upRuns = false,
): UpPlan {
  if (!state) return { kind: 'fresh' }
  if (state.status === 'stopping')
    throw new GridcoreError(
      'CONFIG',
      'the last gridcore down could not stop everything of the local cluster: run gridcore down again (it says what is left), then gridcore up',
    )
  if (state.status === 'starting') {
    if (upRuns)
      throw new GridcoreError(
        'CONFIG',
        `another gridcore up (pid ${state.started_by?.pid}) is starting the local cluster: wait for it, then gridcore status`,
      )
    return { kind: 'redo' }
  }
  if (!health) throw new Error('planUp: a recorded cluster needs its health')
  const held = PARTS.flatMap((name) => {
    const h = health[name]
    return h.state === 'held' ? [`${name} is not running and ${describeHolder(h.holder)}`] : []
  })
  if (held.length)
    throw new GridcoreError(
      'CONFIG',
      `the local cluster's ${held.join('; its ')}: stop that process, then gridcore up again (or gridcore down, which keeps the data)`,
    )
  const restart = PARTS.filter((n) => health[n].state === 'gone' || health[n].state === 'hung')
  if (!restart.length) return { kind: 'nothing' }
  return { kind: 'repair', restart, stopFirst: restart.filter((n) => health[n].state === 'hung') }
}
