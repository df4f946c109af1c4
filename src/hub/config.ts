// Finds and reads an upstream computehub.toml (bind, token) the way the upstream hub does.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { configError } from '../lib/errors.js'
import { paths } from '../lib/paths.js'
import { readToml } from '../lib/toml.js'

export const DEFAULT_BIND = '127.0.0.1:8080'

export interface HubConfig {
  bind?: string
  token?: string
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
  for (const key of ['bind', 'token'] as const) {
    const v = t[key]
    if (v === undefined) continue
    if (typeof v !== 'string' || v === '')
      throw configError(`hub config ${path}: "${key}" must be a non-empty string`)
    out[key] = v
  }
  return out
}
