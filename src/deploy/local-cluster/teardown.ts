// gridcore down (and the rollback of a failed up): stop the node (through the hub, then by signal) and what a
// crashed node left, the hub, then Redis if gridcore runs it — only processes gridcore started — and then delete
// only what teardown-plan.ts allows. A record up left half-written (an interrupted up) is handled the same way.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { HubClient } from '../../client/hub-client.js'
import {
  type LocalClusterState,
  localCaPem,
  type ProcessRecord,
  readLocalCluster,
  removeLocalCluster,
  writeLocalCluster,
} from '../../cluster/local.js'
import { type PartName, sameProcess } from '../../cluster/local-processes.js'
import { loadProfile, removeProfile } from '../../cluster/profiles.js'
import { LOCAL } from '../../cluster/resolve.js'
import { paths as defaultPaths, type Paths } from '../../lib/paths.js'
import { alive, startTimeOf } from '../../lib/proc.js'
import { stopLeftoverInstances } from '../../node/instance-record.js'
import { MARK } from '../config-files.js'
import { portFree } from '../ports.js'
import { stopDaemon, waitForExit } from '../procs.js'
import { stopDockerRedis } from '../redis-docker.js'
import type { DownResult } from './down-report.js'
import { type Holder, holderOf, PARTS, portOf, usersOf } from './health.js'
import { partOf } from './record.js'
import { type Purge, planRemoval, type StopOutcome } from './teardown-plan.js'

export async function teardown(o: { purge: Purge }, p: Paths = defaultPaths()): Promise<DownResult> {
  const state = readLocalCluster(p)
  if (!state)
    return {
      was_running: false,
      node: null,
      hub: null,
      redis: null,
      instances_stopped: 0,
      kept_data: false,
      data_dir: null,
      task_list: null,
      purged_data: false,
      held: [],
      kept_files: [],
      kept_ca: null,
      complete: true,
      ports_free: true,
    }
  const node = await stopNode(state, p)
  const instances = state.gridnode?.state_dir ? await stopLeftoverInstances(state.gridnode.state_dir) : []
  const hub = await stopPart(state, 'hub')
  const redis = await stopRedisPart(state)
  const holders: Partial<Record<PartName, Holder>> = {}
  for (const part of PARTS) {
    if (part === 'redis' && !state.redis?.managed) continue
    const h = await holderOf(state, part)
    if (h) holders[part] = h
  }
  const plan = planRemoval({
    state,
    outcomes: { node, hub, redis },
    holders,
    purge: o.purge,
    writtenByGridcore: (f) => readHead(f).startsWith(MARK),
    insideOwnDirs: (f) => [p.dataDir, p.upstreamConfigDir].some((dir) => inside(f, dir)),
  })
  for (const f of plan.remove) rmSync(f, { recursive: true, force: true })
  if (plan.complete) {
    removeProfile(LOCAL, p)
    removeLocalCluster(p)
  } else writeLocalCluster({ ...state, status: 'stopping' }, p)
  const ports = PARTS.map((n) => portOf(state, n)).filter((x): x is number => Boolean(x))
  return {
    was_running: true,
    node,
    hub,
    redis,
    instances_stopped: instances.length,
    kept_data: plan.keptData !== null,
    data_dir: plan.keptData,
    task_list: plan.keptTaskList,
    purged_data: plan.purgedData,
    held: plan.held,
    kept_files: plan.keptFiles,
    kept_ca: state.tls && existsSync(state.tls.ca_file) ? state.tls.ca_file : null,
    complete: plan.complete,
    ports_free: (await Promise.all(ports.map((port) => portFree(port)))).every(Boolean),
  }
}

/** The node: asked to stop through the hub (it stops its instances gracefully), then by signal. */
async function stopNode(state: LocalClusterState, p: Paths): Promise<StopOutcome | null> {
  const rec = state.gridnode
  if (!rec) return null
  const id = identify(state, 'node')
  const token = tokenOf(p)
  let asked = false
  if (id && rec.node_id && token && sameProcess(id))
    asked = await new HubClient({
      url: state.computehub.url,
      token,
      timeoutMs: 2_000,
      caPem: localCaPem(state),
    })
      .stopNode(rec.node_id)
      .then(
        () => true,
        () => false,
      )
  if (asked && id && (await waitForExit(id.pid!, 2_500))) return 'stopped'
  const out = await stopPart(state, 'node', 15_000)
  // Asked through the hub, it may finish stopping its instances just before the signal.
  return asked && out === 'gone' ? 'stopped' : out
}

async function stopPart(
  state: LocalClusterState,
  name: 'hub' | 'node',
  timeoutMs?: number,
): Promise<StopOutcome> {
  const id = identify(state, name)
  if (!id) return 'not-started'
  return stopDaemon({ pid: id.pid!, started: id.started, cmdline: id.cmdline ?? '' }, timeoutMs)
}

async function stopRedisPart(state: LocalClusterState): Promise<StopOutcome | null> {
  const r = state.redis
  if (!r) return null
  if (!r.managed) return 'not-managed'
  const container = r.container_id ?? (r.state === 'starting' ? r.container_name : undefined)
  if (container) return stopDockerRedis(container).catch(() => 'gone' as const)
  const id = identify(state, 'redis')
  if (!id) return 'not-started'
  // SIGTERM: Redis writes its AOF and exits.
  return stopDaemon({ pid: id.pid!, started: id.started, cmdline: id.cmdline ?? '' })
}

/**
 * The process to stop for a part: the recorded one; or, when an interrupted up recorded the part without a pid,
 * the process that uses its files (the hub or node started with its config, a redis-server in its data dir).
 */
function identify(state: LocalClusterState, name: PartName): ProcessRecord | undefined {
  const rec = partOf(state, name)
  if (rec?.pid) return rec
  if (rec?.state !== 'starting') return undefined
  const stray = usersOf(state, name)[0]
  return stray && alive(stray.pid)
    ? { pid: stray.pid, started: startTimeOf(stray.pid), cmdline: stray.command }
    : undefined
}

function tokenOf(p: Paths): string | undefined {
  try {
    return loadProfile(LOCAL, p)?.token
  } catch {
    return undefined
  }
}

/** Strictly below `dir` (never `dir` itself), after resolving `..`. */
function inside(path: string, dir: string): boolean {
  const r = relative(resolve(dir), resolve(path))
  return r !== '' && !r.startsWith('..') && !isAbsolute(r)
}

function readHead(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(0, 200)
  } catch {
    return ''
  }
}
