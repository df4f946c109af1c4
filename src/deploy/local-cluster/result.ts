// What gridcore up reports (and run --local / demo build on), read off the cluster's record (pure).
import type { LocalClusterState } from '../../cluster/local.js'
import type { PartName } from '../../cluster/local-processes.js'
import { LOCAL } from '../../cluster/resolve.js'

export interface UpResult {
  /** A cluster was recorded and running before this up (restarted parts or not). */
  already_running: boolean
  /** Parts this up restarted because they had died (Redis, the hub, the node, in that order). */
  restarted: PartName[]
  cluster: string
  engine: string
  runtime: string
  hub_url: string
  /** Password redacted. */
  redis_url: string
  node_id: string | null
  parallelism: number | null
  /** Redis's data dir (kept by gridcore down unless --purge-data); null for an existing server. */
  data_dir: string | null
  /** What the node may run; ["*"] on a local cluster. */
  allowed_commands: string[] | null
  state_file: string
  seconds: number
}

export function upResult(
  s: LocalClusterState,
  o: { alreadyRunning: boolean; restarted: PartName[]; stateFile: string; startedAt: number; now: number },
): UpResult {
  return {
    already_running: o.alreadyRunning,
    restarted: o.restarted,
    cluster: LOCAL,
    engine: s.engine ?? 'unknown',
    runtime: s.runtime ?? 'unknown',
    hub_url: s.computehub.url,
    redis_url: s.redis?.url ?? '',
    node_id: s.gridnode?.node_id ?? null,
    parallelism: s.gridnode?.parallelism ?? null,
    data_dir: s.redis?.managed ? (s.redis.data_dir ?? null) : null,
    allowed_commands: s.gridnode?.allowed_commands ?? null,
    state_file: o.stateFile,
    seconds: Math.round((o.now - o.startedAt) / 100) / 10,
  }
}

/** The sentence up prints. */
export function upText(r: UpResult): string {
  if (r.restarted.length)
    return `Restarted ${r.restarted.join(', ')} of the local cluster in ${r.seconds}s (token, password, data and tasks kept): hub ${r.hub_url}, node ${r.node_id}.`
  if (r.already_running) return `A local cluster already runs at ${r.hub_url}; nothing changed.`
  return `Local cluster up in ${r.seconds}s: hub ${r.hub_url}, Redis ${r.redis_url}, node ${r.node_id} (${r.parallelism} × ${r.runtime}). Stop it with: gridcore down`
}
