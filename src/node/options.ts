// `gridcore node start` flags + gridnode.toml + env -> the node's options, in one typed step; and its runtime.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { normalizeHubUrl } from '../client/hub-transport.js'
import { findUpstreamConfig } from '../hub/config.js'
import { configError, GridcoreError } from '../lib/errors.js'
import type { Logger } from '../lib/logger.js'
import { paths } from '../lib/paths.js'
import { parseCertificate } from '../net/fingerprint.js'
import { autoParallelismHere } from './adaptive.js'
import { AutoRuntime } from './auto-runtime.js'
import { type NodeConfigFile, type RuntimeChoice, readNodeConfig } from './config.js'
import { DockerRuntime } from './docker-runtime.js'
import { detectGpus, type GpuProbe } from './gpus.js'
import { resolveGroup } from './group.js'
import { ProcessRuntime } from './process-runtime.js'
import type { Runtime } from './runtime.js'
import { ImageOnlyRuntime } from './volunteer.js'

/** The flags of `gridcore node start`, as oclif parses them (durations already in milliseconds). */
export interface NodeFlags {
  config?: string
  'server-url'?: string
  token?: string
  'node-id'?: string
  parallelism?: number | 'auto'
  runtime?: RuntimeChoice
  'network-mode'?: string
  'allow-command'?: string[]
  'allow-shell'?: boolean
  'container-memory'?: number
  group?: string
  'heartbeat-interval'?: number
  'task-poll-interval'?: number
  'long-poll'?: boolean
  'stop-timeout'?: number
  'state-dir'?: string
  'ca-file'?: string
  volunteer?: boolean
}

/** Everything a node runs with. Precedence: flags, then gridnode.toml, then the defaults. */
export interface NodeOptions {
  /** The gridnode.toml read, if any; a new node's id is saved into it. */
  configPath?: string
  serverUrl: string
  token: string
  nodeId?: string
  /** Instances of the current task; with `adaptive`, the start count and the most it runs. */
  parallelism: number
  /** parallelism = "auto": the count follows the machine's CPU load (see adaptive.ts). */
  adaptive: boolean
  /** GPUs nvidia-smi listed (undefined: no nvidia-smi on PATH); sent on register. */
  gpus?: number
  /** Why nvidia-smi, found on PATH, did not answer (the node then reports 0 GPUs). */
  gpuError?: string
  heartbeatMs: number
  pollMs: number
  stopTimeoutMs: number
  runtime: RuntimeChoice
  containerMemoryMb: number
  networkMode?: string
  /** Bare names (looked up on PATH when the node starts), absolute paths, or "*". */
  allowedCommands: string[]
  allowShell: boolean
  /** The worker group, set or detected (see resolveGroup). */
  group: string
  groupExplicit: boolean
  /** Hold task polls at the hub until the task changes (a switch in milliseconds, not at the next poll). */
  longPoll: boolean
  /** Instance logs and the record of running instances. */
  stateDir: string
  /** The cluster CA file (absolute) and its PEM: the hub's https and rediss:// are verified against it. */
  caFile?: string
  caPem?: string
  /** A volunteer's node: runs container images only while no command is allowed (see volunteer.ts). */
  volunteer: boolean
}

export const NODE_DEFAULTS = {
  heartbeat_interval: 30,
  stop_timeout: 30,
  container_memory: 1024,
  task_poll_interval: 10,
  long_poll: true,
  runtime: 'auto' as RuntimeChoice,
}

/**
 * The node's options from flags, gridnode.toml and env. `probeGpus` runs nvidia-smi (default: from env's PATH); its
 * GPUs are reported on register and make the detected group `gpu`.
 */
