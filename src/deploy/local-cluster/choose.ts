// The one place that decides what a local cluster runs: which engine (embedded or the upstream binaries), which
// runtime, and whether Redis is redis-server, the Docker image, or an existing server. Decisions are pure.
import { GridcoreError } from '../../lib/errors.js'
import {
  dockerStatus,
  type EngineChoice,
  installedBinaries,
  type NativeBinaries,
  type RuntimeChoice,
} from '../engine.js'
import { installRedis } from '../install.js'
import { findRedisServer } from '../redis-launcher.js'
import type { RedisRequest, UpSettings } from './settings.js'

export type RedisMode = 'binary' | 'docker' | 'url'

export interface Choice {
  engine: 'embedded' | 'native'
  runtime: RuntimeChoice
  /** Whether a Docker engine answered (checked only when something could use it). */
  docker: boolean
  binaries?: NativeBinaries
  redis: RedisMode
}

/** Facts the choice rests on. `docker` is the reason it does not answer, or true. */
export interface ChoiceFacts {
  docker: true | string
  binaries?: NativeBinaries
  redisServer: boolean
}

const noDocker = (reason: string, fix: string) => new GridcoreError('CONFIG', `${reason}: ${fix}`)

/**
 * Pure: engine and runtime. The upstream gridnode runs only containers, so native needs the docker runtime; a
 * listening cluster runs the embedded hub.
 */
export function chooseEngine(
  engine: EngineChoice,
  runtime: RuntimeChoice,
  f: Pick<ChoiceFacts, 'docker' | 'binaries'>,
  /** up --listen: the embedded hub (it serves loopback and the listen address, and HTTPS). */
  listen = false,
): Pick<Choice, 'engine' | 'runtime' | 'docker' | 'binaries'> {
  const docker = f.docker === true
  if (runtime === 'docker' && f.docker !== true)
    throw noDocker(f.docker, 'start Docker, or use --runtime process (items run as local processes)')
  if (engine === 'native') {
    if (!f.binaries)
      throw new GridcoreError(
        'CONFIG',
        'the upstream binaries are not installed: run gridcore fetch, or use --engine embedded',
      )
    if (runtime !== 'docker')
      throw new GridcoreError(
        'CONFIG',
        'the upstream gridnode runs only Docker containers: pass --runtime docker, or use --engine embedded',
      )
    return { engine: 'native', runtime, docker, binaries: f.binaries }
  }
  if (engine === 'auto' && f.binaries && runtime === 'docker' && !listen)
    return { engine: 'native', runtime, docker, binaries: f.binaries }
  return { engine: 'embedded', runtime, docker }
}

/**
 * Pure: how Redis runs. An existing server when given a URL; the Docker image when asked, or (auto) when
 * redis-server is missing and Docker answers; else redis-server, installed first when --install-missing allows.
 */
export function chooseRedis(
  req: RedisRequest,
  f: Pick<ChoiceFacts, 'docker' | 'redisServer'>,
  installMissing: boolean,
): { mode: RedisMode; install: boolean } {
  if (req.kind === 'url') return { mode: 'url', install: false }
  if (req.kind === 'docker') {
    if (f.docker !== true)
      throw noDocker(f.docker, 'start Docker, or use --redis local (redis-server on this machine)')
    return { mode: 'docker', install: false }
  }
  if (f.redisServer) return { mode: 'binary', install: false }
  if (req.kind === 'auto' && f.docker === true) return { mode: 'docker', install: false }
  if (installMissing) return { mode: 'binary', install: true }
  throw new GridcoreError(
    'CONFIG',
    `redis-server is not installed${req.kind === 'auto' ? ' and no Docker engine answers for the redis image' : ''}: install it (apt-get install redis-server / brew install redis), or pass --install-missing`,
  )
}

/** Gathers the facts (asking Docker only when something could use it), decides, installs Redis if chosen. */
export async function choose(s: UpSettings): Promise<Choice> {
  const redisServer = Boolean(findRedisServer())
  const needDocker =
    s.runtime !== 'process' || s.redis.kind === 'docker' || (s.redis.kind === 'auto' && !redisServer)
  const status = needDocker ? await dockerStatus() : { ok: false as const, reason: 'not checked' }
  const facts: ChoiceFacts = {
    docker: status.ok ? true : status.reason,
    binaries: installedBinaries(),
    redisServer,
  }
  const engine = chooseEngine(s.engine, s.runtime, facts, Boolean(s.listen))
  const redis = chooseRedis(s.redis, facts, s.installMissing)
  if (redis.install) installRedis()
  return { ...engine, redis: redis.mode }
}

/** "embedded engine, auto runtime (processes + Docker), Redis via binary" */
export function describeChoice(c: Choice): string {
  const rt =
    c.runtime === 'auto'
      ? c.docker
        ? 'auto runtime (processes + Docker)'
        : 'auto runtime (processes; no Docker engine)'
      : `${c.runtime} runtime`
  const redis = c.redis === 'url' ? 'an existing server' : c.redis === 'binary' ? 'redis-server' : 'Docker'
  return `${c.engine} engine, ${rt}, Redis via ${redis}`
}
