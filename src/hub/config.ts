// Finds and reads an upstream computehub.toml (bind, token) the way the upstream hub does, plus gridcore's additive
// keys (upstream's config struct does not deny unknown fields, so it ignores them): tls_cert, tls_key, tls_ca,
// also_bind, redis_url.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { configError } from '../lib/errors.js'
import { paths } from '../lib/paths.js'
import { readToml } from '../lib/toml.js'

export const DEFAULT_BIND = '127.0.0.1:8080'

export interface HubConfig {
  bind?: string
  token?: string
  /** Server certificate (PEM), its key, and the cluster CA: the hub serves HTTPS when all three are set. */
  tls_cert?: string
  tls_key?: string
  tls_ca?: string
  /** More HOST:PORT addresses served exactly like `bind` (e.g. loopback beside an interface address). */
  also_bind?: string[]
  /** The cluster's Redis URL (with its password) that GET /api/cluster gives submit and admin tokens. */
  redis_url?: string
}

/** IDM_GRIDCORE_CONFIG, else the user config dir, else /etc/idm-gridcore; undefined when none exists. */
export function findUpstreamConfig(
  file: 'computehub.toml' | 'gridnode.toml',
  env = process.env,
): string | undefined {
  if (env.IDM_GRIDCORE_CONFIG) return env.IDM_GRIDCORE_CONFIG
  const user = join(paths(env).upstreamConfigDir, file)
  if (existsSync(user)) return user
  const etc = join('/etc/idm-gridcore', file)
  return existsSync(etc) ? etc : undefined
}

export function readHubConfig(path: string): HubConfig {
  const t = readToml(path, 'hub config')
  const out: HubConfig = {}
  for (const key of ['bind', 'token', 'tls_cert', 'tls_key', 'tls_ca', 'redis_url'] as const) {
    const v = t[key]
    if (v === undefined) continue
    if (typeof v !== 'string' || v === '')
      throw configError(`hub config ${path}: "${key}" must be a non-empty string`)
    out[key] = v
  }
  const also = t.also_bind
  if (also !== undefined) {
    if (!Array.isArray(also) || !also.every((a) => typeof a === 'string' && a !== ''))
      throw configError(`hub config ${path}: "also_bind" must be a list of "HOST:PORT" strings`)
    out.also_bind = also as string[]
  }
  if (out.redis_url !== undefined && !isRedisUrl(out.redis_url)) {
    throw configError(
      `hub config ${path}: "redis_url" must be a redis:// or rediss:// URL (e.g. rediss://:PASSWORD@10.0.0.5:6379)`,
    )
  }
  return out
}

function isRedisUrl(raw: string): boolean {
  if (!URL.canParse(raw)) return false
  const u = new URL(raw)
  return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== ''
}
