// gridcore doctor: what this machine has for a local cluster, each finding with its fix.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { readLocalCluster } from '../cluster/local.js'
import { archOfThisMachine, platformForArch } from '../hub/protocol.js'
import { paths } from '../lib/paths.js'
import { dockerStatus, installedBinaries } from './engine.js'
import { clusterHealth, PARTS } from './local-cluster/health.js'
import { partOf } from './local-cluster/record.js'
import { type PortHolder, portFree, portHolder } from './ports.js'
import { findRedisServer } from './redis-launcher.js'

export type CheckStatus = 'ok' | 'warn' | 'error'

export interface Check {
  name: string
  status: CheckStatus
  detail: string
  fix: string | null
}

export interface DoctorReport {
  /** False when `gridcore up` with these ports and default flags could not succeed. */
  ok: boolean
  checks: Check[]
}

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0

export async function doctor(o: { hubPort: number; redisPort: number }): Promise<DoctorReport> {
  const checks: Check[] = []
  const add = (name: string, status: CheckStatus, detail: string, fix: string | null = null) =>
    checks.push({ name, status, detail, fix })
  const p = paths()

  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
  add(
    'node',
    major > 20 || (major === 20 && minor >= 18) ? 'ok' : 'error',
    `Node.js ${process.versions.node}`,
    major < 20 ? 'install Node.js 20.18 or newer' : null,
  )
  const arch = archOfThisMachine()
  add('platform', 'ok', `${process.platform} ${arch} (containers: ${platformForArch(arch)})`)

  const engine = await dockerStatus()
  const docker = engine.ok
  if (engine.ok) add('docker', 'ok', `Docker engine ${engine.version} answers`)
  else
    add(
      'docker',
      'warn',
      `${engine.reason} — gridcore up will run items as local processes`,
      'start Docker, or use the process runtime (--runtime process)',
    )

  const redis = findRedisServer()
  if (redis) add('redis-server', 'ok', redis)
  else if (docker)
    add(
      'redis-server',
      'warn',
      'not installed; gridcore up will run the redis:7-alpine image',
      'apt-get install redis-server (or brew install redis)',
    )
  else
    add(
      'redis-server',
      'error',
      'not installed and no Docker engine for the redis image',
      'apt-get install redis-server (or brew install redis), or run gridcore up --install-missing',
    )
  add(
    'redis-cli',
    has('redis-cli') ? 'ok' : 'warn',
    has('redis-cli') ? 'present' : 'not installed (gridcore does not need it)',
    has('redis-cli') ? null : 'apt-get install redis-tools, for looking at queues by hand',
  )

  const local = readLocalCluster(p)
  if (local) {
    const health = await clusterHealth(local)
    const down = PARTS.filter((n) => health[n].state !== 'alive' && health[n].state !== 'not-managed')
    add(
      'local cluster',
      down.length ? 'warn' : 'ok',
      down.length
        ? `recorded in ${p.localClusterJson} at ${local.computehub.url}; not running: ${down.join(', ')}`
        : `running at ${local.computehub.url}`,
      down.length ? 'gridcore up restarts what stopped (gridcore down stops the rest)' : null,
    )
  }
  const ours = new Set(
    local ? PARTS.map((n) => partOf(local, n)?.pid).filter((pid): pid is number => Boolean(pid)) : [],
  )
  for (const c of portChecks(o, (port) => portHolder(port), ours, await freeOf([o.hubPort, o.redisPort])))
    add(c.name, c.status, c.detail, c.fix)

  for (const [name, dir] of [
    ['config dir', p.upstreamConfigDir],
    ['skill dir', p.skillDir],
    ['data dir', p.dataDir],
  ] as const) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      accessSync(dir, constants.W_OK)
      add(name, 'ok', `${dir} is writable`)
    } catch (err) {
      add(
        name,
        'error',
        `${dir} is not writable (${(err as NodeJS.ErrnoException).code})`,
        'fix its permissions, or set GRIDCORE_HOME / XDG_CONFIG_HOME / XDG_DATA_HOME',
      )
    }
  }

  const bins = installedBinaries()
  add(
    'upstream binaries',
    'ok',
    bins
      ? `computehub and gridnode ${bins.version ?? '(version unknown)'} in ${p.binDir}`
      : `not installed; gridcore up uses its embedded engine`,
    bins ? null : 'optional: gridcore fetch',
  )
  return { ok: checks.every((c) => c.status !== 'error'), checks }
}

async function freeOf(ports: number[]): Promise<Map<number, boolean>> {
  return new Map(await Promise.all(ports.map(async (port) => [port, await portFree(port)] as const)))
}

/**
 * Pure: the two port checks. A busy port is fine when a process of the recorded local cluster holds it (up would
 * change nothing); the same port for both is an error, as up refuses it.
 */
export function portChecks(
  o: { hubPort: number; redisPort: number },
  holder: (port: number) => PortHolder | undefined,
  ours: Set<number>,
  free: Map<number, boolean>,
): Check[] {
  if (o.hubPort === o.redisPort)
    return [
      {
        name: 'ports',
        status: 'error',
        detail: `the hub port and the Redis port are both ${o.hubPort}`,
        fix: 'pass two different ports (--hub-port, --redis-port)',
      },
    ]
  return (
    [
      ['hub port', o.hubPort, '--hub-port'],
      ['Redis port', o.redisPort, '--redis-port'],
    ] as const
  ).map(([name, port, flag]) => {
    if (free.get(port)) return { name, status: 'ok', detail: `${port} is free`, fix: null }
    const h = holder(port)
    if (h && ours.has(h.pid))
      return { name, status: 'ok', detail: `${port} is used by the local cluster (pid ${h.pid})`, fix: null }
    return {
      name,
      status: 'error',
      detail: h ? `port ${port} is in use by pid ${h.pid} (${h.command})` : `port ${port} is in use`,
      fix: `stop what holds it, or pass ${flag} to gridcore up`,
    }
  })
}
