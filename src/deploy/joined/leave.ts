// gridcore leave: stop the node `join` started (SIGTERM: it stops its instances gracefully; SIGKILL after a
// grace), then any instances a crashed node left, and remove what join wrote: gridnode.toml, the CA copy, the node's
// state and the record. The node's log is kept for a look afterwards.
import { rmSync } from 'node:fs'
import type { Paths } from '../../lib/paths.js'
import { stopLeftoverInstances } from '../../node/instance-record.js'
import { type StopOutcome, stopDaemon } from '../procs.js'
import { joinedPaths, readJoined, removeJoined } from './record.js'

export interface LeaveResult {
  was_joined: boolean
  hub_url: string | null
  node_id: string | null
  /** How the node stopped; null when none was recorded. */
  node: StopOutcome | null
  instances_stopped: number
  removed: string[]
  /** The background node's log, kept. */
  log: string | null
}

/** Time the node gets to stop its instances (their stop_timeout is 10 s) before SIGKILL. */
const GRACE_MS = 20_000

export async function leaveCluster(p: Paths): Promise<LeaveResult> {
  const jp = joinedPaths(p)
  const s = readJoined(jp)
  if (!s)
    return {
      was_joined: false,
      hub_url: null,
      node_id: null,
      node: null,
      instances_stopped: 0,
      removed: [],
      log: null,
    }
  let node: StopOutcome | null = null
  // Only the process join recorded (pid and start time), never another that got its pid.
  if (s.pid) node = await stopDaemon({ pid: s.pid, started: s.started, cmdline: s.cmdline ?? '' }, GRACE_MS)
  const instances = await stopLeftoverInstances(jp.stateDir)
  // join's own places, whatever the record says: a record edited to name other directories deletes nothing else.
  const removed = [jp.dir, jp.stateDir]
  for (const f of removed) rmSync(f, { recursive: true, force: true })
  removeJoined(jp)
  return {
    was_joined: true,
    hub_url: s.hub_url,
    node_id: s.node_id ?? null,
    node,
    instances_stopped: instances.length,
    removed: [...removed, jp.record],
    log: s.log_path,
  }
}

/** The sentence leave prints. */
export function leaveText(r: LeaveResult): string {
  if (!r.was_joined) return 'This machine has not joined a cluster; nothing to do.'
  const leftovers = r.instances_stopped
    ? `; stopped ${r.instances_stopped} instance(s) a crashed node left`
    : ''
  return `Left the cluster at ${r.hub_url} (node ${r.node_id ?? '?'}: ${r.node ?? 'not started'})${leftovers}; removed its config, CA copy and state${r.log ? ` (its log stays in ${r.log})` : ''}.`
}
