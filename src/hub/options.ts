// Turns `gridcore hub start` flags plus an upstream computehub.toml into the hub's start options.
import { dirname, join } from 'node:path'
import { configError } from '../lib/errors.js'
import { paths } from '../lib/paths.js'
import { DEFAULT_BIND, findUpstreamConfig, readHubConfig } from './config.js'
import { parseBind } from './listen.js'

export interface HubFlagInput {
  config?: string
  bind?: string
  token?: string
  stateFile?: string
}

export interface ResolvedHubOptions {
  configPath?: string
  bind: string
  token: string
  stateFile: string
}

export function resolveHubOptions(input: HubFlagInput, env = process.env): ResolvedHubOptions {
  const configPath = input.config ?? findUpstreamConfig('computehub.toml', env)
  const cfg = configPath ? readHubConfig(configPath) : {}
  const bind = input.bind ?? cfg.bind ?? DEFAULT_BIND
  parseBind(bind)
  const token = input.token ?? cfg.token
  if (!token) {
    throw configError(
      configPath
        ? `hub config ${configPath} has no token: add token = "…" to it or pass --token`
        : 'the hub needs a token: pass --config computehub.toml (with token = "…") or --token',
    )
  }
  const stateFile =
    input.stateFile ?? join(configPath ? dirname(configPath) : paths(env).dataDir, 'computehub-state.json')
  return { configPath, bind, token, stateFile }
}
