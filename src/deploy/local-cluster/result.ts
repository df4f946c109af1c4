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
  /** up --listen: the listen address, else null (loopback only). */
  listen: string | null
  /** The host other machines use (null: loopback only). */
  advertise: string | null
  /** Whether the hub and Redis speak TLS to other machines (null: loopback only). */
  tls: boolean | null
  /** The cluster CA's SHA-256 fingerprint (TLS clusters). */
  ca_fingerprint: string | null
  /** `gridcore join '<this>'` on another machine adds a node (it carries a node token: treat it as a secret). */
  join: string | null
}

export function upResult(
  s: LocalClusterState,
  o: {
    alreadyRunning: boolean
    restarted: PartName[]
    stateFile: string
    startedAt: number
    now: number
    join?: string
  },
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
    listen: s.listen?.address ?? null,
    advertise: s.listen?.advertise ?? null,
    tls: s.listen ? s.listen.tls : null,
    ca_fingerprint: s.tls?.ca_fingerprint ?? null,
    join: o.join ?? null,
  }
}

/** The sentence up prints, and for a listening cluster how other machines join it. */
export function upText(r: UpResult): string {
  const base = upSentence(r)
  if (!r.listen) return base
  const how = r.tls ? `TLS, CA ${r.ca_fingerprint}` : 'plain text'
  return `${base}\nListening on ${r.listen} as ${r.advertise} (${how}). On another machine: gridcore join '${r.join}'`
}

/** What --insecure-plaintext means, said on stderr each time up reports such a cluster. */
export function plaintextNote(r: UpResult): string | null {
  if (!r.listen || r.tls) return null
  return `gridcore: --insecure-plaintext: the hub and Redis on ${r.listen} speak plain text, so the tokens, the Redis password and every item cross the network unencrypted; use it only on a network you trust`
}

function upSentence(r: UpResult): string {
  if (r.restarted.length)
    return `Restarted ${r.restarted.join(', ')} of the local cluster in ${r.seconds}s (token, password, data and tasks kept): hub ${r.hub_url}, node ${r.node_id}.`
  if (r.already_running) return `A local cluster already runs at ${r.hub_url}; nothing changed.`
  return `Local cluster up in ${r.seconds}s: hub ${r.hub_url}, Redis ${r.redis_url}, node ${r.node_id} (${r.parallelism} × ${r.runtime}). Stop it with: gridcore down`
}
