// Reads an upstream gridnode.toml (plus gridcore's additive keys) and saves a new node_id back into it.
import { readFileSync, statSync } from 'node:fs'
import { configError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'
import { readToml } from '../lib/toml.js'

export type RuntimeChoice = 'auto' | 'docker' | 'process'

/** gridnode.toml as written: upstream keys plus gridcore's additions (upstream nodes ignore those). */
export interface NodeConfigFile {
  server_url?: string
  token?: string
  node_id?: string
  /** Instances of the current task (default: CPU count); "auto" adapts the count to the machine's load. */
  parallelism?: number | 'auto'
  heartbeat_interval?: number
  stop_timeout?: number
  container_memory?: number
  runtime?: RuntimeChoice
  network_mode?: string
  /** Programs the process runtime may start: [] refuses all, ["*"] allows any program and the shell. */
  allowed_commands?: string[]
  /** Accept `shell: true` tasks (run through /bin/sh -c). */
  allow_shell?: boolean
  group?: string
  /** Seconds between polls of /gridnode/task (upstream: 10). */
  task_poll_interval?: number
  /** Hold each task poll at the hub until the task changes (default true; an upstream hub answers at once). */
  long_poll?: boolean
  /** The cluster CA (PEM) an https hub and rediss:// Redis are verified against (relative: to this file). */
  ca_file?: string
  /** A volunteer's node (written by join): container images only unless its owner allowed commands. */
  volunteer?: boolean
}

/** Reads and checks the keys of a gridnode.toml; whether the hub's URL and token are there is checked later. */
export function readNodeConfig(path: string): NodeConfigFile {
  const t = readToml(path, 'node config')
  const bad = (key: string, want: string) => configError(`node config ${path}: "${key}" must be ${want}`)
  const str = (k: string): string | undefined => {
    const v = t[k]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || !v) throw bad(k, 'a non-empty string')
    return v
  }
  const num = (k: string, min: number): number | undefined => {
    const v = t[k]
    if (v === undefined) return undefined
    const n = typeof v === 'bigint' ? Number(v) : v
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min) throw bad(k, `a number of at least ${min}`)
    return n
  }
  const runtime = str('runtime') as RuntimeChoice | undefined
  if (runtime !== undefined && !['auto', 'docker', 'process'].includes(runtime))
    throw bad('runtime', '"auto", "docker" or "process"')
  const allowed = t.allowed_commands
  if (allowed !== undefined && (!Array.isArray(allowed) || !allowed.every((a) => typeof a === 'string')))
    throw bad('allowed_commands', 'a list of strings')
  for (const k of ['allow_shell', 'long_poll', 'volunteer'])
    if (t[k] !== undefined && typeof t[k] !== 'boolean') throw bad(k, 'true or false')
  if (typeof t.parallelism === 'string' && t.parallelism !== 'auto')
    throw bad('parallelism', 'a number of at least 1, or "auto"')
  const parallelism = t.parallelism === 'auto' ? 'auto' : num('parallelism', 1)
  const file: NodeConfigFile = {
    server_url: str('server_url'),
    token: str('token'),
    node_id: str('node_id'),
    parallelism: parallelism === undefined || parallelism === 'auto' ? parallelism : Math.floor(parallelism),
    heartbeat_interval: num('heartbeat_interval', 0.05),
    stop_timeout: num('stop_timeout', 0),
    container_memory: num('container_memory', 6),
    runtime,
    network_mode: str('network_mode'),
    allowed_commands: allowed as string[] | undefined,
    allow_shell: t.allow_shell as boolean | undefined,
    group: str('group'),
    task_poll_interval: num('task_poll_interval', 0.05),
    long_poll: t.long_poll as boolean | undefined,
    ca_file: str('ca_file'),
    volunteer: t.volunteer as boolean | undefined,
  }
  for (const k of Object.keys(file) as (keyof NodeConfigFile)[]) if (file[k] === undefined) delete file[k]
  return file
}

/**
 * Writes node_id into the file, keeping every other line (comments too): replaces an existing node_id
 * line, else a commented-out "# node_id = …" line, else inserts it before the first [table].
 */
export function saveNodeId(path: string, nodeId: string): void {
  const text = readFileSync(path, 'utf8')
  const line = `node_id = ${JSON.stringify(nodeId)}`
  const lines = text.split('\n')
  const firstTable = lines.findIndex((l) => /^\s*\[/.test(l))
  const top = firstTable === -1 ? lines.length : firstTable
  let idx = lines.slice(0, top).findIndex((l) => /^\s*node_id\s*=/.test(l))
  if (idx === -1) idx = lines.slice(0, top).findIndex((l) => /^\s*#\s*node_id\s*=/.test(l))
  if (idx !== -1) lines[idx] = line
  else if (firstTable === -1) {
    if (lines.at(-1) === '') lines.splice(lines.length - 1, 0, line)
    else lines.push(line)
  } else lines.splice(firstTable, 0, line, '')
  writeFileAtomic(path, lines.join('\n'), { mode: fileMode(path) })
}

function fileMode(path: string): number {
  try {
    return statSync(path).mode & 0o777
  } catch {
    return 0o600
  }
}
