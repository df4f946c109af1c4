// Steps: the hub and the node of a local cluster as detached processes (the embedded engine, or the upstream
// binaries), each recorded the moment it has a pid, then waited for: the hub's /health, the node's heartbeat.
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { HubClient } from '../../client/hub-client.js'
import { GridcoreError } from '../../lib/errors.js'
import { startTimeOf } from '../../lib/proc.js'
import { GRIDCORE_BIN } from '../../lib/self.js'
import { type Daemon, spawnDaemon } from '../procs.js'
import type { UpContext } from './context.js'
import { withPid, withRunning } from './record.js'

/** Polls `check` every 25 ms until it holds; a CONFIG error after timeoutMs, INTERRUPTED when aborted. */
export async function until(
  ctx: Pick<UpContext, 'timeoutMs' | 'signal'>,
  check: () => Promise<boolean>,
  failure: string,
): Promise<void> {
  const deadline = Date.now() + ctx.timeoutMs
  while (!(await check())) {
    if (ctx.signal.aborted) throw interrupted()
    if (Date.now() > deadline) throw new GridcoreError('CONFIG', failure)
    await delay(25)
  }
}

/** The cluster's hub as this machine reaches it (https://127.0.0.1 verified against the cluster CA when TLS). */
export const hubOf = (ctx: UpContext, timeoutMs = 1_000) =>
  new HubClient({ url: ctx.hubUrl, token: ctx.token, timeoutMs, caPem: ctx.tls?.caPem })

export const interrupted = () => new GridcoreError('INTERRUPTED', 'gridcore up was interrupted')

function spawnPart(ctx: UpContext, name: 'hub' | 'node'): Promise<Daemon> {
  const hub = name === 'hub'
  const config = hub ? ctx.files.hubConfig : ctx.files.nodeConfig
  const logPath = join(ctx.files.logs, hub ? 'computehub.log' : 'gridnode.log')
  const env = { ...process.env, IDM_GRIDCORE_CONFIG: config }
  const onPid = (pid: number) => ctx.record.update((s) => withPid(s, name, pid, startTimeOf(pid)))
  const bins = ctx.choice.engine === 'native' ? ctx.choice.binaries : undefined
  if (bins) return spawnDaemon(hub ? bins.computehub : bins.gridnode, [], { env, logPath, onPid })
  const args = hub
    ? ['hub', 'start', '--config', config, '--state-file', ctx.files.hubState]
    : ['node', 'start', '--config', config, '--state-dir', ctx.files.nodeStateDir]
  return spawnDaemon(process.execPath, [GRIDCORE_BIN, ...args, '--log-format', 'json'], {
    env,
    logPath,
    onPid,
  })
}

export async function startHub(ctx: UpContext): Promise<string> {
  const hub = await spawnPart(ctx, 'hub')
  const client = hubOf(ctx)
  await until(
    ctx,
    () =>
      client.health().then(
        () => true,
        () => false,
      ),
    `the hub did not answer on ${ctx.hubUrl}; see ${hub.log_path}`,
  )
  ctx.record.update((s) => withRunning(s, 'hub', hub))
  return `${ctx.hubUrl} (pid ${hub.pid})`
}

/** Starts the node and waits for its heartbeat (the same node id on a restart: gridnode.toml keeps it). */
export async function startNode(ctx: UpContext): Promise<string> {
  const since = Date.now() - 1_000
  const node = await spawnPart(ctx, 'node')
  const client = hubOf(ctx)
  const expected = ctx.record.state.gridnode?.node_id
  let id: string | undefined
  await until(
    ctx,
    async () => {
      const nodes = await client.listNodes().catch(() => [])
      const ready = nodes.find(
        (n) =>
          (!expected || n.id === expected) && n.runtime_status !== null && Date.parse(n.last_seen) >= since,
      )
      id = ready?.id
      return Boolean(ready)
    },
    `the node did not register with the hub; see ${node.log_path}`,
  )
  ctx.record.update((s) => withRunning(s, 'node', { ...node, node_id: id }))
  return `node ${id} (${ctx.parallelism} × ${ctx.choice.runtime}, pid ${node.pid})`
}
