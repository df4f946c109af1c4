// The local cluster's record (state/local_cluster.json) as up builds it: written before the first process starts,
// updated the moment each process has a pid, so an up stopped at any point leaves a record down can act on.
import { join } from 'node:path'
import { type LocalClusterState, type ProcessRecord, writeLocalCluster } from '../../cluster/local.js'
import type { PartName } from '../../cluster/local-processes.js'
import { LOCAL } from '../../cluster/resolve.js'
import type { Paths } from '../../lib/paths.js'
import { GRIDCORE_BIN } from '../../lib/self.js'
import { redisContainerName } from '../redis-docker.js'
import type { Choice } from './choose.js'
import type { ListenSettings } from './listen.js'

/** Where a local cluster keeps its files. */
export interface ClusterFiles {
  hubConfig: string
  nodeConfig: string
  /** The hub's task list: data, kept by down with Redis's (in its data dir, which holds the tasks' queues). */
  hubState: string
  logs: string
  /** The embedded node's state: its instance records and instance logs. */
  nodeStateDir: string
  redisDir: string
  /** up --listen: the cluster CA and the server certificate (the CA is data: kept and purged with Redis's). */
  tlsDir: string
  /** up --listen: the node token of the join string (0600), kept with the data like the tokens' digests. */
  joinToken: string
}

/**
 * Redis's data dir holds its config (password), its AOF and the hub's task list: the tasks name its queues and its
 * URL, so they are kept, reused and purged together. With an existing Redis the task list sits by the configs.
 */
export function clusterFiles(p: Paths, redisPort: number, managedRedis: boolean): ClusterFiles {
  const redisDir = join(p.dataDir, `redis-${redisPort}`)
  return {
    hubConfig: join(p.upstreamConfigDir, 'computehub.toml'),
    nodeConfig: join(p.upstreamConfigDir, 'gridnode.toml'),
    hubState: join(managedRedis ? redisDir : p.upstreamConfigDir, 'computehub-state.json'),
    logs: join(p.dataDir, 'logs'),
    nodeStateDir: join(p.dataDir, 'node'),
    redisDir,
    tlsDir: join(redisDir, 'tls'),
    joinToken: join(managedRedis ? redisDir : p.upstreamConfigDir, 'join-token'),
  }
}

/** A local cluster's node may run anything: it is the user's own machine (status says so). */
export const LOCAL_ALLOWED_COMMANDS = ['*']

export interface StartingInput {
  choice: Choice
  files: ClusterFiles
  hubPort: number
  redisPort: number
  /** Redacted. */
  redisUrl: string
  parallelism: number
  /** Whether this up creates the Redis data dir and the hub's task list (false: kept from an earlier cluster). */
  dataCreated: boolean
  stateCreated: boolean
  now: Date
  /** This gridcore up process. */
  by: { pid: number; started?: string }
  /** up --listen (the hub then answers https://127.0.0.1 on this machine unless plaintext). */
  listen?: ListenSettings
}

/** Pure: the record written before anything starts; every part `starting`, no pid yet. */
export function startingRecord(i: StartingInput): LocalClusterState {
  const { choice: c, files: f } = i
  const managed = c.redis !== 'url'
  return {
    mode: 'local',
    status: 'starting',
    started_by: i.by,
    token_ref: `credentials.toml#cluster.${LOCAL}`,
    engine: c.engine,
    runtime: c.runtime,
    computehub: {
      state: 'starting',
      url: `${i.listen?.tls ? 'https' : 'http'}://127.0.0.1:${i.hubPort}`,
      port: i.hubPort,
      config_path: f.hubConfig,
      binary_path: c.binaries?.computehub ?? GRIDCORE_BIN,
      log_path: join(f.logs, 'computehub.log'),
      state_file: f.hubState,
      state_created: i.stateCreated,
    },
    gridnode: {
      state: 'starting',
      parallelism: i.parallelism,
      config_path: f.nodeConfig,
      binary_path: c.binaries?.gridnode ?? GRIDCORE_BIN,
      log_path: join(f.logs, 'gridnode.log'),
      state_dir: c.engine === 'embedded' ? f.nodeStateDir : undefined,
      allowed_commands: LOCAL_ALLOWED_COMMANDS,
    },
    redis: managed
      ? {
          state: 'starting',
          url: i.redisUrl,
          managed: true,
          mode: c.redis,
          port: i.redisPort,
          data_dir: f.redisDir,
          data_created: i.dataCreated,
          config_path: join(f.redisDir, 'redis.conf'),
          log_path: c.redis === 'binary' ? join(f.redisDir, 'redis.log') : undefined,
          container_name: c.redis === 'docker' ? redisContainerName(i.redisPort) : undefined,
        }
      : { url: i.redisUrl, managed: false, mode: 'url' },
    ...(i.listen ? { listen: { ...i.listen }, join_token_file: f.joinToken } : {}),
    managed_by_skill: true,
    managed_by: 'gridcore',
    created_at: i.now.toISOString(),
  }
}

export function partOf(s: LocalClusterState, name: PartName): ProcessRecord | undefined {
  return name === 'redis' ? s.redis : name === 'hub' ? s.computehub : s.gridnode
}

/** What a step learns about a part as it starts it. */
export type PartPatch = Partial<ProcessRecord> & {
  node_id?: string
  container_id?: string
  container_name?: string
  image?: string
}

/** Pure: the record with one part changed. */
export function withPart(s: LocalClusterState, name: PartName, patch: PartPatch): LocalClusterState {
  if (name === 'redis') return { ...s, redis: { ...s.redis, ...patch } }
  if (name === 'hub') return { ...s, computehub: { ...s.computehub, ...patch } }
  return { ...s, gridnode: { ...s.gridnode, ...patch } }
}

/** Pure: a part that has a pid (and its start time, read at once) but is not up yet. */
export const withPid = (s: LocalClusterState, name: PartName, pid: number, started: string | undefined) =>
  withPart(s, name, { state: 'starting', pid, started, cmdline: undefined })

/** Pure: a part up and answering, with the identity down checks before it signals it. */
export const withRunning = (s: LocalClusterState, name: PartName, p: PartPatch) =>
  withPart(s, name, { ...p, state: 'running' })

/** The record on disk, rewritten (atomically, 0600) at each change. */
export class RecordBook {
  constructor(
    private readonly p: Paths,
    private current: LocalClusterState,
  ) {
    writeLocalCluster(current, p)
  }

  get state(): LocalClusterState {
    return this.current
  }

  update(change: (s: LocalClusterState) => LocalClusterState): void {
    this.current = change(this.current)
    writeLocalCluster(this.current, this.p)
  }
}
