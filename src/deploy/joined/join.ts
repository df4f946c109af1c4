// gridcore join JOIN_STRING: check the cluster (the CA against the string's fingerprint, the token's role), write
// gridnode.toml (0600) and the CA beside it, and start a volunteer node in the background (pid and log files, the
// record in state/joined_node.json) — or leave it to the caller to run in the foreground.
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { HubClient, type WhoAmI } from '../../client/hub-client.js'
import { sameProcess } from '../../cluster/local-processes.js'
import { GridcoreError } from '../../lib/errors.js'
import { writeFileAtomic } from '../../lib/fs.js'
import type { Paths } from '../../lib/paths.js'
import { startTimeOf } from '../../lib/proc.js'
import { GRIDCORE_BIN } from '../../lib/self.js'
import { hubUrl, type JoinString, parseJoinString } from '../../net/join-string.js'
import { fetchPinnedCa } from '../../net/pin.js'
import { readNodeConfig } from '../../node/config.js'
import type { RuntimeChoice } from '../engine.js'
import { spawnDaemon } from '../procs.js'
import { type JoinedNodeState, type JoinedPaths, joinedPaths, readJoined, writeJoined } from './record.js'
import { waitForRegistration } from './wait.js'

export const JOIN_MARK = '# written by gridcore join; gridcore leave removes it'

/** The flags of `gridcore join`, as `node start` takes them. */
export interface JoinRequest {
  join: string
  runtime?: RuntimeChoice
  parallelism?: number | 'auto'
  group?: string
  allowCommand?: string[]
  allowShell?: boolean
  /** How long to wait for the background node to register (default 30 s). */
  timeoutMs?: number
  onStep?: (what: string) => void
}

export interface JoinResult {
  /** A node joined to this cluster was running already: nothing changed. */
  already_joined: boolean
  hub_url: string
  node_id: string | null
  role: string
  token_name: string | null
  ca_fingerprint: string | null
  /** What the node runs: container images only, unless commands are allowed. */
  runtime: string
  allowed_commands: string[]
  allow_shell: boolean
  parallelism: number | 'auto' | null
  group: string | null
  pid: number | null
  config: string
  ca_file: string | null
  log: string | null
  state_file: string
}

/** The files written and the record, before any node runs (join --foreground runs it next, in-process). */
export interface PreparedJoin {
  paths: JoinedPaths
  state: JoinedNodeState
  /** A running node of this cluster was found: nothing was written. */
  running: boolean
}

/** Checks the cluster and writes the node's files; `mode` is how the node will run. */
export async function prepareJoin(
  req: JoinRequest,
  p: Paths,
  mode: JoinedNodeState['mode'],
): Promise<PreparedJoin> {
  const j = parseJoinString(req.join)
  const jp = joinedPaths(p)
  const url = hubUrl(j)
  const before = readJoined(jp)
  if (before && before.hub_url !== url) {
    throw new GridcoreError(
      'CONFIG',
      `this machine is joined to the cluster at ${before.hub_url} (node ${before.node_id ?? 'not registered yet'}): run gridcore leave first, then join ${url}`,
    )
  }
  if (before?.pid && sameProcess({ pid: before.pid, started: before.started, cmdline: before.cmdline })) {
    return { paths: jp, state: before, running: true }
  }
  const ca = j.insecure ? undefined : await pinnedCa(j, req)
  const who = await checkToken(url, j.token, ca?.pem, req)
  // A node that joined before keeps its id (its items and history on the hub are its own).
  const nodeId = existsSync(jp.config) ? safeNodeId(jp.config) : undefined
  const allowed = (req.allowCommand ?? []).map((c) => (c.includes('/') && !isAbsolute(c) ? resolve(c) : c))
  if (ca) writeFileAtomic(jp.ca, ca.pem, { mode: 0o644, dirMode: 0o700, enforceDirMode: true })
  writeFileAtomic(jp.config, nodeConfig({ url, token: j.token, ca: Boolean(ca), nodeId, req, allowed }), {
    mode: 0o600,
    dirMode: 0o700,
    enforceDirMode: true,
  })
  mkdirSync(jp.stateDir, { recursive: true, mode: 0o700 })
  const state: JoinedNodeState = {
    hub_url: url,
    ca_fingerprint: ca?.fingerprint ?? null,
    role: who.role,
    token_name: who.name,
    mode,
    node_id: nodeId ?? null,
    config_path: jp.config,
    ca_file: ca ? jp.ca : null,
    state_dir: jp.stateDir,
    log_path: mode === 'background' ? jp.log : null,
    // What the node will make of these flags (node start's rules for a volunteer): any program with the process
    // runtime and no list, the listed programs, else container images only.
    runtime: req.runtime ?? 'auto',
    parallelism: req.parallelism ?? null,
    allowed_commands: allowed.length ? allowed : req.runtime === 'process' ? ['*'] : [],
    allow_shell: req.allowShell ?? false,
    group: req.group ?? null,
    joined_at: new Date().toISOString(),
  }
  writeJoined(jp, state)
  return { paths: jp, state, running: false }
}

