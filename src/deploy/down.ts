// gridcore down: stop the local cluster gridcore started (node, hub, then Redis if it started it) and
// remove its state; signals only processes whose command line is still the one recorded at start.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { HubClient } from '../client/hub-client.js'
import { type LocalClusterState, readLocalCluster, removeLocalCluster } from '../cluster/local.js'
import { loadProfile, removeProfile } from '../cluster/profiles.js'
import { LOCAL } from '../cluster/resolve.js'
import { paths } from '../lib/paths.js'
import { alive, cmdlineOf } from '../lib/proc.js'
import { portFree } from './ports.js'
import { stopDaemon, waitForExit } from './procs.js'
import { stopRedis } from './redis-launcher.js'

export type StopOutcome = 'stopped' | 'killed' | 'gone' | 'not-ours' | 'not-managed'

export interface DownResult {
  was_running: boolean
  node: StopOutcome | null
  hub: StopOutcome | null
  redis: StopOutcome | null
  kept_data: boolean
  ports_free: boolean
}

export async function down(opts: { keepData: boolean }): Promise<DownResult> {
  const p = paths()
  const state = readLocalCluster(p)
  if (!state)
    return {
      was_running: false,
      node: null,
      hub: null,
      redis: null,
      kept_data: opts.keepData,
      ports_free: true,
    }
  const profile = loadProfile(LOCAL, p)
  const token = profile?.token ?? state.token
  const result: DownResult = {
    was_running: true,
    node: null,
    hub: null,
    redis: null,
    kept_data: opts.keepData,
    ports_free: true,
  }

  // 1. The node: ask through the hub (it stops its instances gracefully), then make sure.
  const node = state.gridnode
  if (node?.pid) {
    if (token && node.node_id) {
      await new HubClient({ url: state.computehub.url, token, timeoutMs: 2_000 })
        .stopNode(node.node_id)
        .catch(() => {})
      await waitForExit(node.pid, 2_500)
    }
    result.node = await stopDaemon(
      { pid: node.pid, cmdline: node.cmdline ?? '', started: node.started },
      15_000,
    )
  }
  // 2. The hub.
  if (state.computehub.pid)
    result.hub = await stopDaemon({
      pid: state.computehub.pid,
      cmdline: state.computehub.cmdline ?? '',
      started: state.computehub.started,
    })
  // 3. Redis, only if gridcore started it.
  result.redis = await stopManagedRedis(state, profile?.redisUrl)

  for (const f of [state.computehub.config_path, state.gridnode?.config_path])
    if (f) rmSync(f, { force: true })
  rmSync(join(p.upstreamConfigDir, 'computehub-state.json'), { force: true })
  if (!opts.keepData && state.redis?.managed && state.redis.data_dir)
    rmSync(state.redis.data_dir, { recursive: true, force: true })
  removeProfile(LOCAL, p)
  removeLocalCluster(p)
  const ports = [
    Number(new URL(state.computehub.url).port),
    state.redis?.managed ? state.redis.port : undefined,
  ].filter((x): x is number => Boolean(x))
  result.ports_free = (await Promise.all(ports.map((port) => portFree(port)))).every(Boolean)
  return result
}

async function stopManagedRedis(
  state: LocalClusterState,
  url: string | undefined,
): Promise<StopOutcome | null> {
  const r = state.redis
  if (!r) return null
  if (!r.managed) return 'not-managed'
  if (r.container_id) {
    await stopRedis({ url: url ?? '', containerId: r.container_id })
    return 'stopped'
  }
  if (!r.pid) return null
  if (!alive(r.pid)) return 'gone'
  // redis-server rewrites its process title to "redis-server 127.0.0.1:PORT": recognise it by name and port.
  const cmd = cmdlineOf(r.pid) ?? ''
  if (
    !cmd.includes('redis-server') ||
    !(cmd.includes(`:${r.port}`) || (r.config_path && cmd.includes(r.config_path)))
  )
    return 'not-ours'
  await stopRedis({ url: url ?? '', pid: r.pid })
  return alive(r.pid) ? 'killed' : 'stopped'
}