export function parseNodeOptions(
  f: NodeFlags,
  env: NodeJS.ProcessEnv = process.env,
  probeGpus: () => GpuProbe | undefined = () => detectGpus(env),
): NodeOptions {
  const configPath = f.config ?? findUpstreamConfig('gridnode.toml', env)
  const file: NodeConfigFile = configPath ? readNodeConfig(configPath) : {}
  const need = (flag: string, key: 'server_url' | 'token', value: string | undefined): string => {
    if (value) return value
    throw configError(
      configPath
        ? `node config ${configPath} has no ${key}: add ${key} = "…" to it, or pass --${flag}`
        : 'the node needs a hub: pass --config gridnode.toml (server_url, token) or --server-url and --token',
    )
  }
  const serverUrl = need('server-url', 'server_url', f['server-url'] ?? file.server_url)
  const token = need('token', 'token', f.token ?? file.token)
  const seconds = (v: number | undefined, fallback: number) => Math.round((v ?? fallback) * 1000)
  // Relative program paths: a flag's against the working directory, the file's against the file's directory.
  const fromFlags = f['allow-command']?.length
  const base = fromFlags || !configPath ? process.cwd() : dirname(resolve(configPath))
  const gpus = probeGpus()
  const group = resolveGroup(f.group, file.group, env, undefined, gpus?.count ?? 0)
  const runtime = f.runtime ?? file.runtime ?? NODE_DEFAULTS.runtime
  const volunteer = f.volunteer ?? file.volunteer ?? false
  // A volunteer whose owner chose the process runtime and named no programs allows any program: that choice is
  // the consent (join --runtime process); otherwise a volunteer allows only what it lists, nothing by default.
  const listed = fromFlags ? f['allow-command']! : file.allowed_commands
  const allowed = (listed ?? (volunteer && runtime === 'process' ? ['*'] : [])).map((c) =>
    c.includes('/') && !isAbsolute(c) ? resolve(base, c) : c,
  )
  const caFile = f['ca-file']
    ? resolve(f['ca-file'])
    : file.ca_file
      ? resolve(configPath ? dirname(resolve(configPath)) : process.cwd(), file.ca_file)
      : undefined
  const containerMemoryMb = f['container-memory'] ?? file.container_memory ?? NODE_DEFAULTS.container_memory
  const caPem = caFile
    ? readCa(caFile, f['ca-file'] ? '--ca-file' : `node config ${configPath}: ca_file`)
    : undefined
  return {
    configPath,
    serverUrl: normalizeHubUrl(serverUrl),
    token,
    nodeId: f['node-id'] ?? file.node_id,
    ...parallelismOf(f.parallelism ?? file.parallelism, containerMemoryMb),
    ...(gpus ? { gpus: gpus.count } : {}),
    ...(gpus?.error ? { gpuError: `${gpus.path}: ${gpus.error}` } : {}),
    heartbeatMs:
      f['heartbeat-interval'] ?? seconds(file.heartbeat_interval, NODE_DEFAULTS.heartbeat_interval),
    pollMs: f['task-poll-interval'] ?? seconds(file.task_poll_interval, NODE_DEFAULTS.task_poll_interval),
    stopTimeoutMs: f['stop-timeout'] ?? seconds(file.stop_timeout, NODE_DEFAULTS.stop_timeout),
    runtime,
    containerMemoryMb,
    networkMode: f['network-mode'] ?? file.network_mode,
    allowedCommands: allowed,
    allowShell: f['allow-shell'] ?? file.allow_shell ?? false,
    group: group.group,
    groupExplicit: group.explicit,
    longPoll: f['long-poll'] ?? file.long_poll ?? NODE_DEFAULTS.long_poll,
    stateDir: resolve(f['state-dir'] ?? join(paths(env).dataDir, 'node')),
    ...(caFile ? { caFile, caPem } : {}),
    volunteer,
  }
}

/** A count, or "auto": min(CPUs, free memory / container_memory) to start with, then following the load. */
function parallelismOf(p: number | 'auto' | undefined, containerMemoryMb: number) {
  if (p === 'auto') return { parallelism: autoParallelismHere(containerMemoryMb), adaptive: true }
  return { parallelism: p ?? availableParallelism(), adaptive: false }
}

/** The cluster CA a node trusts: a readable PEM CA certificate, else one CONFIG line naming where it came from. */
function readCa(file: string, where: string): string {
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (err) {
    throw configError(
      `${where} ${file} cannot be read (${(err as NodeJS.ErrnoException).code}): point it at the cluster's ca.pem`,
    )
  }
  if (!parseCertificate(pem, `${where} ${file}`, 'CONFIG').ca)
    throw configError(`${where} ${file} is not a CA certificate: point it at the cluster's ca.pem`)
  return pem
}

/** auto: command tasks as local processes, image tasks as Docker containers when an engine answers. */
export async function createRuntime(o: NodeOptions, log: Logger): Promise<Runtime> {
  const docker = () =>
    new DockerRuntime({ memoryMb: o.containerMemoryMb, networkMode: o.networkMode, gpus: o.gpus })
  const processes = () => {
    const p = new ProcessRuntime({
      allowedCommands: o.allowedCommands,
      allowShell: o.allowShell,
      stateDir: o.stateDir,
      leftoverGraceMs: Math.min(o.stopTimeoutMs, 5_000),
    })
    for (const entry of p.allow.missing)
      log.warn(`allowed_commands entry "${entry}" names no executable file on this node; it allows nothing`)
    return p
  }
  const inner = await baseRuntime(o, docker, processes)
  // A volunteer that allows no command still takes command tasks, to refuse them as an Error naming the flags.
  return o.volunteer && o.allowedCommands.length === 0 ? new ImageOnlyRuntime(inner) : inner
}

async function baseRuntime(
  o: NodeOptions,
  docker: () => DockerRuntime,
  processes: () => ProcessRuntime,
): Promise<Runtime> {
  if (o.runtime === 'docker') return docker()
  if (o.runtime === 'process') return processes()
  let engine = false
  try {
    const { connectDocker } = await import('../docker/engine.js')
    await connectDocker()
    engine = true
  } catch (err) {
    if (!(err instanceof GridcoreError)) throw err
  }
  return new AutoRuntime(processes(), engine ? docker() : undefined)
}
