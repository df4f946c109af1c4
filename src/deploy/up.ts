// gridcore up: a local cluster from zero — Redis, a hub and a node as detached processes — as a list of
// steps the command shows; a failed step rolls back what the earlier ones started.
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { HubClient } from '../client/hub-client.js'
import { type LocalClusterState, readLocalCluster, writeLocalCluster } from '../cluster/local.js'
import { saveProfile } from '../cluster/profiles.js'
import { LOCAL } from '../cluster/resolve.js'
import { GridcoreError } from '../lib/errors.js'
import { paths } from '../lib/paths.js'
import { redactUrl } from '../lib/redact.js'
import { openRedis } from '../redis/client.js'
import { writeLocalConfigs } from './config-files.js'
import {
  dockerAnswers,
  type EngineChoice,
  GRIDCORE_BIN,
  type NativeBinaries,
  type RuntimeChoice,
  resolveEngine,
} from './engine.js'
import { installRedis } from './install.js'
import { describeBusy, portFree } from './ports.js'
import { type Daemon, spawnDaemon, stopDaemon } from './procs.js'
import { findRedisServer, type LaunchedRedis, launchRedis, stopRedis } from './redis-launcher.js'

export interface UpOptions {
  engine: EngineChoice
  runtime: RuntimeChoice
  /** auto | local | docker | a redis:// URL of an existing server */
  redis: string
  hubPort: number
  redisPort: number
  parallelism?: number
  installMissing: boolean
  /** Seconds to wait for the hub and the node. */
  timeoutMs?: number
}

export interface UpResult {
  already_running: boolean
  cluster: string
  engine: string
  runtime: string
  hub_url: string
  redis_url: string
  node_id: string | null
  parallelism: number | null
  state_file: string
  seconds: number
}

export interface Step {
  title: string
  run(): Promise<string | undefined>
}

export interface UpPlan {
  steps: Step[]
  /** Set by the first step when a healthy cluster already runs: the command skips the rest. */
  alreadyRunning(): boolean
  result(): UpResult
  rollback(): Promise<void>
}

