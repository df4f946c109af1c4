// A machine joined to a cluster by `gridcore join`: where its files live, and state/joined_node.json, the record
// `leave` (and a second `join`) act on. The record holds no secrets: the node token is in gridnode.toml (0600).
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { configError } from '../../lib/errors.js'
import { writeFileAtomic } from '../../lib/fs.js'
import type { Paths } from '../../lib/paths.js'

/** Its files, apart from a local cluster's (a machine may run `up` and have joined another cluster). */
export interface JoinedPaths {
  /** gridnode.toml (0600: the token) and ca.pem, in a directory of their own. */
  dir: string
  config: string
  ca: string
  /** The node's instance records and instance logs. */
  stateDir: string
  /** The background node's log. */
  log: string
  record: string
}

export function joinedPaths(p: Paths): JoinedPaths {
  const dir = join(p.upstreamConfigDir, 'joined')
  return {
    dir,
    config: join(dir, 'gridnode.toml'),
    ca: join(dir, 'ca.pem'),
    stateDir: join(p.dataDir, 'joined-node'),
    log: join(p.dataDir, 'logs', 'joined-node.log'),
    record: join(p.stateDir, 'joined_node.json'),
  }
}

export interface JoinedNodeState {
  /** The hub as the join string names it (https:// for a TLS cluster). */
  hub_url: string
  ca_fingerprint: string | null
  /** What the token is on the hub: node (a join string's), or admin (an upstream hub's one token). */
  role: string
  token_name: string | null
  /** background: started by join, stopped by leave; foreground: join --foreground runs it (systemd, containers). */
  mode: 'background' | 'foreground'
  pid?: number
  /** Start time and command line, so leave signals only the process join started. */
  started?: string
  cmdline?: string
  node_id?: string | null
  config_path: string
  ca_file: string | null
  state_dir: string
  log_path: string | null
  runtime: string
  parallelism: number | 'auto' | null
  allowed_commands: string[]
  allow_shell: boolean
  group: string | null
  joined_at: string
}

export function readJoined(p: JoinedPaths): JoinedNodeState | undefined {
  let text: string
  try {
    text = readFileSync(p.record, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw configError(
      `cannot read ${p.record} (${(err as NodeJS.ErrnoException).code}): check its permissions`,
    )
  }
  try {
    const s = JSON.parse(text) as JoinedNodeState
    if (typeof s?.hub_url !== 'string' || typeof s.config_path !== 'string') throw new Error('incomplete')
    return s
  } catch {
    throw configError(
      `${p.record} is not a joined node's record: if no joined node runs, move it aside (mv ${p.record} ${p.record}.bak), then gridcore join again`,
    )
  }
}

export function writeJoined(p: JoinedPaths, s: JoinedNodeState): void {
  writeFileAtomic(p.record, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 })
}

export function removeJoined(p: JoinedPaths): void {
  rmSync(p.record, { force: true })
}
