// gridcore doctor: what this machine has for a local cluster, each finding with its fix.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { HubClient } from '../client/hub-client.js'
import { readLocalCluster } from '../cluster/local.js'
import { archOfThisMachine, platformForArch } from '../hub/protocol.js'
import { paths } from '../lib/paths.js'
import { installedBinaries } from './engine.js'
import { describeBusy, portFree } from './ports.js'
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

  let docker = false
  try {
    const { connectDocker } = await import('../docker/engine.js')
    const engine = await connectDocker()
    const v = await engine.version()
    docker = true
    add('docker', 'ok', `Docker engine ${v.Version} answers`)
  } catch (err) {
    add(
      'docker',
      'warn',
      `${(err as Error).message.split(':')[0]} — gridcore up will run items as local processes`,
      (err as Error).message.split(': ').slice(1).join(': ') || null,
    )
  }

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
  let localHealthy = false
  if (local) {
    localHealthy = await new HubClient({ url: local.computehub.url, token: 'x', timeoutMs: 2_000 })
      .health()
      .then(
        () => true,
        () => false,
      )
    add(
      'local cluster',
      localHealthy ? 'ok' : 'warn',
      localHealthy
        ? `running at ${local.computehub.url}`
        : `recorded in ${p.localClusterJson} but its hub does not answer`,
      localHealthy ? null : 'gridcore down, then gridcore up',
    )
  }
  for (const [name, port, flag] of [
    ['hub port', o.hubPort, '--hub-port'],
    ['Redis port', o.redisPort, '--redis-port'],
  ] as const) {
    if (await portFree(port)) add(name, 'ok', `${port} is free`)
    else if (localHealthy) add(name, 'ok', `${port} is used by the running local cluster`)
    else add(name, 'error', describeBusy(port), `stop what holds it, or pass ${flag} to gridcore up`)
  }

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
