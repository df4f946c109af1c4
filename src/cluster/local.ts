// Reads state/local_cluster.json, the record of a cluster this machine runs (IDM-GridCore skill layout).
import { readFileSync, rmSync } from 'node:fs'
import { configError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'
import { paths as defaultPaths, type Paths } from '../lib/paths.js'

/** `starting`: gridcore up wrote the entry before it started the process (an interrupted up leaves this). */
export type PartState = 'starting' | 'running'

export interface ProcessRecord {
  state?: PartState
  pid?: number
  /** Command line recorded at start: down signals the pid only while it still matches. */
  cmdline?: string
  /** Process start time recorded at start (Linux), the stronger identity check. */
  started?: string
  config_path?: string
  binary_path?: string
  log_path?: string
}

export interface LocalClusterState {
  mode: string
  /**
   * `starting` while gridcore up brings the cluster up (each process is recorded as soon as it starts),
   * `running` once it is up, `stopping` when gridcore down could not stop everything. Absent: running.
   */
  status?: 'starting' | 'running' | 'stopping'
  /** While starting: the gridcore up process doing it (pid + start time), so a second up does not undo it. */
  started_by?: { pid: number; started?: string }
  /** The upstream skill stores the token here; gridcore stores a reference to credentials.toml instead. */
  token?: string
  token_ref?: string
  engine?: 'embedded' | 'native'
  runtime?: 'docker' | 'process' | 'auto'
  computehub: ProcessRecord & {
    url: string
    port?: number
    /** The hub's task list (kept by down like Redis's data, unless --purge-data). */
    state_file?: string
    /** Whether this cluster's up created the state file (false: kept from an earlier cluster). */
    state_created?: boolean
  }
  gridnode?: ProcessRecord & {
    node_id?: string
    parallelism?: number
    state_dir?: string
    /** What the node may run: ["*"] on a local cluster (the user's own machine). */
    allowed_commands?: string[]
  }
  /** url has its password redacted; the full URL is in the local profile (credentials.toml). */
  redis?: ProcessRecord & {
    url?: string
    managed?: boolean
    /** binary: redis-server; docker: a container; url: an existing server gridcore does not manage. */
    mode?: 'binary' | 'docker' | 'url'
    data_dir?: string
    /** Whether this cluster's up created the data dir (false: kept from an earlier cluster). */
    data_created?: boolean
    container_id?: string
    container_name?: string
    /** Docker mode: the image it runs, used again when up restarts it. */
    image?: string
    port?: number
  }
  /** gridcore up --listen: where the hub and Redis listen beyond loopback, and the host other machines use. */
  listen?: { address: string; advertise: string; tls: boolean }
  /** The cluster's TLS files (up --listen without --insecure-plaintext), in Redis's data dir. */
  tls?: {
    dir: string
    ca_file: string
    ca_key_file: string
    cert_file: string
    key_file: string
    ca_fingerprint: string
    /** Whether this cluster's up made the CA (false: kept with the data of an earlier cluster). */
    ca_created: boolean
  }
  /** The file (0600, beside Redis's data) holding the node token of the cluster's join string. */
  join_token_file?: string
  managed_by_skill?: boolean
  managed_by?: string
  created_at?: string
  [key: string]: unknown
}

/** The cluster CA a recorded TLS cluster's hub and Redis are verified against (undefined: plain, or unreadable). */
export function localCaPem(state: LocalClusterState): string | undefined {
  if (!state.tls?.ca_file) return undefined
  try {
    return readFileSync(state.tls.ca_file, 'utf8')
  } catch {
    return undefined
  }
}

export function writeLocalCluster(state: LocalClusterState, p: Paths = defaultPaths()): void {
  writeFileAtomic(p.localClusterJson, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 })
}

export function removeLocalCluster(p: Paths = defaultPaths()): void {
  rmSync(p.localClusterJson, { force: true })
}

export function readLocalCluster(p: Paths = defaultPaths()): LocalClusterState | undefined {
  let text: string
  try {
    text = readFileSync(p.localClusterJson, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw configError(
      `cannot read ${p.localClusterJson} (${(err as NodeJS.ErrnoException).code}): check its permissions`,
    )
  }
  // What is wrong is said first; the fix never sends the user back to `down`, which reads this same file.
  const broken = (what: string) =>
    configError(
      `${p.localClusterJson} ${what}: if no local cluster runs, move it aside (mv ${p.localClusterJson} ${p.localClusterJson}.bak), then gridcore up`,
    )
  let data: LocalClusterState
  try {
    data = JSON.parse(text)
  } catch {
    throw broken('is not valid JSON')
  }
  const url = data?.computehub?.url
  if (typeof url !== 'string') throw broken('has no computehub.url')
  if (!isHttpUrl(url)) throw broken(`has a computehub.url that is not an http:// URL ("${url}")`)
  const redis = data.redis?.url
  if (redis !== undefined && (typeof redis !== 'string' || !URL.canParse(redis)))
    throw broken('has a redis.url that is not a URL')
  return data
}

function isHttpUrl(raw: string): boolean {
  const u = URL.canParse(raw) ? new URL(raw) : undefined
  return u?.protocol === 'http:' || u?.protocol === 'https:'
}