/** `gridcore join` in the background: prepare, start the node as a detached process, wait until it registered. */
export async function joinCluster(req: JoinRequest, p: Paths): Promise<JoinResult> {
  const prepared = await prepareJoin(req, p, 'background')
  const { paths: jp } = prepared
  let state = prepared.state
  if (!prepared.running) {
    req.onStep?.('starting the node')
    mkdirSync(dirname(jp.log), { recursive: true, mode: 0o700 })
    const record = (patch: Partial<JoinedNodeState>) => {
      state = { ...state, ...patch }
      writeJoined(jp, state)
    }
    const since = logSize(jp.log)
    const node = await spawnDaemon(
      process.execPath,
      [
        GRIDCORE_BIN,
        'node',
        'start',
        '--config',
        jp.config,
        '--state-dir',
        jp.stateDir,
        '--log-format',
        'json',
      ],
      { logPath: jp.log, onPid: (pid) => record({ pid, started: startTimeOf(pid) }) },
    )
    record({ pid: node.pid, started: node.started, cmdline: node.cmdline })
    req.onStep?.(`waiting for node (pid ${node.pid}) to register with ${state.hub_url}`)
    const nodeId = await waitForRegistration(node, jp.log, since, req.timeoutMs ?? 30_000)
    record({ node_id: nodeId })
  }
  return resultOf(state, jp, prepared.running)
}

export function resultOf(s: JoinedNodeState, jp: JoinedPaths, already: boolean): JoinResult {
  return {
    already_joined: already,
    hub_url: s.hub_url,
    node_id: s.node_id ?? null,
    role: s.role,
    token_name: s.token_name,
    ca_fingerprint: s.ca_fingerprint,
    runtime: s.runtime,
    allowed_commands: s.allowed_commands,
    allow_shell: s.allow_shell,
    parallelism: s.parallelism,
    group: s.group,
    pid: s.pid ?? null,
    config: s.config_path,
    ca_file: s.ca_file,
    log: s.log_path,
    state_file: jp.record,
  }
}

/** The CA from the hub's port, accepted only when its fingerprint is the one the join string pins. */
async function pinnedCa(j: JoinString, req: JoinRequest) {
  req.onStep?.(`fetching the cluster CA from ${j.host}:${j.port}`)
  return fetchPinnedCa(j.host, j.port, j.ca!)
}

/** The hub answers, over verified TLS, and the token is a node token (or an admin's; never submit or read). */
async function checkToken(
  url: string,
  token: string,
  caPem: string | undefined,
  req: JoinRequest,
): Promise<WhoAmI> {
  req.onStep?.(`checking the hub at ${url}`)
  const hub = new HubClient({ url, token, timeoutMs: 10_000, caPem })
  try {
    await hub.health()
    // An upstream ComputeHub has no roles: its one token (the only one a join string can carry there) is admin.
    const me = (await hub.whoami()) ?? { role: 'admin' as const, name: 'admin' }
    if (me.role !== 'node' && me.role !== 'admin') {
      throw new GridcoreError(
        'HUB_AUTH',
        `this is a ${me.role} token ("${me.name}"), for gridcore connect: a machine joins with a node token (the cluster's owner makes one with gridcore token create --role node, or gives the join string gridcore up --listen printed)`,
      )
    }
    return me
  } finally {
    await hub.close()
  }
}

function safeNodeId(config: string): string | undefined {
  try {
    return readNodeConfig(config).node_id
  } catch {
    return undefined
  }
}

function nodeConfig(o: {
  url: string
  token: string
  ca: boolean
  nodeId: string | undefined
  req: JoinRequest
  allowed: string[]
}): string {
  const q = JSON.stringify
  const r = o.req
  return [
    JOIN_MARK,
    `server_url = ${q(o.url)}`,
    `token = ${q(o.token)}`,
    ...(o.nodeId ? [`node_id = ${q(o.nodeId)}`] : []),
    ...(r.parallelism ? [`parallelism = ${r.parallelism === 'auto' ? q('auto') : r.parallelism}`] : []),
    // Heartbeats often enough that a restarted hub learns of this node again within seconds.
    'heartbeat_interval = 5',
    'stop_timeout = 10',
    '# gridcore additions (upstream gridnode ignores them)',
    'task_poll_interval = 2',
    // A volunteer: container images only, unless its owner allowed commands (runtime or allowed_commands).
    'volunteer = true',
    ...(o.ca ? ['ca_file = "ca.pem"'] : []),
    ...(r.runtime ? [`runtime = ${q(r.runtime)}`] : []),
    ...(o.allowed.length ? [`allowed_commands = ${q(o.allowed)}`] : []),
    ...(r.allowShell ? ['allow_shell = true'] : []),
    ...(r.group ? [`group = ${q(r.group)}`] : []),
    '',
  ].join('\n')
}

function logSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}