export function planUp(o: UpOptions): UpPlan {
  const started = Date.now()
  const p = paths()
  const timeout = o.timeoutMs ?? 20_000
  const token = `gc-${randomBytes(18).toString('hex')}`
  const password = randomBytes(18).toString('hex')
  const undo: (() => Promise<unknown>)[] = []
  const s: {
    running?: LocalClusterState
    engine?: 'embedded' | 'native'
    runtime?: 'docker' | 'process' | 'auto'
    docker?: boolean
    binaries?: NativeBinaries
    redisVia?: 'binary' | 'docker' | 'url'
    redis?: LaunchedRedis
    redisUrl?: string
    configs?: { hub: string; node: string }
    hub?: Daemon
    node?: Daemon
    nodeId?: string
  } = {}
  const hubUrl = `http://127.0.0.1:${o.hubPort}`
  const parallelism = o.parallelism ?? availableParallelism()
  const logs = join(p.dataDir, 'logs')
  const stateFile = join(p.upstreamConfigDir, 'computehub-state.json')

  const steps: Step[] = [
    {
      title: 'Look for a running local cluster',
      async run() {
        const existing = readLocalCluster(p)
        if (!existing) return 'none'
        const client = new HubClient({ url: existing.computehub.url, token: 'unused', timeoutMs: 2_000 })
        const healthy = await client.health().then(
          () => true,
          () => false,
        )
        if (healthy) {
          s.running = existing
          return `already running at ${existing.computehub.url}: nothing to do`
        }
        throw new GridcoreError(
          'CONFIG',
          `a local cluster is recorded in ${p.localClusterJson} but its hub does not answer: run gridcore down first`,
        )
      },
    },
    {
      title: 'Choose engine, runtime and Redis',
      async run() {
        const r = await resolveEngine(o.engine, o.runtime)
        Object.assign(s, r)
        if (o.redis.startsWith('redis://') || o.redis.startsWith('rediss://')) s.redisVia = 'url'
        else if (o.redis === 'docker') s.redisVia = 'docker'
        else if (findRedisServer()) s.redisVia = 'binary'
        else if (o.redis === 'auto' && (await dockerAnswers())) s.redisVia = 'docker'
        else if (o.installMissing) {
          installRedis()
          s.redisVia = 'binary'
        } else {
          throw new GridcoreError(
            'CONFIG',
            'redis-server is not installed: install it (apt-get install redis-server / brew install redis), or pass --install-missing',
          )
        }
        const rt =
          r.runtime === 'auto'
            ? r.docker
              ? 'auto runtime (processes + Docker)'
              : 'auto runtime (processes; no Docker engine)'
            : `${r.runtime} runtime`
        return `${r.engine} engine, ${rt}, Redis via ${s.redisVia === 'url' ? 'an existing server' : s.redisVia}`
      },
    },
    {
      title: 'Check ports',
      async run() {
        if (!(await portFree(o.hubPort)))
          throw new GridcoreError(
            'CONFIG',
            `${describeBusy(o.hubPort)}: stop it, or pass --hub-port with a free port`,
          )
        if (s.redisVia !== 'url' && !(await portFree(o.redisPort))) {
          throw new GridcoreError(
            'CONFIG',
            `${describeBusy(o.redisPort)}: stop it, or pass --redis-port with a free port`,
          )
        }
        return s.redisVia === 'url' ? `hub ${o.hubPort}` : `hub ${o.hubPort}, Redis ${o.redisPort}`
      },
    },
    {
      title: 'Start Redis',
      async run() {
        if (s.redisVia === 'url') {
          const r = await openRedis(o.redis)
          r.disconnect()
          s.redisUrl = o.redis
          return `using ${redactUrl(o.redis)}`
        }
        s.redis = await launchRedis({
          port: o.redisPort,
          password,
          dataDir: join(p.dataDir, `redis-${o.redisPort}`),
          detached: true,
          via: s.redisVia === 'docker' ? 'docker' : 'binary',
        })
        const launched = s.redis
        undo.push(() => stopRedis(launched))
        s.redisUrl = launched.url
        return `${redactUrl(launched.url)} (AOF on, data in ${launched.dataDir})`
      },
    },
    {
      title: 'Write configuration',
      async run() {
        s.configs = writeLocalConfigs(p.upstreamConfigDir, {
          hubPort: o.hubPort,
          token,
          parallelism,
          runtime: s.runtime!,
        })
        rmSync(stateFile, { force: true })
        mkdirSync(logs, { recursive: true, mode: 0o700 })
        return p.upstreamConfigDir
      },
    },
    {
      title: 'Start the hub',
      async run() {
        const env = { ...process.env, IDM_GRIDCORE_CONFIG: s.configs!.hub }
        s.hub =
          s.engine === 'native'
            ? await spawnDaemon(s.binaries!.computehub, [], { env, logPath: join(logs, 'computehub.log') })
            : await spawnDaemon(
                process.execPath,
                [
                  GRIDCORE_BIN,
                  'hub',
                  'start',
                  '--config',
                  s.configs!.hub,
                  '--state-file',
                  stateFile,
                  '--log-format',
                  'json',
                ],
                {
                  env,
                  logPath: join(logs, 'computehub.log'),
                },
              )
        const hub = s.hub
        undo.push(() => stopDaemon(hub))
        const client = new HubClient({ url: hubUrl, token, timeoutMs: 1_000 })
        await until(
          timeout,
          () =>
            client.health().then(
              () => true,
              () => false,
            ),
          `the hub did not answer on ${hubUrl}; see ${hub.log_path}`,
        )
        return `${hubUrl} (pid ${hub.pid})`
      },
    },
    {
      title: 'Start the node',
      async run() {
        const env = { ...process.env, IDM_GRIDCORE_CONFIG: s.configs!.node }
        s.node =
          s.engine === 'native'
            ? await spawnDaemon(s.binaries!.gridnode, [], { env, logPath: join(logs, 'gridnode.log') })
            : await spawnDaemon(
                process.execPath,
                [
                  GRIDCORE_BIN,
                  'node',
                  'start',
                  '--config',
                  s.configs!.node,
                  '--state-dir',
                  join(p.dataDir, 'node'),
                  '--log-format',
                  'json',
                ],
                { env, logPath: join(logs, 'gridnode.log') },
              )
        const node = s.node
        undo.push(() => stopDaemon(node))
        const client = new HubClient({ url: hubUrl, token, timeoutMs: 1_000 })
        await until(
          timeout,
          async () => {
            const nodes = await client.listNodes().catch(() => [])
            const ready = nodes.find((n) => n.runtime_status !== null)
            if (ready) s.nodeId = ready.id
            return Boolean(ready)
          },
          `the node did not register with the hub; see ${node.log_path}`,
        )
        return `node ${s.nodeId} (${parallelism} × ${s.runtime}, pid ${node.pid})`
      },
    },
    {
      title: 'Save the cluster for agents',
      async run() {
        const state: LocalClusterState = {
          mode: 'local',
          token_ref: `credentials.toml#cluster.${LOCAL}`,
          engine: s.engine,
          runtime: s.runtime,
          computehub: {
            url: hubUrl,
            pid: s.hub!.pid,
            cmdline: s.hub!.cmdline,
            started: s.hub!.started,
            config_path: s.configs!.hub,
            binary_path: s.binaries?.computehub ?? GRIDCORE_BIN,
            log_path: s.hub!.log_path,
          },
          gridnode: {
            pid: s.node!.pid,
            cmdline: s.node!.cmdline,
            started: s.node!.started,
            node_id: s.nodeId,
            parallelism,
            config_path: s.configs!.node,
            binary_path: s.binaries?.gridnode ?? GRIDCORE_BIN,
            log_path: s.node!.log_path,
          },
          redis: {
            url: redactUrl(s.redisUrl!),
            managed: Boolean(s.redis),
            port: s.redis?.port,
            pid: s.redis?.pid,
            container_id: s.redis?.containerId,
            data_dir: s.redis?.dataDir,
            config_path: s.redis?.configPath,
            log_path: s.redis?.logPath,
          },
          managed_by_skill: true,
          managed_by: 'gridcore',
          created_at: new Date().toISOString(),
        }
        saveProfile({ name: LOCAL, hubUrl, token, redisUrl: s.redisUrl }, p, { mode: 'local' })
        writeLocalCluster(state, p)
        return p.localClusterJson
      },
    },
  ]

  return {
    steps,
    alreadyRunning: () => Boolean(s.running),
    result(): UpResult {
      const seconds = Math.round((Date.now() - started) / 100) / 10
      if (s.running) {
        return {
          already_running: true,
          cluster: LOCAL,
          engine: s.running.engine ?? 'unknown',
          runtime: s.running.runtime ?? 'unknown',
          hub_url: s.running.computehub.url,
          redis_url: s.running.redis?.url ?? '',
          node_id: s.running.gridnode?.node_id ?? null,
          parallelism: s.running.gridnode?.parallelism ?? null,
          state_file: p.localClusterJson,
          seconds,
        }
      }
      return {
        already_running: false,
        cluster: LOCAL,
        engine: s.engine!,
        runtime: s.runtime!,
        hub_url: hubUrl,
        redis_url: redactUrl(s.redisUrl!),
        node_id: s.nodeId ?? null,
        parallelism,
        state_file: p.localClusterJson,
        seconds,
      }
    },
    async rollback() {
      for (const u of undo.reverse()) await u().catch(() => {})
      for (const f of Object.values(s.configs ?? {})) rmSync(f, { force: true })
    },
  }
}

async function until(timeoutMs: number, check: () => Promise<boolean>, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new GridcoreError('CONFIG', failure)
    await new Promise((r) => setTimeout(r, 25))
  }
}
