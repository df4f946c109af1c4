// Is each recorded process of a local cluster still the one gridcore started (pid + start time or command line),
// answering (the hub's /health), or is its port or its files now held by another process?
import { HubClient } from '../../client/hub-client.js'
import { type LocalClusterState, localCaPem, type ProcessRecord } from '../../cluster/local.js'
import { type PartName, sameProcess } from '../../cluster/local-processes.js'
import { portFree, portHolder } from '../ports.js'
import { processesUsing } from '../procs.js'
import { partOf } from './record.js'

export interface Holder {
  pid: number
  command: string
  /** The port it holds; absent when it holds one of the part's files instead. */
  port?: number
}

/**
 * alive: runs as recorded (and the hub answers); hung: runs as recorded but the hub does not answer; gone: not
 * running and nothing else in its place; held: another process holds its port or uses its files; not-managed: an
 * existing Redis gridcore does not run.
 */
export type PartHealth =
  | { state: 'alive' | 'hung' | 'gone' | 'not-managed' }
  | { state: 'held'; holder: Holder }

export type ClusterHealth = Record<PartName, PartHealth>

export const PARTS: readonly PartName[] = ['redis', 'hub', 'node']

/** A Redis, hub or node (a shell in the data dir, an editor with the config open, are not one). */
const DAEMON = {
  redis: /redis-server/,
  hub: /\bhub start\b|computehub(?=\s|$)/,
  node: /\bnode start\b|gridnode(?=\s|$)/,
} as const

/**
 * Processes in a part's place by its files: a redis-server working in its data dir, a hub or node started with its
 * config. Used to find another process in a dead part's place, and the process of a part recorded without a pid.
 */
export function usersOf(s: LocalClusterState, name: PartName): { pid: number; command: string }[] {
  if (name === 'redis')
    return s.redis?.data_dir
      ? processesUsing(s.redis.data_dir, { cwd: true }).filter((u) => DAEMON.redis.test(u.command))
      : []
  const config = partOf(s, name)?.config_path
  return config ? processesUsing(config, { cmdline: true }).filter((u) => DAEMON[name].test(u.command)) : []
}

/** The port a part listens on, from its record. */
export function portOf(s: LocalClusterState, name: PartName): number | undefined {
  if (name === 'redis') return s.redis?.managed ? s.redis.port : undefined
  if (name === 'hub') return s.computehub.port ?? Number(new URL(s.computehub.url).port)
  return undefined
}

/**
 * Another process in a part's place: the holder of its port, else one using its files (a redis-server working
 * in its data dir, a hub or node started by hand with its config).
 */
export async function holderOf(s: LocalClusterState, name: PartName): Promise<Holder | undefined> {
  const port = portOf(s, name)
  if (port && !(await portFree(port)))
    return { ...(portHolder(port) ?? { pid: 0, command: 'a process this user cannot see' }), port }
  const users = usersOf(s, name)
  // The cluster's own running processes are not "another process".
  const own = PARTS.map((n) => partOf(s, n))
    .filter((r) => r?.pid && sameProcess(r))
    .map((r) => r!.pid)
  const other = users.find((u) => !own.includes(u.pid))
  return other ? { pid: other.pid, command: other.command } : undefined
}

async function hubAnswers(url: string, caPem: string | undefined): Promise<boolean> {
  return new HubClient({ url, token: 'unused', timeoutMs: 2_000, caPem }).health().then(
    () => true,
    () => false,
  )
}

export async function partHealth(s: LocalClusterState, name: PartName): Promise<PartHealth> {
  if (name === 'redis' && !s.redis?.managed) return { state: 'not-managed' }
  const rec: ProcessRecord | undefined = partOf(s, name)
  if (rec?.pid && sameProcess(rec)) {
    if (name !== 'hub') return { state: 'alive' }
    return (await hubAnswers(s.computehub.url, localCaPem(s))) ? { state: 'alive' } : { state: 'hung' }
  }
  const holder = await holderOf(s, name)
  return holder ? { state: 'held', holder } : { state: 'gone' }
}

export async function clusterHealth(s: LocalClusterState): Promise<ClusterHealth> {
  const [redis, hub, node] = await Promise.all(PARTS.map((n) => partHealth(s, n)))
  return { redis: redis!, hub: hub!, node: node! }
}

/** "pid 123 (redis-server *:6379) holds port 6379" */
export function describeHolder(h: Holder): string {
  const who = h.pid ? `pid ${h.pid} (${h.command})` : h.command
  return `${who} ${h.port ? `holds port ${h.port}` : 'uses its files'}`
}
