// Turns `gridcore node start` flags plus a gridnode.toml into the node's options and runtime.
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { findUpstreamConfig } from '../hub/config.js'
import { configError } from '../lib/errors.js'
import { paths } from '../lib/paths.js'
import { AutoRuntime } from './auto-runtime.js'
import { type NodeConfig, type RuntimeChoice, readNodeConfig } from './config.js'
import { DockerRuntime } from './docker-runtime.js'
import { ProcessRuntime } from './process-runtime.js'
import type { Runtime } from './runtime.js'

export interface NodeFlagInput {
  config?: string
  serverUrl?: string
  token?: string
  nodeId?: string
  parallelism?: number
  heartbeatMs?: number
  pollMs?: number
  stopTimeoutMs?: number
  containerMemory?: number
  runtime?: RuntimeChoice
  networkMode?: string
  allowCommands?: string[]
  group?: string
  stateDir?: string
}

export interface ResolvedNode {
  configPath?: string
  config: NodeConfig
  parallelism: number
  heartbeatMs: number
  pollMs: number
  stopTimeoutMs: number
  stateDir: string
}

export function resolveNodeOptions(f: NodeFlagInput, env = process.env): ResolvedNode {
  const configPath = f.config ?? findUpstreamConfig('gridnode.toml', env)
  let base: Partial<NodeConfig> = {}
  if (configPath) base = readNodeConfig(configPath)
  const server_url = f.serverUrl ?? base.server_url
  const token = f.token ?? base.token
  if (!server_url || !token) {
    throw configError(
      'the node needs a hub: pass --config gridnode.toml (server_url, token) or --server-url and --token',
    )
  }
  const config: NodeConfig = {
    server_url,
    token,
    node_id: f.nodeId ?? base.node_id,
    parallelism: f.parallelism ?? base.parallelism,
    heartbeat_interval: base.heartbeat_interval ?? 30,
    stop_timeout: base.stop_timeout ?? 30,
    container_memory: f.containerMemory ?? base.container_memory ?? 1024,
    runtime: f.runtime ?? base.runtime ?? 'auto',
    network_mode: f.networkMode ?? base.network_mode,
    allowed_commands: f.allowCommands?.length ? f.allowCommands : (base.allowed_commands ?? []),
    group: f.group ?? base.group,
    task_poll_interval: base.task_poll_interval ?? 10,
  }
  return {
    configPath,
    config,
    parallelism: config.parallelism ?? availableParallelism(),
    heartbeatMs: f.heartbeatMs ?? config.heartbeat_interval * 1000,
    pollMs: f.pollMs ?? config.task_poll_interval * 1000,
    stopTimeoutMs: f.stopTimeoutMs ?? config.stop_timeout * 1000,
    stateDir: f.stateDir ?? join(paths(env).dataDir, 'node'),
  }
}

/** auto: command tasks as local processes, image tasks as Docker containers when an engine answers. */
export async function chooseRuntime(r: ResolvedNode): Promise<Runtime> {
  const docker = () =>
    new DockerRuntime({ memoryMb: r.config.container_memory, networkMode: r.config.network_mode })
  const processes = () =>
    new ProcessRuntime({ allowedCommands: r.config.allowed_commands, stateDir: r.stateDir })
  if (r.config.runtime === 'docker') return docker()
  if (r.config.runtime === 'process') return processes()
  let engine = false
  try {
    const { connectDocker } = await import('../docker/engine.js')
    await connectDocker()
    engine = true
  } catch {}
  return new AutoRuntime(processes(), engine ? docker() : undefined)
}
