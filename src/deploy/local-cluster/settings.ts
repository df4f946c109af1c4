// What a local cluster is asked to be (ports, engine, runtime, Redis), checked once at the edge: bad values are
// usage errors (exit 2) before anything is written or started.
import { GridcoreError } from '../../lib/errors.js'
import { parseRedisUrl } from '../../redis/url.js'
import type { EngineChoice, RuntimeChoice } from '../engine.js'
import { DEFAULT_REDIS_IMAGE } from '../redis-docker.js'
import { type Interfaces, type ListenInput, type ListenSettings, listenSettings } from './listen.js'

/** --redis: choose (auto), redis-server only (local), the Docker image only (docker), or an existing server. */
export type RedisRequest =
  | { kind: 'auto' }
  | { kind: 'local' }
  | { kind: 'docker' }
  | { kind: 'url'; url: string }

export interface UpSettings {
  engine: EngineChoice
  runtime: RuntimeChoice
  redis: RedisRequest
  hubPort: number
  redisPort: number
  /** Instances on the node; default: the CPU count. */
  parallelism?: number
  installMissing: boolean
  /** How long to wait for Redis, the hub and the node each. */
  timeoutMs: number
  /** Docker-mode Redis image (GRIDCORE_REDIS_IMAGE, else redis:7-alpine). */
  redisImage: string
  /** --listen: also serve other machines (TLS unless --insecure-plaintext); undefined: loopback only. */
  listen?: ListenSettings
}

export interface UpInput extends ListenInput {
  engine?: EngineChoice
  runtime?: RuntimeChoice
  redis?: string
  hubPort: number
  redisPort: number
  parallelism?: number
  installMissing?: boolean
  timeoutMs?: number
}

export const DEFAULT_HUB_PORT = 8080
export const DEFAULT_REDIS_PORT = 6379

/** Parses and checks the inputs of up (and of run --local and demo, which bring a cluster up the same way). */
export function upSettings(
  i: UpInput,
  env: NodeJS.ProcessEnv = process.env,
  ifaces?: Interfaces,
): UpSettings {
  const redis = redisRequest(i.redis ?? 'auto')
  const listen = listenSettings(i, ifaces)
  if (listen && redis.kind === 'url')
    throw new GridcoreError(
      'USAGE',
      '--listen serves Redis to other machines, which needs a Redis gridcore runs: drop --redis URL (or give the nodes that URL yourself and use gridcore up without --listen)',
    )
  if (listen && i.engine === 'native')
    throw new GridcoreError(
      'USAGE',
      "--listen runs gridcore's embedded hub (it serves loopback and the listen address, HTTPS by default): drop --engine native",
    )
  for (const [flag, port] of [
    ['--hub-port', i.hubPort],
    ['--redis-port', i.redisPort],
  ] as const)
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new GridcoreError('USAGE', `${flag} expects a port from 1 to 65535, got ${port}`)
  if (i.hubPort === i.redisPort && redis.kind !== 'url')
    throw new GridcoreError(
      'USAGE',
      `--hub-port and --redis-port are both ${i.hubPort}: the hub and Redis need a port each; pass two different ports`,
    )
  return {
    engine: i.engine ?? 'auto',
    runtime: i.runtime ?? 'auto',
    redis,
    hubPort: i.hubPort,
    redisPort: i.redisPort,
    parallelism: i.parallelism,
    installMissing: i.installMissing ?? false,
    timeoutMs: i.timeoutMs ?? 20_000,
    redisImage: env.GRIDCORE_REDIS_IMAGE || DEFAULT_REDIS_IMAGE,
    ...(listen ? { listen } : {}),
  }
}

export function redisRequest(raw: string): RedisRequest {
  if (raw === 'auto' || raw === 'local' || raw === 'docker') return { kind: raw }
  if (/^rediss?:/i.test(raw)) {
    parseRedisUrl(raw, { where: '--redis' })
    return { kind: 'url', url: raw }
  }
  throw new GridcoreError('USAGE', `--redis expects auto, local, docker or a redis:// URL, got "${raw}"`)
}

/** The ports up uses without flags: GRIDCORE_HUB_PORT / GRIDCORE_REDIS_PORT, else 8080 / 6379. */
export function defaultPorts(env: NodeJS.ProcessEnv = process.env): { hubPort: number; redisPort: number } {
  return {
    hubPort: envPort(env, 'GRIDCORE_HUB_PORT', DEFAULT_HUB_PORT),
    redisPort: envPort(env, 'GRIDCORE_REDIS_PORT', DEFAULT_REDIS_PORT),
  }
}

function envPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new GridcoreError('USAGE', `${name} expects a port from 1 to 65535, got "${raw}"`)
  return port
}
